"""The job queue: sealing the journal on demand and every few seconds, jobs kept across a restart, run twice
harmlessly, and consumed by a real consumer thread."""

import itertools
import os

import pytest
import sqlalchemy as sa

from api import jobs
from models import JournalCheckpoint
from tests.helpers import OPERATOR, example
from traceability.service import dossiers, journal


@pytest.fixture
def written(session, world):
    dossiers.import_dossier(session, OPERATOR, example("rendang-ok"))


def _checkpoints(session):
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(JournalCheckpoint))


def test_a_queued_seal_survives_a_restart_and_runs_once_in_effect(fresh_queue, session, written):
    jobs.enqueue("journal.seal", fresh_queue)
    jobs.enqueue("journal.seal", fresh_queue)  # asked twice: the second finds nothing new
    fresh_queue.extensions.pop("queue")  # the process stops; the jobs are in the file
    restarted = jobs.queue(fresh_queue)

    assert restarted.pending_count() == 2
    assert _checkpoints(session) == 0
    while (task := restarted.dequeue()) is not None:
        restarted.execute(task)
    assert restarted.pending_count() == 0
    assert _checkpoints(session) == 1
    assert journal.tree_size(session) > 0


def test_the_periodic_job_schedules_a_seal_every_few_seconds(fresh_queue):
    fresh_queue.config["JOURNAL_SEAL_SECONDS"] = 5
    huey = jobs.queue(fresh_queue)
    (periodic,) = [t for t in huey._registry._periodic_tasks if t.__name__ == "journal.schedule-seals"]

    huey.execute(periodic())

    etas = sorted(task.eta for task in huey.pending())
    assert len(etas) == 12  # 0, 5, ... 55 seconds into the minute (the consumer holds each until its time)
    assert {round((later - earlier).total_seconds()) for earlier, later in itertools.pairwise(etas)} == {5}


def test_a_consumer_thread_runs_queued_jobs(fresh_queue, session, written):
    consumer = jobs.EmbeddedConsumer(jobs.queue(fresh_queue), workers=1, worker_type="thread", periodic=False)
    consumer.start()
    try:
        answer = jobs.enqueue("journal.seal", fresh_queue).get(blocking=True, timeout=60)
    finally:
        consumer.stop(graceful=True)

    assert answer["new"] is True
    assert answer["size"] == journal.tree_size(session)


@pytest.mark.skipif(not os.environ.get("HALAL_TRACE_TEST_REDIS_URL"), reason="needs HALAL_TRACE_TEST_REDIS_URL")
def test_a_redis_queue_keeps_and_runs_jobs(fresh_queue, session, written):
    fresh_queue.config["QUEUE_URL"] = os.environ["HALAL_TRACE_TEST_REDIS_URL"]
    huey = jobs.queue(fresh_queue)
    huey.flush()
    try:
        jobs.enqueue("journal.seal", fresh_queue)
        fresh_queue.extensions.pop("queue")
        again = jobs.queue(fresh_queue)
        assert again.pending_count() == 1
        again.execute(again.dequeue())
    finally:
        huey.flush()

    assert _checkpoints(session) == 1
