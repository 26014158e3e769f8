"""``halal-trace users`` and ``tokens``: accounts and their API tokens."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from api.cli.common import OPERATOR, domain_errors, emit
from api.db import get_session
from models import User
from traceability.errors import NotFoundError
from traceability.service import accounts, invitations
from traceability.vocabulary import Role


@click.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--business", "nib", help="NIB of the producer's business, or of the business a pendamping follows.")
@click.option("--password", help="At least 10 characters; a random one is generated and printed if omitted.")
@click.option("--name", default="")
@with_appcontext
@domain_errors
def users_create(email: str, role: str, nib: str | None, password: str | None, name: str) -> None:
    """Create a user."""
    user, secret = accounts.create_user(
        get_session(), OPERATOR, email=email, role=Role(role), business_nib=nib, password=password, name=name
    )
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")
    if password is None:
        click.echo(f"Password: {secret}")


@users.command("unlock")
@click.option("--email", required=True)
@with_appcontext
@domain_errors
def users_unlock(email: str) -> None:
    """Lift a sign-in lockout (after too many wrong passwords) and clear the failure count."""
    user = accounts.unlock_user(get_session(), OPERATOR, email)
    click.echo(f"Unlocked {user.email} (id {user.id}).")


@click.group()
def tokens() -> None:
    """API tokens."""


@tokens.command("create")
@click.option("--email", required=True)
@click.option("--name", default="cli")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@domain_errors
def tokens_create(email: str, name: str, as_json: bool) -> None:
    """Create an API token for a user; it is shown once."""
    session = get_session()
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFoundError(f"No user with email {email}.")
    _, token = accounts.create_token(session, OPERATOR, user=user, name=name)
    if as_json:
        emit({"token": token})
    else:
        click.echo(token)


@click.command("invite")
@click.option("--nib", required=True, help="NIB of the business whose producer is invited.")
@click.option("--email", required=True, help="The producer's email; they sign in with it.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@domain_errors
def invite_command(nib: str, email: str, as_json: bool) -> None:
    """Invite a business's producer: a one-time link, valid for a week, to set a password."""
    invitation, token = invitations.create_invitation(get_session(), OPERATOR, nib=nib, email=email)
    url = invitations.invite_url(current_app.config["PUBLIC_BASE_URL"], token)
    if as_json:
        emit({"url": url, "expires": invitation.expires_at.isoformat()})
    else:
        click.echo(f"Invitation for {invitation.email}, valid until {invitation.expires_at.isoformat()}:")
        click.echo(url)
