"""The auditor's page of certificates to confirm, each beside its scan, and the admin's register import page
(issue 20): decisions taken in the browser reach every business's copy and every public surface."""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa
from PIL import Image

from models import Certificate, JournalEntry, RegisterEntry, RegisterSnapshot
from tests.api.test_certificate_confirmation import (
    FORGED,
    HEADER,
    PNG,
    _own_row,
    _public,
    _recorded_rows,
    _self_certify,
)
from tests.helpers import PASSWORD, count_rows, csrf_of, final_batch, issue


def _pdf() -> bytes:
    """A one-page PDF, as a scanner makes it: an image of the certificate."""
    from PIL import ImageDraw

    sheet = Image.new("RGB", (620, 877), (250, 250, 240))
    pen = ImageDraw.Draw(sheet)
    pen.rectangle((20, 20, 600, 857), outline=(11, 110, 79), width=6)
    lines = ("SERTIFIKAT HALAL", f"Nomor: {FORGED}", "Rendang Bundo Nurlela", "BPJPH")
    for y, line in enumerate(lines):
        pen.text((60, 90 + 45 * y), line, fill=(20, 20, 20), font_size=26)
    out = io.BytesIO()
    sheet.save(out, format="PDF")
    return out.getvalue()


def _copy_in_business_b(client, filled) -> int:
    created = client.post(
        "/api/v1/certificates",
        headers=filled.auth("producer_b"),
        json={
            "number": FORGED.lower().replace("id", "ID "),  # the same identity, typed differently
            "issuer": "bpjph",
            "scheme": "regular",
            "covers": [{"product": filled.product_b}],
            "issued_on": "2025-09-01",
        },
    )
    assert created.status_code == 201, created.json
    return int(created.json["id"])


def _upload(client, filled, cert, content, media_type):
    response = client.put(
        f"/api/v1/certificates/{cert}/evidence",
        data=content,
        content_type=media_type,
        headers=filled.auth("producer_a"),
    )
    assert response.status_code == 200, response.json


def test_the_queue_lists_a_typed_certificate_and_the_page_shows_it_beside_its_pdf_scan(
    client, filled, session, sign_in
):
    cert = _self_certify(client, filled)
    _copy_in_business_b(client, filled)
    _upload(client, filled, cert, _pdf(), "application/pdf")
    browser = sign_in("auditor")

    queue = browser.get("/auditor/certificates?lang=en")
    page = browser.get(f"/auditor/certificates/{cert}?lang=en")
    drawn = browser.get(f"/auditor/certificates/{cert}/scan?page=0")
    beyond = browser.get(f"/auditor/certificates/{cert}/scan?page=7")

    text = queue.get_data(as_text=True)
    assert queue.status_code == 200
    assert FORGED in text
    assert "scan attached, not yet checked" in text
    assert f"/auditor/certificates/{cert}" in text
    assert "Rendang Bundo" in text
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'src="/auditor/certificates/{cert}/scan?page=0"' in html
    assert "all 2" in html or ": 2 in all" in html  # both businesses' copies
    assert drawn.status_code == 200
    assert drawn.mimetype == "image/png"
    assert Image.open(io.BytesIO(drawn.data)).width >= 500
    assert beyond.status_code == 404


def test_an_auditor_confirming_in_the_browser_verifies_every_copy_and_journals_each(client, filled, session, sign_in):
    cert = _self_certify(client, filled)
    other = _copy_in_business_b(client, filled)
    code = issue(client, filled, batch=final_batch(session, filled.world.business_a).id)["code"]
    browser = sign_in("auditor")
    form = browser.get(f"/auditor/certificates/{cert}").get_data(as_text=True)
    assert 'value="confirm" class="act-approve" disabled' in form  # no scan to check it against yet
    _upload(client, filled, cert, PNG, "image/png")
    token = csrf_of(browser.get(f"/auditor/certificates/{cert}").get_data(as_text=True))

    done = browser.post(
        f"/auditor/certificates/{cert}?lang=en",
        data={"csrf_token": token, "decision": "confirm", "reason": "Read the scan: number and holder agree"},
    )

    assert done.status_code == 302
    assert _public(client, code)["state"] == "verified"
    subjects = set(
        session.scalars(sa.select(JournalEntry.subject).where(JournalEntry.action == "certificate.confirmation"))
    )
    assert subjects == {f"certificate:{cert}", f"certificate:{other}"}
    shown = browser.get(done.headers["Location"]).get_data(as_text=True)
    assert "Certificate confirmed for 2 business records." in shown
    assert FORGED not in browser.get("/auditor/certificates").get_data(as_text=True)


def test_rejecting_needs_a_reason_and_then_names_it_in_the_queue(client, filled, session, sign_in):
    cert = _self_certify(client, filled)
    browser = sign_in("auditor")
    token = csrf_of(browser.get(f"/auditor/certificates/{cert}").get_data(as_text=True))

    bare = browser.post(f"/auditor/certificates/{cert}?lang=en", data={"csrf_token": token, "decision": "reject"})
    said = browser.post(
        f"/auditor/certificates/{cert}?lang=en",
        data={"csrf_token": token, "decision": "reject", "reason": "The number is not BPJPH's format for 2025"},
    )

    assert bare.status_code == 422
    assert "Say why the certificate is rejected." in bare.get_data(as_text=True)
    assert said.status_code == 302
    queue = browser.get("/auditor/certificates?lang=id").get_data(as_text=True)
    assert "ditolak auditor: The number is not BPJPH" in queue


