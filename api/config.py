"""Settings: defaults, then ``HALAL_TRACE_*`` environment variables, then a test mapping."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from traceability.service import accounts, assessments

PREFIX = "HALAL_TRACE"


def default_database_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "halal-trace.sqlite")


def load(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Fill `app.config`; ``HALAL_TRACE_DATABASE_URL`` becomes ``DATABASE_URL`` and so on.

    This is every setting the service reads, with its default; other modules read ``app.config["X"]``.
    """
    app.config.from_mapping(
        # Storage.
        DATABASE_URL=default_database_url(app.instance_path),
        ENGINE_OPTIONS={},  # keyword arguments for sqlalchemy.create_engine
        # A PostgreSQL streaming replica for the public answers and the exports (None: the primary serves them).
        READ_DATABASE_URL=None,
        DB_ENGINE=None,  # an engine to use instead of making one: lets a test suite share one (and its statement cache)
        SIGNING_KEY_DIR=None,  # private code-signing keys, one PEM file each (None: see INSTANCE_FOLDERS)
        QR_CACHE_DIR=None,  # QR images drawn once and shared by every worker (None: see INSTANCE_FOLDERS)
        # Sessions and sign-in.
        SECRET_KEY=None,  # None: a random key kept in instance/secret_key
        WTF_CSRF_TIME_LIMIT=None,  # a form's CSRF token lasts as long as the login session
        TRUSTED_PROXIES=0,  # reverse proxies whose X-Forwarded-* headers to believe
        LOGIN_MAX_FAILURES=accounts.MAX_FAILURES,  # wrong passwords in a row that lock an account
        LOGIN_LOCKOUT_MINUTES=accounts.LOCKOUT // dt.timedelta(minutes=1),
        # Rate limits (Flask-Limiter reads the RATELIMIT_* ones).
        RATELIMIT_ENABLED=True,
        # memory:// counts per process; redis://host:6379/0 shares every limit across workers and machines.
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        LOGIN_RATE_LIMIT="10 per minute",  # POST /login, per client address
        PUBLIC_RATE_LIMIT="600 per minute",  # the public surface (verify JSON, pages, badge, QR), per client address
        # Requests.
        PUBLIC_BASE_URL="http://127.0.0.1:5000",  # printed in QR codes and links, never taken from the Host header
        # The journal's log name in its checkpoints (None: PUBLIC_BASE_URL's host and path, then "/journal").
        JOURNAL_ORIGIN=None,
        # The job queue: None keeps it in instance/queue.sqlite (consumed by `halal-trace serve`); redis://... for
        # production with `halal-trace worker`; memory:// for one process. QUEUE_IMMEDIATE runs jobs at once.
        QUEUE_URL=None,
        QUEUE_IMMEDIATE=False,
        JOURNAL_SEAL_SECONDS=5,  # how often the queue seals new journal entries
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        EVIDENCE_MAX_BYTES=5 * 1024 * 1024,  # a scanned certificate (PDF, JPEG, PNG)
        MAX_URL_BYTES=4096,  # longer URLs are a 414 problem document, well below gunicorn's own limit
        PAGE_SIZE_MAX=200,
        # Seconds an edge cache may keep a public answer (short: a revocation reaches scanners within it), and
        # seconds more it may answer with the old one while it fetches the new (stale-while-revalidate).
        PUBLIC_MAX_AGE=5,
        PUBLIC_STALE_SECONDS=10,
        # Operations: one JSON log line per request on stderr ("text" for people, None: leave logging alone);
        # /metrics wants this bearer token, or without one answers only the machine itself.
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        METRICS_TOKEN=None,
        # Status webhooks: the first retry after this many seconds, doubling; given up after this many attempts;
        # private addresses (127.0.0.1, 10.x, ...) refused unless allowed (a test's local receiver).
        WEBHOOK_RETRY_SECONDS=30,
        WEBHOOK_MAX_ATTEMPTS=8,
        WEBHOOK_TIMEOUT_SECONDS=5,
        WEBHOOK_ALLOW_PRIVATE=False,
        # Assessments and programmes.
        # Above this many affected batches, a change leaves reassessment to the queue (or the next read).
        PROPAGATION_INLINE_LIMIT=assessments.DEFAULT_INLINE_LIMIT,
        ASSESSMENT_AS_OF=None,  # a fixed evaluation date (YYYY-MM-DD) for reproducible demos and tests; None: today
        # Days at one milestone before a business counts as stuck on the dashboard (the API description says 14).
        PROGRAMME_STUCK_DAYS=14,
        # Pages.
        BABEL_DEFAULT_LOCALE="id",  # Indonesian first; English by ?lang=en or the browser's choice
        # The OpenAPI description (flask-smorest reads these).
        API_TITLE="halal-trace",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    app.config.from_prefixed_env(prefix=PREFIX)
    if overrides:
        app.config.update(overrides)
    app.config.update(cookie_settings(app.config, overrides))
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)


#: The default of a directory setting left unset (or empty): a folder in the instance directory, found when used,
#: so an app whose ``instance_path`` is moved after creation (the test suite's shared app) follows it.
INSTANCE_FOLDERS = {"SIGNING_KEY_DIR": "signing-keys", "QR_CACHE_DIR": "qr-cache"}


def directory(app: Flask, setting: str) -> Path:
    """The directory `setting` names, or its default folder in the instance directory."""
    return Path(app.config[setting] or Path(app.instance_path) / INSTANCE_FOLDERS[setting])


def cookie_settings(config: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Cookie flags: HttpOnly and SameSite=Lax always; Secure when the site is served over https.

    ``HALAL_TRACE_SESSION_COOKIE_SECURE`` (or a test setting) decides Secure explicitly. Without it,
    Secure follows ``PUBLIC_BASE_URL``: a browser never sends a Secure cookie back over plain http, so
    a local ``http://`` run would lose every login.
    """
    if "SESSION_COOKIE_SECURE" in (overrides or {}) or f"{PREFIX}_SESSION_COOKIE_SECURE" in os.environ:
        secure = bool(config["SESSION_COOKIE_SECURE"])
    else:
        secure = str(config["PUBLIC_BASE_URL"]).lower().startswith("https://")
    return {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
    }


def _instance_secret(instance_path: str) -> str:
    # A per-installation secret kept beside the SQLite file, so sessions survive restarts
    # without anyone having to set one for a local run.
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(os.urandom(32).hex())
    return path.read_text().strip()
