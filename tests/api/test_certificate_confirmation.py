"""A producer's word alone never makes anything verified (DESIGN sections 3 and 5): a certificate the producer typed
is a claim until the BPJPH register or an auditor confirms it, on every public surface."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models import Certificate, JournalEntry, Material, MaterialLot
from tests.helpers import OPERATOR, final_batch, issue, stored
from traceability.service import register_import

# The self-certification from the report: a plausible number nobody issued, typed by the producer.
FORGED = "ID21110099887766554"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
HEADER = "number,holder_name,holder_nib,scope,issued_on,valid_until,status\n"


def _self_certify(client, filled):
    created = client.post(
        "/api/v1/certificates",
        headers=filled.auth("producer_a"),
        json={
            "number": FORGED,
            "issuer": "BPJPH",
            "scheme": "regular",
            "covers": [{"product": filled.product_a}],
            "issued_on": "2025-09-01",
        },
    )
    assert created.status_code == 201, created.json
    product = client.get(f"/api/v1/products/{filled.product_a}", headers=filled.auth("producer_a"))
    patched = client.patch(
        f"/api/v1/products/{filled.product_a}",
        headers={**filled.auth("producer_a"), "If-Match": product.headers["ETag"]},
        json={"certificate": created.json["id"]},
    )
    assert patched.status_code == 200, patched.json
    return created.json["id"]


def _public(client, code):
    """The state on every public surface (they must agree) and the verify JSON."""
    body = client.get(f"/api/v1/verify/{code}").json
    page = client.get(f"/v/{code}?lang=en").get_data(as_text=True)
    badge = client.get(f"/badge/{code}.svg?lang=en").get_data(as_text=True)
    embed = client.get(f"/embed/{code}?lang=en").get_data(as_text=True)
    words = {"verified": "Halal verified", "pending": "Pending verification", "not_halal": "Not halal"}
    for surface in (page, badge, embed):
        assert words[body["state"]] in surface
    return body


def _import(session, rows, day):
    report = register_import.import_snapshot(session, OPERATOR, HEADER + "\n".join(rows) + "\n", snapshot_date=day)
    assert report.invalid == []
    return report


def _recorded_rows(session, business_id, *, leave_out=()):
    """The register's entries for the business's recorded supplier certificates, exactly as recorded."""
    rows = []
    for cert in session.scalars(
        sa.select(Certificate).where(
            Certificate.business_id == business_id, Certificate.holder_supplier_id.is_not(None)
        )
    ):
        if cert.id in leave_out:
            continue
        scope = "; ".join(session.get(Material, s.material_id).name for s in cert.scope if s.material_id)
        holder = cert.holder
        rows.append(f"{cert.number},{holder.name},{holder.nib or ''},{scope},{cert.issued_on},,active")
    return rows


def _own_row(session, filled, **changes):
    """The register's entry for the forged number, naming business A as holder, for the product."""
    values = {
        "number": FORGED,
        "holder_name": "Rendang Bundo",
        "holder_nib": "1208230044517",
        "scope": "Rendang Daging Sapi",
        "issued_on": "2025-09-01",
        "valid_until": "",
        "status": "active",
    }
    values.update(changes)
    return ",".join(
        values[k] for k in ("number", "holder_name", "holder_nib", "scope", "issued_on", "valid_until", "status")
    )


def test_a_self_typed_certificate_leaves_the_product_pending_on_every_public_surface(client, filled, session):
    cert = _self_certify(client, filled)
    code = issue(client, filled, batch=final_batch(session, filled.world.business_a).id)["code"]

    body = _public(client, code)

    assert body["state"] == "pending"
    assert body["reason"] == "certificate_unconfirmed"
    assert body["product_certificate"]["number"] == FORGED
    assert body["product_certificate"]["confirmation"] == "claimed"
    assert stored(session, final_batch(session, filled.world.business_a).id).status == "pending"
    confirmation = client.get(f"/api/v1/certificates/{cert}/confirmation", headers=filled.auth("producer_a"))
    assert confirmation.json["state"] == "claimed"


def test_an_auditor_confirming_the_scan_makes_it_verified_and_a_register_naming_another_holder_undoes_it(
    client, filled, session
):
    cert = _self_certify(client, filled)
    code = issue(client, filled, batch=final_batch(session, filled.world.business_a).id)["code"]
    refused = client.post(
        f"/api/v1/certificates/{cert}/confirmation", headers=filled.auth("auditor"), json={"decision": "confirm"}
    )
    upload = client.put(
        f"/api/v1/certificates/{cert}/evidence", data=PNG, content_type="image/png", headers=filled.auth("producer_a")
    )
    queue = client.get("/api/v1/certificate-confirmations", headers=filled.auth("auditor")).json["items"]
    producer_try = client.post(
        f"/api/v1/certificates/{cert}/confirmation", headers=filled.auth("producer_a"), json={"decision": "confirm"}
    )

    confirmed = client.post(
        f"/api/v1/certificates/{cert}/confirmation",
        headers=filled.auth("auditor"),
        json={"decision": "confirm", "reason": "Checked against the scan"},
    )

    assert refused.status_code == 422  # nothing to check it against yet
    assert upload.status_code == 200
    assert queue[0]["number"] == FORGED
    assert queue[0]["state"] == "evidenced"
    assert producer_try.status_code == 403
    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json["confirmation"]["state"] == "confirmed"
    assert confirmed.json["confirmation"]["basis"] == "auditor"
    assert _public(client, code)["state"] == "verified"
    entry = session.scalar(sa.select(JournalEntry).where(JournalEntry.action == "certificate.confirmation"))
    assert entry.subject == f"certificate:{cert}"
    assert entry.payload["decision"] == "confirm"

    # A newer register snapshot lists the number under another holder: the certificate is unconfirmed again.
    other_holder = _own_row(session, filled, holder_name="PT Lain", holder_nib="8120219900011")
    _import(session, [other_holder, *_recorded_rows(session, filled.world.business_a)], dt.date(2026, 11, 12))

    body = _public(client, code)
    assert body["state"] == "pending"
    assert body["reason"] == "certificate_unconfirmed"


