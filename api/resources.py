"""The JSON API under ``/api/v1``: parse with a schema, call one use case, dump with a schema."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Response, request, url_for
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint

from api import schemas
from api.auth import require_actor
from api.db import get_session
from models import User
from traceability.errors import InvalidInputError
from traceability.formats.dossier_schema import dossier_json_schema
from traceability.service import accounts, businesses, dossiers, journal, records
from traceability.service.record_kinds import KINDS, ApiCodec, record_body

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="Producer records, dossiers, tokens")

_ETAG = re.compile(r'^(?:W/)?"v(\d+)"$')


def expected_version() -> int | None:
    """The version named by ``If-Match`` (our ETags are ``"v<version>"``), if any."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = _ETAG.match(header.strip())
    if match is None:
        raise InvalidInputError(
            'If-Match must be an ETag this API gave, such as "v3".', errors={"If-Match": ["Unknown ETag."]}
        )
    return int(match.group(1))


def _versioned(body: dict[str, Any], status: int = 200, **headers: str) -> ResponseReturnValue:
    return body, status, {"ETag": f'"v{body["version"]}"', **headers}


def _page(items: list[Any], total: int, args: dict[str, Any]) -> dict[str, Any]:
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


def _item_links(collection: str, parameter: str) -> dict[str, Any]:
    """OpenAPI links from a created record to reading and changing it: clients (and the API fuzzer's
    stateful phase) learn that the new ``id`` feeds the item URL."""
    item = f"#/paths/~1api~1v1~1{collection}~1{{{parameter}}}"
    return {
        f"{verb.capitalize()}Created": {
            "operationRef": f"{item}/{verb}",
            "parameters": {parameter: "$response.body#/id"},
        }
        for verb in ("get", "patch")
    }


def _register_kind(kind: str) -> None:
    schema_in, schema_patch, schema_out = schemas.record_schemas(kind)
    page_out = schemas.page_schema(schema_out, f"{schemas.SINGULAR[kind]}Page")
    noun = KINDS[kind].noun

    def payload(obj: Any) -> dict[str, Any]:
        return record_body(KINDS[kind], obj, ApiCodec(get_session(), obj.business_id))

    class Collection(MethodView):
        @bp.arguments(schemas.RecordPageArgs, location="query")
        @bp.response(200, page_out)
        def get(self, args: dict[str, Any]) -> dict[str, Any]:
            items, total = records.list_records(
                get_session(),
                require_actor(),
                kind,
                page=args["page"],
                per_page=args["per_page"],
                business_id=args.get("business"),
                include_voided=args["include_voided"],
                q=args.get("q"),
            )
            return _page([payload(i) for i in items], total, args)

        @bp.arguments(schema_in)
        @bp.response(201, schema_out)
        @bp.doc(responses={201: {"links": _item_links(kind, "record_id")}})
        def post(self, data: dict[str, Any]) -> ResponseReturnValue:
            obj = records.create_record(get_session(), require_actor(), kind, data)
            location = url_for(f"api.{kind}_item", record_id=obj.id)
            return _versioned(payload(obj), 201, Location=location)

    class Item(MethodView):
        @bp.response(200, schema_out)
        def get(self, record_id: int) -> ResponseReturnValue:
            return _versioned(payload(records.get_record(get_session(), require_actor(), kind, record_id)))

        # Partial at the top level only: a nested object that is sent must still be whole.
        @bp.arguments(schema_patch(partial=tuple(schema_patch._declared_fields)))
        @bp.response(200, schema_out)
        def patch(self, data: dict[str, Any], record_id: int) -> ResponseReturnValue:
            obj = records.update_record(
                get_session(), require_actor(), kind, record_id, data, expected_version=expected_version()
            )
            return _versioned(payload(obj))

    class Void(MethodView):
        @bp.arguments(schemas.VoidIn)
        @bp.response(200, schema_out)
        def post(self, data: dict[str, Any], record_id: int) -> ResponseReturnValue:
            obj = records.void_record(
                get_session(), require_actor(), kind, record_id, data["reason"], expected_version=expected_version()
            )
            return _versioned(payload(obj))

    Collection.__doc__ = f"List the {kind} you may see, or record a new {noun}."
    Item.__doc__ = f"Read or change one {noun}."
    Collection.get.__doc__ = f"List the {kind} you may see, one page at a time."
    Collection.post.__doc__ = f"Record a new {noun} in your business."
    Item.get.__doc__ = f"Read one {noun}."
    Item.patch.__doc__ = f"Change fields of one {noun}; send If-Match to refuse stale edits."
    bp.route(f"/{kind}", endpoint=f"{kind}_collection")(Collection)
    bp.route(f"/{kind}/<int:record_id>", endpoint=f"{kind}_item")(Item)
    Void.__doc__ = f"Void one {noun}: a journaled correction with a reason."
    Void.post.__doc__ = (
        f"Void one {noun} with a reason: it stays in history, leaves every current graph and lists "
        "(unless include_voided=true), and what it touched is reassessed; send If-Match to refuse stale voids."
    )
    bp.route(f"/{kind}/<int:record_id>/void", endpoint=f"{kind}_void")(Void)


for _kind in KINDS:
    _register_kind(_kind)


@bp.route("/me")
class Me(MethodView):
    @bp.response(200, schemas.MeOut)
    def get(self) -> dict[str, Any]:
        """Who the credentials belong to."""
        actor = require_actor()
        user = get_session().get(User, actor.user_id)
        assert user is not None
        return {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "business": user.business_id,
            "assigned_businesses": sorted(actor.assigned),
        }


