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
    "list_users",
    "set_locked",
    "set_role",
    "authenticate_password",
    "authenticate_token",
    "change_password",
    "create_token",
    "create_user",
    "end_sessions",
    "every_token",
    "list_tokens",
    "revoke_token",
    "unlock_user",
    "user_with_role",
]

TOKEN_PREFIX = "ht_"
#: werkzeug's password hash method; tests lower its cost, production keeps scrypt.
PASSWORD_METHOD = "scrypt"
MIN_PASSWORD = 10
#: Defaults of the lockout policy (settings LOGIN_MAX_FAILURES and LOGIN_LOCKOUT_MINUTES).
MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
#: Who the journal names for a lockout: the sign-in itself, no signed-in user is behind it.
_SIGN_IN = Actor.operator("sign-in")
_REFUSED = "Wrong email or password."


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
    if not actor.may_manage_users:
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
        raise InvalidInputError(
            "A producer belongs to a business: give its NIB.", errors={"business": ["Required for a producer."]}
        )
    user = User(
        email=email,
        role=role,
        name=name,
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
        business_id=business.id if role is Role.PRODUCER and business else None,
    )
    with writing(session):
        session.add(user)
        session.flush()
        if role is Role.PENDAMPING and business is not None:
            session.add(PendampingAssignment(pendamping_id=user.id, business_id=business.id))
        journal.append(
            session,
            actor,
            "create",
            f"user:{user.id}",
            {"email": email, "role": role.value, "business": business.id if business else None},
        )
    return user, password


def user_with_role(session: Session, user_id: int | None, role: Role) -> User | None:
    """The user with this id if they have `role`: a check of whom a request names, not of who sends it."""
    user = session.get(User, user_id) if user_id else None
    return user if user is not None and user.role is role else None


def authenticate_password(
    session: Session,
    email: str,
    password: str,
    *,
    max_failures: int = MAX_FAILURES,
    lockout: dt.timedelta = LOCKOUT,
    now: dt.datetime | None = None,
) -> User:
    """Return the active user with this email and password.

    After `max_failures` wrong passwords in a row the account is locked for `lockout` (journaled);
    while locked even the right password is refused. Every refusal reads the same and costs one
    password hash, so neither the message nor the time tells whether the account exists or is locked.
    """
    now = now or dt.datetime.now(dt.UTC)
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    matches = check_password_hash(stored, password)
    if user is None or not user.active:
        raise AuthenticationError(_REFUSED)
    if user.locked_until is not None and user.locked_until > now:
        raise AuthenticationError(_REFUSED)  # the lock runs its course: tries while locked neither count nor extend
    if not matches or not user.password_hash:
        _count_failure(session, user, max_failures=max_failures, until=now + lockout)
        raise AuthenticationError(_REFUSED)
    if user.failed_logins or user.locked_until is not None:
        with writing(session):
            user.failed_logins = 0
            user.locked_until = None
    return user


def _count_failure(session: Session, user: User, *, max_failures: int, until: dt.datetime) -> None:
    with writing(session):
        # One UPDATE adding 1, so failures from concurrent requests are all counted.
        session.execute(
            sa.update(User)
            .where(User.id == user.id)
            .values(failed_logins=User.failed_logins + 1)
            .execution_options(synchronize_session=False)
        )
        session.refresh(user, ["failed_logins"])
        if user.failed_logins >= max_failures:
            user.failed_logins = 0
            user.locked_until = until
            journal.append(
                session,
                _SIGN_IN,
                "user.lock",
                f"user:{user.id}",
                {"failures": max_failures, "until": until.isoformat(timespec="seconds")},
            )