def test_only_auditors_and_admins_open_the_certificate_pages(app, client, filled, session):
    cert = _self_certify(client, filled)
    _upload(client, filled, cert, PNG, "image/png")
    seen = {}
    for who in ("producer_a", "pendamping_a", "coordinator", "auditor", "admin"):
        browser = app.test_client()
        token = csrf_of(browser.get("/login").get_data(as_text=True))
        signed = browser.post("/login", data={"email": f"{who}@test.id", "password": PASSWORD, "csrf_token": token})
        assert signed.status_code == 302
        seen[who] = (
            browser.get("/auditor/certificates").status_code,
            browser.get(f"/auditor/certificates/{cert}/scan").status_code,
            browser.get("/admin/register").status_code,
        )
    anonymous = app.test_client().get("/auditor/certificates")

    assert seen["producer_a"][:2] == (403, 403)
    assert seen["pendamping_a"][:2] == (403, 403)
    assert seen["coordinator"] == (403, 403, 403)
    assert seen["auditor"] == (200, 200, 403)
    assert seen["admin"] == (200, 200, 200)
    assert anonymous.status_code == 302  # to the login page


def _post_register(browser, body: bytes, name: str, **fields):
    token = csrf_of(browser.get("/admin/register").get_data(as_text=True))
    return browser.post(
        "/admin/register?lang=en",
        data={"csrf_token": token, "file": (io.BytesIO(body), name), **fields},
        content_type="multipart/form-data",
    )


def test_an_admin_imports_a_register_and_sees_the_counts_and_what_changed(client, filled, session, sign_in):
    _self_certify(client, filled)
    code = issue(client, filled, batch=final_batch(session, filled.world.business_a).id)["code"]
    suppliers = _recorded_rows(session, filled.world.business_a)
    browser = sign_in("admin")
    layout = browser.get("/admin/register?lang=en").get_data(as_text=True)
    first = HEADER + "\n".join([_own_row(session, filled), *suppliers]) + "\n"

    shown = _post_register(browser, first.encode(), "sihalal.csv", snapshot_date="2026-11-12")
    revoked = HEADER + "\n".join([_own_row(session, filled, status="dicabut"), *suppliers]) + "\n"
    again = _post_register(browser, revoked.encode(), "sihalal.csv", snapshot_date="2026-11-19")

    for column in ("number", "holder_name", "holder_nib", "scope", "issued_on", "valid_until", "status"):
        assert f"<code>{column}</code>" in layout
    assert "Nomor Sertifikat" in layout
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200, text[:500]
    assert f"{len(suppliers) + 1} register entries" in text
    assert "Confirmed certificates:" in text
    assert FORGED in text
    assert "not listed before → confirmed by the register" in text
    assert _public(client, code)["state"] in ("verified", "pending")
    later = again.get_data(as_text=True)
    assert "confirmed by the register → revoked in the register" in later
    assert "Status decisions taken from the register" in later
    session.expire_all()
    own = session.scalar(sa.select(Certificate).where(Certificate.number == FORGED))
    assert (own.status.value, own.status_since) == ("revoked", dt.date(2026, 11, 19))
    assert _public(client, code)["state"] != "verified"


def test_a_register_file_with_a_bad_row_stores_nothing_and_names_the_row(client, filled, session, sign_in):
    browser = sign_in("admin")
    before = (count_rows(session, RegisterSnapshot), count_rows(session, RegisterEntry))
    good = _own_row(session, filled)
    bad = _own_row(session, filled, number="ID21110000000000001", holder_nib="123")

    refused = _post_register(browser, (HEADER + good + "\n" + bad + "\n").encode(), "sihalal.csv")
    empty = _post_register(browser, b"", "empty.csv")
    not_text = _post_register(browser, b"\xff\xfe\x00bad", "x.csv")

    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Nothing was stored." in text
    assert "Row 3, column “Holder&#39;s NIB”: “123” is not an NIB: an NIB has 13 digits." in text
    assert empty.status_code == 422
    assert not_text.status_code == 422
    assert (count_rows(session, RegisterSnapshot), count_rows(session, RegisterEntry)) == before


def test_the_producer_reads_on_the_certificate_s_page_what_it_still_needs_and_who_confirmed_it(
    app, client, filled, session, sign_in
):
    cert = _self_certify(client, filled)
    browser = sign_in("producer_a")
    typed = browser.get(f"/producer/certificates/{cert}?lang=id").get_data(as_text=True)
    _upload(client, filled, cert, PNG, "image/png")
    scanned = browser.get(f"/producer/certificates/{cert}?lang=id").get_data(as_text=True)
    checked = client.post(
        f"/api/v1/certificates/{cert}/confirmation",
        headers=filled.auth("auditor"),
        json={"decision": "confirm", "reason": "Read the scan"},
    )
    confirmed = browser.get(f"/producer/certificates/{cert}?lang=en").get_data(as_text=True)

    assert "Belum dikonfirmasi: unggah pindaian sertifikat." in typed
    assert "Belum dikonfirmasi: auditor memeriksa pindaiannya." in scanned
    assert checked.status_code == 200
    assert f"Confirmed by an auditor {dt.date.today().day} " in confirmed
