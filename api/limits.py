"""One rate limiter per app, shared by the login form and the public surface.

Counters live where ``RATELIMIT_STORAGE_URI`` says: ``memory://`` (the default, for development) keeps
them per process, so with several gunicorn workers each worker allows the full limit; a
``redis://`` URI makes every limit exact across workers and machines.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import cast

from flask import Flask, Response, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address


def init_app(app: Flask) -> Limiter:
    """Create this app's limiter (one storage for every limit) and put the login limit on ``POST /login``."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("LOGIN_RATE_LIMIT", "10 per minute")
    limiter = Limiter(get_remote_address, app=app)
    app.extensions["halal_trace_limiter"] = limiter
    # Read per request, so a setting changed at run time (or by a test) applies at once.
    login_rate: Callable[[], str] = lambda: current_app.config["LOGIN_RATE_LIMIT"]  # noqa: E731
    view = cast("Callable[..., ResponseReturnValue]", app.view_functions["auth.login"])  # not an async view
    app.view_functions["auth.login"] = limiter.limit(
        login_rate, methods=["POST"], on_breach=_login_refused, scope="login"
    )(view)
    warn_if_per_process(app, _workers_from_environment())
    return limiter


def limiter_of(app: Flask) -> Limiter:
    """The limiter :func:`init_app` made for `app`."""
    limiter: Limiter = app.extensions["halal_trace_limiter"]
    return limiter


def _login_refused(limit: RequestLimit) -> Response:
    """A person at the login form gets a page in their language, saying when to try again."""
    from api.web import ERROR_TEXT

    wait = max(1, int(limit.reset_at - time.time()))
    html = render_template("error.html", code=429, description=ERROR_TEXT[429])
    return Response(html, status=429, mimetype="text/html", headers={"Retry-After": str(wait)})


def _workers_from_environment() -> int:
    # gunicorn reads WEB_CONCURRENCY as its default worker count; `halal-trace serve` passes its own.
    try:
        return int(os.environ.get("WEB_CONCURRENCY", "1"))
    except ValueError:
        return 1


def warn_if_per_process(app: Flask, workers: int) -> bool:
    """Log a warning when limits are counted per process but several processes serve; True if warned."""
    uri = str(app.config.get("RATELIMIT_STORAGE_URI", "memory://"))
    enabled = app.config.get("RATELIMIT_ENABLED", True) not in (False, "false", "0", 0)
    if enabled and workers > 1 and uri.startswith("memory://"):
        app.logger.warning(
            "Rate limits use memory:// storage with %d workers: each worker counts on its own, so a client "
            "gets up to %d times every limit. Set HALAL_TRACE_RATELIMIT_STORAGE_URI=redis://host:6379/0 "
            "to share the counters.",
            workers,
            workers,
        )
        return True
    return False
