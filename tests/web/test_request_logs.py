"""The request's log line names the signed-in user even when the request is refused before its actor is read."""

from __future__ import annotations

import logging

from models import User
from tests.helpers import issue


def test_a_form_refused_for_its_csrf_token_logs_the_signed_in_user(client, filled, session, sign_in, caplog):
    sign_in("producer_a")
    caplog.set_level(logging.INFO)
    response = client.post(
        "/producer/suppliers/new", data={"name": "Toko tanpa token"}, headers={"X-Request-ID": "r-9"}
    )
    assert response.status_code == 400

    line = next(r for r in caplog.records if r.name == "halal_trace.request" and r.request_id == "r-9")
    assert line.status == 400
    producer = session.query(User).filter_by(email="producer_a@test.id").one()
    assert line.user_id == producer.id


def test_a_public_answer_to_a_signed_in_visitor_logs_the_user_yet_does_not_vary_on_the_cookie(
    client, filled, session, sign_in, caplog
):
    code = issue(client, filled)["code"]
    sign_in("producer_a")
    caplog.set_level(logging.INFO)
    response = client.get(f"/api/v1/verify/{code}", headers={"X-Request-ID": "r-10"})
    assert response.status_code == 200
    assert "Cookie" not in response.headers.get("Vary", "")
    line = next(r for r in caplog.records if r.name == "halal_trace.request" and r.request_id == "r-10")
    assert line.user_id == session.query(User).filter_by(email="producer_a@test.id").one().id


def test_an_anonymous_request_logs_no_user(client, caplog):
    caplog.set_level(logging.INFO)
    client.get("/.well-known/gs1resolver", headers={"X-Request-ID": "r-11"})
    line = next(r for r in caplog.records if r.name == "halal_trace.request" and r.request_id == "r-11")
    assert getattr(line, "user_id", None) is None