def test_a_register_snapshot_listing_it_confirms_it_and_a_revocation_flips_it_back(client, filled, session):
    _self_certify(client, filled)
    batch = final_batch(session, filled.world.business_a)
    code = issue(client, filled, batch=batch.id)["code"]

    suppliers = _recorded_rows(session, filled.world.business_a)
    report = _import(session, [_own_row(session, filled), *suppliers], dt.date(2026, 11, 12))

    assert report.confirmed >= 1
    body = _public(client, code)
    assert body["state"] == "verified"
    assert body["product_certificate"]["confirmation"] == "confirmed"
    assert body["product_certificate"]["confirmed_by"] == "BPJPH"
    assert body["product_certificate"]["confirmed_on"] == "2026-11-12"

    _import(session, [_own_row(session, filled, status="revoked"), *suppliers], dt.date(2026, 11, 19))

    session.expire_all()
    own = session.scalar(sa.select(Certificate).where(Certificate.number == FORGED))
    assert (own.status.value, own.status_since) == ("revoked", dt.date(2026, 11, 19))  # as an authority's decision
    assert "register snapshot" in own.status_reason
    assert _public(client, code)["state"] != "verified"


def test_a_supplier_certificate_unknown_to_the_register_gives_cert_01_with_the_reason(client, filled, session):
    batch = final_batch(session, filled.world.business_a)
    lot = session.scalar(
        sa.select(MaterialLot).where(
            MaterialLot.business_id == filled.world.business_a, MaterialLot.certificate_id.is_not(None)
        )
    )
    cert = session.get(Certificate, lot.certificate_id)
    rows = _recorded_rows(session, filled.world.business_a, leave_out={cert.id})

    _import(session, rows, dt.date(2026, 11, 12))

    findings = stored(session, batch.id).findings
    cert_01 = [f for f in findings if f["rule"] == "CERT-01" and f["subject"] == f"certificate:{cert.id}"]
    assert cert_01, findings
    assert "is not in the register" in cert_01[0]["message"]["en"]
    assert [f["subject"] for f in findings if f["rule"] == "CERT-01"] == [f"certificate:{cert.id}"]
    assert stored(session, batch.id).status == "pending"


def test_the_demo_s_verified_stories_rest_on_certificates_its_register_confirms(session):
    from models import Assessment, Batch, Business
    from traceability.service import demo

    demo.load(session, OPERATOR)

    statuses = dict(
        session.execute(
            sa.select(Business.name, Assessment.status)
            .join(Batch, Batch.business_id == Business.id)
            .join(Assessment, Assessment.batch_id == Batch.id)
            .where(Assessment.status == "halal_verified")
        ).all()
    )
    assert "Rendang Bundo Nurlela" in statuses
    rendang = session.scalar(sa.select(Certificate).where(Certificate.number == "ID21110077341520925"))
    from traceability.service import assessments, confirmation

    found = confirmation.confirmations(session, [rendang], assessments.active_reference(session), dt.date.today())
    assert found[rendang.id].confirmed
    assert found[rendang.id].check.basis == "register"


def test_a_foreign_certificate_is_confirmed_by_a_recognised_body_and_its_shln_registration(session):
    from tests.helpers import example
    from traceability.rules.reference import Reference, merge_reference, shipped_data
    from traceability.service import confirmation, dossiers

    dossiers.import_dossier(session, OPERATOR, example("kue-lapis-gelatin"))
    foreign = session.scalar(sa.select(Certificate).where(Certificate.scheme == "foreign"))
    bodies = [{"name": foreign.issuer, "country": "TH", "scope": []}]
    reference = Reference(merge_reference(shipped_data(), {"version": "test", "recognised_foreign_bodies": bodies}))
    unlisted = Reference(merge_reference(shipped_data(), {"version": "test", "recognised_foreign_bodies": []}))
    day = dt.date(2026, 11, 12)

    before = confirmation.confirmations(session, [foreign], reference, day)[foreign.id]
    foreign.shln_registration = "SHLN-2025-0412"
    session.flush()
    after = confirmation.confirmations(session, [foreign], reference, day)[foreign.id]
    elsewhere = confirmation.confirmations(session, [foreign], unlisted, day)[foreign.id]

    assert before.state.value == "claimed"  # no SHLN registration recorded
    assert after.state.value == "confirmed"
    assert after.check.basis == "recognised_body"
    assert "SHLN-2025-0412" in after.check.against
    assert elsewhere.state.value == "claimed"  # the issuer is not a recognised body
    session.rollback()


def test_offline_a_dossier_s_own_certificate_is_its_producer_s_word(session):
    import json

    from traceability.formats.dossier import load_dossier
    from traceability.rules.engine import assess
    from traceability.service.demo import DEMO_DIR

    doc = load_dossier(json.loads((DEMO_DIR / "rendang-ok.json").read_text(encoding="utf-8")))
    own = f"certificate:{doc['product']['certificate']}"

    offline = assess(doc)
    confirmed = assess(doc, confirmations={own: {"state": "confirmed", "problems": []}})

    assert offline["status"] == "pending"
    assert confirmed["status"] == "halal_verified"
