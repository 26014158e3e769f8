"""Provenance endpoints: traces, recall impact, and the EPCIS, PROV and CSV exchange formats."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import require_actor
from api.db import get_session
from traceability.formats import trace_csv
from traceability.graph import graph_json, node_id
from traceability.service import exchange, provenance

bp = Blueprint(
    "provenance",
    __name__,
    url_prefix="/api/v1",
    description="Provenance: traces, recall impact, EPCIS 2.0 export, W3C PROV, inspection CSV",
)


class TraceArgs(Schema):
    direction = fields.String(load_default="up", validate=validate.OneOf(["up", "down"]))
    depth = fields.Integer(
        load_default=None,
        validate=validate.Range(min=0, max=provenance.MAX_DEPTH),
        metadata={"description": "Production steps to follow; all of them if omitted."},
    )


class ImpactArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class TraceOut(Schema):
    root = fields.String()
    direction = fields.String()
    depth = fields.Integer()
    nodes = fields.List(fields.Dict())
    edges = fields.List(fields.Dict())
    paths = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ImpactOut(Schema):
    seed = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    businesses = fields.List(fields.Dict())
    products = fields.List(fields.Dict())
    items = fields.List(fields.Dict())
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer(metadata={"description": "Batches listed over all pages (those you may read)."})


@bp.route("/batches/<int:batch_id>/trace")
class Trace(MethodView):
    @bp.arguments(TraceArgs, location="query")
    @bp.response(200, TraceOut)
    def get(self, args: dict[str, Any], batch_id: int) -> dict[str, Any]:
        """Trace a batch upstream (what it is made of) or downstream (what was made from it)."""
        load = provenance.upstream_graph if args["direction"] == "up" else provenance.downstream_graph
        graph = load(get_session(), require_actor(), batch_id, depth=args["depth"])
        body = graph_json(graph, graph.graph["root"], upstream=args["direction"] == "up")
        return {**body, "direction": args["direction"], "depth": graph.graph["depth"]}


def _register_impact(kind: str, plural: str, reaches: str) -> None:
    class Impact(MethodView):
        @bp.arguments(ImpactArgs, location="query")
        @bp.response(200, ImpactOut)
        def get(self, args: dict[str, Any], **ids: int) -> dict[str, Any]:
            impact = provenance.downstream_impact(
                get_session(),
                require_actor(),
                node_id(kind, ids[f"{kind}_id"]),
                page=args["page"],
                per_page=args["per_page"],
            )
            return {
                "seed": impact.seed,
                "counts": impact.counts,
                "businesses": impact.businesses,
                "products": impact.products,
                "items": impact.items,
                "page": impact.page,
                "per_page": impact.per_page,
                "total": impact.counts["visible_batches"],
            }

    Impact.get.__doc__ = f"Recall impact of a {kind}: every batch, code, business and product {reaches}."
    bp.route(f"/{plural}/<int:{kind}_id>/impact", endpoint=f"{kind}_impact")(Impact)


_register_impact("lot", "lots", "made from it")
_register_impact("supplier", "suppliers", "made from any lot it supplied")
_register_impact(
    "certificate", "certificates", "made from the lots under it, the materials it covers or the products it certifies"
)


def _document(body: dict[str, Any], mimetype: str) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, indent=1), mimetype=mimetype)


@bp.route("/batches/<int:batch_id>/epcis")
class BatchEpcis(MethodView):
    @bp.doc(
        responses={
            "200": {
                "description": "An EPCIS 2.0 EPCISDocument (JSON-LD).",
                "content": {"application/ld+json": {"schema": {"type": "object"}}},
            }
        }
    )
    def get(self, batch_id: int) -> Response:
        """Export a batch's upstream trace as an EPCIS 2.0 document."""
        document = exchange.export_epcis(
            get_session(), require_actor(), batch_id, base_url=current_app.config["PUBLIC_BASE_URL"]
        )
        return _document(document, "application/ld+json")


@bp.route("/batches/<int:batch_id>/prov")
class BatchProv(MethodView):
    @bp.doc(
        responses={
            "200": {
                "description": "A W3C PROV-JSON document.",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        }
    )
    def get(self, batch_id: int) -> Response:
        """Export a batch's upstream trace as W3C PROV-JSON."""
        document = exchange.export_prov(
            get_session(), require_actor(), batch_id, base_url=current_app.config["PUBLIC_BASE_URL"]
        )
        return _document(document, "application/json")


@bp.route("/batches/<int:batch_id>/trace.csv")
class BatchTraceCsv(MethodView):
    @bp.doc(
        responses={
            "200": {
                "description": "One row per tracking event, for a spreadsheet.",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    )
    def get(self, batch_id: int) -> Response:
        """Export a batch's tracking events as a sortable CSV (FSMA 204 style)."""
        graph = provenance.upstream_graph(get_session(), require_actor(), batch_id)
        return Response(
            trace_csv.dump(graph),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}-trace.csv"'},
        )
