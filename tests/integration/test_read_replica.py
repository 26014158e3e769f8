"""Public reads from a real PostgreSQL streaming replica (``HALAL_TRACE_READ_DATABASE_URL``): a revocation on the
primary reaches the public answer the replica serves, the producers read their own writes from the primary at
once, and no public read writes (the replica would refuse it).

The replica is made of the machine's cluster with ``pg_basebackup -R`` and started on a free port
(:mod:`tools.pg_replica`). It runs on PostgreSQL whenever the machine can make one; with
``HALAL_TRACE_TEST_REPLICA=1`` (CI) a machine that cannot is a failure, not a skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from api import create_app
from api.db import make_engine
from models import Certificate
from tests.helpers import ASSESSMENT_DAY, POSTGRES_URL, approve, final_batch, issue
from tools.pg_replica import ReplicaUnavailable, streaming_replica, wait_for_replay


def test_the_routes_that_read_the_replica_exist_and_only_read(app):
    """A misspelt endpoint would quietly stay on the primary; a write method never reaches the replica."""
    from api.app import REPLICA_READS

    named = {r for r in REPLICA_READS if isinstance(r, str)}
    blueprints = {r.name for r in REPLICA_READS if not isinstance(r, str)}
    rules = list(app.url_map.iter_rules())
    assert named <= {rule.endpoint for rule in rules}
    for rule in rules:
        if rule.endpoint in named or rule.endpoint.partition(".")[0] in blueprints:
            assert set(rule.methods or ()) <= {"GET", "HEAD", "OPTIONS"}, rule


needs_postgres = pytest.mark.skipif(POSTGRES_URL is None, reason="a streaming replica is PostgreSQL's")
REQUIRED = os.environ.get("HALAL_TRACE_TEST_REPLICA") == "1"


@pytest.fixture(scope="session")
def replica_url() -> Iterator[str]:
    """The test database on a streaming replica of its cluster, for the whole run."""
    assert POSTGRES_URL is not None
    try:
        with streaming_replica(POSTGRES_URL) as url:
            yield url
    except ReplicaUnavailable as exc:
        if REQUIRED:
            pytest.fail(f"HALAL_TRACE_TEST_REPLICA=1 but no replica can be made: {exc}")
        pytest.skip(f"no streaming replica on this machine: {exc}")


@pytest.fixture
def replicated(app: Flask, replica_url: str) -> Iterator[Flask]:
    """An app like the suite's whose public reads and exports go to the replica (writes: the suite's database)."""
    read = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": POSTGRES_URL,
            "DB_ENGINE": app.extensions["db_engine"],
            "READ_DATABASE_URL": replica_url,
            "SECRET_KEY": "test-secret",
            "PUBLIC_BASE_URL": "https://trace.test",
            "ASSESSMENT_AS_OF": ASSESSMENT_DAY,
        }
    )
    read.instance_path = app.instance_path  # the suite's signing keys
    yield read
    with read.extensions["db_read_engine"].connect() as connection:  # never leave replay paused
        if connection.exec_driver_sql("SELECT pg_is_wal_replay_paused()").scalar():
            connection.exec_driver_sql("SELECT pg_wal_replay_resume()")
    read.extensions["db_read_engine"].dispose()


def _replayed(app: Flask) -> float:
    return wait_for_replay(app.extensions["db_engine"], app.extensions["db_read_engine"], timeout=15)


@contextmanager
def where_reads_go(app: Flask) -> Iterator[dict[str, list[str]]]:
    """The statements each engine runs inside the block: ``primary`` and ``replica``."""
    seen: dict[str, list[str]] = {"primary": [], "replica": []}
    listeners = []
    for name, key in (("primary", "db_engine"), ("replica", "db_read_engine")):

        def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any, name: str = name) -> None:
            seen[name].append(statement)

        sa.event.listen(app.extensions[key], "before_cursor_execute", note)
        listeners.append((app.extensions[key], note))
    try:
        yield seen
    finally:
        for engine, note in listeners:
            sa.event.remove(engine, "before_cursor_execute", note)


@pytest.mark.postgres_only
@needs_postgres
def test_the_replica_is_a_real_standby_that_refuses_writes(replica_url):
    engine = make_engine(replica_url)
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT pg_is_in_recovery()").scalar() is True
            with pytest.raises(sa.exc.InternalError, match="read-only transaction"):
                connection.exec_driver_sql("CREATE TABLE nothing_here (id int)")
    finally:
        engine.dispose()


@pytest.mark.postgres_only
@needs_postgres
def test_a_revocation_on_the_primary_reaches_the_answers_served_from_the_replica(replicated, filled, session):
    client = replicated.test_client()
    final = final_batch(session, filled.world.business_a)
    approve(session, final.id)
    code = issue(client, filled, batch=final.id)["code"]
    _replayed(replicated)
    paths = (f"/api/v1/verify/{code}", f"/v/{code}", f"/badge/{code}.svg")
    with where_reads_go(replicated) as seen:
        before = {path: client.get(path) for path in paths}
    assert {r.status_code for r in before.values()} == {200}
    assert before[paths[0]].json["state"] == "verified"
    assert seen["primary"] == []  # every public read on the replica
    assert seen["replica"] != []

    oil = session.scalar(
        sa.select(Certificate.id).where(
            Certificate.business_id == filled.world.business_a, Certificate.ref == "cert-minyak"
        )
    )
    revocation = {"status": "revoked", "effective": "2025-11-01", "reason": "Bahan babi ditemukan"}
    with where_reads_go(replicated) as seen:
        response = client.post(f"/api/v1/certificates/{oil}/status", headers=filled.auth("auditor"), json=revocation)
    assert response.status_code == 200, response.json
    assert seen["replica"] == []  # a write, and everything it read, on the primary
    waited = _replayed(replicated)
    assert waited < 15

    after = {path: client.get(path) for path in paths}
    body = after[paths[0]].json
    assert (body["state"], body["status_reason"]) == ("pending", "certificate_inactive")
    for path in paths:
        assert after[path].headers["ETag"] != before[path].headers["ETag"], path
        again = client.get(path, headers={"If-None-Match": before[path].headers["ETag"]})
        assert again.status_code == 200, path  # a client's old validator no longer matches
    assert "dicabut" in after[paths[1]].get_data(as_text=True)


@pytest.mark.postgres_only
@needs_postgres
def test_producers_read_their_own_writes_from_the_primary_while_the_replica_lags(replicated, filled, session):
    """Replay paused on the replica (as if it lagged): a producer's new code is in its own list at once, while the
    public answer of that code, read from the replica, is not there until replay catches up."""
    client = replicated.test_client()
    _replayed(replicated)
    with replicated.extensions["db_read_engine"].connect() as connection:
        connection.exec_driver_sql("SELECT pg_wal_replay_pause()")
    batch = filled.own["batches"]
    with where_reads_go(replicated) as seen:
        code = issue(client, filled, batch=batch)["code"]
        listed = client.get(f"/api/v1/batches/{batch}/codes", headers=filled.auth("producer_a"))
        exported = client.get(f"/api/v1/products/{filled.product_a}/dossier", headers=filled.auth("producer_a"))
    assert seen["replica"] != []  # the export read the replica ...
    assert listed.status_code == 200
    assert code in {c["code"] for c in listed.json}  # ... the producer's own list the primary: its code is there
    assert exported.status_code == 200
    assert client.get(f"/api/v1/verify/{code}").status_code == 404  # the replica has not seen the code yet

    with replicated.extensions["db_read_engine"].connect() as connection:
        connection.exec_driver_sql("SELECT pg_wal_replay_resume()")
    _replayed(replicated)
    public = client.get(f"/api/v1/verify/{code}")
    assert public.status_code == 200
    assert public.json["code"] == code


@pytest.mark.postgres_only
@needs_postgres
def test_a_public_read_from_a_listing_page_queues_its_stamp_and_writes_nothing(replicated, filled, session, tmp_path):
    """On the replica a write would fail: the listing's first request is stamped by a queued job on the primary."""
    from api import jobs
    from models import ProductListing

    replicated.config["QUEUE_URL"] = f"sqlite:///{tmp_path / 'queue.sqlite'}"
    client = replicated.test_client()
    code = issue(client, filled)["code"]
    listing = client.post(
        f"/api/v1/products/{filled.product_a}/listings",
        json={"url": "https://www.tokopedia.com/rendang-bundo/rendang-daging"},
        headers=filled.auth("producer_a"),
    )
    assert listing.status_code == 201, listing.json
    _replayed(replicated)
    with where_reads_go(replicated) as seen:
        answer = client.get(f"/badge/{code}.svg", headers={"Referer": "https://www.tokopedia.com/"})
    assert answer.status_code == 200
    assert seen["primary"] == []
    assert not [s for s in seen["replica"] if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    huey = jobs.queue(replicated)
    assert huey.pending_count() == 1
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
    session.expire_all()
    assert session.scalar(sa.select(ProductListing.first_requested_at)) is not None
