"""Crash safety: a writer killed with SIGKILL in the middle of a large write leaves nothing of it behind.

Each test starts the real thing in its own process (gunicorn serving the app, or the ``halal-trace``
CLI), sends a large all-or-nothing write, watches the database from outside until the write is
demonstrably in progress, and kills the process with SIGKILL. "In progress" is observed, not
guessed: on PostgreSQL the writer's backend holds an open transaction with a transaction id
(``pg_stat_activity.backend_xid``) while the non-transactional id sequences show how many rows it has
inserted that no one else can see; on SQLite the writer holds the database's write lock while
pages of its uncommitted transaction spill into the WAL file. After the kill the database must hold
nothing of the document (every table's row count as before), the journal must verify and SQLite's
integrity check pass; sending the same document again must then store all of it.
"""

from __future__ import annotations

import copy
import http.client
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from api.db import make_engine
from models import Base
from tests.helpers import POSTGRES_URL, epcis_document, example, free_port

pytestmark = pytest.mark.crash

ROOT = Path(__file__).resolve().parents[2]
EPCIS_EVENTS = 10_000  # half receipts, half transformations
DOSSIER_EXTRA = 2_000  # lots, steps and batches added to an example dossier
SPILLED = 64 * 1024  # bytes of uncommitted pages in the SQLite WAL that show a write well under way


# --- the documents --------------------------------------------------------------------------------


def large_dossier(extra: int) -> dict[str, Any]:
    """The rendang example under a new business, with `extra` more lots, each made into a batch by its own step."""
    doc = copy.deepcopy(example("rendang-ok"))
    doc["business"] = {**doc["business"], "name": "Katering Rendang Besar", "nib": "3175011234567"}
    lot, step = doc["lots"][0], doc["steps"][0]
    for i in range(extra):
        doc["lots"].append({**lot, "id": f"lot-x{i}", "lot_code": f"X-{i:05d}"})
        doc["steps"].append({**step, "id": f"step-x{i}", "inputs": [f"lot-x{i}"], "outputs": [f"b-x{i}"]})
        doc["batches"].append(
            {"id": f"b-x{i}", "lot_code": f"BX-{i:05d}", "produced_on": step["on"], "step": f"step-x{i}"}
        )
    return doc


# --- processes ------------------------------------------------------------------------------------


def _environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HALAL_TRACE_DATABASE_URL": database_url,
        "HALAL_TRACE_SECRET_KEY": "crash-test",
        "HALAL_TRACE_PUBLIC_BASE_URL": "https://trace.test",
    }


