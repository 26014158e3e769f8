"""A4 label sheets for batches, each label carrying the batch's newest active code: ``GET /api/v1/batches/labels.pdf``
and ``halal-trace codes labels`` print the same sheets."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from qr import codes, labels
from traceability.errors import InvalidInputError
from traceability.service import verification
from traceability.service.access import Actor


def label_sheet(session: Session, actor: Actor, batch_ids: list[int], per_batch: int) -> bytes:
    """Render labels for batches `actor` may read; a batch without an active code is refused with its id named."""
    found = verification.codes_for_batches(session, actor, batch_ids)
    items = []
    for batch_id, batch_codes in found.items():
        active = [c for c in batch_codes if c.revoked_at is None]
        if not active:
            raise InvalidInputError(
                f"Batch {batch_id} has no active code: issue one first.",
                errors={"batch": [f"{batch_id} has no active code."]},
            )
        view = verification.public_status(session, active[-1].code)
        label = labels.Label(
            active[-1].url,
            view.product,
            view.lot_code,
            codes.short_url(current_app.config["PUBLIC_BASE_URL"], view.code),
        )
        items += [label] * per_batch
    return labels.sheet_pdf(items)
