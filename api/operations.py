"""What an operator watches: liveness and readiness probes, Prometheus metrics, and one JSON log line per request.

- ``GET /healthz`` answers while the process can answer at all (no database work).
- ``GET /readyz`` answers 200 only when the database is reachable and migrated to the newest revision, the job
  queue is reachable and the signing keys load; 503 with the failing checks otherwise. Both are unauthenticated,
  cheap, outside the rate limits and not logged, so a load balancer may poll them every second.
- ``GET /metrics`` speaks the Prometheus text format. With ``METRICS_TOKEN`` set it wants
  ``Authorization: Bearer <token>``; without one it answers only requests from the machine itself (after the
  trusted proxies are taken off), so a scraper on the same host or network namespace needs no secret.
  Under gunicorn every worker (and the queue's consumer) writes its samples to ``PROMETHEUS_MULTIPROC_DIR``,
  which :func:`api.cli.serving.serve` prepares, and a scrape adds them up.
- Every request gets an id (a well-formed ``X-Request-ID`` from the caller, or a new one), sent back in
  ``X-Request-ID``, put in every problem+json body as ``request_id`` and in every log record made while the
  request runs, with the user's and business's ids when known (never a name, email or token).
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import logging
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from functools import cache
from typing import Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, Response, current_app, g, has_request_context, jsonify, request, session

from api import jobs, migrate
from api.db import get_engine
from api.signing import key_ring
from models import JournalCheckpoint, JournalEntry
from traceability.service import observe

bp = Blueprint("operations", __name__)

#: Paths a prober or scraper polls: not logged, not rate limited, not counted as traffic.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
#: A caller's request id is kept only if it is this plain (it lands in logs and headers verbatim).
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
#: Seconds, for the request-duration histogram: public reads are milliseconds, imports seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: Public routes that count as a scan of a printed code (by endpoint name).
SCANS = {
    "codes.Verify": "verify_json",
    "public.consumer": "page",
    "public.digital_link_path": "digital_link",
    "public.badge": "badge",
    "public.embed": "embed",
    "public.oembed": "oembed",
}

log = logging.getLogger("halal_trace.request")


# ---- request ids and logs ----------------------------------------------------------------------------------------


def request_id() -> str | None:
    """This request's id (None outside a request)."""
    return g.get("request_id") if has_request_context() else None


def _request_record_factory() -> Any:
    """Wrap the log-record factory so every record made during a request carries its ids."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "halal_trace", False):
        return previous

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if has_request_context():
            record.request_id = g.get("request_id")
            actor = g.get("actor")
            if actor is not None:
                record.user_id = actor.user_id
                record.business_id = actor.business_id
            elif (user_id := _session_user_id()) is not None:
                record.user_id = user_id
        return record

    factory.halal_trace = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
    return factory


def _session_user_id() -> int | None:
    """The signed-in user of a request refused before its actor was looked up (a CSRF failure, a rate limit).

    Only what the request already read: opening the session here would add ``Vary: Cookie`` to public answers.
    """
    loaded = g.get("_login_user")  # Flask-Login's user, once anything asked for it
    if loaded is not None and getattr(loaded, "is_authenticated", False):
        return int(loaded.id)
    if session.accessed and str(session.get("_user_id", "")).isdigit():
        return int(session["_user_id"])
    return None


def configure_logging(level: str, form: str) -> None:
    """One handler on the root logger writing each record as one JSON object (``form`` "json") or as text."""
    from pythonjsonlogger.json import JsonFormatter

    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "halal_trace", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    if form == "json":
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                datefmt="%Y-%m-%dT%H:%M:%S%z",
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
        handler.addFilter(_with_request_id)
    handler.halal_trace = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # The queue's consumer says every job it runs (a journal seal every few seconds): only its warnings, unless
    # debugging.
    logging.getLogger("huey").setLevel(logging.DEBUG if level.upper() == "DEBUG" else logging.WARNING)


def _with_request_id(record: logging.LogRecord) -> bool:
    if not hasattr(record, "request_id"):
        record.request_id = "-"
    return True


def _start() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    rid = g.get("request_id")
    if rid:
        response.headers["X-Request-ID"] = rid
    if request.path in QUIET_PATHS:
        return response
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
    metrics = _metrics()
    metrics.requests.labels(route=route, method=request.method, status=str(response.status_code)).inc()
    metrics.latency.labels(route=route).observe(seconds)
    surface = SCANS.get(request.endpoint or "")
    if surface and response.status_code in (200, 304):
        metrics.scans.labels(surface=surface).inc()
    # The path without its query string: a code's signature is public, but a query may carry anything.
    log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "method": request.method,
            "path": request.path,
            "route": route,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 2),
        },
    )
    return response


# ---- metrics -----------------------------------------------------------------------------------------------------


class _Metrics:
    """The process's metric objects, made on first use, after ``PROMETHEUS_MULTIPROC_DIR`` is known."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Histogram

        self.requests = Counter(
            "halal_trace_http_requests",
            "HTTP requests answered, by route, method and status.",
            ["route", "method", "status"],
        )
        self.latency = Histogram(
            "halal_trace_http_request_duration_seconds",
            "Time to answer a request, by route.",
            ["route"],
            buckets=BUCKETS,
        )
        self.scans = Counter(
            "halal_trace_public_scans", "Public answers about a printed code, by surface.", ["surface"]
        )
        self.work = Histogram(
            "halal_trace_work_duration_seconds",
            "Assessments and propagations (count and duration).",
            ["work"],
            buckets=BUCKETS,
        )
        self.work_items = Counter(
            "halal_trace_work_items", "Batches assessed, by the work that assessed them.", ["work"]
        )
        self.jobs = Counter("halal_trace_jobs", "Queued jobs finished, by job and outcome.", ["job", "outcome"])
        self.webhooks = Counter("halal_trace_webhook_deliveries", "Webhook delivery attempts, by outcome.", ["outcome"])


