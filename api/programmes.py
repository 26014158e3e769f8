"""Programmes, their milestone dashboard (JSON and CSV), the registry upload, and marketplace listings of
products; the coordinator's pages are in :mod:`api.coordinator`. Handlers parse, call one use case, and render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Response, current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api import jobs
from api.auth import require_actor
from api.db import get_session
from traceability.errors import InvalidInputError
from traceability.formats import fields as f
from traceability.formats.fields import STORED_ID
from traceability.service import listings, programmes, registry
from traceability.vocabulary import ProgrammeMode

bp = Blueprint(
    "programmes",
    __name__,
    url_prefix="/api/v1",
    description="Programmes, their milestone dashboard, the city registry, marketplace listings",
)


class ProgrammeIn(f.Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    organiser = fields.String(required=True, validate=validate.Length(min=1, max=200))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True, load_default=None)
    coordinator = fields.Integer(
        strict=True, validate=STORED_ID, metadata={"description": "The coordinator's user id (an admin names one)."}
    )


class ProgrammeOut(Schema):
    id = fields.Integer()
    name = fields.String()
    organiser = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    coordinator = fields.Integer()
    participants = fields.Integer(allow_none=True)


class ParticipantIn(f.Strict):
    business = fields.Integer(required=True, strict=True, validate=STORED_ID)
    mode = fields.Enum(ProgrammeMode, by_value=True, required=True)
    pendamping = fields.Integer(strict=True, allow_none=True, load_default=None, validate=STORED_ID)


class ParticipantOut(Schema):
    id = fields.Integer()
    programme = fields.Integer(attribute="programme_id")
    business = fields.Integer(attribute="business_id")
    mode = fields.Enum(ProgrammeMode, by_value=True)
    pendamping = fields.Integer(attribute="pendamping_id", allow_none=True)


class DashboardArgs(f.Strict):
    stuck_days = fields.Integer(
        validate=validate.Range(min=0, max=3650),
        metadata={"description": "Days at one step before a business counts as stuck (default 14)."},
    )
    as_of = fields.Date(metadata={"description": "The day to measure waiting from (default today)."})


_MILESTONE_DATES: dict[str, fields.Field[Any]] = {key: fields.Date(allow_none=True) for key in programmes.MILESTONES}


class ParticipantProgress(Schema):
    business = fields.Integer()
    name = fields.String()
    nib = fields.String()
    kelurahan = fields.String(allow_none=True)
    mode = fields.String()
    pendamping = fields.Integer(allow_none=True)
    kecamatan = fields.String(allow_none=True)
    pendamping_name = fields.String(allow_none=True, metadata={"description": "The pendamping's name or email."})
    joined_on = fields.Date(allow_none=True)
    milestones = fields.Nested(Schema.from_dict(_MILESTONE_DATES, name="MilestoneDates"))
    waiting_at = fields.String(allow_none=True)
    waiting_days = fields.Integer(allow_none=True)
    blocked_by = fields.String(
        allow_none=True,
        metadata={"description": "What holds the business at `waiting_at`, one of " + ", ".join(programmes.BLOCKERS)},
    )
    blocked_count = fields.Integer(allow_none=True, metadata={"description": "How many items, where a number helps."})


class DashboardOut(Schema):
    programme = fields.Nested(ProgrammeOut)
    as_of = fields.Date()
    stuck_days = fields.Integer()
    funnel = fields.List(fields.Dict())
    workload = fields.List(fields.Dict())
    stuck = fields.List(fields.Dict())
    participants = fields.List(fields.Nested(ParticipantProgress))


class RegistryArgs(f.Strict):
    skip_invalid = fields.Boolean(
        load_default=False, metadata={"description": "Import the good rows and report the bad ones."}
    )


class RegistryOut(Schema):
    imported = fields.Integer()
    updated = fields.Integer()
    invalid = fields.List(fields.Dict())
    claimed = fields.List(
        fields.String(), metadata={"description": "NIBs left alone: their producer has claimed the business."}
    )


class ListingIn(f.Strict):
    url = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ListingOut(Schema):
    id = fields.Integer()
    product = fields.Integer()
    url = fields.String()
    host = fields.String()
    created_at = fields.DateTime()
    first_requested_at = fields.DateTime(allow_none=True)


@bp.route("/programmes")
class Programmes(MethodView):
    @bp.response(200, ProgrammeOut(many=True))
    def get(self) -> list[dict[str, Any]]:
        """The programmes you run (all of them for an admin)."""
        return [programmes.programme_body(p, n) for p, n in programmes.list_programmes(get_session(), require_actor())]

    @bp.arguments(ProgrammeIn)
    @bp.response(201, ProgrammeOut)
    def post(self, data: dict[str, Any]) -> ResponseReturnValue:
        """Open a programme (coordinator for themselves, admin naming the coordinator)."""
        programme = programmes.create_programme(get_session(), require_actor(), data)
        return (
            programmes.programme_body(programme, 0),
            201,
            {"Location": url_for("programmes.Programme", programme_id=programme.id)},
        )


@bp.route("/programmes/<int:programme_id>")
class Programme(MethodView):
    @bp.response(200, ProgrammeOut)
    def get(self, programme_id: int) -> dict[str, Any]:
        """One programme you run."""
        return programmes.programme_body(programmes.get_programme(get_session(), require_actor(), programme_id))


@bp.route("/programmes/<int:programme_id>/participants")
class Participants(MethodView):
    @bp.arguments(ParticipantIn)
    @bp.response(201, ParticipantOut)
    def post(self, data: dict[str, Any], programme_id: int) -> Any:
        """Enrol a registered business, in person or online, with the pendamping who follows it."""
        return programmes.add_participant(
            get_session(), require_actor(), programme_id, data["business"], data["mode"], data["pendamping"]
        )


def _board(programme_id: int, args: dict[str, Any]) -> programmes.Dashboard:
    days = args.get("stuck_days", current_app.config["PROGRAMME_STUCK_DAYS"])
    return programmes.dashboard(get_session(), require_actor(), programme_id, stuck_days=days, as_of=args.get("as_of"))


@bp.route("/programmes/<int:programme_id>/dashboard")
class Dashboard(MethodView):
    @bp.arguments(DashboardArgs, location="query")
    @bp.response(200, DashboardOut)
    def get(self, args: dict[str, Any], programme_id: int) -> dict[str, Any]:
        """Milestone funnel, pendamping workload, stuck businesses and each participant's milestone dates."""
        return _board(programme_id, args).as_dict()


