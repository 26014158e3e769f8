"""The producer capture API: create, read, list, update, with problem details for every refusal."""

import datetime as dt

import pytest
import sqlalchemy as sa

from models import JournalEntry, MaterialLot, ProductionStep
from tests.helpers import MODELS, PATCH_BODIES, create_bodies

KINDS = list(MODELS)


def _count(session, model):
    return session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("kind", KINDS)
def test_producer_creates_reads_and_updates_each_kind(client, filled, kind):
    headers = filled.auth("producer_a")

    created = client.post(f"/api/v1/{kind}", json=create_bodies(filled.own)[kind], headers=headers)
    assert created.status_code == 201, created.json
    record = created.json
    assert record["business"] == filled.world.business_a
    assert created.headers["Location"].endswith(f"/api/v1/{kind}/{record['id']}")

    read = client.get(created.headers["Location"], headers=headers)
    assert read.json == record
    assert read.headers["ETag"] == '"v1"'

    changed = client.patch(
        f"/api/v1/{kind}/{record['id']}", json=PATCH_BODIES[kind], headers={**headers, "If-Match": '"v1"'}
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["version"] == 2
    for field, value in PATCH_BODIES[kind].items():
        assert changed.json[field] == value


def test_every_write_is_journaled_with_the_record_it_wrote(client, filled, session):
    before = _count(session, JournalEntry)

    created = client.post(
        "/api/v1/suppliers", json={"name": "Pasar Tos 3000", "kind": "market"}, headers=filled.auth("producer_a")
    )

    entry = session.scalars(sa.select(JournalEntry).order_by(JournalEntry.seq.desc())).first()
    assert _count(session, JournalEntry) == before + 1
    assert entry.subject == f"supplier:{created.json['id']}"
    assert entry.payload["name"] == "Pasar Tos 3000"
    assert entry.actor == f"user:{filled.world.users['producer_a']}"


def test_lists_are_paginated_and_scoped_to_what_the_caller_sees(client, filled, session):
    response = client.get("/api/v1/lots?per_page=5&page=2", headers=filled.auth("producer_a"))

    own_lots = _count(session, MaterialLot) - 10  # business B holds the otak-otak example's 10 lots
    assert response.status_code == 200
    assert response.json["total"] == own_lots
    assert response.json["page"] == 2
    assert len(response.json["items"]) == 5
    assert {item["business"] for item in response.json["items"]} == {filled.world.business_a}


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("suppliers", {"kind": "market"}, "name"),
        ("suppliers", {"name": "X", "kind": "moon"}, "kind"),
        ("suppliers", {"name": "X", "kind": "market", "nib": "123"}, "nib"),
        ("suppliers", {"name": "X", "kind": "market", "colour": "red"}, "colour"),
        ("products", {"name": "X", "gtin": "8994471000238"}, "gtin"),
        ("lots", {"material": 1, "supplier": 1, "lot_code": "A", "received_on": "2025-13-01"}, "received_on"),
        (
            "lots",
            {"material": 1, "supplier": 1, "lot_code": "A", "received_on": "2025-01-01", "quantity": -1},
            "quantity",
        ),
        # Beyond what NUMERIC(18, 6) holds: PostgreSQL would fail the statement.
        (
            "lots",
            {"material": 1, "supplier": 1, "lot_code": "A", "received_on": "2025-01-01", "quantity": 5.1e16},
            "quantity",
        ),
        ("lots", {"material": 2**31, "supplier": 1, "lot_code": "A", "received_on": "2025-01-01"}, "material"),
        ("steps", {"name": "X", "on": "2025-01-01", "inputs": []}, "inputs"),
        ("steps", {"name": "X", "on": "2025-01-01", "inputs": [{"lot": 1, "batch": 2}]}, "inputs"),
    ],
)
def test_invalid_bodies_are_422_problems_naming_the_field(client, filled, session, kind, body, field):
    before = _count(session, MODELS[kind])

    response = client.post(f"/api/v1/{kind}", json=body, headers=filled.auth("producer_a"))

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"]
    assert _count(session, MODELS[kind]) == before