def unlock_user(session: Session, actor: Actor, email: str) -> User:
    """Lift a lockout (an admin or the operator) and clear the failure count; journaled."""
    if not actor.may_manage_users:
        raise PermissionDeniedError("Only an admin unlocks accounts.")
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFoundError(f"No user with email {email}.", errors={"email": ["Unknown email."]})
    with writing(session):
        was_locked = user.locked_until
        user.failed_logins = 0
        user.locked_until = None
        journal.append(
            session,
            actor,
            "user.unlock",
            f"user:{user.id}",
            {"was_locked_until": was_locked.isoformat(timespec="seconds") if was_locked else None},
        )
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
        user.session_version += 1  # a session opened with the old password ends
        journal.append(session, actor, "password.change", f"user:{user.id}", {})


def end_sessions(session: Session, user_id: int) -> None:
    """End every login session of the user (logging out): their session version moves on."""
    user = session.get(User, user_id)
    if user is None:
        return
    with writing(session):
        user.session_version += 1


def create_token(session: Session, actor: Actor, *, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue a bearer token for `user` (themselves, or anyone for the operator and admins).

    Only the hash is stored: the returned token is shown once.
    """
    if not actor.may_manage_account(user.id):
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


def every_token(session: Session, actor: Actor, *, limit: int = 500) -> list[tuple[ApiToken, User]]:
    """Every account's tokens, newest first, with their owner (admins; secrets are never stored)."""
    if not actor.may_manage_users:
        raise PermissionDeniedError("Only an admin lists every token.")
    rows = session.execute(
        sa.select(ApiToken, User).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id.desc()).limit(limit)
    )
    return [(token, user) for token, user in rows]


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's tokens (any token for an admin or the operator)."""
    record = session.get(ApiToken, token_id)
    if record is None or not actor.may_manage_account(record.user_id):
        raise NotFoundError("No token with that id.")
    if record.revoked_at is None:
        with writing(session):
            record.revoked_at = dt.datetime.now(dt.UTC)
            journal.append(session, actor, "token.revoke", f"user:{record.user_id}", {"token": record.id})
    return record


def list_users(session: Session, actor: Actor) -> list[tuple[User, str | None]]:
    """Every account with its business's name (admins)."""
    if not actor.may_manage_users:
        raise PermissionDeniedError("Only an admin lists users.")
    rows = session.execute(
        sa.select(User, Business.name).outerjoin(Business, Business.id == User.business_id).order_by(User.email)
    )
    return [(user, name) for user, name in rows]


def set_role(session: Session, actor: Actor, user_id: int, role: Role) -> User:
    """Give an account another role (admins; not one's own, so an admin never locks themself out); every session of
    the account ends, since what it may do changed. A producer keeps its business; another role has none."""
    if not actor.may_manage_users:
        raise PermissionDeniedError("Only an admin changes roles.")
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("No user with that id.")
    if user.id == actor.user_id:
        raise InvalidInputError("You cannot change your own role.", errors={"role": ["Not your own."]})
    if role is Role.PRODUCER and user.business_id is None:
        raise InvalidInputError(
            "A producer belongs to a business: invite the producer of the business instead.",
            errors={"role": ["A producer needs a business."]},
        )
    with writing(session):
        was = user.role
        user.role = role
        if role is not Role.PRODUCER:
            user.business_id = None
        user.session_version += 1
        journal.append(session, actor, "user.role", f"user:{user.id}", {"from": was.value, "to": role.value})
    return user


def set_locked(session: Session, actor: Actor, user_id: int, *, locked: bool) -> User:
    """Lock an account (it can no longer sign in or use its tokens, and its sessions end) or unlock it (the lockout
    after failed logins is lifted too); journaled."""
    if not actor.may_manage_users:
        raise PermissionDeniedError("Only an admin locks accounts.")
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("No user with that id.")
    if locked and user.id == actor.user_id:
        raise InvalidInputError("You cannot lock your own account.", errors={"user": ["Not your own."]})
    with writing(session):
        user.active = not locked
        if locked:
            user.session_version += 1
        else:
            user.failed_logins, user.locked_until = 0, None
        journal.append(
            session, actor, "user.lock" if locked else "user.unlock", f"user:{user.id}", {"active": not locked}
        )
    return user
