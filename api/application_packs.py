"""The SIHALAL application pack of a product, as a PDF to print and a Word file to edit.

For whoever may read the product's records: its producer, an assigned pendamping, auditors and admins. Another
business's product answers the same 404 page as an unknown one.
"""

from __future__ import annotations

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue
from flask_login import login_required

from api.auth import require_actor
from api.db import get_session
from api.error_pages import error_page
from traceability.errors import NotFoundError, PermissionDeniedError
from traceability.formats import application_pack
from traceability.service.application_pack import pack_for

bp = Blueprint("application_packs", __name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.errorhandler(NotFoundError)
@bp.errorhandler(PermissionDeniedError)
def _refused(error: NotFoundError | PermissionDeniedError) -> ResponseReturnValue:
    # Another business's product reads exactly like no product at all: the same page, the same 404.
    return error_page(404, "Not Found"), 404


@bp.get("/products/<int:product_id>/application-pack.pdf")
@login_required  # type: ignore[untyped-decorator]  # Flask-Login ships no type hints
def pdf(product_id: int) -> Response:
    """The pack to print or attach: missing items first, then every document the application needs."""
    pack = pack_for(get_session(), require_actor(), product_id)
    return Response(
        application_pack.to_pdf(pack),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{pack.file_stem}.pdf"', "Cache-Control": "no-store"},
    )


@bp.get("/products/<int:product_id>/application-pack.docx")
@login_required  # type: ignore[untyped-decorator]
def docx(product_id: int) -> Response:
    """The same pack as an editable Word document."""
    pack = pack_for(get_session(), require_actor(), product_id)
    return Response(
        application_pack.to_docx(pack),
        mimetype=DOCX,
        headers={"Content-Disposition": f'attachment; filename="{pack.file_stem}.docx"', "Cache-Control": "no-store"},
    )
