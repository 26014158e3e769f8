"""EPCIS query subscriptions against a real HTTP receiver: streamed from the capturing transaction, or run on their
schedule (reportIfEmpty), signed with GS1-Signature, sent and retried through the status webhooks' outbox, and
never carrying another business's events."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest
import sqlalchemy as sa

from api.jobs import JOBS
from models import EpcisSubscription, WebhookDelivery
from tests.api.test_epcis_repository import DOCUMENTS, PACKED, RECEIVED, drain, example, submit
from tests.api.test_webhooks import Receiver
from traceability.formats.epcis_schema import schema_errors
from traceability.service import epcis_repository, webhooks

TOKEN = "13df38d8275b13f05704629e5f1cf3d45d6132d5"
RECEIVING = {"EQ_bizStep": ["receiving"], "orderBy": "eventTime", "orderDirection": "ASC"}


@pytest.fixture
def local(app) -> None:
    """Let deliveries reach the test's receiver on 127.0.0.1, and retry at once (the app fixture restores both)."""
    app.config.update(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_RETRY_SECONDS=0)


def named(client, world, who="producer_a", name="received", query=None):
    made = client.post("/api/v1/epcis/queries", json={"name": name, "query": query or RECEIVING},
                       headers=world.auth(who))  # fmt: skip
    assert made.status_code == 201, made.json


def subscribe(client, world, url, who="producer_a", name="received", **body):
    response = client.post(f"/api/v1/epcis/queries/{name}/subscriptions", json={"dest": url, **body},
                           headers=world.auth(who))  # fmt: skip
    assert response.status_code == 201, response.json
    return response


def signed(headers: dict, body: bytes, secret: str) -> bool:
    fields = dict(part.split("=", 1) for part in headers["Gs1-Signature"].split(","))
    mac = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, fields["v1"])


def results(body: bytes) -> tuple[dict, list[str]]:
    document = json.loads(body)
    found = document["epcisBody"]["queryResults"]
    return found, [e["eventID"] for e in found["resultsBody"]["eventList"]]


def deliver(app) -> dict:
    with app.app_context():
        return JOBS[webhooks.DELIVER_JOB]()


def test_a_stream_subscription_gets_each_capture_s_matching_events_signed(fresh_queue, client, world, local):
    named(client, world)
    named(client, world, who="producer_b")
    with Receiver(failures=1) as receiver, Receiver(failures=0) as other:
        made = subscribe(client, world, receiver.url, stream=True, signatureToken=TOKEN)
        subscribe(client, world, other.url, who="producer_b", stream=True)
        assert made.headers["Location"].endswith(f"/subscriptions/{made.json['subscriptionID']}")
        assert made.json["signatureToken"] is None  # the client's own token is never echoed

        for name in DOCUMENTS[:2]:
            submit(client, world, example(name))
        drain(fresh_queue)  # each capture, then the deliveries it deferred (the first attempt fails, then is retried)

        assert len(receiver.received) == 3
        assert other.received == []  # producer B reads nothing of business A, so hears nothing of it
        sent = [results(body) for _headers, body in receiver.received[1:]]
        assert sorted(ids for _found, ids in sent) == [[RECEIVED], [PACKED]]
        for headers, body in receiver.received:
            assert signed(headers, body, TOKEN)
            assert schema_errors(json.loads(body)).tree == {}
            assert results(body)[0]["subscriptionID"] == made.json["subscriptionID"]
            assert results(body)[0]["queryName"] == "received"
    listed = client.get("/api/v1/epcis/queries/received/subscriptions", headers=world.auth("producer_a")).json
    assert listed[0]["lastNotifiedAt"]


