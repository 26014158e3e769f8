"""The EPCIS 2.0 REST binding under ``/api/v1/epcis/``, with GS1's openapi.yaml names (DESIGN section 8).

Capture: ``POST /capture`` answers 201 with the records it made, all or nothing, as clients of this service script
against; a client that speaks the standard (it sends ``GS1-Capture-Error-Behaviour``, ``GS1-EPCIS-Version`` or
``Prefer: respond-async``) gets a capture job instead: 202 and ``Location: capture/{captureID}``. Queries: ``events``
and the per-field paths, named ``queries``; pages follow ``Link: <...>; rel="next"``. ``OPTIONS`` on every path
answers the discovery headers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

from flask import Response, current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import UnsupportedMediaType

from api.auth import require_actor
from api.db import get_session
from traceability.errors import NotFoundError, QueryParameterError
from traceability.formats.epcis_query import PARAMETERS
from traceability.service import epcis_repository, exchange

bp = Blueprint(
    "epcis", __name__, url_prefix="/api/v1/epcis", description="EPCIS 2.0 repository: capture, queries, discovery"
)

VERSION = "2.0.0"
JSON_LD = "application/ld+json"
#: What ``OPTIONS`` says of every EPCIS path (the binding's discovery headers).
DISCOVERY = {
    "GS1-EPCIS-Version": VERSION,
    "GS1-EPCIS-Min": VERSION,
    "GS1-EPCIS-Max": VERSION,
    "GS1-CBV-Version": VERSION,
    "GS1-CBV-Min": VERSION,
    "GS1-CBV-Max": VERSION,
    "GS1-EPC-Format": "Never_Translates",  # events are returned as they were captured
    "GS1-CBV-XML-Format": "Never_Translates",
    "GS1-Extensions": "ht=urn:halal-trace:",
}


@bp.before_request
def discovery() -> Response | None:
    """``OPTIONS``: 204 with the methods and the EPCIS and CBV versions (and the capture limits on ``/capture``)."""
    if request.method != "OPTIONS" or request.url_rule is None:
        return None
    methods = sorted((request.url_rule.methods or set()) - {"HEAD"})
    response = Response(status=204, headers={"Allow": ", ".join(methods), **DISCOVERY})
    if request.url_rule.rule.endswith("/capture"):
        response.headers["GS1-EPCIS-Capture-Limit"] = str(epcis_repository.CAPTURE_LIMIT)
        response.headers["GS1-EPCIS-Capture-File-Size-Limit"] = str(current_app.config["MAX_CONTENT_LENGTH"] or "")
        response.headers["GS1-Capture-Error-Behaviour"] = ", ".join(epcis_repository.BEHAVIOURS)
    return response


@bp.after_request
def versions(response: Response) -> Response:
    """Every answer says which EPCIS and CBV versions it speaks."""
    response.headers.setdefault("GS1-EPCIS-Version", VERSION)
    response.headers.setdefault("GS1-CBV-Version", VERSION)
    return response


def _key() -> bytes:
    """The page tokens' signing key, derived from the app's secret (a token from another service does not verify)."""
    return hmac.new(str(current_app.config["SECRET_KEY"]).encode(), b"epcis-page-token", hashlib.sha256).digest()


class CaptureOut(Schema):
    events = fields.Integer()
    lots = fields.List(fields.Integer())
    steps = fields.List(fields.Integer())
    batches = fields.List(fields.Integer())


class CaptureJobOut(Schema):
    captureID = fields.String(attribute="capture_id")  # noqa: N815  # the binding's member names
    createdAt = fields.DateTime(attribute="created_at")  # noqa: N815
    finishedAt = fields.DateTime(attribute="finished_at", allow_none=True)  # noqa: N815
    running = fields.Boolean()
    success = fields.Boolean()
    captureErrorBehaviour = fields.String(attribute="behaviour")  # noqa: N815
    errors = fields.List(fields.Dict())
    eventCount = fields.Integer(attribute="events")  # noqa: N815
    capturedCount = fields.Integer(attribute="captured")  # noqa: N815


def _wants_job() -> bool:
    headers = request.headers
    return (
        "GS1-Capture-Error-Behaviour" in headers
        or "GS1-EPCIS-Version" in headers
        or "respond-async" in headers.get("Prefer", "")
    )


class PageArgs(Schema):
    perPage = fields.Integer(  # noqa: N815
        load_default=30, validate=validate.Range(min=1, max=epcis_repository.MAX_PER_PAGE)
    )
    nextPageToken = fields.String(load_default=None, validate=validate.Length(max=4000))  # noqa: N815


_PAGE_HEADERS = {
    "Link": {"description": 'The next page, when there is one: ``<url>; rel="next"``.', "schema": {"type": "string"}},
    "GS1-Next-Page-Token-Expires": {"description": "When the next page's token expires.", "schema": {"type": "string"}},
}


def _next_headers(token: str | None, expires: dt.datetime | None) -> dict[str, str]:
    """The binding's paging headers: the next page's URL (this request's, with the token) and when it expires."""
    if token is None or expires is None:
        return {}
    assert request.endpoint is not None
    url = url_for(
        request.endpoint,
        **(request.view_args or {}),
        perPage=request.args.get("perPage", 30),
        nextPageToken=token,
        _external=True,
    )
    return {"Link": f'<{url}>; rel="next"', "GS1-Next-Page-Token-Expires": expires.isoformat().replace("+00:00", "Z")}


@bp.route("/capture")
class Capture(MethodView):
    @bp.arguments(PageArgs, location="query")
    @bp.response(200, CaptureJobOut(many=True), headers=_PAGE_HEADERS)
    def get(self, args: dict[str, Any]) -> Any:
        """The capture jobs of your business, newest first; the next page follows ``Link: <...>; rel="next"``."""
        listing = epcis_repository.capture_jobs(
            get_session(), require_actor(), key=_key(), per_page=args["perPage"], token=args["nextPageToken"]
        )
        return listing.members, 200, _next_headers(listing.next_token, listing.expires)

    @bp.doc(
        requestBody={
            "required": True,
            "content": {JSON_LD: {"schema": {"type": "object"}}, "application/json": {"schema": {"type": "object"}}},
        },
        responses={"202": {"description": "A capture job (standard clients): see the Location header."}},
    )
    @bp.response(201, CaptureOut)
    def post(self) -> Any:
        """Capture an EPCIS 2.0 document into your business: records, all or nothing (201), or a capture job (202)."""
        if request.mimetype not in ("application/json", JSON_LD):
            raise UnsupportedMediaType("Send the EPCIS document as application/ld+json or application/json.")
        document = request.get_json(force=True)
        if _wants_job():
            behaviour = request.headers.get("GS1-Capture-Error-Behaviour", "rollback").strip().lower()
            job = epcis_repository.submit_capture(get_session(), require_actor(), document, behaviour=behaviour)
            location = url_for("epcis.CaptureJob", capture_id=job.capture_id)
            return Response(status=202, headers={"Location": location, **DISCOVERY})
        result = exchange.capture_epcis(
            get_session(), require_actor(), document, base_url=current_app.config["PUBLIC_BASE_URL"]
        )
        return {"events": result.events, "lots": result.lots, "steps": result.steps, "batches": result.batches}, 201


@bp.route("/capture/<capture_id>")
class CaptureJob(MethodView):
    @bp.response(200, CaptureJobOut)
    def get(self, capture_id: str) -> Any:
        """A capture job of your business: running, success, and the errors of the events it refused."""
        return epcis_repository.capture_job(get_session(), require_actor(), capture_id)


_QUERY_FIELDS: dict[str, Any] = {
    name: fields.String(  # documentation: the query itself reads and checks the URL's values (400, by name)
        metadata={"description": "Pipe-delimited values." if name[:3] in ("EQ_", "MAT") or name == "eventType" else ""},
    )
    for name in PARAMETERS
}
EventArgs = Schema.from_dict({**PageArgs().fields, **_QUERY_FIELDS}, name="EventArgs")
#: Beside the fixed names above, the standard's names that carry a value (the OpenAPI document lists them here).
PATTERNED = (
    "EQ_bizTransaction_<type>, EQ_source_<type>, EQ_destination_<type> (a CBV type's bare word: "
    "EQ_bizTransaction_po); EQ_quantity_<uom>, GT_/GE_/LT_/LE_quantity_<uom>; EQ_value_<uom> and "
    "GT_/GE_/LT_/LE_ of value, minValue, maxValue, meanValue, sDev, percValue with _<uom> (a UN/ECE Rec 20 code, "
    "compared with reports in that unit; no conversion); EXISTS_<field> (a top-level field, e.g. "
    "EXISTS_errorDeclaration). Any other name is refused: 400, naming it."
)


def _page_response(page: epcis_repository.Page, query_name: str = "SimpleEventQuery") -> Response:
    body = epcis_repository.query_document(page, query_name=query_name)
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")
    response.headers.update(_next_headers(page.next_token, page.expires))
    return response


def _events(args: dict[str, Any], fixed: dict[str, str] | None = None) -> Response:
    # Read from the URL itself: many standard names carry a value (EQ_bizTransaction_po, GE_value_CEL ...), so
    # the query reads every name, and refuses by name any it does not answer (400, QueryParameterException).
    repeated = sorted(name for name in request.args if len(request.args.getlist(name)) > 1)
    if repeated:  # reading one of them would drop the other's filter
        raise QueryParameterError(
            "A query parameter is given more than once.",
            errors={name: ["Give it once; several values go in one, pipe-delimited."] for name in repeated},
        )
    parameters: dict[str, Any] = {k: v for k, v in request.args.items() if k not in ("perPage", "nextPageToken")}
    if fixed:
        parameters.update({name: [value] for name, value in fixed.items()})
    page = epcis_repository.query_events(
        get_session(),
        require_actor(),
        parameters,
        key=_key(),
        per_page=args["perPage"],
        token=args["nextPageToken"],
    )
    return _page_response(page)


_RESULTS = {"200": {"description": "An EPCISQueryDocument.", "content": {"application/json": {"schema": {}}}}}


@bp.route("/events")
class Events(MethodView):
    @bp.arguments(EventArgs, location="query")
    @bp.doc(responses=_RESULTS, description=PATTERNED)
    def get(self, args: dict[str, Any]) -> Response:
        """The events of the businesses you may read that match the standard query parameters."""
        return _events(args)

    @bp.doc(
        requestBody={
            "required": True,
            "content": {JSON_LD: {"schema": {"type": "object"}}, "application/json": {"schema": {"type": "object"}}},
        },
        responses={"201": {"description": "Captured: the Location header names the event."}},
    )
    def post(self) -> Response:
        """Capture one EPCIS event into your business, as a one-event document would be (201 and its Location)."""
        actor = require_actor()
        document, event_id = epcis_repository.single_event_document(request.get_json(force=True))
        exchange.capture_epcis(get_session(), actor, document, base_url=current_app.config["PUBLIC_BASE_URL"])
        location = url_for("epcis.OneEvent", event_id=event_id)
        return Response(status=201, headers={"Location": location, **DISCOVERY})


@bp.route("/events/<path:event_id>")
class OneEvent(MethodView):
    @bp.doc(responses=_RESULTS)
    def get(self, event_id: str) -> Response:
        """One event by its eventID (another business's is not found)."""
        actor = require_actor()
        if not actor.may_read_records:
            raise NotFoundError("No event with that eventID.")
        page = epcis_repository.query_events(get_session(), actor, {"EQ_eventID": [event_id]}, key=_key(), per_page=1)
        if not page.events:
            raise NotFoundError("No event with that eventID.")
        return _page_response(page)


def _register_field_path(path: str, parameter: str, endpoint: str, what: str) -> None:
    name = path.rsplit("<", 1)[-1].split(">")[0].split(":")[-1]

    class FieldEvents(MethodView):
        @bp.arguments(EventArgs, location="query")
        @bp.doc(responses=_RESULTS)
        def get(self, args: dict[str, Any], **values: str) -> Response:
            return _events(args, {parameter: values[name]})

    FieldEvents.get.__doc__ = f"The events {what} (with any other query parameters)."
    bp.route(path, endpoint=endpoint)(FieldEvents)


_register_field_path("/eventTypes/<event_type>/events", "eventType", "EventTypeEvents", "of one event type")
_register_field_path("/epcs/<path:epc>/events", "MATCH_anyEPC", "EpcEvents", "naming one EPC")
_register_field_path("/bizSteps/<biz_step>/events", "EQ_bizStep", "BizStepEvents", "of one business step")
_register_field_path(
    "/bizLocations/<path:biz_location>/events", "EQ_bizLocation", "BizLocationEvents", "at one business location"
)
_register_field_path("/readPoints/<path:read_point>/events", "EQ_readPoint", "ReadPointEvents", "at one read point")
_register_field_path(
    "/dispositions/<disposition>/events", "EQ_disposition", "DispositionEvents", "with one disposition"
)

_COLLECTION = {
    "200": {
        "description": "A Collection: the values in the events you may read, in order.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


def _register_collection(name: str, what: str) -> None:
    class CollectionView(MethodView):
        @bp.arguments(PageArgs, location="query")
        @bp.doc(responses=_COLLECTION)
        def get(self, args: dict[str, Any]) -> Response:
            listing = epcis_repository.collection(
                get_session(), require_actor(), name, key=_key(), per_page=args["perPage"], token=args["nextPageToken"]
            )
            body = {"@context": epcis_repository.CONTEXT, "type": "Collection", "member": listing.members}
            response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")
            response.headers.update(_next_headers(listing.next_token, listing.expires))
            return response

    CollectionView.get.__doc__ = f"The {what} named in the events you may read, a page at a time (GS1 Collection)."
    bp.route(f"/{name}", endpoint=f"{name[0].upper()}{name[1:]}")(CollectionView)


for _name, _what in (
    ("eventTypes", "event types (the five standard ones always)"),
    ("epcs", "EPCs"),
    ("bizSteps", "business steps"),
    ("bizLocations", "business locations"),
    ("readPoints", "read points"),
    ("dispositions", "dispositions"),
):
    _register_collection(_name, _what)


class QueryIn(Schema):
    name = fields.Raw(required=True)
    query = fields.Raw(required=True, metadata={"description": "Query parameters; list values as arrays."})


class QueryOut(Schema):
    name = fields.String()
    query = fields.Dict()


@bp.route("/queries")
class Queries(MethodView):
    @bp.response(200, QueryOut(many=True))
    def get(self) -> Any:
        """Your named queries."""
        return epcis_repository.named_queries(get_session(), require_actor())

    @bp.arguments(QueryIn)
    @bp.response(201, QueryOut)
    def post(self, data: dict[str, Any]) -> Any:
        """Name a query (its parameters are checked now); read its events at ``queries/{name}/events``."""
        query = epcis_repository.create_query(get_session(), require_actor(), data["name"], data["query"])
        return query, 201, {"Location": url_for("epcis.NamedQuery", query_name=query.name)}


@bp.route("/queries/<query_name>")
class NamedQuery(MethodView):
    @bp.response(200, QueryOut)
    def get(self, query_name: str) -> Any:
        """One of your named queries."""
        return epcis_repository.named_query(get_session(), require_actor(), query_name)

    @bp.response(204)
    def delete(self, query_name: str) -> None:
        """Remove one of your named queries."""
        epcis_repository.delete_query(get_session(), require_actor(), query_name)


@bp.route("/queries/<query_name>/events")
class NamedQueryEvents(MethodView):
    @bp.arguments(PageArgs, location="query")
    @bp.doc(responses=_RESULTS)
    def get(self, args: dict[str, Any], query_name: str) -> Response:
        """The events your named query finds now, a page at a time."""
        actor = require_actor()
        query = epcis_repository.named_query(get_session(), actor, query_name)
        page = epcis_repository.query_events(
            get_session(), actor, query.query, key=_key(), per_page=args["perPage"], token=args["nextPageToken"]
        )
        return _page_response(page, query_name=query.name)


class SubscriptionIn(Schema):
    dest = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    signatureToken = fields.Raw(load_default=None)  # noqa: N815
    stream = fields.Raw(load_default=None)
    schedule = fields.Raw(load_default=None)
    reportIfEmpty = fields.Raw(load_default=False)  # noqa: N815
    initialRecordTime = fields.String(validate=validate.Length(max=64))  # noqa: N815


class SubscriptionOut(Schema):
    subscriptionID = fields.String(attribute="subscription_id")  # noqa: N815
    dest = fields.String()
    stream = fields.Boolean()
    schedule = fields.Dict(allow_none=True)
    reportIfEmpty = fields.Boolean(attribute="report_if_empty")  # noqa: N815
    createdAt = fields.DateTime(attribute="created_at")  # noqa: N815
    initialRecordTime = fields.DateTime(attribute="initial_record_time")  # noqa: N815
    minRecordTime = fields.DateTime(attribute="min_record_time")  # noqa: N815
    lastNotifiedAt = fields.DateTime(attribute="last_notified_at", allow_none=True)  # noqa: N815


class SubscriptionCreated(SubscriptionOut):
    signatureToken = fields.String(  # noqa: N815
        attribute="made_secret",
        allow_none=True,
        metadata={"description": "Made here when none was sent: it signs every delivery (GS1-Signature); shown once."},
    )


@bp.route("/queries/<query_name>/subscriptions")
class Subscriptions(MethodView):
    @bp.response(200, SubscriptionOut(many=True))
    def get(self, query_name: str) -> Any:
        """The webhook subscriptions of your named query."""
        return epcis_repository.subscriptions(get_session(), require_actor(), query_name)

    @bp.arguments(SubscriptionIn)
    @bp.response(201, SubscriptionCreated)
    def post(self, data: dict[str, Any], query_name: str) -> Any:
        """Subscribe a webhook to your named query: ``stream: true`` (every capture) or a ``schedule``."""
        subscription, made = epcis_repository.subscribe(
            get_session(),
            require_actor(),
            query_name,
            data,
            allow_private=bool(current_app.config["WEBHOOK_ALLOW_PRIVATE"]),
        )
        subscription.made_secret = made  # type: ignore[attr-defined]  # shown in this answer only, never stored apart
        location = url_for("epcis.OneSubscription", query_name=query_name, subscription_id=subscription.subscription_id)
        return subscription, 201, {"Location": location}


@bp.route("/queries/<query_name>/subscriptions/<subscription_id>")
class OneSubscription(MethodView):
    @bp.response(200, SubscriptionOut)
    def get(self, query_name: str, subscription_id: str) -> Any:
        """One subscription of your named query (its secret is never shown again)."""
        return epcis_repository.subscription(get_session(), require_actor(), query_name, subscription_id)

    @bp.response(204)
    def delete(self, query_name: str, subscription_id: str) -> None:
        """End a subscription."""
        epcis_repository.unsubscribe(get_session(), require_actor(), query_name, subscription_id)


class DeliveryAttemptOut(Schema):
    deliveryID = fields.Integer(attribute="delivery", metadata={"description": "The delivery (one document)."})  # noqa: N815
    attempt = fields.Integer(metadata={"description": "1 for the delivery's first attempt."})
    attemptedAt = fields.DateTime(attribute="at")  # noqa: N815
    httpStatus = fields.Integer(attribute="status", allow_none=True)  # noqa: N815
    error = fields.String(allow_none=True, metadata={"description": "Why no HTTP status came back."})
    delivered = fields.Boolean(metadata={"description": "The receiver answered 2xx: the delivery is done."})
    gaveUp = fields.Boolean(attribute="gave_up", metadata={"description": "The last attempt: no more will follow."})  # noqa: N815
    eventCount = fields.Integer(attribute="events")  # noqa: N815


@bp.route("/queries/<query_name>/subscriptions/<subscription_id>/deliveries")
class SubscriptionDeliveries(MethodView):
    @bp.arguments(PageArgs, location="query")
    @bp.response(200, DeliveryAttemptOut(many=True), headers=_PAGE_HEADERS)
    def get(self, args: dict[str, Any], query_name: str, subscription_id: str) -> Any:
        """The delivery log of your subscription (this service's extension to the binding): every attempt, newest
        first, with its time, HTTP status or error, attempt number and the events its delivery carries."""
        listing = epcis_repository.delivery_log(
            get_session(),
            require_actor(),
            query_name,
            subscription_id,
            key=_key(),
            per_page=args["perPage"],
            token=args["nextPageToken"],
        )
        return listing.members, 200, _next_headers(listing.next_token, listing.expires)
