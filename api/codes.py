"""Verification codes over HTTP: issue and revoke (producers), and the public verify JSON and QR images."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response, current_app, request
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api import qr_cache
from api.auth import require_actor
from api.db import get_session, read_connection
from api.kept import Kept
from api.label_sheets import label_sheet
from api.programmes import note_listing_request
from api.signing import check_online, public_answer, representation_tag, revalidated, seal
from qr import codes, labels
from traceability.errors import NotFoundError
from traceability.formats.fields import STORED_ID
from traceability.service import journal, verification

bp = Blueprint("codes", __name__, url_prefix="/api/v1", description="Verification codes, QR images, verify API")


#: Images drawn while issuing (one label sheet's worth): a request for 1,000 codes must not wait a minute.
WARM_AT_ISSUE = 24


class IssueIn(Schema):
    count = fields.Integer(load_default=1, validate=validate.Range(1, verification.MAX_CODES_PER_REQUEST))
    revoke_previous = fields.Boolean(load_default=False)


class CodeOut(Schema):
    code = fields.String()
    url = fields.String(metadata={"description": "What the QR code encodes: Digital Link or /v/ URL, signed."})
    short_url = fields.String()
    batch = fields.Integer(attribute="batch_id")
    key_id = fields.String()
    issued_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)


class LabelArgs(Schema):
    batch = fields.List(fields.Integer(validate=STORED_ID), required=True, validate=validate.Length(1, 100))
    per_batch = fields.Integer(load_default=labels.COLUMNS * labels.ROWS, validate=validate.Range(1, 240))


def code_body(record: Any) -> dict[str, Any]:
    return {
        "code": record.code,
        "url": record.url,
        "batch_id": record.batch_id,
        "key_id": record.key_id,
        "issued_at": record.issued_at,
        "revoked_at": record.revoked_at,
        "short_url": codes.short_url(current_app.config["PUBLIC_BASE_URL"], record.code),
    }


@bp.route("/batches/<int:batch_id>/codes")
class BatchCodes(MethodView):
    @bp.response(200, CodeOut(many=True))
    def get(self, batch_id: int) -> list[dict[str, Any]]:
        """List a batch's codes, revoked ones included."""
        found = verification.codes_for_batches(get_session(), require_actor(), [batch_id])
        return [code_body(c) for c in found[batch_id]]

    @bp.arguments(IssueIn)
    @bp.response(201, CodeOut(many=True))
    def post(self, data: dict[str, Any], batch_id: int) -> list[dict[str, Any]]:
        """Issue signed codes for a batch (its producer only); ``revoke_previous`` makes it a re-issue."""
        issued = verification.issue_codes(
            get_session(), require_actor(), batch_id, seal=seal, new_code=codes.new_code, **data
        )
        qr_cache.warm(c.url for c in issued[:WARM_AT_ISSUE])
        return [code_body(c) for c in issued]


@bp.route("/codes/<string:code>/revoke")
class RevokeCode(MethodView):
    @bp.response(200, CodeOut)
    def post(self, code: str) -> dict[str, Any]:
        """Revoke a code (its producer, an auditor or an admin); journaled."""
        return code_body(verification.revoke_code(get_session(), require_actor(), code))


@bp.route("/batches/labels.pdf")
class LabelSheet(MethodView):
    @bp.arguments(LabelArgs, location="query")
    @bp.doc(responses={"200": {"description": "A4 label sheets", "content": {"application/pdf": {}}}})
    def get(self, args: dict[str, Any]) -> Response:
        """A4 label sheets for batches, with each batch's newest active code (readers of the batches)."""
        pdf = label_sheet(get_session(), require_actor(), args["batch"], args["per_batch"])
        return Response(
            pdf, mimetype="application/pdf", headers={"Content-Disposition": 'inline; filename="labels.pdf"'}
        )


#: The verify JSON's journal sections by generation (:func:`traceability.service.journal.generation_columns`) and
#: subjects: a section is a function of them, so a code scanned again before the next seal costs no proof work.
_SECTIONS = Kept[tuple[str, tuple[str, ...]], str](4096)


