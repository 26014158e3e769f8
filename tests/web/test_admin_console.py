"""The admin's console beyond users (issue 19): a password reset by a new one-time link, invitations and tokens
listed and revoked, the signing key rotated from a confirmed form, journal checkpoints sealed, and a certificate
decision shown with what it would flip before anything is written."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from models import ApiToken, Assessment, Certificate, Invitation, JournalCheckpoint, JournalEntry, User
from tests.api.test_certificate_confirmation import FORGED, _import, _own_row, _recorded_rows, _self_certify
from tests.helpers import OPERATOR, PASSWORD, csrf_of, final_batch
from tests.web.test_certificate_desk import _browser
from traceability.service import accounts, invitations


def _sign_in(app, email: str, password: str):
    browser = app.test_client()
    token = csrf_of(browser.get("/login").get_data(as_text=True))
    return browser.post("/login", data={"email": email, "password": password, "csrf_token": token})


def _entries(session, action: str) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(JournalEntry).where(JournalEntry.action == action))


def test_a_reset_stops_the_old_password_and_its_link_sets_a_new_one_once(app, client, filled, session):
    admin = _browser(app, "admin")
    auditor = session.scalar(sa.select(User).where(User.email == "auditor@test.id"))
    signed_in = _browser(app, "auditor")
    token = csrf_of(admin.get("/admin/users").get_data(as_text=True))

    page = admin.post("/admin/users?lang=en", data={"csrf_token": token, "action": "reset", "user": auditor.id})
    url = re.search(r'<code class="reset-link">([^<]+)</code>', page.get_data(as_text=True)).group(1)
    path = url.split("trace.test", 1)[-1]
    old = _sign_in(app, "auditor@test.id", PASSWORD)
    session_after = signed_in.get("/auditor")
    form = app.test_client()
    opened = form.get(f"{path}?lang=en")
    chosen = form.post(
        path,
        data={
            "csrf_token": csrf_of(opened.get_data(as_text=True)),
            "password": "kata-sandi-baru",
            "again": "kata-sandi-baru",
        },
    )
    again = app.test_client().get(path)
    new = _sign_in(app, "auditor@test.id", "kata-sandi-baru")
    self_reset = admin.post("/admin/users?lang=en", data={"csrf_token": token, "action": "reset", "user": 6})

    assert page.status_code == 200
    assert "no longer works" in page.get_data(as_text=True)
    assert old.status_code != 302  # the old password is refused at once
    assert session_after.status_code == 302  # and the session it opened ended
    assert "Choose a new password" in opened.get_data(as_text=True)
    assert chosen.status_code == 302
    assert again.status_code == 404
    assert new.status_code == 302
    assert self_reset.status_code in (200, 422)
    session.expire_all()
    assert _entries(session, "password.reset") == 1
    assert _entries(session, "password.reset.accept") == 1


def test_an_admin_lists_and_revokes_an_invitation_and_its_link_stops(app, client, filled, session):
    _invitation, link = invitations.create_invitation(session, OPERATOR, nib="1208230044517", email="baru@usaha.id")
    admin = _browser(app, "admin")
    page = admin.get("/admin/invitations?lang=en").get_data(as_text=True)
    token = csrf_of(page)
    row = session.scalar(sa.select(Invitation).where(Invitation.email == "baru@usaha.id"))

    revoked = admin.post("/admin/invitations", data={"csrf_token": token, "invitation": row.id})
    unknown = admin.post("/admin/invitations?lang=en", data={"csrf_token": token, "invitation": 999})
    opened = app.test_client().get(f"/invite/{link}")
    after = admin.get("/admin/invitations?lang=en").get_data(as_text=True)

    assert 'data-email="baru@usaha.id" data-state="pending"' in page
    assert "Rendang Bundo" in page
    assert revoked.status_code == 302
    assert unknown.status_code == 422
    assert "No invitation with that id." in unknown.get_data(as_text=True)
    assert opened.status_code == 404
    assert 'data-email="baru@usaha.id" data-state="revoked"' in after
    assert _entries(session, "invite.revoke") == 1


def test_an_admin_lists_every_token_and_revokes_one(app, client, filled, session):
    producer = session.scalar(sa.select(User).where(User.email == "producer_a@test.id"))
    record, secret = accounts.create_token(session, OPERATOR, user=producer, name="kasir")
    admin = _browser(app, "admin")
    page = admin.get("/admin/tokens?lang=en").get_data(as_text=True)

    revoked = admin.post("/admin/tokens", data={"csrf_token": csrf_of(page), "token": record.id})
    refused = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})

    assert f'data-prefix="{record.prefix}"' in page
    assert secret not in page
    assert "kasir" in page
    assert revoked.status_code == 302
    assert refused.status_code == 401
    session.expire_all()
    assert session.get(ApiToken, record.id).revoked_at is not None


def test_a_rotation_needs_its_box_ticked_and_keeps_older_keys_published(app, client, filled, session):
    admin = _browser(app, "admin")
    before = {k["kid"] for k in client.get("/.well-known/jwks.json").json["keys"]}
    page = admin.get("/admin/keys?lang=en").get_data(as_text=True)
    token = csrf_of(page)

    unticked = admin.post("/admin/keys?lang=en", data={"csrf_token": token})
    same = {k["kid"] for k in client.get("/.well-known/jwks.json").json["keys"]}
    done = admin.post("/admin/keys", data={"csrf_token": token, "confirm": "yes"})
    after = {k["kid"] for k in client.get("/.well-known/jwks.json").json["keys"]}
    shown = admin.get("/admin/keys?lang=en").get_data(as_text=True)
    other = _browser(app, "auditor")
    mine = csrf_of(other.get("/account/password").get_data(as_text=True))
    auditor = other.post("/admin/keys", data={"csrf_token": mine, "confirm": "yes"})

    assert all(f'data-kid="{kid}"' in page for kid in before)
    assert unticked.status_code == 422
    assert "Tick the box" in unticked.get_data(as_text=True)
    assert same == before
    assert done.status_code == 302
    assert before < after
    assert len(after) == len(before) + 1
    (new,) = after - before
    assert re.search(rf'data-kid="{new}"><code>{new}</code> · <strong class="active-key">', shown)
    assert auditor.status_code == 403
    assert _entries(session, "key.rotate") == 1


def test_sealing_from_the_page_signs_a_checkpoint_and_a_second_seal_adds_none(app, client, filled, session):
    admin = _browser(app, "admin")
    page = admin.get("/admin/journal?lang=en").get_data(as_text=True)
    token = csrf_of(page)

    first = admin.post("/admin/journal?lang=en", data={"csrf_token": token}, follow_redirects=True)
    second = admin.post("/admin/journal?lang=en", data={"csrf_token": token}, follow_redirects=True)

    assert "entries are not in a checkpoint yet" in page
    assert "Checkpoint signed" in first.get_data(as_text=True)
    assert "Nothing new to seal" in second.get_data(as_text=True)
    assert "Every entry is in a checkpoint." in second.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(JournalCheckpoint)) == 1


def test_a_decision_is_previewed_with_the_batches_it_flips_and_written_only_when_confirmed(
    app, client, filled, session
):
    cert = _self_certify(client, filled)
    _import(
        session, [_own_row(session, filled), *_recorded_rows(session, filled.world.business_a)], dt.date(2026, 11, 12)
    )
    batch = final_batch(session, filled.world.business_a).id
    admin = _browser(app, "admin")
    token = csrf_of(admin.get(f"/admin/certificates/{cert}").get_data(as_text=True))
    decision = {"csrf_token": token, "status": "revoked", "effective": "2025-09-02", "reason": "Nomor palsu"}
    decisions_before = _entries(session, "certificate.status")
    status_before = session.scalar(sa.select(Assessment.status).where(Assessment.batch_id == batch))

    preview = admin.post(f"/admin/certificates/{cert}?lang=en", data=decision)
    session.expire_all()
    stored_after_preview = (
        session.scalar(sa.select(Certificate.status).where(Certificate.id == cert)).value,
        session.scalar(sa.select(Assessment.status).where(Assessment.batch_id == batch)),
        _entries(session, "certificate.status"),
    )
    no_reason = admin.post(f"/admin/certificates/{cert}?lang=en", data={**decision, "reason": " "})
    confirmed = admin.post(f"/admin/certificates/{cert}?lang=en", data={**decision, "step": "confirm"})

    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Before you confirm" in html
    assert f'<li data-batch="{batch}"><strong>Rendang Daging Sapi</strong>' in html.split("would-flip", 1)[1]
    assert 'name="step" value="confirm"' in html
    assert stored_after_preview == ("active", status_before, decisions_before)  # nothing written by a preview
    assert no_reason.status_code == 422
    assert confirmed.status_code == 200
    assert "What the decision changed" in confirmed.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(sa.select(Certificate.status).where(Certificate.id == cert)).value == "revoked"
    assert _entries(session, "certificate.status") > decisions_before
    assert FORGED in confirmed.get_data(as_text=True)


def test_the_businesses_page_lists_and_finds_each_business_with_its_accounts(app, client, filled):
    admin = _browser(app, "admin")

    every = admin.get("/admin/businesses?lang=en").get_data(as_text=True)
    found = admin.get("/admin/businesses?lang=en&q=1208230044517").get_data(as_text=True)

    assert 'data-nib="1208230044517"' in every
    assert every.count('class="card"') >= 2
    assert "producer_a@test.id" in every or "Accounts" in every
    assert 'data-nib="1208230044517"' in found
