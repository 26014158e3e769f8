"""The certificate desk (issue 19): found by canonical number, decided for every copy with a reason, and only by
auditors and admins."""

from __future__ import annotations

import sqlalchemy as sa

from models import Certificate
from tests.api.test_certificate_confirmation import FORGED, _self_certify
from tests.helpers import PASSWORD, csrf_of


def _browser(app, who):
    browser = app.test_client()
    token = csrf_of(browser.get("/login").get_data(as_text=True))
    assert (
        browser.post("/login", data={"email": f"{who}@test.id", "password": PASSWORD, "csrf_token": token}).status_code
        == 302
    )
    return browser


def test_a_loosely_typed_number_finds_the_certificate_and_a_decision_needs_a_reason(app, client, filled, session):
    cert = _self_certify(client, filled)
    admin = _browser(app, "admin")

    found = admin.get(f"/admin/certificates?lang=en&q= {FORGED[:10].lower()} ").get_data(as_text=True)
    page = admin.get(f"/admin/certificates/{cert}?lang=en").get_data(as_text=True)
    token = csrf_of(page)
    bare = admin.post(
        f"/admin/certificates/{cert}?lang=en",
        data={"csrf_token": token, "status": "suspended", "effective": "2026-11-20", "reason": ""},
    )
    bad_day = admin.post(
        f"/admin/certificates/{cert}?lang=en",
        data={"csrf_token": token, "status": "suspended", "effective": "20/11", "reason": "Audit"},
    )
    done = admin.post(
        f"/admin/certificates/{cert}?lang=en",
        data={
            "csrf_token": token,
            "status": "suspended",
            "effective": "2026-11-20",
            "reason": "Audit pending",
            "step": "confirm",
        },
    )

    assert f'data-number="{FORGED}"' in found
    assert "Rendang Bundo Nurlela" in page
    assert bare.status_code == 422
    assert bad_day.status_code == 422
    assert done.status_code == 200
    assert "What the decision changed" in done.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(sa.select(Certificate.status).where(Certificate.id == cert)).value == "suspended"


def test_only_auditors_and_admins_open_the_certificate_desk(app, client, filled, session):
    cert = _self_certify(client, filled)
    seen = {
        who: (_b := _browser(app, who)).get("/admin/certificates").status_code
        for who in ("producer_a", "pendamping_a", "coordinator", "auditor", "admin")
    }
    producer = _browser(app, "producer_a")

    assert seen == {"producer_a": 403, "pendamping_a": 403, "coordinator": 403, "auditor": 200, "admin": 200}
    assert producer.get(f"/admin/certificates/{cert}").status_code == 403
