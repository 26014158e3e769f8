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

from flask import Blueprint, Flask, Response, current_app
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address

from api.error_pages import error_page


def init_app(app: Flask) -> Limiter:
    """Create this app's limiter: one storage for every limit, and its hooks that count and refuse requests."""
    limiter = Limiter(get_remote_address, app=app)
    app.extensions["halal_trace_limiter"] = limiter
    warn_if_per_process(app, _workers_from_environment())
    return limiter


# Limits are read per request, so a setting changed at run time (or by a test) applies at once.


def limit_login(app: Flask) -> None:
    """Put ``LOGIN_RATE_LIMIT`` on ``POST /login`` (once the login view is registered)."""
    login_rate: Callable[[], str] = lambda: current_app.config["LOGIN_RATE_LIMIT"]  # noqa: E731
    view = cast("Callable[..., ResponseReturnValue]", app.view_functions["auth.login"])  # not an async view
    app.view_functions["auth.login"] = limiter_of(app).limit(
        login_rate, methods=["POST"], on_breach=_login_refused, scope="login"
    )(view)


def limit_public(app: Flask, *blueprints: Blueprint) -> None:
    """Put ``PUBLIC_RATE_LIMIT`` on the routes of `blueprints` together: one counter per client for all of them.

    Per-route counters would let a client multiply the limit by the number of public routes (verify, badge,
    embed, QR images, pages ...); with ``redis://`` storage the one counter is shared by every worker too.
    """
    public_rate: Callable[[], str] = lambda: current_app.config["PUBLIC_RATE_LIMIT"]  # noqa: E731
    shared = limiter_of(app).shared_limit(public_rate, scope="public")
    for blueprint in blueprints:
        shared(blueprint)


def limiter_of(app: Flask) -> Limiter:
    """The limiter :func:`init_app` made for `app`."""
    limiter: Limiter = app.extensions["halal_trace_limiter"]
    return limiter


def _login_refused(limit: RequestLimit) -> Response:
    """A person at the login form gets a page in their language, saying when to try again."""
    wait = max(1, int(limit.reset_at - time.time()))
    html = error_page(429, "Too Many Requests")
    return Response(html, status=429, mimetype="text/html", headers={"Retry-After": str(wait)})


def _workers_from_environment() -> int:
    # gunicorn reads WEB_CONCURRENCY as its default worker count; `halal-trace serve` passes its own.
    try:
        return int(os.environ.get("WEB_CONCURRENCY", "1"))
    except ValueError:
        return 1


def warn_if_per_process(app: Flask, workers: int) -> bool:
    """Log a warning when limits are counted per process but several processes serve; True if warned."""
    uri = str(app.config["RATELIMIT_STORAGE_URI"])
    enabled = app.config["RATELIMIT_ENABLED"] not in (False, "false", "0", 0)
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
