"""Onboarding without the command line: invitations from the pages and the CLI, the one-time link that sets a
password and lands on the first-run guide, and each role landing on its own page after signing in."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa

from api.cli import cli
from models import Invitation, User
from tests.helpers import BUSINESS_A, PASSWORD, csrf_of
from traceability.errors import NotFoundError
from traceability.service import invitations
from traceability.service.access import Actor
from traceability.vocabulary import Role


def _invite(client, who_client, nib=BUSINESS_A["nib"], email="ani@warung.id"):
    token = csrf_of(who_client.get("/account/password").get_data(as_text=True))
    return who_client.post("/invitations", data={"csrf_token": token, "nib": nib, "email": email})


@pytest.mark.parametrize("who", ["admin", "coordinator", "pendamping_a"])
def test_admin_coordinator_and_pendamping_invite_from_their_pages(client, filled, sign_in, who):
    browser = sign_in(who)

    answer = _invite(client, browser)

    html = answer.get_data(as_text=True)
    assert answer.status_code == 200, html[:500]
    assert re.search(r"/invite/[\w-]{20,}", html)


def test_a_pendamping_cannot_invite_a_business_they_do_not_follow(client, filled, sign_in):
    answer = _invite(client, sign_in("pendamping_other"))

    assert answer.status_code == 422
    assert "/invite/" not in answer.get_data(as_text=True)


def test_a_producer_cannot_invite(client, filled, sign_in):
    assert _invite(client, sign_in("producer_a")).status_code == 403


def test_the_link_sets_a_password_once_and_lands_on_the_first_run_guide(client, filled, session):
    _invitation, token = invitations.create_invitation(
        session, Actor.operator(), nib=BUSINESS_A["nib"], email="ani@warung.id"
    )
    page = client.get(f"/invite/{token}")
    assert page.status_code == 200
    assert BUSINESS_A["name"] in page.get_data(as_text=True)

    done = client.post(
        f"/invite/{token}",
        data={
            "csrf_token": csrf_of(page.get_data(as_text=True)),
            "name": "Ani",
            "password": PASSWORD,
            "again": PASSWORD,
        },
    )

    assert done.status_code == 302
    assert done.headers["Location"].endswith("/producer/welcome")
    guide = client.get("/producer/welcome").get_data(as_text=True)
    assert "/producer/business" in guide
    user = session.scalar(sa.select(User).where(User.email == "ani@warung.id"))
    assert user.role is Role.PRODUCER
    assert user.business_id == filled.world.business_a
    again = client.get(f"/invite/{token}")
    assert again.status_code == 404  # single use
    assert "tidak berlaku lagi" in again.get_data(as_text=True) or "does not work" in again.get_data(as_text=True)


def test_an_expired_or_unknown_link_is_refused(client, filled, session):
    invitation, token = invitations.create_invitation(
        session, Actor.operator(), nib=BUSINESS_A["nib"], email="budi@warung.id"
    )
    session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id)
        .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    )
    session.commit()

    assert client.get(f"/invite/{token}").status_code == 404
    assert client.get("/invite/not-a-token").status_code == 404
    with pytest.raises(NotFoundError):
        invitations.accept(session, token, PASSWORD)


def test_the_cli_invites_by_nib_and_prints_the_link_as_json(app, filled, session):
    result = app.test_cli_runner().invoke(
        cli, ["invite", "--nib", BUSINESS_A["nib"], "--email", "citra@warung.id", "--json"]
    )

    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert set(body) == {"url", "expires"}
    assert re.fullmatch(r"https?://.+/invite/[\w-]{20,}", body["url"])
    assert session.scalar(sa.select(sa.func.count()).where(Invitation.email == "citra@warung.id")) == 1


def test_the_cli_refuses_an_unknown_nib(app, filled):
    result = app.test_cli_runner().invoke(cli, ["invite", "--nib", "0000000000000", "--email", "x@y.id", "--json"])

    assert result.exit_code != 0


HOME = {
    "producer_a": "/producer",
    "pendamping_a": "/pendamping",
    "auditor": "/auditor",
    "admin": "/admin",
    "coordinator": "/coordinator",
}


@pytest.mark.parametrize("who", list(HOME))
def test_after_signing_in_every_role_lands_on_its_own_page(client, filled, who):
    token = csrf_of(client.get("/login").get_data(as_text=True))

    answer = client.post("/login", data={"email": f"{who}@test.id", "password": PASSWORD, "csrf_token": token})

    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(HOME[who])


def test_the_business_profile_records_the_penyelia_halal_and_sjph(client, filled, sign_in, session):
    from models import Business

    producer = sign_in("producer_a")
    form = producer.get("/producer/business").get_data(as_text=True)
    data = {k: v for k, v in re.findall(r'<input type="[a-z]+"[^>]* name="([^"]+)" value="([^"]*)"', form)}
    data.update(
        {
            "csrf_token": csrf_of(form),
            "version": re.search(r'name="version" value="(\d+)"', form).group(1),
            "scale": "small",
            "halal_supervisor-name": "Ani Suryani",
            "halal_supervisor-muslim": "on",
            "halal_supervisor-trained_on": "2026-06-01",
            "sjph-last_training_on": "2026-06-01",
            "sjph-last_internal_audit_on": "2026-10-01",
            "sjph-last_management_review_on": "2026-10-15",
        }
    )

    saved = producer.post("/producer/business", data=data)

    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    session.expire_all()
    business = session.get(Business, filled.world.business_a)
    assert business.supervisor_name == "Ani Suryani"
    assert business.sjph_last_internal_audit_on.isoformat() == "2026-10-01"
