"""Writers of different businesses never wait for each other on the journal, and the sealer never waits for them.

Observed structurally on PostgreSQL: while one business's write holds its transaction open, the other's write (and
a seal) must run to the end without its backend ever appearing blocked in ``pg_blocking_pids``. A journal that
made every write update one shared row would block the second writer behind the first, and fail here.
"""

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import JournalEntry
from tests.helpers import OPERATOR, POSTGRES_URL, log_keys
from traceability.service import journal, records

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="SQLite has one write lock by design")


def runs_without_waiting(engine, work):
    """Run `work(session)` in another thread; return whether it finished and whether its backend was ever
    seen waiting for a lock held by someone else. Polls until one of the two happens."""
    pid: list[int] = []
    failure: list[BaseException] = []
    started = threading.Event()

    def target():
        try:
            with Session(engine) as session:
                pid.append(session.scalar(sa.text("SELECT pg_backend_pid()")))
                started.set()
                work(session)
        except BaseException as exc:  # reported to the test below
            failure.append(exc)
            started.set()

    thread = threading.Thread(target=target)
    thread.start()
    started.wait()
    blocked = False
    with engine.connect() as observer:
        while thread.is_alive() and not blocked:
            blocked = bool(observer.scalar(sa.text("SELECT cardinality(pg_blocking_pids(:pid)) > 0"), {"pid": pid[0]}))
            observer.rollback()
            thread.join(0.01)
    return thread, blocked, failure


def test_two_businesses_write_at_once_without_serialising(app, world):
    engine = app.extensions["db_engine"]
    keys = log_keys(app)
    with Session(engine) as first:
        # Business A's write: its journal entry inserted, its transaction still open.
        journal.append(first, OPERATOR, "create", "supplier:a", {"name": "Pasar A"}, business_id=world.business_a)
        first.flush()

        def second_write(session):
            records.create_record(
                session, OPERATOR, "suppliers", {"name": "Pasar B", "kind": "market"}, business_id=world.business_b
            )

        thread, blocked, failure = runs_without_waiting(engine, second_write)
        if blocked:
            first.rollback()  # let it go, then fail
        thread.join()
        assert not failure, failure
        assert not blocked, "business B's write waited for business A's open transaction"

        sealer, sealer_blocked, sealer_failure = runs_without_waiting(engine, lambda s: journal.seal(s, keys))
        if sealer_blocked:
            first.rollback()
        sealer.join()
        assert not sealer_failure, sealer_failure
        assert not sealer_blocked, "the sealer waited for an open write"
        first.commit()

    with Session(engine) as session:
        journal.seal(session, keys)
        report = journal.verify(session, keys)
        placed = session.execute(
            sa.select(JournalEntry.business_id, JournalEntry.leaf_index).where(JournalEntry.subject.like("supplier:%"))
        ).all()
    assert report.ok
    # B committed first and was sealed first, though A took its sequence number earlier.
    by_business = {business: index for business, index in placed}
    assert by_business[world.business_b] < by_business[world.business_a]