@pytest.mark.parametrize("report_if_empty", [True, False])
def test_a_scheduled_subscription_runs_when_due_over_what_was_recorded_since(
    fresh_queue, client, world, local, session, report_if_empty
):
    named(client, world)
    for name in DOCUMENTS:
        submit(client, world, example(name))
    drain(fresh_queue)
    with Receiver(failures=0) as receiver:
        made = subscribe(client, world, receiver.url, schedule={"hour": "1", "minute": "5"},
                         reportIfEmpty=report_if_empty, initialRecordTime="2000-01-01T00:00:00Z")  # fmt: skip
        secret = made.json["signatureToken"]  # none was sent: one was made, shown once
        assert len(secret) >= 40
        due = session.scalar(sa.select(EpcisSubscription.next_run_at))
        assert (due.hour, due.minute, due.second) == (1, 5, 0)

        assert epcis_repository.run_schedules(session, now=due - dt.timedelta(seconds=1))["runs"] == 0  # not yet
        first = epcis_repository.run_schedules(session, now=due)
        second = epcis_repository.run_schedules(session, now=due + dt.timedelta(days=1))  # nothing new since
        deliver(fresh_queue)

    assert (first["runs"], second["runs"]) == (1, 1)
    bodies = [results(body) for _headers, body in receiver.received]
    assert [ids for _found, ids in bodies] == ([[RECEIVED, PACKED], []] if report_if_empty else [[RECEIVED, PACKED]])
    assert all(signed(headers, body, secret) for headers, body in receiver.received)
    again = session.scalar(sa.select(EpcisSubscription.next_run_at).execution_options(populate_existing=True))
    assert again > due + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"dest": "http://127.0.0.1:9/x"}, "schedule"),  # neither stream nor schedule
        ({"dest": "http://127.0.0.1:9/x", "stream": True, "schedule": {"hour": "1"}}, "schedule"),
        ({"dest": "http://127.0.0.1:9/x", "schedule": {"hour": "25"}}, "schedule"),
        ({"dest": "http://127.0.0.1:9/x", "schedule": {"weekday": "1"}}, "schedule"),
        ({"dest": "http://127.0.0.1:9/x", "stream": True, "signatureToken": "short"}, "signatureToken"),
        ({"dest": "http://127.0.0.1:9/x", "stream": True, "initialRecordTime": "today"}, "initialRecordTime"),
        ({"dest": "ftp://example.com/x", "stream": True}, "dest"),
    ],
)
def test_a_subscription_the_binding_or_our_rules_refuse_is_a_problem(client, world, local, body, field):
    named(client, world)

    response = client.post("/api/v1/epcis/queries/received/subscriptions", json=body, headers=world.auth("producer_a"))

    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"]


def test_a_subscription_inside_the_network_is_refused_unless_allowed(client, world):
    named(client, world)
    body = {"dest": "https://127.0.0.1/x", "stream": True}
    response = client.post("/api/v1/epcis/queries/received/subscriptions", json=body, headers=world.auth("producer_a"))

    assert response.status_code == 422
    assert "dest" in response.json["errors"]


def test_subscriptions_are_read_and_ended_by_their_owner_and_take_their_waiting_deliveries(
    fresh_queue, client, world, local, session
):
    named(client, world)
    made = subscribe(client, world, "http://127.0.0.1:9/never", stream=True).json
    path = f"/api/v1/epcis/queries/received/subscriptions/{made['subscriptionID']}"
    submit(client, world, example(DOCUMENTS[0]))
    jobs_queue = fresh_queue
    from api import jobs

    huey = jobs.queue(jobs_queue)
    huey.execute(huey.dequeue())  # the capture alone: its delivery waits in the outbox
    assert session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 1

    assert client.get(path, headers=world.auth("producer_a")).json["stream"] is True
    assert client.get(path, headers=world.auth("producer_b")).status_code == 404
    assert client.delete(path, headers=world.auth("producer_a")).status_code == 204
    assert client.get(path, headers=world.auth("producer_a")).status_code == 404
    assert session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 0


def _log(client, world, subscription_id, who="producer_a", query=""):
    return client.get(f"/api/v1/epcis/queries/received/subscriptions/{subscription_id}/deliveries{query}",
                      headers=world.auth(who))  # fmt: skip


