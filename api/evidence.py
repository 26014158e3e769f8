"""Scanned certificates: ``PUT`` uploads one for a certificate record, ``GET`` downloads it."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.auth import require_actor
from api.db import get_session
from traceability.errors import ContentTooLargeError
from traceability.evidence import ACCEPTED
from traceability.service import evidence

bp = Blueprint("evidence", __name__, url_prefix="/api/v1", description="Scanned certificates")

#: Room for multipart boundaries and headers around the file itself.
MULTIPART_SLACK = 64 * 1024


class EvidenceOut(Schema):
    certificate = fields.Integer()
    sha256 = fields.String()
    media_type = fields.String()
    size = fields.Integer()


_FILE_TYPES = {media_type: {"schema": {"type": "string", "format": "binary"}} for media_type in ACCEPTED}


def _upload(limit: int) -> bytes:
    """The uploaded file: the ``file`` part of a multipart form, or else the raw body.

    Only its bytes are kept: the file name and declared type a client sends are never used.
    """
    slack = MULTIPART_SLACK if request.mimetype == "multipart/form-data" else 0
    if request.content_length is not None and request.content_length > limit + slack:
        raise ContentTooLargeError(
            f"The file is larger than {limit} bytes.", errors={"file": [f"At most {limit} bytes."]}
        )
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        return upload.read(limit + 1) if upload is not None else b""
    return request.get_data(cache=False)[: limit + 1]


@bp.route("/certificates/<int:certificate_id>/evidence")
class CertificateEvidence(MethodView):
    @bp.doc(
        requestBody={
            "required": True,
            "content": {
                **_FILE_TYPES,
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                },
            },
        }
    )
    @bp.response(200, EvidenceOut)
    def put(self, certificate_id: int) -> dict[str, Any]:
        """Upload the scanned certificate (PDF, JPEG or PNG, judged by its content); replaces any earlier one."""
        session, actor = get_session(), require_actor()
        evidence.writable_certificate(session, actor, certificate_id)  # 404/403 before reading a large body
        limit = current_app.config["EVIDENCE_MAX_BYTES"]
        stored = evidence.put_evidence(session, actor, certificate_id, _upload(limit), max_bytes=limit)
        return {
            "certificate": certificate_id,
            "sha256": stored.sha256,
            "media_type": stored.media_type,
            "size": len(stored.content),
        }

    @bp.doc(responses={"200": {"description": "The scan, as stored.", "content": _FILE_TYPES}})
    def get(self, certificate_id: int) -> Response:
        """Download the scanned certificate."""
        stored = evidence.get_evidence(get_session(), require_actor(), certificate_id)
        return Response(
            stored.content,
            mimetype=stored.media_type,
            headers={
                "Content-Disposition": f"attachment; filename={stored.filename}",
                "X-Content-Type-Options": "nosniff",
                "ETag": f'"{stored.sha256}"',
                "Cache-Control": "private, no-store",
            },
        )
