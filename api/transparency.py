"""The journal's proofs over HTTP (RFC 9162 inclusion and consistency), public like the checkpoints they check
against: a marketplace or witness needs no account to check that an entry is in the log, or that the log only grew.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.db import get_session
from traceability.formats.fields import STORED_ID
from traceability.service import journal

bp = Blueprint("journal_proofs", __name__, url_prefix="/api/v1", description="Journal proofs (RFC 9162)")

_SIZE = validate.Range(min=0, max=2**62)


class InclusionArgs(Schema):
    seq = fields.Integer(required=True, validate=STORED_ID, metadata={"description": "The entry's sequence number."})
    size = fields.Integer(validate=_SIZE, metadata={"description": "Tree size (default: the newest checkpoint's)."})


class ConsistencyArgs(Schema):
    first = fields.Integer(
        required=True, data_key="from", validate=_SIZE, metadata={"description": "The older tree size."}
    )
    second = fields.Integer(
        data_key="to", validate=_SIZE, metadata={"description": "The newer tree size (default: newest checkpoint)."}
    )


class ProofOut(Schema):
    size = fields.Integer()
    root = fields.String(metadata={"description": "Hex SHA-256 root of the tree of `size` entries."})
    hashes = fields.List(fields.String(), metadata={"description": "The proof's hashes in RFC 9162 order, hex."})


class InclusionOut(ProofOut):
    seq = fields.Integer()
    index = fields.Integer(metadata={"description": "The entry's leaf index in the tree."})
    leaf_hash = fields.String()


class ConsistencyOut(ProofOut):
    first = fields.Integer(data_key="from")
    from_root = fields.String()


@bp.route("/journal/proofs/inclusion")
class Inclusion(MethodView):
    @bp.arguments(InclusionArgs, location="query")
    @bp.response(200, InclusionOut)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The inclusion proof of entry `seq` in the tree of `size` entries (RFC 9162 section 2.1.3)."""
        return journal.inclusion(get_session(), seq=args["seq"], size=args.get("size"))


@bp.route("/journal/proofs/consistency")
class Consistency(MethodView):
    @bp.arguments(ConsistencyArgs, location="query")
    @bp.response(200, ConsistencyOut)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The consistency proof from the tree of `from` entries to that of `to` (RFC 9162 section 2.1.4)."""
        answer = journal.consistency(get_session(), first=args["first"], second=args.get("second"))
        answer["first"] = answer.pop("from")
        return answer
