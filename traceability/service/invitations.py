"""Onboarding without the command line: a one-time, expiring link that lets a business's producer set a password.

Only the SHA-256 of the token is stored, so the database alone cannot be used to accept an invitation. An admin
invites any business, a coordinator any business of the registry, a pendamping the businesses they follow.
Accepting creates the producer's account in the business, once; an expired, used or unknown link is refused
with the same words.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from models import Business, Invitation, User
from traceability.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from traceability.service import journal
from traceability.service.access import Actor
from traceability.service.accounts import MIN_PASSWORD, PASSWORD_METHOD
from traceability.service.unit_of_work import writing
from traceability.vocabulary import Role

__all__ = ["LIFETIME", "accept", "create_invitation", "invite_url", "pending", "token_hash"]

LIFETIME = dt.timedelta(days=7)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_url(base: str, token: str) -> str:
    """The link the invited producer opens (DESIGN section 8b: ``/invite/<token>``)."""
    return f"{base.rstrip('/')}/invite/{token}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def create_invitation(
    session: Session, actor: Actor, *, nib: str, email: str, lifetime: dt.timedelta = LIFETIME
) -> tuple[Invitation, str]:
    """Invite the producer of the business with `nib`; return the invitation and its token (shown once)."""
    if not actor.may_invite_producers:
        raise PermissionDeniedError("Your role cannot invite producers.")
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise InvalidInputError("That is not an email address.", errors={"email": ["Not an email address."]})
    business = session.scalar(sa.select(Business).where(Business.nib == (nib or "").strip()))
    follows_only = actor.may_follow_assigned_businesses and not actor.may_read_every_business
    if business is None or (follows_only and business.id not in actor.assigned):
        raise NotFoundError("No business with that NIB.", errors={"nib": ["Unknown NIB."]})
    if session.scalar(sa.select(User.id).where(sa.func.lower(User.email) == email)) is not None:
        raise ConflictError("Someone already signs in with this email.", errors={"email": ["Already in use."]})
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        business_id=business.id,
        email=email,
        token_sha256=token_hash(token),
        expires_at=_now() + lifetime,
        created_by_id=actor.user_id,
    )
    with writing(session):
        session.add(invitation)
        session.flush()
        journal.append(
            session,
            actor,
            "invite",
            f"invitation:{invitation.id}",
            {"business": business.id, "email": email, "expires": invitation.expires_at.isoformat()},
            business_id=business.id,
        )
    return invitation, token


def pending(session: Session, token: str) -> Invitation:
    """The invitation `token` opens, if it is still usable."""
    invitation = session.scalar(sa.select(Invitation).where(Invitation.token_sha256 == token_hash(token or "")))
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= _now():
        raise NotFoundError("This invitation link is not valid any more.")
    return invitation


def accept(session: Session, token: str, password: str, *, name: str = "") -> User:
    """Set the password: create the producer's account in the invited business; the link then stops working."""
    invitation = pending(session, token)
    if len(password or "") < MIN_PASSWORD:
        message = f"Passwords have at least {MIN_PASSWORD} characters."
        raise InvalidInputError(message, errors={"password": [message]})
    user = User(
        email=invitation.email,
        role=Role.PRODUCER,
        name=(name or "").strip()[:200],
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
        business_id=invitation.business_id,
    )
    with writing(session):
        # Only one acceptance wins: the update matches the row only while it is unused.
        claimed = session.execute(
            sa.update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
            .values(used_at=_now())
        )
        if getattr(claimed, "rowcount", 0) != 1:
            raise NotFoundError("This invitation link is not valid any more.")
        session.add(user)
        session.flush()
        journal.append(
            session,
            Actor(label=f"user:{user.id}", role=Role.PRODUCER, user_id=user.id, business_id=user.business_id),
            "create",
            f"user:{user.id}",
            {"email": user.email, "role": user.role.value, "business": user.business_id, "invitation": invitation.id},
        )
    return user