def test_references_to_another_business_read_as_unknown(client, filled):
    body = create_bodies(filled.foreign)["lots"]

    response = client.post("/api/v1/lots", json=body, headers=filled.auth("producer_a"))

    assert response.status_code == 422
    assert response.json["errors"]["material"] == [f"No material with id {body['material']} in this business."]


def test_a_step_that_would_make_a_cycle_is_refused_and_nothing_changes(client, filled, session):
    headers = filled.auth("producer_a")
    final = session.scalar(sa.select(ProductionStep).where(ProductionStep.ref == "step-kemas"))
    first = session.scalar(sa.select(ProductionStep).where(ProductionStep.ref == "step-bumbu"))
    final_batch = final.outputs[0].id
    before = [(i.lot_id, i.batch_id) for i in first.inputs]

    response = client.patch(
        f"/api/v1/steps/{first.id}",
        headers=headers,
        json={"inputs": [{"lot": i.lot_id} for i in first.inputs] + [{"batch": final_batch}]},
    )

    assert response.status_code == 422
    assert "cycle" in response.json["errors"]["inputs"][0]
    session.expire_all()
    assert [(i.lot_id, i.batch_id) for i in session.get(ProductionStep, first.id).inputs] == before


def test_duplicate_gtin_is_a_409_naming_the_field(client, filled):
    response = client.post(
        "/api/v1/products", json={"name": "Rendang lagi", "gtin": "8994471000237"}, headers=filled.auth("producer_a")
    )

    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert "gtin" in response.json["errors"]


def test_stale_if_match_is_a_409_with_the_current_version(client, filled):
    path = f"/api/v1/suppliers/{filled.own['suppliers']}"
    headers = filled.auth("producer_a")
    client.patch(path, json={"name": "first"}, headers=headers)

    response = client.patch(path, json={"name": "second"}, headers={**headers, "If-Match": '"v1"'})

    assert response.status_code == 409
    assert response.json["errors"]["version"] == ["Current version is 2."]
    assert client.get(path, headers=headers).json["name"] == "first"


def test_idempotency_key_replays_the_first_answer_without_a_second_write(client, filled, session):
    headers = {**filled.auth("producer_a"), "Idempotency-Key": "receipt-2025-11-20-01"}
    body = {"name": "Kios Santan Pak Udin", "kind": "market"}
    first = client.post("/api/v1/suppliers", json=body, headers=headers)
    count = _count(session, MODELS["suppliers"])

    again = client.post("/api/v1/suppliers", json=body, headers=headers)
    other = client.post("/api/v1/suppliers", json={**body, "name": "Lain"}, headers=headers)

    assert again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(session, MODELS["suppliers"]) == count
    assert other.status_code == 422


def test_a_failed_write_does_not_burn_its_idempotency_key(client, filled):
    headers = {**filled.auth("producer_a"), "Idempotency-Key": "k-1"}
    client.post("/api/v1/products", json={"name": "X", "gtin": "8994471000237"}, headers=headers)

    retry = client.post("/api/v1/products", json={"name": "X", "gtin": "8994471000237"}, headers=headers)

    assert retry.status_code == 409
    assert "Idempotent-Replayed" not in retry.headers


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("get", "/api/v1/nowhere", {}, 404),
        ("delete", "/api/v1/suppliers", {}, 405),
        ("post", "/api/v1/suppliers", {"data": "not json", "content_type": "text/plain"}, 415),
        ("post", "/api/v1/suppliers", {"data": "{broken", "content_type": "application/json"}, 400),
        ("get", "/api/v1/suppliers?per_page=100000", {}, 422),
        ("get", "/api/v1/suppliers/999999", {}, 404),
    ],
)
def test_errors_are_problem_details(client, filled, method, path, kwargs, status):
    response = getattr(client, method)(path, headers=filled.auth("producer_a"), **kwargs)

    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == status


