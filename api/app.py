"""The application factory: everything the service runs is wired here, in the order it runs.

Settings come first (every default is in :mod:`api.config`), then the extensions and hooks: the request hooks
(Flask runs ``before_request`` hooks in the order registered and ``after_request`` hooks in reverse) and the
before-commit hooks of every write (:data:`traceability.service.BEFORE_COMMIT`); then every blueprint with its CSRF
exemption; last the rate limits on what the blueprints serve.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, render_template
from werkzeug.routing import IntegerConverter

from api import (
    admin_console,
    application_packs,
    assessments,
    auth,
    codes,
    codes_web,
    config,
    coordinator,
    db,
    epcis,
    errors,
    evidence,
    guards,
    idempotency,
    jobs,
    limits,
    onboarding,
    operations,
    operators,
    programmes,
    provenance,
    public,
    resources,
    reviews,
    security,
    transparency,
    web,
    webhooks,
    workspace,
)
from traceability import service
from traceability.formats.fields import MAX_ID


class StoredId(IntegerConverter):
    """``<int:...>`` in routes, bounded to the 64-bit ids the database can hold."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


home = Blueprint("home", __name__)


@home.get("/")
def index() -> str:
    """The landing page: who is signed in and where the API lives."""
    return render_template("home.html", user=auth.current_user_record(), actor=auth.current_actor(required=False))


#: The JSON API under ``/api/v1``, documented in its OpenAPI description in this order. Callers authenticate with
#: a bearer token, never a cookie a browser would send by itself, so these are exempt from CSRF; a browser's
#: login session may only read through them (:func:`api.auth.current_user_record`).
API_BLUEPRINTS = (
    resources.bp,
    assessments.bp,
    provenance.bp,
    epcis.bp,
    reviews.bp,
    codes.bp,
    evidence.bp,
    programmes.bp,
    transparency.bp,
    webhooks.bp,
)

#: Pages for people, signed in by the login form's session cookie: every form they post carries a CSRF token.
PAGE_BLUEPRINTS = (
    auth.bp,
    public.bp,
    codes_web.bp,
    coordinator.web,
    home,
    web.bp,
    workspace.bp,
    onboarding.bp,
    operations.bp,
    operators.bp,
    admin_console.bp,
    application_packs.bp,
)


#: What reads the replica when there is one: the public surface (verify JSON, consumer pages, Digital Link resolver,
#: badge, embed, keys and checkpoints), never writing, and the exports, which read much and write nothing. A
#: producer's other reads (lists, the workspace) stay on the primary, so a write is seen at once by its writer.
REPLICA_READS = (
    public.bp,
    "codes.Verify",
    "api.ProductDossier",
    "provenance.BatchEpcis",
    "provenance.BatchProv",
    "provenance.BatchTraceCsv",
)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure an instance of the service.

    Settings come from ``HALAL_TRACE_*`` environment variables (``HALAL_TRACE_DATABASE_URL``
    becomes ``DATABASE_URL``); tests pass `test_config` instead. Nothing touches the database here:
    tables come from ``halal-trace db upgrade``.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = StoredId  # an id too large for the database is simply not found
    config.load(app, test_config)

    # Extensions and request hooks, in the order they run.
    operations.init_app(app)  # a request id, then (last of all) the request's log line and metrics
    security.init_app(app)  # trusted proxies; security headers on every response (the last after_request)
    db.init_app(app)  # the engine, and a session per request closed at teardown
    service.install()  # every write, before it commits: reassess what it reaches, then reopen changed reviews
    service.unit_of_work.install_job_runner(jobs.enqueue_after_commit)  # and after: queue the work it deferred
    errors.init_app(app)  # URL checks first; every error as problem+json
    guards.init_app(app)  # strict JSON; nothing reads a request body the checks would refuse
    api = errors.Api(app)  # OpenAPI description and problem+json errors for the API blueprints
    auth.init_app(app)  # login sessions and CSRF protection
    limits.init_app(app)  # one rate limiter (its limits are put on routes below)
    idempotency.init_app(app)  # Idempotency-Key: a retried write replays the first answer
    app.after_request(codes.cors)  # the verify JSON, badge, oEmbed and keys may be read by any page
    web.init_app(app)  # languages, and error pages instead of problem+json for people's browsers

    for blueprint in API_BLUEPRINTS:
        api.register_blueprint(blueprint)
        auth.csrf.exempt(blueprint)
    for blueprint in PAGE_BLUEPRINTS:
        app.register_blueprint(blueprint)

    # Public answers and exports: from HALAL_TRACE_READ_DATABASE_URL (a streaming replica) when it is set.
    db.read_from_replica(app, *REPLICA_READS)
    limits.limit_login(app)  # POST /login: LOGIN_RATE_LIMIT per client address
    limits.limit_public(
        app, codes.bp, public.bp, transparency.bp
    )  # the public surface: PUBLIC_RATE_LIMIT per client address
    return app