@bp.route("/businesses")
class Businesses(MethodView):
    @bp.arguments(schemas.BusinessPageArgs, location="query")
    @bp.response(200, schemas.page_schema(schemas.BusinessOut, "BusinessPage"))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the businesses you may see; `q` searches the registry (coordinators and admins see it all)."""
        actor = require_actor()
        items, total = businesses.list_businesses(
            get_session(),
            actor,
            page=args["page"],
            per_page=args["per_page"],
            region=args.get("region"),
            q=args.get("q"),
        )
        return _page([businesses.listed_body(actor, b) for b in items], total, args)

    @bp.arguments(schemas.BusinessIn)
    @bp.response(201, schemas.BusinessOut)
    @bp.doc(responses={201: {"links": _item_links("businesses", "business_id")}})
    def post(self, data: dict[str, Any]) -> ResponseReturnValue:
        """Register a business (a producer registers their own)."""
        business = businesses.create_business(get_session(), require_actor(), data)
        return _versioned(
            businesses.business_body(business), 201, Location=url_for("api.Business", business_id=business.id)
        )


@bp.route("/businesses/<int:business_id>")
class Business(MethodView):
    @bp.response(200, schemas.BusinessOut)
    def get(self, business_id: int) -> ResponseReturnValue:
        """Read a business profile."""
        return _versioned(
            businesses.business_body(businesses.get_business(get_session(), require_actor(), business_id))
        )

    @bp.arguments(schemas.BusinessPatch(partial=tuple(schemas.BusinessPatch._declared_fields)))
    @bp.response(200, schemas.BusinessOut)
    def patch(self, data: dict[str, Any], business_id: int) -> ResponseReturnValue:
        """Change a business profile (its producer only)."""
        business = businesses.update_business(
            get_session(), require_actor(), business_id, data, expected_version=expected_version()
        )
        return _versioned(businesses.business_body(business))


@bp.route("/businesses/<int:business_id>/pendamping")
class Assignments(MethodView):
    @bp.arguments(schemas.AssignmentIn)
    @bp.response(201, schemas.AssignmentOut)
    def post(self, data: dict[str, Any], business_id: int) -> dict[str, Any]:
        """Let a pendamping follow this business: an admin assigns, or the business's producer consents."""
        businesses.assign_pendamping(get_session(), require_actor(), data["pendamping"], business_id)
        return {"pendamping": data["pendamping"], "business": business_id}


@bp.route("/dossiers")
class Dossiers(MethodView):
    @bp.doc(
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "/api/v1/schemas/dossier.json"}}},
        }
    )
    @bp.response(201, schemas.ImportOut)
    def post(self) -> ResponseReturnValue:
        """Import a ``halal-trace/dossier@1`` document into your business, all or nothing."""
        document = request.get_json()
        result = dossiers.import_dossier(get_session(), require_actor(), document)
        body = {"business": result.business, "product": result.product, "batches": result.batches}
        return body, 201, {"Location": url_for("api.ProductDossier", product_id=result.product)}


_DOSSIER_DOC = {
    "description": "A halal-trace/dossier@1 document.",
    "content": {"application/json": {"schema": {"$ref": "/api/v1/schemas/dossier.json"}}},
}


@bp.route("/products/<int:product_id>/dossier")
class ProductDossier(MethodView):
    @bp.doc(responses={"200": _DOSSIER_DOC})
    def get(self, product_id: int) -> dict[str, Any]:
        """Export a product and everything upstream of it as a dossier."""
        return dossiers.export_dossier(get_session(), require_actor(), product_id)


@bp.route("/schemas/dossier.json")
class DossierSchemaView(MethodView):
    @bp.doc(
        responses={
            "200": {
                "description": "JSON Schema (draft 2020-12) of the dossier format.",
                "content": {"application/schema+json": {"schema": {"type": "object"}}},
            }
        },
        security=[],
    )
    def get(self) -> Response:
        """The JSON Schema of the dossier format (public)."""
        return Response(json.dumps(dossier_json_schema(), indent=1, sort_keys=True), mimetype="application/schema+json")


@bp.route("/tokens")
class Tokens(MethodView):
    @bp.response(200, schemas.TokenOut(many=True))
    def get(self) -> list[Any]:
        """Your API tokens (never their secrets)."""
        return accounts.list_tokens(get_session(), require_actor())

    @bp.arguments(schemas.TokenIn)
    @bp.response(201, schemas.NewTokenOut)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create a token for yourself; it is shown only in this answer."""
        actor = require_actor()
        user = get_session().get(User, actor.user_id)
        assert user is not None
        record, token = accounts.create_token(get_session(), actor, user=user, name=data["name"])
        return {
            "id": record.id,
            "name": record.name,
            "prefix": record.prefix,
            "created_at": record.created_at,
            "revoked_at": None,
            "token": token,
        }


@bp.route("/tokens/<int:token_id>")
class Token(MethodView):
    @bp.response(204)
    def delete(self, token_id: int) -> None:
        """Revoke a token; it stops working at once."""
        accounts.revoke_token(get_session(), require_actor(), token_id)


@bp.route("/journal")
class Journal(MethodView):
    @bp.arguments(schemas.JournalArgs, location="query")
    @bp.response(200, schemas.page_schema(schemas.JournalEntryOut, "JournalPage"))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The history of changes to records you may see, newest first."""
        items, total = journal.list_entries(
            get_session(), require_actor(), subject=args.get("subject"), page=args["page"], per_page=args["per_page"]
        )
        return _page(items, total, args)
