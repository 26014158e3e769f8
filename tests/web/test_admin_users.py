"""The admin's users page (issue 19): create an account, change its role, lock and unlock it; journaled, and a
locked account cannot sign in."""

from __future__ import annotations

import re

import sqlalchemy as sa

from models import JournalEntry, User
from tests.helpers import PASSWORD, csrf_of
from tests.web.test_certificate_desk import _browser


def _user(session, email):
    session.expire_all()
    return session.scalar(sa.select(User).where(User.email == email))


def test_an_admin_creates_changes_locks_and_unlocks_an_account(app, client, filled, session):
    admin = _browser(app, "admin")
    page = admin.get("/admin/users?lang=en").get_data(as_text=True)
    token = csrf_of(page)

    created = admin.post(
        "/admin/users?lang=en",
        data={
            "csrf_token": token,
            "action": "create",
            "email": "Baru@Test.id",
            "name": "Auditor Baru",
            "role": "auditor",
        },
    )
    password = re.search(r"<code>([^<]+)</code>", created.get_data(as_text=True)).group(1)
    new = _user(session, "baru@test.id")
    to_pendamping = admin.post(
        "/admin/users", data={"csrf_token": token, "action": "role", "user": new.id, "role": "pendamping"}
    )
    locked = admin.post("/admin/users", data={"csrf_token": token, "action": "lock", "user": new.id})
    login_token = csrf_of(app.test_client().get("/login").get_data(as_text=True))
    outsider = app.test_client()
    outsider.get("/login")
    refused = outsider.post(
        "/login",
        data={
            "email": "baru@test.id",
            "password": password,
            "csrf_token": csrf_of(outsider.get("/login").get_data(as_text=True)),
        },
    )
    unlocked = admin.post("/admin/users", data={"csrf_token": token, "action": "unlock", "user": new.id})
    me = _user(session, "admin@test.id")
    self_lock = admin.post("/admin/users?lang=en", data={"csrf_token": token, "action": "lock", "user": me.id})

    assert login_token
    assert "pendamping_a@test.id" in page
    assert created.status_code == 200
    assert "shown only now" in created.get_data(as_text=True)
    assert to_pendamping.status_code == 302
    assert locked.status_code == 302
    assert refused.status_code != 302
    assert unlocked.status_code == 302
    assert self_lock.status_code == 422
    user = _user(session, "baru@test.id")
    assert (user.role.value, user.active) == ("pendamping", True)
    actions = set(session.scalars(sa.select(JournalEntry.action).where(JournalEntry.subject == f"user:{user.id}")))
    assert {"create", "user.role", "user.lock", "user.unlock"} <= actions
    assert PASSWORD not in created.get_data(as_text=True)


def test_only_an_admin_opens_the_users_page(app, client, filled):
    seen = {who: _browser(app, who).get("/admin/users").status_code for who in ("producer_a", "auditor", "coordinator")}
    assert seen == {"producer_a": 403, "auditor": 403, "coordinator": 403}


def test_an_admin_revokes_a_code_by_pasting_the_address_its_qr_opens(app, client, filled, session):
    from tests.helpers import issue

    issued = issue(client, filled)
    admin = _browser(app, "admin")
    token = csrf_of(admin.get("/admin/codes").get_data(as_text=True))

    unknown = admin.post("/admin/codes?lang=en", data={"csrf_token": token, "code": "not-a-code"})
    done = admin.post("/admin/codes", data={"csrf_token": token, "code": issued["url"]})
    producer = _browser(app, "producer_a").get("/admin/codes")

    assert unknown.status_code == 422
    assert "No code like that." in unknown.get_data(as_text=True)
    assert done.status_code == 302
    assert client.get(f"/api/v1/verify/{issued['code']}").json["state"] == "revoked"
    assert producer.status_code == 403