def test_the_delivery_log_shows_each_attempt_of_a_receiver_that_fails_twice_then_answers(
    fresh_queue, client, world, local
):
    named(client, world)
    with Receiver(failures=2) as receiver:
        made = subscribe(client, world, receiver.url, stream=True).json
        submit(client, world, example(DOCUMENTS[0]))
        huey_ran = drain(fresh_queue)  # the capture, and the first attempt it deferred
        assert huey_ran >= 1
        while deliver(fresh_queue)["next_in"] is not None:  # retried at once (WEBHOOK_RETRY_SECONDS=0)
            pass
    assert len(receiver.received) == 3

    log = _log(client, world, made["subscriptionID"])
    assert log.status_code == 200, log.json
    attempts = [(a["attempt"], a["httpStatus"], a["delivered"], a["gaveUp"], a["eventCount"]) for a in log.json]
    assert attempts == [(3, 204, True, False, 1), (2, 500, False, False, 1), (1, 500, False, False, 1)]  # newest first
    assert len({a["deliveryID"] for a in log.json}) == 1
    assert all(a["attemptedAt"] and a["error"] is None for a in log.json)

    pages, seen, url = 0, [], "?perPage=1"
    while url:
        page = _log(client, world, made["subscriptionID"], query=url)
        seen += [a["attempt"] for a in page.json]
        pages += 1
        link = page.headers.get("Link")
        url = "?" + link.split("?", 1)[1].split(">")[0] if link else None
    assert (seen, pages) == ([3, 2, 1], 3)

    for who in ("producer_b", "auditor", "pendamping_a", "admin"):  # the owner's alone, like the query
        assert _log(client, world, made["subscriptionID"], who=who).status_code == 404, who
    assert _log(client, world, "no-such-subscription").status_code == 404
    assert _log(client, world, made["subscriptionID"], who="anonymous").status_code == 401


def test_the_delivery_log_shows_why_nothing_answered_and_when_it_gave_up(fresh_queue, client, world, local, app):
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 2
    named(client, world)
    made = subscribe(client, world, "http://127.0.0.1:9/nobody-listens", stream=True).json
    submit(client, world, example(DOCUMENTS[0]))
    drain(fresh_queue)
    while deliver(fresh_queue)["next_in"] is not None:
        pass

    log = _log(client, world, made["subscriptionID"]).json
    assert [(a["attempt"], a["httpStatus"], a["delivered"], a["gaveUp"]) for a in log] == [
        (2, None, False, True), (1, None, False, False)]  # fmt: skip
    assert all("Connection" in a["error"] or "refused" in a["error"] for a in log)


def test_a_delivery_log_token_is_refused_on_another_subscription_s_log(fresh_queue, client, world, local):
    named(client, world)
    with Receiver(failures=2) as receiver:  # each subscription's first attempt fails: two attempts each
        first = subscribe(client, world, receiver.url, stream=True).json["subscriptionID"]
        second = subscribe(client, world, receiver.url, stream=True).json["subscriptionID"]
        submit(client, world, example(DOCUMENTS[0]))
        drain(fresh_queue)
        while deliver(fresh_queue)["next_in"] is not None:
            pass
    link = _log(client, world, first, query="?perPage=1").headers["Link"]
    token = link.split("nextPageToken=")[1].split(">")[0]

    assert _log(client, world, first, query=f"?nextPageToken={token}").status_code == 200
    refused = _log(client, world, second, query=f"?nextPageToken={token}")
    assert refused.status_code == 422
    assert "nextPageToken" in refused.json["errors"]


def test_a_stream_subscription_past_its_max_event_count_hears_the_query_too_large_exception(
    fresh_queue, client, world, local
):
    named(client, world, name="few", query={"maxEventCount": 1})
    sizes = {name: len(example(name)["epcisBody"]["eventList"]) for name in DOCUMENTS[:2]}
    assert sorted(sizes.values()) == [1, 2]  # one capture within the count, one past it
    with Receiver(failures=0) as receiver:
        made = subscribe(client, world, receiver.url, name="few", stream=True)
        for name in DOCUMENTS[:2]:
            submit(client, world, example(name))
            drain(fresh_queue)
        bodies = [json.loads(body) for _headers, body in receiver.received]

    assert len(bodies) == 2
    for body, size in zip(bodies, sizes.values(), strict=True):
        if size == 1:
            assert body["type"] == "EPCISQueryDocument"
        else:  # the standing query's answer is the exception, named as the binding names it
            assert body["type"] == "epcisException:QueryTooLargeException"
            assert (body["status"], body["subscriptionID"]) == (413, made.json["subscriptionID"])
