"""Concurrent writers through the HTTP API: optimistic locking holds under a real race, and a busy
or deadlocked database answers a problem the client can retry, never a 500.

The requests run in threads, each with its own test client, session and database connection, so
they meet in the database exactly as two gunicorn threads would. Where the interleaving matters it is
forced, not hoped for: an engine hook stops each writer just before its UPDATE reaches the database
until both have got there, i.e. until both have read the record and passed the If-Match check.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from models import Certificate, JournalEntry, Supplier
from tests.helpers import OPERATOR, POSTGRES_URL, example, log_keys
from traceability.service import dossiers, journal

PROBLEM = "application/problem+json"


@pytest.fixture
def records(world, session) -> dict[str, Any]:
    """Business A's rendang dossier, stored: its supplier and certificate ids."""
    dossiers.import_dossier(session, OPERATOR, example("rendang-ok"))
    suppliers = session.scalars(
        sa.select(Supplier.id).where(Supplier.business_id == world.business_a).order_by(Supplier.id)
    ).all()
    certificates = session.scalars(
        sa.select(Certificate.id).where(Certificate.business_id == world.business_a).order_by(Certificate.id)
    ).all()
    session.close()
    return {"suppliers": list(suppliers), "certificates": list(certificates)}


@contextmanager
def meet_before(engine: sa.Engine, prefix: str, parties: int = 2) -> Iterator[threading.Barrier]:
    """Hold the first `parties` statements starting with `prefix` until all of them are about to run."""
    barrier = threading.Barrier(parties, timeout=20)
    waiting = Counter[str]()
    lock = threading.Lock()

    def hold(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.startswith(prefix):
            return
        with lock:
            waiting["seen"] += 1
            mine = waiting["seen"] <= parties
        if mine:
            barrier.wait()

    sa.event.listen(engine, "before_cursor_execute", hold)
    try:
        yield barrier
    finally:
        sa.event.remove(engine, "before_cursor_execute", hold)


def _patch(app: Flask, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    return app.test_client().patch(path, json=body, headers=headers)


def test_two_patches_with_the_same_if_match_one_wins_the_other_gets_409_with_the_current_version(app, world, records):
    supplier = records["suppliers"][0]
    path = f"/api/v1/suppliers/{supplier}"
    auth = world.auth("producer_a")
    read = app.test_client().get(path, headers=auth)
    etag, version = read.headers["ETag"], read.json["version"]
    names = ["Pemasok Satu", "Pemasok Dua"]

    with (
        meet_before(app.extensions["db_engine"], "UPDATE supplier ") as barrier,
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        answers = list(pool.map(lambda name: _patch(app, path, {"name": name}, {**auth, "If-Match": etag}), names))
    assert barrier.n_waiting == 0
    assert not barrier.broken  # both writers passed the If-Match check and reached their UPDATE together

    assert sorted(a.status_code for a in answers) == [200, 409]
    won, lost = (answers[0], answers[1]) if answers[0].status_code == 200 else (answers[1], answers[0])
    winner_name = names[answers.index(won)]
    assert won.json["version"] == version + 1
    assert won.headers["ETag"] == f'"v{version + 1}"'
    assert lost.mimetype == PROBLEM
    assert lost.json["status"] == 409
    assert lost.json["errors"]["version"] == [f"Current version is {version + 1}."]
    assert lost.headers["ETag"] == f'"v{version + 1}"'

    again = app.test_client().patch(path, json={"name": "Basi"}, headers={**auth, "If-Match": etag})
    assert again.status_code == 409  # a stale If-Match refused before any write says the same
    assert again.headers["ETag"] == f'"v{version + 1}"'
    assert again.json["errors"]["version"] == [f"Current version is {version + 1}."]

    current = app.test_client().get(path, headers=auth)
    assert current.json["name"] == winner_name  # the winner's change is what is stored
    assert current.headers["ETag"] == lost.headers["ETag"]

    # The loser re-reads, retries with the new ETag, and lands on top of the winner's change.
    loser_name = names[1 - answers.index(won)]
    retry = app.test_client().patch(
        path, json={"name": loser_name}, headers={**auth, "If-Match": current.headers["ETag"]}
    )
    assert retry.status_code == 200, retry.json
    assert retry.json["version"] == version + 2
    assert app.test_client().get(path, headers=auth).json["name"] == loser_name

    with Session(app.extensions["db_engine"]) as session:
        journal.seal(session, log_keys(app))
        assert journal.verify(session, log_keys(app)).ok
        updates = session.scalars(
            sa.select(JournalEntry.payload)
            .where(JournalEntry.subject == f"supplier:{supplier}", JournalEntry.action == "update")
            .order_by(JournalEntry.seq)
        ).all()
    assert [u["name"] for u in updates] == [winner_name, loser_name]  # no update lost, none journaled twice


def test_many_writers_on_different_records_and_certificate_decisions_keep_one_chain_and_no_500(app, world, records):
    suppliers = records["suppliers"]
    certificate = records["certificates"][0]
    producer, auditor = world.auth("producer_a"), world.auth("auditor")
    rounds = 6
    answers: list[tuple[str, Any]] = []
    lock = threading.Lock()

    def edit(supplier: int) -> None:
        client = app.test_client()
        for n in range(rounds):
            answer = client.patch(
                f"/api/v1/suppliers/{supplier}", json={"name": f"Pemasok {supplier}-{n}"}, headers=producer
            )
            with lock:
                answers.append((f"supplier:{supplier}", answer))

    def decide() -> None:
        client = app.test_client()
        for n in range(rounds):
            status = "suspended" if n % 2 == 0 else "active"
            answer = client.post(
                f"/api/v1/certificates/{certificate}/status",
                headers=auth_json(auditor),
                json={"status": status, "effective": "2025-11-20", "reason": "uji serentak"},
            )
            with lock:
                answers.append(("certificate", answer))

    with ThreadPoolExecutor(max_workers=len(suppliers) + 1) as pool:
        jobs = [pool.submit(edit, s) for s in suppliers] + [pool.submit(decide)]
        for job in jobs:
            job.result()

    statuses = Counter(a.status_code for _, a in answers)
    assert set(statuses) <= {200, 503}, statuses  # never a 500; a busy database is a problem to retry
    assert all(a.mimetype == PROBLEM and a.headers["Retry-After"] for _, a in answers if a.status_code == 503)
    assert statuses[200] >= len(answers) // 2
    with Session(app.extensions["db_engine"]) as session:
        journal.seal(session, log_keys(app))
        report = journal.verify(session, log_keys(app))
        leaves = session.scalars(sa.select(JournalEntry.leaf_index).order_by(JournalEntry.leaf_index)).all()
        for supplier in suppliers:  # every successful edit made exactly one new version
            done = sum(1 for who, a in answers if who == f"supplier:{supplier}" and a.status_code == 200)
            assert session.get(Supplier, supplier).version == 1 + done
    assert report.ok
    assert leaves == list(range(len(leaves)))  # every entry sealed once, the tree without gaps


def auth_json(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Content-Type": "application/json"}


@pytest.mark.skipif(POSTGRES_URL is not None, reason="SQLite's single write lock")
def test_a_write_blocked_past_the_busy_timeout_answers_503_and_changes_nothing(app, world, records, database_url):
    supplier = records["suppliers"][0]
    path = f"/api/v1/suppliers/{supplier}"
    auth = world.auth("producer_a")
    before = app.test_client().get(path, headers=auth).json
    holder = sqlite3.connect(str(sa.make_url(database_url).database), timeout=0)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the database's write lock
    try:
        started = time.monotonic()
        answer = app.test_client().patch(path, json={"name": "Tidak tersimpan"}, headers=auth)
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert answer.status_code == 503
    assert answer.mimetype == PROBLEM
    assert answer.headers["Retry-After"] == "1"
    assert waited >= 4  # it waited out the busy timeout before giving up
    assert app.test_client().get(path, headers=auth).json == before
    assert app.test_client().patch(path, json={"name": "Tersimpan"}, headers=auth).status_code == 200


@pytest.mark.postgres_only
@pytest.mark.skipif(POSTGRES_URL is None, reason="needs PostgreSQL's deadlock detector")
def test_a_deadlocked_write_answers_503_and_changes_nothing(app, world, records):
    supplier = records["suppliers"][0]
    path = f"/api/v1/suppliers/{supplier}"
    auth = world.auth("producer_a")
    before = app.test_client().get(path, headers=auth).json
    engine = app.extensions["db_engine"]
    # The test holds the business row; the request locks its supplier row, then waits for the business (its
    # journal entry's foreign key); the test then asks for the supplier row: a cycle, which PostgreSQL breaks
    # by failing the request.
    with engine.connect() as other:
        other.execute(sa.text("SET deadlock_timeout = '20s'"))  # the request's backend detects it first
        other.execute(sa.text("SELECT id FROM business WHERE id = :id FOR UPDATE"), {"id": world.business_a})
        result: list[Any] = []
        request = threading.Thread(
            target=lambda: result.append(app.test_client().patch(path, json={"name": "Tidak tersimpan"}, headers=auth))
        )
        request.start()
        deadline = time.monotonic() + 20
        while not other.scalar(
            sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'")
        ):
            assert time.monotonic() < deadline, "the request never waited for the business row"
            time.sleep(0.02)
        other.execute(sa.text("SELECT id FROM supplier WHERE id = :id FOR UPDATE"), {"id": supplier})
        request.join(timeout=30)
        other.rollback()
    (answer,) = result
    assert answer.status_code == 503, answer.json
    assert answer.mimetype == PROBLEM
    assert answer.headers["Retry-After"] == "1"
    assert app.test_client().get(path, headers=auth).json == before
    assert app.test_client().patch(path, json={"name": "Tersimpan"}, headers=auth).status_code == 200