def halal_trace(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in its own process, as an operator would."""
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env=_environment(database_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def journal_report(database_url: str) -> dict[str, Any]:
    result = halal_trace(database_url, "journal", "verify", "--json")
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@dataclass
class Server:
    """gunicorn serving the app on a free port, in a process group of its own so one signal ends all of it."""

    database_url: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--worker-class",
                "gthread",
                "--threads",
                "2",
                "--timeout",
                "120",
                "api.app:create_app()",
            ],
            cwd=ROOT,
            env=_environment(self.database_url),
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        problem = "the server did not start within 30 s"
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                status, body = self.request("GET", "/api/v1/schemas/dossier.json", timeout=1)
            except OSError:
                time.sleep(0.1)
                continue
            if status == 200:
                return self
            problem = f"the server answered {status}: {body[:500]!r}"
            break
        # Stop it before reading what it said, so neither the process nor its pipe outlives the test.
        self.kill_quietly()
        raise AssertionError(f"{problem}\n{self.said}")

    said: str = ""

    def kill_quietly(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        if self.process is not None and self.process.stderr:
            self.said = self.process.stderr.read().decode(errors="replace")[-3000:]
            self.process.stderr.close()

    def __exit__(self, *exc: object) -> None:
        self.kill()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


# --- watching a transaction from outside -----------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    at: float  # seconds since the write was sent
    open: bool  # the writer holds an uncommitted write transaction
    drawn: dict[str, int]  # PostgreSQL: ids drawn from each table's sequence since the start
    wal: int  # SQLite: bytes the WAL file grew since the start

    def describe(self) -> str:
        drawn = {k: v for k, v in self.drawn.items() if v}
        return f"{self.at:.2f} s in, transaction open: {self.open}, ids drawn: {drawn}, WAL grew {self.wal} bytes"


class Watch:
    """Observe another process's write transaction without taking part in it."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.postgres = database_url.startswith("postgresql")
        self.path = None if self.postgres else sa.make_url(database_url).database
        self.start = time.monotonic()
        self.base = self._raw()

    def _raw(self) -> tuple[bool, dict[str, int], int]:
        if self.postgres:
            engine = make_engine(self.url, poolclass=sa.NullPool)
            with engine.connect() as connection:
                open_ = (
                    connection.scalar(
                        sa.text(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
                        )
                    )
                    > 0
                )
                drawn = {
                    name: value or 0
                    for name, value in connection.execute(
                        sa.text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()")
                    )
                }
            engine.dispose()
            return open_, drawn, 0
        wal = Path(f"{self.path}-wal")
        size = wal.stat().st_size if wal.exists() else 0
        probe = sqlite3.connect(str(self.path), timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")  # fails at once while another connection holds the write lock
            probe.execute("ROLLBACK")
            locked = False
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            locked = True
        finally:
            probe.close()
        return locked, {}, size

    def sample(self) -> Sample:
        open_, drawn, wal = self._raw()
        return Sample(
            at=time.monotonic() - self.start,
            open=open_,
            drawn={k: v - self.base[1].get(k, 0) for k, v in drawn.items()},
            wal=wal - self.base[2],
        )

    def until(self, ready: Callable[[Sample], bool], finished: Callable[[], bool], limit: float = 60) -> Sample:
        """Poll until `ready` holds for a sample; fail if the write finishes (or time runs out) first."""
        while time.monotonic() - self.start < limit:
            sample = self.sample()
            if ready(sample):
                return sample
            assert not finished(), f"the write finished before it could be killed ({sample.describe()})"
            time.sleep(0.05)
        raise AssertionError(f"no sign of the write in progress after {limit} s")


# --- the database before and after ----------------------------------------------------------------


def table_counts(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url, poolclass=sa.NullPool)
    with engine.connect() as connection:
        counts = {
            t.name: int(connection.scalar(sa.select(sa.func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }
    engine.dispose()
    return counts


def grown(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before[name] for name in before if after[name] != before[name]}


def assert_integrity(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        with sqlite3.connect(str(sa.make_url(database_url).database)) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []


def assert_nothing_left(database_url: str, before: dict[str, int], journal_before: int) -> None:
    """After the kill: every table as before, a sound file, a journal that verifies with no entry added."""
    assert grown(before, table_counts(database_url)) == {}
    assert_integrity(database_url)
    report = journal_report(database_url)
    assert report["ok"] is True, report
    assert report["entries"] == journal_before


def _wait_for_rollback(database_url: str) -> None:
    """PostgreSQL ends a dead client's transaction when it notices the closed socket: wait for that."""
    if not database_url.startswith("postgresql"):
        return
    watch = Watch(database_url)
    deadline = time.monotonic() + 10
    while watch.sample().open:
        assert time.monotonic() < deadline, "the killed writer's transaction is still open after 10 s"
        time.sleep(0.05)


def _report(capsys: pytest.CaptureFixture[str], what: str, **figures: Any) -> None:
    with capsys.disabled():
        print(f"\n[crash] {what}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


@pytest.fixture
def file_database(database_url: str) -> str:
    """The test's database, reachable from other processes (a file for SQLite, a server for PostgreSQL)."""
    assert POSTGRES_URL or sa.make_url(database_url).database not in (None, "", ":memory:")
    return database_url


# --- the tests ------------------------------------------------------------------------------------


def test_a_capture_killed_mid_transaction_leaves_nothing_and_a_resend_stores_it_all(world, file_database, capsys):
    url = file_database
    document = json.dumps(epcis_document(EPCIS_EVENTS)).encode()
    headers = {**world.auth("producer_a"), "Content-Type": "application/ld+json"}
    before = table_counts(url)
    journal_before = before["journal_entry"]
    steps = EPCIS_EVENTS // 2

    def well_under_way(sample: Sample) -> bool:
        if url.startswith("postgresql"):  # lots all written, half the steps inserted, nothing committed
            return sample.open and sample.drawn.get("production_step_id_seq", 0) >= steps // 2
        return sample.open and sample.wal >= SPILLED

    answers: list[Any] = []
    with Server(url) as server:
        sender = threading.Thread(target=lambda: answers.append(_send(server, document, headers)))
        watch = Watch(url)
        sender.start()
        kill_point = watch.until(well_under_way, finished=lambda: not sender.is_alive())
        seen_by_others = table_counts(url)  # what the open transaction wrote is invisible to everyone else
        server.kill()
        sender.join(timeout=30)
    assert len(answers) == 1
    assert isinstance(answers[0], OSError), f"the capture answered before the kill: {answers}"
    assert seen_by_others == before
    _wait_for_rollback(url)
    assert_nothing_left(url, before, journal_before)

    with Server(url) as server:
        started = time.monotonic()
        status, body = server.request("POST", "/api/v1/epcis/capture", document, headers)
        duration = time.monotonic() - started
    assert status == 201, body[:500]
    assert json.loads(body)["events"] == EPCIS_EVENTS
    records = {
        "material_lot": steps,
        "production_step": steps,
        "step_input": steps,
        "batch": steps,
        "supplier": 1,
        "material": 1,
        "product": 1,
        "facility": 1,
    }
    # One journal entry per record created, and one for the capture itself.
    records_journaled = sum(n for table, n in records.items() if table != "step_input")
    after = grown(before, table_counts(url))
    # The capture also files its events in the EPCIS repository (one row each, and one per EPC they name).
    assert after.pop("epcis_event") == EPCIS_EVENTS
    assert after.pop("epcis_event_epc") >= EPCIS_EVENTS
    assert after.pop("epcis_event_number") >= EPCIS_EVENTS  # the quantities the query parameters filter on
    assert after == {**records, "journal_entry": records_journaled + 1}
    report = journal_report(url)
    assert report == {**report, "ok": True, "entries": journal_before + records_journaled + 1}
    assert_integrity(url)
    _report(
        capsys,
        f"EPCIS capture of {EPCIS_EVENTS} events on {sa.make_url(url).get_backend_name()}",
        killed_at=kill_point.describe(),
        full_capture_seconds=round(duration, 2),
        killed_at_fraction=round(kill_point.at / duration, 2),
    )


def _send(server: Server, document: bytes, headers: dict[str, str]) -> Any:
    try:
        return server.request("POST", "/api/v1/epcis/capture", document, headers)
    except OSError as exc:  # the server died under the request
        return exc


def test_a_dossier_import_killed_mid_transaction_leaves_nothing_and_a_rerun_stores_it_all(
    file_database, tmp_path, capsys
):
    url = file_database
    dossier = large_dossier(DOSSIER_EXTRA)
    path = tmp_path / "dossier.json"
    path.write_text(json.dumps(dossier), encoding="utf-8")
    before = table_counts(url)
    journal_before = before["journal_entry"]

    def well_under_way(sample: Sample) -> bool:
        if url.startswith("postgresql"):  # lots inserted, steps being inserted, nothing committed
            return sample.open and sample.drawn.get("production_step_id_seq", 0) > 0
        return sample.open and sample.wal >= SPILLED

    watch = Watch(url)
    importer = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "import", str(path), "--json"],
        cwd=ROOT,
        env=_environment(url),
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        kill_point = watch.until(well_under_way, finished=lambda: importer.poll() is not None)
        os.killpg(importer.pid, signal.SIGSTOP)  # frozen mid-transaction while the others look, then killed
        seen_by_others = table_counts(url)
    finally:
        os.killpg(importer.pid, signal.SIGKILL)
        out, _ = importer.communicate(timeout=10)
    assert importer.returncode == -signal.SIGKILL, "the import ended on its own before the kill"
    assert out == b""
    assert seen_by_others == before
    _wait_for_rollback(url)
    assert_nothing_left(url, before, journal_before)

    started = time.monotonic()
    result = halal_trace(url, "import", str(path), "--json")
    duration = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["batches"]) == len(dossier["batches"])
    added = grown(before, table_counts(url))
    for table, section in (
        ("supplier", "suppliers"),
        ("material", "materials"),
        ("material_lot", "lots"),
        ("facility", "facilities"),
        ("production_step", "steps"),
        ("batch", "batches"),
    ):
        assert added[table] == len(dossier[section]), table
    assert added["business"] == 1
    assert added["product"] == 1
    assert added["step_input"] == sum(len(s["inputs"]) for s in dossier["steps"])
    report = journal_report(url)
    assert report["ok"] is True
    assert report["entries"] == journal_before + added["journal_entry"]
    assert_integrity(url)
    _report(
        capsys,
        f"dossier import of {len(dossier['lots'])} lots and {len(dossier['steps'])} steps on "
        f"{sa.make_url(url).get_backend_name()}",
        killed_at=kill_point.describe(),
        full_import_seconds=round(duration, 2),
        killed_at_fraction=round(kill_point.at / duration, 2),
    )