def test_405_keeps_the_allow_header(client, filled):
    response = client.delete("/api/v1/suppliers", headers=filled.auth("producer_a"))

    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_bad_token_is_401_with_a_challenge(client, filled):
    response = client.get("/api/v1/suppliers", headers={"Authorization": "Bearer ht_nope"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_stops_working_at_once(client, filled):
    headers = filled.auth("producer_a")
    tokens = client.get("/api/v1/tokens", headers=headers).json

    client.delete(f"/api/v1/tokens/{tokens[0]['id']}", headers=headers)

    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_new_token_is_shown_once_and_works(client, filled):
    created = client.post("/api/v1/tokens", json={"name": "kasir"}, headers=filled.auth("producer_a"))

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {created.json['token']}"})
    listed = client.get("/api/v1/tokens", headers=filled.auth("producer_a")).json

    assert me.json["role"] == "producer"
    assert all("token" not in t for t in listed)


def test_changing_only_linked_rows_is_a_new_version(client, filled):
    headers = filled.auth("producer_a")
    step = client.get(f"/api/v1/steps/{filled.own['steps']}", headers=headers).json

    changed = client.patch(
        f"/api/v1/steps/{step['id']}",
        json={"inputs": step["inputs"][:-1]},
        headers={**headers, "If-Match": f'"v{step["version"]}"'},
    )

    assert changed.json["version"] == step["version"] + 1
    assert changed.headers["ETag"] == f'"v{step["version"] + 1}"'
    assert len(changed.json["inputs"]) == len(step["inputs"]) - 1


def test_a_patch_that_changes_nothing_keeps_the_version_and_the_journal(client, filled, session):
    headers = filled.auth("producer_a")
    supplier = client.get(f"/api/v1/suppliers/{filled.own['suppliers']}", headers=headers).json
    entries = _count(session, JournalEntry)

    same = client.patch(f"/api/v1/suppliers/{supplier['id']}", json={"name": supplier["name"]}, headers=headers)

    assert same.json["version"] == supplier["version"]
    assert _count(session, JournalEntry) == entries


@pytest.mark.parametrize("kind", KINDS)
def test_a_foreign_id_answers_exactly_like_an_unknown_one(client, filled, kind):
    headers = {**filled.auth("producer_a"), "X-Request-ID": "same-request-id"}  # else each answer names its own

    foreign = client.get(f"/api/v1/{kind}/{filled.foreign[kind]}", headers=headers)
    unknown = client.get(f"/api/v1/{kind}/987654", headers=headers)

    assert foreign.status_code == unknown.status_code == 404
    assert foreign.get_data() == unknown.get_data()
    assert dict(foreign.headers) == dict(unknown.headers)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("get", "/api/v1/products/15634448799614511104", None, 404),
        ("get", "/api/v1/batches?business=433163457182242832384", None, 422),
        ("post", "/api/v1/lots", {"material": 2**70, "supplier": 1, "lot_code": "X", "received_on": "2025-01-01"}, 422),
    ],
)
def test_ids_too_large_for_the_database_are_refused_not_a_server_error(client, filled, method, path, body, status):
    response = getattr(client, method)(path, json=body, headers=filled.auth("producer_a"))

    assert response.status_code == status
    assert response.mimetype == "application/problem+json"


def test_a_patch_may_leave_fields_out_but_not_half_a_nested_object(client, filled, session):
    path = f"/api/v1/materials/{filled.own['materials']}"

    response = client.patch(path, json={"evidence": [{"says": "tanpa jenis"}]}, headers=filled.auth("producer_a"))

    assert response.status_code == 422
    assert "type" in response.json["errors"]["evidence"]["0"]


def test_times_carry_their_offset_on_every_database(client, filled):
    tokens = client.get("/api/v1/tokens", headers=filled.auth("producer_a")).json

    assert dt.datetime.fromisoformat(tokens[0]["created_at"]).utcoffset() == dt.timedelta(0)
