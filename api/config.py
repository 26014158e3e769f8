"""Settings: defaults, then ``HALAL_TRACE_*`` environment variables, then a test mapping."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

PREFIX = "HALAL_TRACE"


def default_database_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "halal-trace.sqlite")


def load(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Fill `app.config`; ``HALAL_TRACE_DATABASE_URL`` becomes ``DATABASE_URL`` and so on."""
    app.config.from_mapping(
        DATABASE_URL=default_database_url(app.instance_path),
        ENGINE_OPTIONS={},
        SECRET_KEY=None,
        PUBLIC_BASE_URL="http://127.0.0.1:5000",
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        EVIDENCE_MAX_BYTES=5 * 1024 * 1024,  # a scanned certificate (PDF, JPEG, PNG)
        MAX_URL_BYTES=4096,
        PAGE_SIZE_MAX=200,
        PROPAGATION_INLINE_LIMIT=500,
        ASSESSMENT_AS_OF=None,
        API_TITLE="halal-trace",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        WTF_CSRF_TIME_LIMIT=None,
        TRUSTED_PROXIES=0,
        LOGIN_MAX_FAILURES=5,
        LOGIN_LOCKOUT_MINUTES=15,
    )
    app.config.from_prefixed_env(prefix=PREFIX)
    if overrides:
        app.config.update(overrides)
    app.config.update(cookie_settings(app.config, overrides))
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)


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