@bp.route("/verify/<string:code>")
class Verify(MethodView):
    @bp.doc(
        parameters=[
            {
                "name": "s",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "Signature token from the printed URL: checked if given.",
            }
        ],
        responses={
            "200": {"description": "The code's public answer", "content": {"application/json": {}}},
            "304": {"description": "Not modified (the ETag matched)"},
            "400": {"description": "The signature is forged or belongs to another code"},
            "404": {"description": "No such code"},
        },
    )
    def get(self, code: str) -> ResponseReturnValue:
        """The live public status of a code as JSON (CORS open, cacheable with ETag, rate-limited).

        The signature (``s``) is checked before any database read; the view is the code's stored answer, read in
        one statement with the journal generation of its subjects; the journal section beside it changes with
        every seal, not with the answer, and is kept per generation.
        """
        base = current_app.config["PUBLIC_BASE_URL"]
        signature = request.args.get("s")
        if signature is not None:
            check_online(codes.short_url(base, code) + "?s=" + signature, code, field="s")
        connection = read_connection()
        found = verification.answer_and_generation(connection, code) if codes.is_code(code) else None
        if found is None:
            raise NotFoundError("No code like that.")
        answer, generation = found
        note_listing_request(code)
        tag = representation_tag(answer.etag, "verify", generation.text)

        def build() -> Response:
            subjects = verification.journal_subjects(answer)
            key = (f"{id(connection.engine)}:{generation.text}:{generation.root}", tuple(subjects))
            behind = _SECTIONS.get(key)
            if behind is None:
                proofs: Kept[tuple[str, int], journal.Proof] = current_app.extensions.setdefault(
                    "journal_proofs", Kept(8192)
                )
                section = journal.entries_with_proofs(connection, subjects, generation=generation, proofs=proofs)
                behind = orjson.dumps(section, option=orjson.OPT_SORT_KEYS).decode()
                _SECTIONS.put(key, behind)
            consumer_url = orjson.dumps(codes.short_url(base, code)).decode()
            text = answer.text()
            return current_app.response_class(
                f'{{"consumer_url": {consumer_url}, "journal": {behind}, {text[1:]}', mimetype="application/json"
            )

        return public_answer(tag, (), build)


#: What an image answer's headers say, by kind: the image only encodes the code's URL, which never changes.
_IMAGE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
_IMAGE_CACHE = "public, max-age=86400"


def _image(code: str, kind: str) -> Response:
    url = verification.code_url(read_connection(), code) if codes.is_code(code) else None
    if url is None:
        raise NotFoundError("No code like that.")
    named = qr_cache.digest(url, kind)
    tag = named[:32]
    if revalidated(tag):
        response = current_app.response_class(status=304)
    else:
        response = current_app.response_class(qr_cache.image(url, kind, named), mimetype=_IMAGE_TYPES[kind])
    headers = response.headers  # as text: a label sheet's worth of scans loads these
    headers["ETag"] = f'"{tag}"'
    headers["Cache-Control"] = _IMAGE_CACHE
    return response


@bp.route("/codes/<string:code>/qr.png")
class QrPng(MethodView):
    @bp.doc(responses={"200": {"description": "QR code", "content": {"image/png": {}}}})
    def get(self, code: str) -> Response:
        """The code's QR image as PNG (cached)."""
        return _image(code, "png")


@bp.route("/codes/<string:code>/qr.svg")
class QrSvg(MethodView):
    @bp.doc(responses={"200": {"description": "QR code", "content": {"image/svg+xml": {}}}})
    def get(self, code: str) -> Response:
        """The code's QR image as SVG (cached)."""
        return _image(code, "svg")


#: The endpoints any marketplace page may read: the verify JSON, the badge, the embed and the journal's proofs.
OPEN_ENDPOINTS = frozenset(
    {
        "codes.Verify",
        "public.badge",
        "public.oembed",
        "public.jwks",
        "public.journal_checkpoint",
        "public.journal_checkpoints",
        "journal_proofs.Inclusion",
        "journal_proofs.Consistency",
    }
)


def cors(response: Response) -> Response:
    """The verify JSON and badge may be read by any marketplace page."""
    if request.endpoint in OPEN_ENDPOINTS:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "ETag, Cache-Control"
    return response
