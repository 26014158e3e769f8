"""The producer's label page: batches with their codes, a button to issue one, and one to print label sheets."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from api import guards
from api.auth import require_actor
from api.db import get_session
from api.label_sheets import label_sheet
from api.signing import seal
from qr import codes as qr_codes
from traceability.errors import InvalidInputError, TraceabilityError
from traceability.service import records, verification

bp = Blueprint("codes_web", __name__)


@bp.get("/codes")
@login_required  # type: ignore[misc]
def index() -> str:
    """List the batches the user may read, with their active codes, and the print form."""
    session, actor = get_session(), require_actor()
    batches, _ = records.list_records(session, actor, "batches", per_page=200)
    found = verification.codes_for_batches(session, actor, [b.id for b in batches])
    rows = [(b, [c for c in found[b.id] if c.revoked_at is None]) for b in batches]
    return render_template("codes.html", rows=rows, can_issue=actor.may_issue_codes)


@bp.post("/codes/issue")
@login_required  # type: ignore[misc]
def issue() -> ResponseReturnValue:
    """Issue one code for a batch from the page (CSRF-protected form)."""
    batch_id = request.form.get("batch", type=int)
    try:
        if batch_id is None:
            raise InvalidInputError("Choose a batch.", errors={"batch": ["Required."]})
        verification.issue_codes(get_session(), require_actor(), batch_id, seal=seal, new_code=qr_codes.new_code)
        flash(_("Code issued."))
    except TraceabilityError as exc:
        flash(exc.message)
    return redirect(url_for("codes_web.index"))


@bp.get("/codes/labels.pdf")
@login_required  # type: ignore[misc]
def labels() -> ResponseReturnValue:
    """Print label sheets from the page: nothing ticked, or a bad count, comes back as the page with a message."""
    batches = [int(b) for b in request.args.getlist("batch") if guards.is_number(b)]
    per_batch = request.args.get("per_batch", type=int) or 24
    if not batches:
        flash(_("Tick at least one batch to print its labels."))
        return redirect(url_for("codes_web.index"))
    if not 1 <= per_batch <= 240:
        flash(_("Print from 1 to 240 labels per batch."))
        return redirect(url_for("codes_web.index"))
    try:
        pdf = label_sheet(get_session(), require_actor(), batches, per_batch)
    except TraceabilityError as exc:
        flash(_(exc.message))
        return redirect(url_for("codes_web.index"))
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": 'inline; filename="labels.pdf"'})