_METRICS_LOCK = threading.Lock()
_made: _Metrics | None = None


def _metrics() -> _Metrics:
    """The process's metrics, made once: threads racing on a worker's first requests (gunicorn's gthread) would
    otherwise register the same names twice, which prometheus_client refuses."""
    global _made
    if _made is None:
        with _METRICS_LOCK:
            if _made is None:
                _made = _Metrics()
    return _made


def _observe_work(event: str, seconds: float, count: int) -> None:
    metrics = _metrics()
    if event.startswith("webhook."):
        metrics.webhooks.labels(outcome=event.removeprefix("webhook.")).inc(count)
        return
    metrics.work.labels(work=event).observe(seconds)
    if count:
        metrics.work_items.labels(work=event).inc(count)


def _watch_queue(huey: Any) -> None:
    """Count each finished job by outcome (registered on the queue when it is made, in whichever process)."""
    from huey import signals

    outcomes = {signals.SIGNAL_COMPLETE: "complete", signals.SIGNAL_ERROR: "error", signals.SIGNAL_RETRYING: "retry"}

    @huey.signal(*outcomes)  # type: ignore[untyped-decorator]
    def counted(signal: str, task: Any, exc: BaseException | None = None) -> None:
        _metrics().jobs.labels(job=task.name, outcome=outcomes[signal]).inc()


class _StateCollector:
    """Values read at scrape time, from the one process answering the scrape: queue depth and the journal's state."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        with self.app.app_context():
            with get_engine().connect() as conn:
                entries = conn.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) or 0
                newest = conn.execute(
                    sa.select(JournalCheckpoint.size, JournalCheckpoint.created_at)
                    .order_by(JournalCheckpoint.size.desc())
                    .limit(1)
                ).first()
            pending = jobs.queue(self.app).pending_count()
        yield GaugeMetricFamily("halal_trace_queue_pending_jobs", "Jobs waiting in the queue.", value=pending)
        yield GaugeMetricFamily("halal_trace_journal_entries", "Entries in the journal.", value=entries)
        yield GaugeMetricFamily(
            "halal_trace_journal_unsealed_entries",
            "Journal entries no signed checkpoint covers yet.",
            value=entries - (newest.size if newest else 0),
        )
        if newest is not None:
            sealed = newest.created_at
            age = time.time() - sealed.replace(tzinfo=sealed.tzinfo or dt.UTC).timestamp()
            yield GaugeMetricFamily(
                "halal_trace_journal_checkpoint_age_seconds", "Seconds since the newest signed checkpoint.", value=age
            )


def _scrape_allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), str(token).encode())
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text format: this process's counters (or every worker's, under gunicorn) and the state gauges."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    if not _scrape_allowed():
        return Response("Not found.\n", status=404, mimetype="text/plain")
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_Everything(REGISTRY))
    registry.register(_StateCollector(current_app._get_current_object()))  # type: ignore[attr-defined]
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


class _Everything:
    """The process's default registry as one collector of another registry."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry

    def collect(self) -> Iterator[Any]:
        yield from self.registry.collect()


# ---- probes ------------------------------------------------------------------------------------------------------


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up and answering."""
    return jsonify(status="ok")


@cache
def head_revisions() -> frozenset[str]:
    """The newest migration revisions this code knows (read once: the code does not change while it runs)."""
    return frozenset(ScriptDirectory.from_config(migrate.alembic_config()).get_heads())


def readiness(app: Flask) -> dict[str, str]:
    """Each check's outcome: "ok", or what is wrong in one sentence."""
    checks: dict[str, str] = {}
    try:
        with get_engine().connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
        missing = head_revisions() - current
        checks["database"] = "ok" if not missing else "migrations pending: run 'halal-trace db upgrade'"
    except sa.exc.SQLAlchemyError as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    try:
        jobs.queue(app).pending_count()
        checks["queue"] = "ok"
    except Exception as exc:  # noqa: BLE001  # any failure of the queue's storage means not ready
        checks["queue"] = f"unreachable: {type(exc).__name__}"
    try:
        ring = key_ring()
        checks["signing_keys"] = "ok" if ring.active in ring.private else "no active signing key"
    except Exception as exc:  # noqa: BLE001  # unreadable key files mean codes cannot be signed
        checks["signing_keys"] = f"cannot load: {type(exc).__name__}"
    return checks


@bp.get("/readyz")
def readyz() -> Response:
    """Ready to serve: database reachable and migrated, queue reachable, signing keys loaded (else 503)."""
    checks = readiness(current_app._get_current_object())  # type: ignore[attr-defined]
    ready = all(v == "ok" for v in checks.values())
    response = jsonify(status="ready" if ready else "unready", checks=checks)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Request ids, logs and metrics; register first so the timing covers every other hook."""
    _request_record_factory()
    if app.config.get("LOG_FORMAT") in ("json", "text"):
        configure_logging(str(app.config.get("LOG_LEVEL") or "INFO"), str(app.config["LOG_FORMAT"]))
    observe.subscribe(_observe_work)
    app.extensions.setdefault("queue_hooks", []).append(_watch_queue)
    app.before_request(_start)
    app.after_request(_finish)
