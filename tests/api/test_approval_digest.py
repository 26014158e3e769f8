"""An approval holds only on what the auditor saw: a producer who swaps a certificate's scan or changes a step's
equipment after the approval reopens the review, and the public status leaves "halal verified" until an auditor
looks again. Each test is the producer's request after an approval, then the public answer."""

from __future__ import annotations

import sqlalchemy as sa

from models import Assessment, MaterialEvidence
from tests.helpers import approve, final_batch, issue
from traceability.service.unit_of_work import touch, writing

PNG_A = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PNG_B = b"\x89PNG\r\n\x1a\n" + bytes(reversed(range(256))) * 4


def _approved(client, filled) -> tuple[dict, dict, str]:
    """Submit business A's product, have the auditor approve it; return the review, its trace and a public code."""
    submitted = client.post(
        f"/api/v1/products/{filled.product_a}/reviews",
        json={"comment": "Mohon diperiksa."},
        headers=filled.auth("producer_a"),
    )
    assert submitted.status_code == 201, submitted.json
    review = submitted.json
    trace = client.get(f"/api/v1/batches/{review['batch']}/trace", headers=filled.auth("auditor")).json
    code = issue(client, filled, batch=review["batch"])["code"]
    return review, trace, code


def _approve(client, filled, review) -> None:
    decided = client.post(
        f"/api/v1/reviews/{review['id']}/decision",
        json={"decision": "approve", "reason": "Lengkap."},
        headers=filled.auth("auditor"),
    )
    assert decided.status_code == 200, decided.json


def _nodes(trace, kind: str) -> list[str]:
    return [n["id"].split(":", 1)[1] for n in trace["nodes"] if n["id"].startswith(f"{kind}:")]


def test_a_certificate_scan_swapped_after_approval_reopens_it(client, filled):
    review, trace, code = _approved(client, filled)
    certificate = _nodes(trace, "certificate")[0]
    url = f"/api/v1/certificates/{certificate}/evidence"
    first = client.put(url, data=PNG_A, content_type="image/png", headers=filled.auth("producer_a"))
    _approve(client, filled, review)
    verified = client.get(f"/api/v1/verify/{code}").json

    swapped = client.put(url, data=PNG_B, content_type="image/png", headers=filled.auth("producer_a"))
    after = client.get(f"/api/v1/verify/{code}").json
    reopened = client.get(f"/api/v1/reviews/{review['id']}", headers=filled.auth("producer_a")).json

    assert (first.status_code, swapped.status_code) == (200, 200)
    assert verified["state"] == "verified"
    assert after["state"] != "verified"
    assert reopened["state"] == "submitted"
    assert reopened["events"][-1]["action"] == "reopen"


def test_a_first_scan_uploaded_after_approval_reopens_it(client, filled):
    review, trace, code = _approved(client, filled)
    _approve(client, filled, review)
    certificate = _nodes(trace, "certificate")[0]

    added = client.put(
        f"/api/v1/certificates/{certificate}/evidence",
        data=PNG_A,
        content_type="image/png",
        headers=filled.auth("producer_a"),
    )

    assert added.status_code == 200
    assert client.get(f"/api/v1/verify/{code}").json["state"] != "verified"
    assert client.get(f"/api/v1/reviews/{review['id']}", headers=filled.auth("auditor")).json["state"] == "submitted"


def test_the_same_scan_uploaded_again_keeps_the_approval(client, filled):
    review, trace, code = _approved(client, filled)
    certificate = _nodes(trace, "certificate")[0]
    url = f"/api/v1/certificates/{certificate}/evidence"
    client.put(url, data=PNG_A, content_type="image/png", headers=filled.auth("producer_a"))
    _approve(client, filled, review)

    again = client.put(url, data=PNG_A, content_type="image/png", headers=filled.auth("producer_a"))

    assert again.status_code == 200
    assert client.get(f"/api/v1/verify/{code}").json["state"] == "verified"
    assert client.get(f"/api/v1/reviews/{review['id']}", headers=filled.auth("auditor")).json["state"] == "approved"


def test_a_step_equipment_changed_after_approval_reopens_it(client, filled):
    review, trace, code = _approved(client, filled)
    _approve(client, filled, review)
    step = _nodes(trace, "step")[0]
    current = client.get(f"/api/v1/steps/{step}", headers=filled.auth("producer_a"))

    changed = client.patch(
        f"/api/v1/steps/{step}",
        json={"equipment": "Wajan bersama lini babi"},
        headers={**filled.auth("producer_a"), "If-Match": current.headers["ETag"]},
    )
    after = client.get(f"/api/v1/verify/{code}").json
    reopened = client.get(f"/api/v1/reviews/{review['id']}", headers=filled.auth("producer_a")).json

    assert changed.status_code == 200, changed.json
    assert after["state"] != "verified"
    assert reopened["state"] == "submitted"
    assert reopened["events"][-1]["action"] == "reopen"


def test_a_step_input_quantity_changed_after_approval_reopens_it(client, filled):
    review, trace, code = _approved(client, filled)
    _approve(client, filled, review)
    step = _nodes(trace, "step")[0]
    current = client.get(f"/api/v1/steps/{step}", headers=filled.auth("producer_a"))
    first, *rest = current.json["inputs"]

    changed = client.patch(
        f"/api/v1/steps/{step}",
        json={"inputs": [{**first, "quantity": 999, "unit": "kg"}, *rest]},
        headers={**filled.auth("producer_a"), "If-Match": current.headers["ETag"]},
    )

    assert changed.status_code == 200, changed.json
    assert client.get(f"/api/v1/verify/{code}").json["state"] != "verified"


def test_a_material_evidence_file_hash_is_part_of_the_approval(client, session, filled):
    batch = final_batch(session, filled.world.business_a).id
    approve(session, batch)
    evidence = session.scalars(sa.select(MaterialEvidence).order_by(MaterialEvidence.id)).first()

    with writing(session):
        evidence.file_sha256 = "ab" * 32
        touch(session, f"material:{evidence.material_id}")
    session.expire_all()

    assert session.scalar(sa.select(Assessment.status).where(Assessment.batch_id == batch)) != "halal_verified"
