"""Voiding a record: a journaled correction that keeps the record and its history, takes it out of every
current graph and list, and reassesses what it touched."""

import sqlalchemy as sa

from models import JournalEntry, StepInput
from tests.helpers import create_bodies, final_batch


def _void(client, filled, kind, record_id, reason="Recorded by mistake.", **headers):
    return client.post(
        f"/api/v1/{kind}/{record_id}/void",
        json={"reason": reason},
        headers={**filled.auth("producer_a"), **headers},
    )


def test_a_voided_lot_leaves_every_step_and_graph_but_stays_readable(client, filled, session):
    headers = filled.auth("producer_a")
    lot = session.scalar(sa.select(StepInput.lot_id).where(StepInput.lot_id.is_not(None)).order_by(StepInput.id))
    batch = final_batch(session, filled.world.business_a)
    assert f"lot:{lot}" in client.get(f"/api/v1/batches/{batch.id}/trace", headers=headers).get_data(as_text=True)

    voided = _void(client, filled, "lots", lot)

    assert voided.status_code == 200, voided.json
    assert voided.json["voided_at"] is not None
    assert voided.json["void_reason"] == "Recorded by mistake."
    assert client.get(f"/api/v1/lots/{lot}", headers=headers).json["voided_at"] == voided.json["voided_at"]
    assert session.scalar(sa.select(sa.func.count()).where(StepInput.lot_id == lot)) == 0
    trace = client.get(f"/api/v1/batches/{batch.id}/trace", headers=headers).get_data(as_text=True)
    assert f"lot:{lot}" not in trace
    listed = {item["id"] for item in client.get("/api/v1/lots?per_page=200", headers=headers).json["items"]}
    assert lot not in listed
    with_voided = client.get("/api/v1/lots?per_page=200&include_voided=true", headers=headers).json["items"]
    assert lot in {item["id"] for item in with_voided}
    actions = session.scalars(sa.select(JournalEntry.action).where(JournalEntry.subject == f"lot:{lot}")).all()
    assert actions[-1] == "void"
    step_entries = session.scalars(
        sa.select(JournalEntry.action).where(JournalEntry.subject.like("step:%")).order_by(JournalEntry.seq.desc())
    ).first()
    assert step_entries == "update"  # the step that used it was corrected, in its own entry


def test_a_voided_record_cannot_be_changed_or_used(client, filled):
    headers = filled.auth("producer_a")
    lot = client.post("/api/v1/lots", json=create_bodies(filled.own)["lots"], headers=headers).json
    _void(client, filled, "lots", lot["id"])

    changed = client.patch(f"/api/v1/lots/{lot['id']}", json={"unit": "g"}, headers=headers)
    used = client.post(
        "/api/v1/steps",
        json={**create_bodies(filled.own)["steps"], "inputs": [{"lot": lot["id"]}]},
        headers=headers,
    )

    assert changed.status_code == 409
    assert used.status_code == 422
    assert "voided" in used.get_data(as_text=True)


def test_void_needs_a_reason_and_a_current_version(client, filled):
    lot = client.post("/api/v1/lots", json=create_bodies(filled.own)["lots"], headers=filled.auth("producer_a")).json

    assert _void(client, filled, "lots", lot["id"], reason="").status_code == 422
    assert _void(client, filled, "lots", lot["id"], **{"If-Match": '"v7"'}).status_code == 409
    assert client.get(f"/api/v1/lots/{lot['id']}", headers=filled.auth("producer_a")).json["voided_at"] is None


def test_a_material_with_lots_is_not_voided_until_they_are(client, filled):
    refused = _void(client, filled, "materials", filled.own["materials"])

    assert refused.status_code == 409
    assert "first" in refused.json["detail"]


def test_a_voided_certificate_certifies_nothing_and_what_it_reached_is_reassessed(client, filled, session):
    headers = filled.auth("producer_a")
    batch = final_batch(session, filled.world.business_a)
    before = client.get(f"/api/v1/batches/{batch.id}/assessment", headers=headers).json
    certificate = filled.own["certificates"]

    assert _void(client, filled, "certificates", certificate).status_code == 200

    after = client.get(f"/api/v1/batches/{batch.id}/assessment", headers=headers).json
    trace = client.get(f"/api/v1/batches/{batch.id}/trace", headers=headers).get_data(as_text=True)
    assert f'certificate:{certificate}"' not in trace
    assert after["graph_digest"] != before["graph_digest"]


def test_another_business_cannot_void_my_records(client, filled):
    response = client.post(
        f"/api/v1/lots/{filled.own['lots']}/void", json={"reason": "x"}, headers=filled.auth("producer_b")
    )

    assert response.status_code == 404


def test_search_finds_records_by_name(client, filled):
    headers = filled.auth("producer_a")
    client.post("/api/v1/suppliers", json={"name": "Toko Bu Lina", "kind": "market"}, headers=headers)

    found = client.get("/api/v1/suppliers?q=bu%20lin", headers=headers).json["items"]

    assert [s["name"] for s in found] == ["Toko Bu Lina"]
