"""The review API: submit, evidence requests the producer sees, decisions on a named graph digest, the queue."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models import Business, Review, ReviewEvent


def _submit(client, filled) -> dict:
    response = client.post(
        f"/api/v1/products/{filled.product_a}/reviews",
        json={"comment": "Mohon diperiksa."},
        headers=filled.auth("producer_a"),
    )
    assert response.status_code == 201, response.json
    return response.json


def test_a_batch_waiting_for_review_cannot_be_submitted_twice(client, filled):
    first = _submit(client, filled)
    again = client.post(f"/api/v1/products/{filled.product_a}/reviews", json={}, headers=filled.auth("pendamping_a"))

    assert first["state"] == "submitted"
    assert first["events"][0]["graph_digest"]
    assert again.status_code == 409
    assert "batch" in again.json["errors"]


def test_the_producer_sees_the_auditors_evidence_request(client, filled):
    review = _submit(client, filled)
    asked = client.post(
        f"/api/v1/reviews/{review['id']}/evidence-requests",
        json={"comment": "Unggah sertifikat halal pemasok."},
        headers=filled.auth("auditor"),
    )

    seen = client.get(f"/api/v1/reviews/{review['id']}", headers=filled.auth("producer_a")).json

    assert asked.status_code == 200
    assert seen["state"] == "changes_requested"
    assert seen["events"][-1]["action"] == "request_evidence"
    assert seen["events"][-1]["comment"] == "Unggah sertifikat halal pemasok."


def test_a_decision_on_a_graph_that_changed_is_refused_and_changes_nothing(client, session, filled):
    review = _submit(client, filled)
    stale = "0" * 64

    refused = client.post(
        f"/api/v1/reviews/{review['id']}/decision",
        json={"decision": "approve", "reason": "ok", "graph_digest": stale},
        headers=filled.auth("auditor"),
    )
    invalid = client.post(
        f"/api/v1/reviews/{review['id']}/decision",
        json={"decision": "maybe", "reason": "ok"},
        headers=filled.auth("auditor"),
    )

    assert refused.status_code == 409
    assert "graph_digest" in refused.json["errors"]
    assert invalid.status_code == 422
    assert "decision" in invalid.json["errors"]
    assert session.scalar(sa.select(Review.state).where(Review.id == review["id"])) == "submitted"
    assert (
        session.scalar(
            sa.select(sa.func.count()).select_from(ReviewEvent).where(ReviewEvent.action.in_(["approve", "reject"]))
        )
        == 0
    )


def test_a_rejection_keeps_the_batch_pending_and_is_journaled(client, filled):
    review = _submit(client, filled)
    decided = client.post(
        f"/api/v1/reviews/{review['id']}/decision",
        json={"decision": "reject", "reason": "Daging tanpa sertifikat RPH."},
        headers=filled.auth("auditor"),
    )

    status = client.get(f"/api/v1/batches/{review['batch']}/assessment", headers=filled.auth("auditor")).json
    journal = client.get("/api/v1/journal", headers=filled.auth("auditor")).json["items"]

    assert decided.json["state"] == "rejected"
    assert status["status"] == "pending"
    assert journal[0]["action"] == "review.reject"
    assert journal[0]["subject"] == f"review:{review['id']}"


def test_the_queue_filters_by_state_region_and_age(client, session, filled):
    review = _submit(client, filled)
    session.execute(sa.update(Review).values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=10)))
    session.execute(sa.update(Business).where(Business.id == filled.world.business_a).values(region="Batam"))
    session.commit()

    def ids(query: str, role: str = "auditor") -> list[int]:
        return [r["id"] for r in client.get(f"/api/v1/reviews{query}", headers=filled.auth(role)).json["items"]]

    assert ids("") == [review["id"]]
    assert ids("?state=submitted&region=batam&min_age_days=7") == [review["id"]]
    assert ids("?state=approved") == []
    assert ids("?region=Bintan") == []
    assert ids("?min_age_days=30") == []
    assert ids("", "pendamping_other") == []
    assert ids("", "producer_b") == []


def test_an_approval_lapses_when_a_certificate_upstream_is_suspended(client, session, filled):
    review = _submit(client, filled)
    approved = client.post(
        f"/api/v1/reviews/{review['id']}/decision",
        json={"decision": "approve", "reason": "Lengkap."},
        headers=filled.auth("auditor"),
    )
    verified = client.get(f"/api/v1/batches/{review['batch']}/assessment", headers=filled.auth("auditor")).json
    trace = client.get(f"/api/v1/batches/{review['batch']}/trace", headers=filled.auth("auditor")).json
    certificate = next(n["id"] for n in trace["nodes"] if n["id"].startswith("certificate:")).split(":")[1]

    suspended = client.post(
        f"/api/v1/certificates/{certificate}/status",
        headers=filled.auth("auditor"),
        json={"status": "suspended", "effective": "2024-01-01", "reason": "surveillance audit", "fraud": True},
    )
    after = client.get(f"/api/v1/batches/{review['batch']}/assessment", headers=filled.auth("auditor")).json
    reopened = client.get(f"/api/v1/reviews/{review['id']}", headers=filled.auth("producer_a")).json

    assert approved.status_code == 200
    assert verified["status"] == "halal_verified"
    assert suspended.status_code == 200
    assert after["status"] != "halal_verified"
    assert after["graph_digest"] != verified["graph_digest"]
    assert reopened["state"] == "submitted"
    assert reopened["events"][-1]["action"] == "reopen"
