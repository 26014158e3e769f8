"""Onboarding without the command line: a one-time, expiring link that lets a business's producer set a password.

Only the SHA-256 of the token is stored, so the database alone cannot be used to accept an invitation. An admin
invites any business, a coordinator any business of the registry, a pendamping the businesses they follow.
Accepting creates the producer's account in the business, once; an expired, used, revoked or unknown link is
refused with the same words. An admin's password reset is an invitation too, naming the account: the old password
stops working at once, and the link sets a new one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

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

__all__ = [
    "LIFETIME",
    "Listed",
    "accept",
    "create_invitation",
    "invite_url",
    "list_invitations",
    "pending",
    "reset_password",
    "revoke_invitation",
    "token_hash",
]

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
    if (
        invitation is None
        or invitation.used_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= _now()
    ):
        raise NotFoundError("This invitation link is not valid any more.")
    return invitation


def accept(session: Session, token: str, password: str, *, name: str = "") -> User:
    """Set the password: create the producer's account in the invited business (or give the reset account its new
    password); the link then stops working."""
    invitation = pending(session, token)
    if len(password or "") < MIN_PASSWORD:
        message = f"Passwords have at least {MIN_PASSWORD} characters."
        raise InvalidInputError(message, errors={"password": [message]})
    if invitation.user_id is not None:
        return _reset(session, invitation, password)
    user = User(
        email=invitation.email,
        role=Role.PRODUCER,
        name=(name or "").strip()[:200],
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
        business_id=invitation.business_id,
    )
    with writing(session):
        _claim(session, invitation)
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


def _claim(session: Session, invitation: Invitation) -> None:
    # Only one acceptance wins: the update matches the row only while it is unused and not revoked.
    claimed = session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
        .values(used_at=_now())
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise NotFoundError("This invitation link is not valid any more.")


def _reset(session: Session, invitation: Invitation, password: str) -> User:
    user = session.get(User, invitation.user_id)
    if user is None:
        raise NotFoundError("This invitation link is not valid any more.")
    with writing(session):
        _claim(session, invitation)
        user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
        user.failed_logins, user.locked_until = 0, None
        user.session_version += 1
        journal.append(
            session,
            Actor(label=f"user:{user.id}", role=user.role, user_id=user.id, business_id=user.business_id),
            "password.reset.accept",
            f"user:{user.id}",
            {"invitation": invitation.id},
        )
    return user


def reset_password(
    session: Session, actor: Actor, user_id: int, *, lifetime: dt.timedelta = LIFETIME
) -> tuple[Invitation, str]:
    """An admin's reset: the account's password and sessions stop working now, earlier reset links are revoked,
    and a new one-time link (returned with its token, shown once) lets its owner choose a new password."""
    if not actor.may_manage_users:
        raise PermissionDeniedError("Only an admin resets passwords.")
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("No user with that id.")
    if user.id == actor.user_id:
        message = "Change your own password on the password page."
        raise InvalidInputError(message, errors={"user": [message]})
    token = secrets.token_urlsafe(32)
    now = _now()
    invitation = Invitation(
        business_id=user.business_id,
        user_id=user.id,
        email=user.email,
        token_sha256=token_hash(token),
        expires_at=now + lifetime,
        created_by_id=actor.user_id,
    )
    with writing(session):
        session.execute(
            sa.update(Invitation)
            .where(Invitation.user_id == user.id, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        user.password_hash = None  # the old password stops working at once
        user.session_version += 1
        session.add(invitation)
        session.flush()
        journal.append(
            session,
            actor,
            "password.reset",
            f"user:{user.id}",
            {"invitation": invitation.id, "expires": invitation.expires_at.isoformat()},
        )
    return invitation, token


@dataclass(frozen=True, slots=True)
class Listed:
    """An invitation as the admin's list shows it: what it is for, and whether its link still works."""

    invitation: Invitation
    business: str | None
    state: str  # pending, used, expired, revoked

    @property
    def reset(self) -> bool:
        return self.invitation.user_id is not None


def _state(invitation: Invitation, now: dt.datetime) -> str:
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.used_at is not None:
        return "used"
    expires = invitation.expires_at if invitation.expires_at.tzinfo else invitation.expires_at.replace(tzinfo=dt.UTC)
    return "expired" if expires <= now else "pending"


def list_invitations(session: Session, actor: Actor, *, limit: int = 200) -> list[Listed]:
    """The newest invitations and reset links, each with its business's name and state (admins)."""
    if not actor.may_manage_users:
        raise PermissionDeniedError("Only an admin lists invitations.")
    rows = session.execute(
        sa.select(Invitation, Business.name)
        .outerjoin(Business, Business.id == Invitation.business_id)
        .order_by(Invitation.id.desc())
        .limit(limit)
    )
    now = _now()
    return [Listed(invitation, name, _state(invitation, now)) for invitation, name in rows]


def revoke_invitation(session: Session, actor: Actor, invitation_id: int) -> Invitation:
    """Make an unused invitation's link stop working (admins); journaled. Revoking twice changes nothing."""
    if not actor.may_manage_users:
        raise PermissionDeniedError("Only an admin revokes invitations.")
    invitation = session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFoundError("No invitation with that id.")
    if invitation.used_at is not None:
        message = "This invitation was already used."
        raise ConflictError(message, errors={"invitation": [message]})
    if invitation.revoked_at is None:
        with writing(session):
            invitation.revoked_at = _now()
            journal.append(
                session,
                actor,
                "invite.revoke",
                f"invitation:{invitation.id}",
                {"email": invitation.email},
                business_id=invitation.business_id,
            )
    return invitation
