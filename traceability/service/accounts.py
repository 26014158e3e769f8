"""Users, passwords and API tokens."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from models import ApiToken, Business, PendampingAssignment, User
from traceability.errors import AuthenticationError, InvalidInputError, NotFoundError, PermissionDeniedError
from traceability.service import journal
from traceability.service.access import Actor
from traceability.service.unit_of_work import writing
from traceability.vocabulary import Role

__all__ = [
    "authenticate_password",
    "authenticate_token",
    "change_password",
    "create_token",
    "create_user",
    "list_tokens",
    "revoke_token",
]

TOKEN_PREFIX = "ht_"
#: werkzeug's password hash method; tests lower its cost, production keeps scrypt.
PASSWORD_METHOD = "scrypt"
MIN_PASSWORD = 10


@functools.cache
def _dummy_hash() -> str:
    # Compared against when the email is unknown, so timing does not reveal which accounts exist.
    return generate_password_hash("not-a-real-password-" + secrets.token_hex(8), method=PASSWORD_METHOD)


def _hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: no dictionary can reach them.
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    role: Role,
    business_nib: str | None = None,
    password: str | None = None,
    name: str = "",
) -> tuple[User, str]:
    """Create a user and return it with its password (generated when none is given).

    A producer joins the business with `business_nib`; a pendamping is assigned to it.
    """
    if actor.role not in (None, Role.ADMIN):
        raise PermissionDeniedError("Only an admin creates users.")
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidInputError("That is not an email address.", errors={"email": ["Not an email address."]})
    if password is not None and len(password) < MIN_PASSWORD:
        message = f"Passwords have at least {MIN_PASSWORD} characters."
        raise InvalidInputError(message, errors={"password": [message]})
    password = password or secrets.token_urlsafe(12)
    business = None
    if business_nib is not None:
        business = session.scalar(sa.select(Business).where(Business.nib == business_nib))
        if business is None:
            raise NotFoundError(f"No business with NIB {business_nib}.", errors={"business": ["Unknown NIB."]})
    if role is Role.PRODUCER and business is None:
        raise InvalidInputError("A producer belongs to a business: give its NIB.",
                                errors={"business": ["Required for a producer."]})
    user = User(email=email, role=role, name=name,
                password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
                business_id=business.id if role is Role.PRODUCER and business else None)
    with writing(session):
        session.add(user)
        session.flush()
        if role is Role.PENDAMPING and business is not None:
            session.add(PendampingAssignment(pendamping_id=user.id, business_id=business.id))
        journal.append(session, actor, "create", f"user:{user.id}",
                       {"email": email, "role": role.value, "business": business.id if business else None})
    return user, password


def authenticate_password(session: Session, email: str, password: str) -> User:
    """Return the active user with this email and password."""
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    if not check_password_hash(stored, password) or user is None or not user.active:
        raise AuthenticationError("Wrong email or password.")
    return user


def change_password(session: Session, actor: Actor, old: str, new: str) -> None:
    """Let a user replace their own password."""
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None or not user.password_hash or not check_password_hash(user.password_hash, old):
        raise AuthenticationError("The current password is wrong.")
    if len(new) < MIN_PASSWORD:
        message = f"Passwords have at least {MIN_PASSWORD} characters."
        raise InvalidInputError(message, errors={"new_password": [message]})
    with writing(session):
        user.password_hash = generate_password_hash(new, method=PASSWORD_METHOD)
        journal.append(session, actor, "password.change", f"user:{user.id}", {})


def create_token(session: Session, actor: Actor, *, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue a bearer token for `user` (themselves, or anyone for the operator and admins).

    Only the hash is stored: the returned token is shown once.
    """
    if actor.role not in (None, Role.ADMIN) and actor.user_id != user.id:
        raise PermissionDeniedError("You can create tokens only for yourself.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, token_hash=_hash_token(token), prefix=token[:10], name=name)
    with writing(session):
        session.add(record)
        session.flush()
        journal.append(session, actor, "token.create", f"user:{user.id}", {"token": record.id, "name": name})
    return record, token


def authenticate_token(session: Session, token: str) -> User:
    """Return the active user a bearer token belongs to; revoked tokens fail at once."""
    record = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _hash_token(token)))
    if record is None or record.revoked_at is not None or not record.user.active:
        raise AuthenticationError("Unknown or revoked token.")
    return record.user


def list_tokens(session: Session, actor: Actor) -> list[ApiToken]:
    """The actor's own tokens (without their secrets)."""
    return list(session.scalars(sa.select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.id)))


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's tokens (any token for an admin or the operator)."""
    record = session.get(ApiToken, token_id)
    if record is None or (actor.role not in (None, Role.ADMIN) and record.user_id != actor.user_id):
        raise NotFoundError("No token with that id.")
    if record.revoked_at is None:
        with writing(session):
            record.revoked_at = dt.datetime.now(dt.UTC)
            journal.append(session, actor, "token.revoke", f"user:{record.user_id}", {"token": record.id})
    return record
