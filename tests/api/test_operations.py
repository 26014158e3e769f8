"""What an operator relies on: /healthz, /readyz, /metrics, request ids and JSON log lines."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from prometheus_client.parser import text_string_to_metric_families

from api import create_app, migrate
from api.db import make_engine
from api.operations import configure_logging
from tests.helpers import POSTGRES_URL, free_port, issue

ROOT = Path(__file__).resolve().parents[2]


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape by (name, sorted labels); the parser refuses what Prometheus would refuse."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(client, **kwargs) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/plain"
    return samples(response.get_data(as_text=True))


@pytest.fixture
def other_app(tmp_path: Path):
    """Make apps of their own (not the suite's shared one), for settings that break something on purpose."""
    made = []

    def make(**config):
        app = create_app({"TESTING": True, "SECRET_KEY": "ops-test", "LOG_FORMAT": None, **config})
        app.instance_path = str(tmp_path / "instance")
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["db_engine"].dispose()


# ---- probes ----


def test_healthz_answers_without_the_database(other_app):
    app = other_app(DATABASE_URL="postgresql://postgres@127.0.0.1:1/none")

    response = app.test_client().get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_is_ready_on_a_migrated_database(client):
    response = client.get("/readyz")

    assert response.status_code == 200, response.json
    assert response.json == {"status": "ready", "checks": {"database": "ok", "queue": "ok", "signing_keys": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "url", ["postgresql://postgres@127.0.0.1:1/stopped", "sqlite:////nonexistent-directory/halal-trace.sqlite"]
)
def test_readyz_goes_unready_when_the_database_is_down(other_app, url):
    app = other_app(DATABASE_URL=url)

    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.json["status"] == "unready"
    assert response.json["checks"]["database"].startswith("unreachable: ")
    assert response.json["checks"]["signing_keys"] == "ok"


def test_readyz_goes_unready_while_a_migration_is_pending(tmp_path, other_app):
    path = tmp_path / "behind.sqlite"
    script = ScriptDirectory.from_config(migrate.alembic_config())
    (head,) = script.get_heads()
    previous = script.get_revision(head).down_revision
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, str(previous))
    app = other_app(DATABASE_URL=f"sqlite:///{path}")
    client = app.test_client()

    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "migrations pending: run 'halal-trace db upgrade'"

    migrate.upgrade(engine)
    engine.dispose()
    assert client.get("/readyz").status_code == 200


def test_readyz_goes_unready_when_the_queue_or_the_keys_are_unreachable(app, client, tmp_path):
    app.config["QUEUE_URL"] = "redis://127.0.0.1:1/0"
    app.extensions.pop("queue", None)
    not_a_directory = tmp_path / "keys"
    not_a_directory.write_text("not a key directory")
    app.config["SIGNING_KEY_DIR"] = str(not_a_directory)
    app.extensions.pop("signing_keys", None)
    try:
        response = client.get("/readyz")
    finally:
        app.extensions.pop("queue", None)
        app.extensions.pop("signing_keys", None)

    assert response.status_code == 503
    checks = response.json["checks"]
    assert checks["database"] == "ok"
    assert checks["queue"].startswith("unreachable: ")
    assert checks["signing_keys"].startswith("cannot load: ")


def test_probes_are_outside_the_rate_limits(app, client):
    app.config["PUBLIC_RATE_LIMIT"] = "2 per minute"
    statuses = {client.get(path).status_code for path in ["/healthz", "/readyz"] * 10}
    assert statuses == {200}


# ---- metrics ----


def test_metrics_count_requests_and_scans(client, filled):
    code = issue(client, filled)["code"]
    before = scrape(client)

    for _ in range(3):
        assert client.get(f"/api/v1/verify/{code}").status_code == 200
    assert client.get("/api/v1/verify/not-a-code").status_code in (400, 404, 422)
    after = scrape(client)

    def moved(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    verify = {"route": "/api/v1/verify/<string:code>", "method": "GET"}
    assert moved("halal_trace_http_requests_total", **verify, status="200") == 3
    assert moved("halal_trace_public_scans_total", surface="verify_json") == 3
    assert moved("halal_trace_http_request_duration_seconds_count", route="/api/v1/verify/<string:code>") == 4
    assert ("halal_trace_journal_entries", ()) in after
    assert ("halal_trace_queue_pending_jobs", ()) in after
    # A prober's and a scraper's own requests are not traffic.
    assert not any(dict(labels).get("route") in ("/metrics", "/readyz") for _, labels in after)


def test_metrics_count_assessments(client, filled):
    before = scrape(client)
    # Renaming a material reassesses every batch made from it before the write commits.
    response = client.patch(
        f"/api/v1/materials/{filled.own['materials']}",
        json={"name": "Garam beryodium"},
        headers=filled.auth("producer_a"),
    )
    assert response.status_code == 200, response.json
    after = scrape(client)

    key = ("halal_trace_work_duration_seconds_count", (("work", "assessment"),))
    assert after[key] > before.get(key, 0)
    items = ("halal_trace_work_items_total", (("work", "assessment"),))
    assert after[items] > before.get(items, 0)


def test_metrics_want_the_token_when_one_is_set(app, client):
    app.config["METRICS_TOKEN"] = "scrape-secret"

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200


def test_metrics_without_a_token_answer_only_the_machine_itself(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


# ---- request ids and logs ----


def test_a_request_id_is_kept_or_made_and_lands_in_problem_bodies(client):
    given = client.get("/api/v1/products/999999", headers={"X-Request-ID": "edge-4f2a.91"})
    assert given.headers["X-Request-ID"] == "edge-4f2a.91"
    assert given.json["request_id"] == "edge-4f2a.91"

    forged = client.get("/api/v1/products/999999", headers={"X-Request-ID": "spaces and ; are not kept"})
    made = forged.headers["X-Request-ID"]
    assert len(made) == 32
    assert made.isalnum()
    assert forged.json["request_id"] == made


def test_every_log_line_of_a_request_carries_its_id(client, filled, caplog):
    caplog.set_level(logging.INFO)
    # Another business's product: the caller is known (a token), the answer a problem document.
    response = client.get(
        f"/api/v1/products/{filled.product_b}", headers={**filled.auth("producer_a"), "X-Request-ID": "req-1"}
    )
    assert response.status_code == 404

    during = [r for r in caplog.records if getattr(r, "request_id", None) is not None]
    assert during, "the request logged nothing"
    assert {r.request_id for r in during} == {"req-1"}
    line = next(r for r in during if r.name == "halal_trace.request")
    assert (line.status, line.method) == (404, "GET")
    assert line.route.startswith("/api/v1/products/<")
    assert line.user_id is not None
    assert line.business_id == filled.world.business_a


def test_log_lines_are_json_objects_without_query_strings(other_app, capsys, database_url):
    app = other_app(DATABASE_URL=database_url)
    configure_logging("INFO", "json")
    try:
        app.test_client().get("/login?next=/secret-looking-query", headers={"X-Request-ID": "json-1"})
    finally:
        configure_logging("INFO", "text")
        logging.getLogger().handlers[:] = [h for h in logging.getLogger().handlers if not hasattr(h, "halal_trace")]
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    request = next(line for line in lines if line.get("logger") == "halal_trace.request")
    assert request["request_id"] == "json-1"
    assert request["path"] == "/login"
    assert request["status"] == 200
    assert {"time", "level", "duration_ms", "route"} <= set(request)
    assert "secret-looking-query" not in json.dumps(lines)


# ---- under gunicorn ----


def test_metrics_add_up_every_gunicorn_worker(app, tmp_path):
    """Two workers and the queue's consumer each write samples; one scrape sums them, whichever worker answers."""
    port = free_port()
    log = tmp_path / "serve.log"
    env = dict(
        os.environ,
        HALAL_TRACE_DATABASE_URL=app.config["DATABASE_URL"],
        HALAL_TRACE_SECRET_KEY="metrics-test",
        HALAL_TRACE_RATELIMIT_ENABLED="false",
        HALAL_TRACE_LOG_FORMAT="json",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    env.pop("WEB_CONCURRENCY", None)
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--workers", "2", "--port", str(port), "--no-queue"],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, log.read_text()
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                        break
                except OSError:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.2)
            for _ in range(40):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as response:
                    assert response.status == 200
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
                text = response.read().decode()
        finally:
            server.terminate()
            server.wait(timeout=30)

    found = samples(text)
    key = ("halal_trace_http_requests_total", (("method", "GET"), ("route", "/login"), ("status", "200")))
    assert found[key] == 40, log.read_text()
    written = {p.name.split("_")[0] for p in (tmp_path / "metrics").glob("*.db")}
    assert written, "no worker wrote its samples to PROMETHEUS_MULTIPROC_DIR"
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert sum(1 for line in lines if line.get("route") == "/login") == 40
    assert len({line["request_id"] for line in lines if line.get("route") == "/login"}) == 40


@pytest.mark.skipif(not POSTGRES_URL, reason="the suite's PostgreSQL is the one to query")
def test_readyz_on_postgresql_reads_the_migration_version(client, app):
    engine = make_engine(app.config["DATABASE_URL"])
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM alembic_version")) == 1
    engine.dispose()
    assert client.get("/readyz").json["checks"]["database"] == "ok"


def test_threads_racing_on_a_fresh_workers_first_requests_share_one_set_of_metrics():
    """gunicorn's gthread workers serve their first requests on several threads at once: the metrics must be made
    once (a second registration of the same names is refused, and the request that hit it was a 500)."""
    script = """
import threading
from api import operations
barrier, made, failed = threading.Barrier(16), [], []
def first_request():
    barrier.wait()
    try:
        made.append(operations._metrics())
    except Exception as exc:
        failed.append(repr(exc))
threads = [threading.Thread(target=first_request) for _ in range(16)]
[t.start() for t in threads]
[t.join() for t in threads]
assert not failed, failed
assert len({id(m) for m in made}) == 1
"""
    for _ in range(5):  # a fresh process each time: the metric names are registered once per process
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
