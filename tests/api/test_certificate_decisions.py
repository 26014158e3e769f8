"""An auditor's decision on a certificate cannot be undone by a producer's copy of it (DESIGN section 9)."""

import sqlalchemy as sa

from models import Certificate, JournalEntry
from tests.helpers import OPERATOR, example, final_batch, stored
from traceability.service import dossiers

REVOCATION = {"status": "revoked", "effective": "2025-11-01", "reason": "Bahan babi ditemukan"}


def _oil(session, business_id):
    return session.scalar(
        sa.select(Certificate).where(Certificate.business_id == business_id, Certificate.ref == "cert-minyak")
    )


def _revoke(client, filled, session):
    oil = _oil(session, filled.world.business_a)
    response = client.post(f"/api/v1/certificates/{oil.id}/status", headers=filled.auth("auditor"), json=REVOCATION)
    assert response.status_code == 200
    return oil.id


def _journal_size(session):
    return session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))


def test_a_producer_cannot_set_a_revoked_certificate_back_to_active(client, filled, session):
    oil = _revoke(client, filled, session)
    batch = final_batch(session, filled.world.business_a)
    before = _journal_size(session)

    response = client.patch(f"/api/v1/certificates/{oil}", headers=filled.auth("producer_a"), json={"status": "active"})

    session.expire_all()
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert "auditor" in response.json["errors"]["status"][0]
    assert session.get(Certificate, oil).status == "revoked"
    assert _journal_size(session) == before
    assert stored(session, batch.id).body["status_reason"] == "certificate_inactive"


def test_other_edits_keep_the_decision(client, filled, session):
    oil = _revoke(client, filled, session)

    response = client.patch(
        f"/api/v1/certificates/{oil}", headers=filled.auth("producer_a"), json={"kh_number": "KH-2025-0099"}
    )

    assert response.status_code == 200
    assert (response.json["status"], response.json["status_since"]) == ("revoked", "2025-11-01")
    assert response.json["kh_number"] == "KH-2025-0099"


def test_recording_the_certificate_afresh_inherits_the_revocation(client, filled, session):
    oil = session.get(Certificate, _revoke(client, filled, session))
    body = {
        "number": oil.number,
        "issuer": oil.issuer,
        "scheme": oil.scheme.value,
        "issued_on": oil.issued_on.isoformat(),
        "status": "active",
    }

    response = client.post("/api/v1/certificates", headers=filled.auth("producer_a"), json=body)

    assert response.status_code == 201
    assert (response.json["status"], response.json["status_since"]) == ("revoked", "2025-11-01")


def test_a_dossier_imported_after_the_revocation_takes_it_too(client, filled, session):
    _revoke(client, filled, session)
    # Another business files the same supplier certificate, stated active in its dossier.
    document = example("rendang-ok")
    document["business"] = {**document["business"], "nib": "8120102030405", "name": "Rendang Uni Ita"}
    document["product"].pop("gtin", None)

    imported = dossiers.import_dossier(session, OPERATOR, document)

    copy = _oil(session, imported.business)
    assert (copy.status, str(copy.status_since), copy.status_reason) == ("revoked", "2025-11-01", REVOCATION["reason"])
    batch = final_batch(session, imported.business)
    assert stored(session, batch.id).body["status_reason"] == "certificate_inactive"


def test_once_reinstated_the_producer_may_state_active_again(client, filled, session):
    oil = _revoke(client, filled, session)
    client.post(
        f"/api/v1/certificates/{oil}/status",
        headers=filled.auth("admin"),
        json={"status": "active", "effective": "2025-12-01", "reason": "Banding diterima"},
    )

    response = client.patch(f"/api/v1/certificates/{oil}", headers=filled.auth("producer_a"), json={"status": "active"})

    assert response.status_code == 200
    assert response.json["status"] == "active"


def test_an_epcis_capture_after_the_revocation_takes_it_too(client, filled, session):
    # Business B records the same supply chain from A's EPCIS export (a GTIN belongs to one product only).
    session.execute(
        sa.text("UPDATE product SET gtin = NULL, gtin14 = NULL WHERE business_id = :id"),
        {"id": filled.world.business_a},
    )
    session.commit()
    batch = final_batch(session, filled.world.business_a)
    document = client.get(f"/api/v1/batches/{batch.id}/epcis", headers=filled.auth("auditor")).get_json(force=True)
    _revoke(client, filled, session)

    response = client.post("/api/v1/epcis/capture", json=document, headers=filled.auth("producer_b"))

    assert response.status_code == 201, response.get_json()
    oil = _oil(session, filled.world.business_a)
    copy = session.scalar(
        sa.select(Certificate).where(
            Certificate.business_id == filled.world.business_b, Certificate.number == oil.number
        )
    )
    assert (copy.status, str(copy.status_since)) == ("revoked", "2025-11-01")
