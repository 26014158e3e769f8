"""The job queue (huey): background work that must happen but not inside a request.

Embedded by default: a SQLite-backed queue in the instance folder (``instance/queue.sqlite``), consumed inside
``halal-trace serve``, so ``make run`` needs nothing else. In production ``HALAL_TRACE_QUEUE_URL=redis://...``
puts it in Redis and ``halal-trace worker`` consumes it (as many workers as wanted). The queue stores every job
until it has run, so jobs survive a restart; every job is idempotent, so running one twice changes nothing.

Jobs are plain functions registered with :func:`job`; each runs inside an app context with its own database
session. Sealing the journal is the first: on demand, and scheduled every ``JOURNAL_SEAL_SECONDS`` by a periodic
job (huey's periodic jobs run once a minute; each run schedules that minute's seals).
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, has_app_context
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

from api.db import get_session
from api.signing import journal_keys
from traceability.service import assessments, epcis_repository, journal, listings, observe, webhooks

__all__ = ["EmbeddedConsumer", "enqueue", "enqueue_after_commit", "job", "queue"]

log = logging.getLogger(__name__)

#: Every job by name: what it does, given the app (run inside its app context) and the arguments it was queued with.
JOBS: dict[str, Callable[..., Any]] = {}


def job(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an idempotent job under `name` (it runs in an app context; :func:`api.db.get_session` works).

    Its arguments, if any, are plain data (they are pickled into the queue).
    """

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        JOBS[name] = func
        return func

    return register


@job("journal.seal")
def seal_journal() -> dict[str, Any]:
    """Put new journal entries in the tree and sign a checkpoint (nothing new: nothing changes)."""
    size, root, new = journal.seal(get_session(), journal_keys())
    return {"size": size, "root": root.hex(), "new": new}


#: Batches judged per transaction by the reassessment job: each commit rebuilds their public answers.
REFRESH_BATCH = 200


@job(assessments.REFRESH_JOB)
def refresh_assessments() -> dict[str, Any]:
    """Judge what a large change left stale, `REFRESH_BATCH` batches a transaction, logging progress.

    Idempotent: it only takes assessments still marked stale, so a second run (or two workers) finds less or nothing.
    """
    session = get_session()
    done = 0
    while (count := assessments.refresh_stale(session, limit=REFRESH_BATCH)) > 0:
        done += count
        left = assessments.stale_count(session)
        log.info("reassessed %d batches, %d left", done, left)
    return {"reassessed": done}


@job(listings.NOTE_JOB)
def note_listing_request(code: str, headers: dict[str, str]) -> dict[str, Any]:
    """Stamp the listings a public request came from (queued by the public read, which never writes itself)."""
    own = urlsplit(str(current_app.config["PUBLIC_BASE_URL"])).hostname
    return {"stamped": listings.note_request(get_session(), code, headers, own_host=own)}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook receiver answers; it does not send the service elsewhere (a redirect could point inside)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post_json(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST `body` to `url`; the HTTP status (a 3xx stays a failure), or OSError when nothing answered."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    timeout = float(current_app.config.get("WEBHOOK_TIMEOUT_SECONDS") or 5)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return int(exc.code)


@job(webhooks.DELIVER_JOB)
def deliver_webhooks() -> dict[str, Any]:
    """Send every due status delivery once (failures wait longer each time; a minute's sweep retries them)."""
    config = current_app.config
    outcome = webhooks.deliver_due(
        get_session(),
        post_json,
        retry_seconds=float(config["WEBHOOK_RETRY_SECONDS"]),
        max_attempts=int(config["WEBHOOK_MAX_ATTEMPTS"]),
        allow_private=bool(config["WEBHOOK_ALLOW_PRIVATE"]),
    )
    for result in ("delivered", "failed", "gave_up"):  # for /metrics: halal_trace_webhook_deliveries_total
        if outcome[result]:
            observe.report(f"webhook.{result}", 0.0, outcome[result])
    return outcome


@job(epcis_repository.CAPTURE_JOB)
def run_epcis_captures() -> dict[str, Any]:
    """Store the events of every waiting EPCIS capture job (``POST /api/v1/epcis/capture``, answered 202)."""
    return epcis_repository.run_captures(get_session())


@job(epcis_repository.SUBSCRIPTION_JOB)
def run_epcis_subscriptions() -> dict[str, Any]:
    """Run the EPCIS query subscriptions whose schedule is due (their deliveries go out with the webhooks')."""
    return epcis_repository.run_schedules(get_session())


def _storage(app: Flask) -> Huey:
    url = str(app.config.get("QUEUE_URL") or "")
    name = "halal-trace"
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url)
    if url == "memory://":
        return MemoryHuey(name)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
    else:
        path = Path(app.instance_path) / "queue.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path))


def queue(app: Flask | None = None) -> Huey:
    """The app's queue, made on first use (so an app that never queues anything creates no file)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    found: Huey | None = app.extensions.get("queue")
    if found is not None:
        return found
    huey = _storage(app)
    huey.immediate = bool(app.config.get("QUEUE_IMMEDIATE"))
    tasks = {}
    for name, func in JOBS.items():

        def run(*args: Any, func: Callable[..., Any] = func) -> Any:
            with app.app_context():
                return func(*args)

        tasks[name] = huey.task(retries=2, retry_delay=1, name=name)(run)
    seconds = max(1, int(app.config.get("JOURNAL_SEAL_SECONDS") or 5))

    def schedule_seals() -> None:
        for delay in range(0, 60, seconds):
            tasks["journal.seal"].schedule(delay=delay)

    huey.periodic_task(crontab(minute="*"), name="journal.schedule-seals")(schedule_seals)
    # Retries of failed webhook deliveries, and any a restart left behind.
    huey.periodic_task(crontab(minute="*"), name="webhooks.sweep")(lambda: tasks[webhooks.DELIVER_JOB]())
    # EPCIS capture jobs a restart or a crashed worker left waiting.
    huey.periodic_task(crontab(minute="*"), name="epcis.sweep")(lambda: tasks[epcis_repository.CAPTURE_JOB]())
    # Scheduled EPCIS subscriptions: a minute is the finest step of their schedules here.
    huey.periodic_task(crontab(minute="*"), name="epcis.schedules")(lambda: tasks[epcis_repository.SUBSCRIPTION_JOB]())
    for hook in app.extensions.get("queue_hooks", ()):  # e.g. the metrics' count of finished jobs
        hook(huey)
    app.extensions["queue"] = huey
    app.extensions["queue_tasks"] = tasks
    return huey


def enqueue(name: str, app: Flask | None = None, args: tuple[Any, ...] = ()) -> Any:
    """Queue job `name` now (with `args`); returns huey's result handle."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    queue(app)
    return app.extensions["queue_tasks"][name](*args)


def enqueue_after_commit(name: str) -> None:
    """What a committed write that deferred job `name` calls (installed in the service layer by the app)."""
    if has_app_context() and name in JOBS:
        enqueue(name)


class EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """A consumer that runs beside a server in the same process: the server keeps its own signal handling."""

    def _set_signal_handlers(self) -> None:
        pass
