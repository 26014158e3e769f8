"""Status webhooks against a real HTTP receiver: registered by a producer, written in the changing transaction,
signed, retried from the job queue, logged; and refused to everyone else and to addresses inside the network."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from api.jobs import JOBS
from models import WebhookDelivery
from tests.helpers import issue
from traceability.service import webhooks


class Receiver:
    """A marketplace's endpoint that fails its first `failures` requests with a 500, then answers 204."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802  # the standard library's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                failing = len(receiver.received) <= receiver.failures
                self.send_response(500 if failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/halal-status"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def local(app) -> None:
    """Let webhooks reach the test's receiver on 127.0.0.1, and retry at once (the app fixture restores both)."""
    app.config.update(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_RETRY_SECONDS=0)


def deliver(app) -> dict:
    with app.app_context():
        return JOBS[webhooks.DELIVER_JOB]()


def register(client, filled, url, **body):
    response = client.post("/api/v1/webhooks", json={"url": url, **body}, headers=filled.auth("producer_a"))
    assert response.status_code == 201, response.json
    return response.json


def test_a_status_change_is_delivered_signed_and_survives_a_receiver_that_fails_twice(app, client, filled, local):
    code = issue(client, filled)["code"]
    with Receiver(failures=2) as receiver:
        hook = register(client, filled, receiver.url, product=filled.product_a)
        assert len(hook["secret"]) >= 40

        revoked = client.post(f"/api/v1/codes/{code}/revoke", headers=filled.auth("producer_a"))
        assert revoked.status_code == 200
        assert receiver.received == []  # nothing is sent inside the writing request

        outcomes = [deliver(app) for _ in range(3)]

    assert [o["delivered"] for o in outcomes] == [0, 0, 1]
    assert [o["failed"] for o in outcomes] == [1, 1, 0]
    assert len(receiver.received) == 3
    headers, body = receiver.received[-1]
    payload = json.loads(body)
    assert payload["event"] == "status.changed"
    assert payload["code"] == code
    assert payload["state"] == "revoked"
    assert payload["status_reason"] == "code_revoked"
    assert payload["previous"]["state"] in ("verified", "pending", "not_halal")
    assert payload["product"]["id"] == filled.product_a
    # The signature a receiver checks with the secret it was shown once.
    stamp, mac = dict(part.split("=", 1) for part in headers["Halal-Trace-Signature"].split(",")).values()
    expected = hmac.new(hook["secret"].encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, expected)
    assert headers["Halal-Trace-Delivery"] == str(payload["delivery"])

    log = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=filled.auth("producer_a"))
    assert log.status_code == 200
    (entry,) = [d for d in log.json if d["code"] == code and d["body"]["state"] == "revoked"]
    assert entry["attempts"] == 3
    assert entry["last_status"] == 204
    assert entry["delivered_at"]
    # Every attempt is in the log, oldest first: the two failures, then the one that went through.
    log_of = entry["attempt_log"]
    assert [a["attempt"] for a in log_of] == [1, 2, 3]
    assert log_of[-1]["status"] == 204
    assert all(a["status"] != 204 and (a["status"] or a["error"]) for a in log_of[:2])
    assert [a["at"] for a in log_of] == sorted(a["at"] for a in log_of)
    assert deliver(app)["delivered"] == 0  # delivered once: a later run sends nothing again
    scrape = client.get("/metrics").get_data(as_text=True)
    assert 'halal_trace_webhook_deliveries_total{outcome="delivered"}' in scrape
    assert 'halal_trace_webhook_deliveries_total{outcome="failed"}' in scrape


def test_a_delivery_is_given_up_after_the_last_attempt(app, client, filled, local, session):
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 2
    code = issue(client, filled)["code"]
    with Receiver(failures=99) as receiver:
        register(client, filled, receiver.url)
        client.post(f"/api/v1/codes/{code}/revoke", headers=filled.auth("producer_a"))
        outcomes = [deliver(app) for _ in range(3)]

    assert [o["gave_up"] for o in outcomes] == [0, 1, 0]
    assert len(receiver.received) == 2
    row = session.scalar(
        sa.select(WebhookDelivery).where(WebhookDelivery.code == code).order_by(WebhookDelivery.id.desc())
    )
    assert row.gave_up_at is not None
    assert row.delivered_at is None


def test_a_rolled_back_write_delivers_nothing(app, client, filled, local, session):
    code = issue(client, filled)["code"]
    with Receiver(failures=0) as receiver:
        register(client, filled, receiver.url)
        before = session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery))
        # Another business's producer may not revoke it: the refused write leaves no delivery behind.
        refused = client.post(f"/api/v1/codes/{code}/revoke", headers=filled.auth("producer_b"))
        assert refused.status_code == 404
        assert session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == before


def test_webhooks_belong_to_the_business_that_registered_them(client, filled, local):
    hook = register(client, filled, "http://127.0.0.1:9/x")
    theirs = client.get("/api/v1/webhooks", headers=filled.auth("producer_b"))
    assert theirs.status_code == 200
    assert theirs.json == []  # another business's producer lists its own, and A's is not among them
    for who in ("producer_b", "pendamping_a", "auditor", "admin", "coordinator"):
        if who != "producer_b":
            assert client.get("/api/v1/webhooks", headers=filled.auth(who)).status_code == 403, who
        assert client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=filled.auth(who)).status_code in (
            403,
            404,
        )
        assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=filled.auth(who)).status_code in (403, 404)
    other = client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/x", "product": filled.product_b},
        headers=filled.auth("producer_a"),
    )
    assert other.status_code == 404  # another business's product reads as no product
    assert client.get("/api/v1/webhooks", headers=filled.auth("anonymous")).status_code == 401
    listed = client.get("/api/v1/webhooks", headers=filled.auth("producer_a")).json
    assert [h["id"] for h in listed] == [hook["id"]]
    assert "secret" not in listed[0]
    assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=filled.auth("producer_a")).status_code == 204
    assert client.get("/api/v1/webhooks", headers=filled.auth("producer_a")).json == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",  # plain http, and the machine itself
        "https://127.0.0.1/hook",
        "https://10.0.0.5/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://user:pw@example.com/hook",
        "ftp://example.com/hook",
        "not a url",
        "https://[/hook",
        "https://example.com:notaport/hook",
        "https://" + "a" * 70 + ".example/hook",  # a label the resolver cannot encode
        "http://127.0.0.1:9/x",  # the matrix's own: private even over http
    ],
)
def test_addresses_inside_the_network_are_refused(client, filled, url):
    response = client.post("/api/v1/webhooks", json={"url": url}, headers=filled.auth("producer_a"))
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert "url" in response.json["errors"]