@bp.route("/programmes/<int:programme_id>/dashboard.csv")
class DashboardCsv(MethodView):
    @bp.arguments(DashboardArgs, location="query")
    @bp.doc(responses={"200": {"description": "One row per participant", "content": {"text/csv": {}}}})
    def get(self, args: dict[str, Any], programme_id: int) -> Response:
        """The participants' milestone dates as CSV."""
        text = programmes.dashboard_csv(_board(programme_id, args))
        return Response(
            text,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="programme-{programme_id}.csv"'},
        )


@bp.route("/registry")
class Registry(MethodView):
    @bp.arguments(RegistryArgs, location="query")
    @bp.doc(requestBody={"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}})
    @bp.response(200, RegistryOut)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Import the city's UMKM registry (CSV body); all or nothing unless ``skip_invalid``; updates by NIB."""
        actor = require_actor()
        upload = request.files.get("file")
        data = upload.read() if upload is not None else request.get_data()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInputError("The registry must be UTF-8 CSV.", errors={"file": ["Not UTF-8."]}) from None
        report = registry.import_registry(get_session(), actor, text, skip_invalid=args["skip_invalid"])
        if not args["skip_invalid"]:
            registry.require_clean(report)
        return report.as_dict()


@bp.route("/products/<int:product_id>/listings")
class Listings(MethodView):
    @bp.arguments(ListingIn)
    @bp.response(201, ListingOut)
    def post(self, data: dict[str, Any], product_id: int) -> dict[str, Any]:
        """Record the marketplace listing of a product; it counts once the listing's page shows the badge."""
        return listings.listing_body(listings.add_listing(get_session(), require_actor(), product_id, data["url"]))


def note_listing_request(code: str) -> None:
    """Called by the public verify API and badge: have a listing stamped the first time its page asks.

    The public read only looks (on the replica, if there is one); the stamp is a queued job on the primary, so no
    public GET writes. Until the stamp reaches the replica a second request may queue it again: it stamps nothing.
    """
    if "Origin" not in request.headers and "Referer" not in request.headers:
        return  # most scans: a phone opening the label, not a listing's page (and no session opened for it)
    own = urlsplit(str(current_app.config["PUBLIC_BASE_URL"])).hostname
    if listings.waiting_listings(get_session(), code, request.headers, own_host=own):
        headers = {name: request.headers[name] for name in ("Origin", "Referer") if name in request.headers}
        jobs.enqueue(listings.NOTE_JOB, args=(code, headers))
