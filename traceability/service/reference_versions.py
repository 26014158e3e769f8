"""Reference data as versions an admin reads before putting one in force: the version in force, what a candidate
changes (item by item) and the batches whose verdict it would change, judged by the rule engine itself.

A candidate is an override of the shipped data, as :func:`assessments.set_reference` takes it: it replaces the
version in force, it is not laid over it. The preview stores the candidate inside a transaction that is rolled
back, reassesses every assessed batch with it and compares: nothing is stored, journalled or announced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Assessment, Batch, Business, Product, ReferenceVersion
from traceability.errors import InvalidInputError, PermissionDeniedError
from traceability.rules.reference import Reference, merge_reference, shipped_data
from traceability.rules.reference_diff import Change, reference_changes
from traceability.service import assessments
from traceability.service.access import Actor

__all__ = ["Preview", "VerdictChange", "in_force", "preview"]


#: What an assessment leaves in ``session.info`` for the commit hooks; a preview must leave none of it behind.
@dataclass(frozen=True)
class VerdictChange:
    """A batch whose verdict the candidate would change."""

    batch: int
    lot_code: str
    product: str
    business: str
    before: str
    after: str


@dataclass(frozen=True)
class Preview:
    label: str
    changes: list[Change]
    flips: list[VerdictChange]
    judged: int  # batches reassessed to find the flips


def _require(actor: Actor) -> None:
    if not actor.may_manage_reference:
        raise PermissionDeniedError("Only an admin changes the reference data.")


def in_force(session: Session, actor: Actor) -> tuple[Reference, ReferenceVersion | None]:
    """The reference data in force and the admin's version it comes from (None: the shipped data)."""
    _require(actor)
    newest = session.scalar(sa.select(ReferenceVersion).order_by(ReferenceVersion.id.desc()).limit(1))
    return assessments.active_reference(session), newest


def candidate(session: Session, data: Any) -> Reference:
    """The reference a candidate override gives, refused as :func:`assessments.set_reference` would refuse it."""
    if not isinstance(data, dict):
        raise InvalidInputError("Reference data is a JSON object.", errors={"data": ["Not an object."]})
    merged = merge_reference(shipped_data(), data)
    if not isinstance(data.get("version"), str) or not data["version"].strip() or len(data["version"]) > 50:
        raise InvalidInputError("Give the new version a name.", errors={"version": ["Required."]})
    if session.scalar(sa.select(ReferenceVersion.id).where(ReferenceVersion.version == data["version"])):
        raise InvalidInputError(
            "That reference version already exists; give a new version.", errors={"version": ["Already used."]}
        )
    try:
        return Reference(merged)
    except (KeyError, TypeError, AttributeError) as exc:
        raise InvalidInputError(
            "The reference data does not have the shape the rules read.", errors={"data": [str(exc)]}
        ) from exc


def preview(session: Session, actor: Actor, data: Any) -> Preview:
    """What putting `data` in force would change: its differences from the version in force, and each batch whose
    verdict the rules would give differently (every assessed batch is judged again, then forgotten)."""
    _require(actor)
    now = assessments.active_reference(session)
    new = candidate(session, data)
    batch_ids = list(session.scalars(sa.select(Assessment.batch_id).order_by(Assessment.batch_id)))
    before = {b: str(a.status.value) for b, a in assessments.current_assessments(session, batch_ids).items()}
    with assessments.trial(session):
        session.add(ReferenceVersion(version=data["version"], data=data, created_by_id=actor.user_id))
        session.flush()
        after = assessments.assess_batches(session, batch_ids) if batch_ids else {}
        judged = {b: str(getattr(row.status, "value", row.status)) for b, row in after.items()}
        flipped = [b for b in batch_ids if b in judged and judged[b] != before[b]]
        rows = session.execute(
            sa.select(Batch.id, Batch.lot_code, Product.name, Business.name)
            .join(Product, Product.id == Batch.product_id)
            .join(Business, Business.id == Batch.business_id)
            .where(Batch.id.in_(flipped))
        ).all()
        names = {row[0]: row[1:] for row in rows}
        flips = [VerdictChange(b, *names[b], before[b], judged[b]) for b in flipped if b in names]
    return Preview(new.label, reference_changes(now.data, new.data), flips, len(batch_ids))
