"""The application factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, render_template
from werkzeug.routing import IntegerConverter

from api import auth, codes, config, db, errors, evidence, guards, idempotency, limits, programmes, security, web
from traceability import service
from traceability.formats.fields import MAX_ID


class StoredId(IntegerConverter):
    """``<int:...>`` in routes, bounded to the 64-bit ids the database can hold."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure an instance of the service.

    Settings come from ``HALAL_TRACE_*`` environment variables (``HALAL_TRACE_DATABASE_URL``
    becomes ``DATABASE_URL``); tests pass `test_config` instead. Nothing touches the database here:
    tables come from ``halal-trace db upgrade``.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = StoredId  # an id too large for the database is simply not found
    config.load(app, test_config)
    security.init_app(app)
    db.init_app(app)
    service.install()  # every write, before it commits: reassess what it reaches, then reopen changed reviews
    errors.init_app(app)
    guards.init_app(app)  # first: nothing reads a request body the checks would refuse

    from api.assessments import bp as assessments_bp
    from api.provenance import bp as provenance_bp
    from api.resources import bp as api_bp  # imported here: its schemas build on the config-free models
    from api.reviews import bp as reviews_bp

    api = errors.Api()
    api.init_app(app)
    api.register_blueprint(api_bp)
    api.register_blueprint(assessments_bp)
    api.register_blueprint(provenance_bp)
    api.register_blueprint(reviews_bp)
    auth.init_app(app, api_bp, assessments_bp, provenance_bp, reviews_bp)
    limits.init_app(app)  # after auth: it limits the login form
    idempotency.init_app(app)
    codes.init_app(app, api)
    evidence.init_app(app, api)
    programmes.init_app(app, api)
    app.register_blueprint(home)
    web.init_app(app)
    return app


home = Blueprint("home", __name__)


@home.get("/")
def index() -> str:
    """The landing page: who is signed in and where the API lives."""
    return render_template("home.html", user=auth.current_user_record())
