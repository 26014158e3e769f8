"""The admin's certificate desk: find a certificate by its canonical number, see every business's copy and every
batch it reaches, decide its status from a date with a reason, and learn which batches the decision flipped.

The decision itself is :func:`traceability.service.assessments.set_certificate_status`, the path the API and the
register import take; this module only gathers what the admin reads around it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Assessment, Batch, Business, Certificate, Product
from traceability.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from traceability.identifiers import certificate_number_key
from traceability.service import assessments, certificate_status
from traceability.service.access import Actor
from traceability.vocabulary import CertificateStatus

__all__ = ["Flip", "Reach", "decide", "preview", "reach", "search"]


def _require(actor: Actor) -> None:
    if not actor.may_decide_certificates:
        raise PermissionDeniedError("Only an auditor or an admin decides a certificate's status.")


def search(session: Session, actor: Actor, text: str, *, limit: int = 50) -> list[dict[str, Any]]:
    """Certificate identities whose canonical number begins with `text` (however it is spaced or cased), each with
    every business's copy."""
    _require(actor)
    key = certificate_number_key(text or "")
    if len(key) < 3:
        return []
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = session.execute(
        sa.select(Certificate, Business.name)
        .join(Business, Business.id == Certificate.business_id)
        .where(Certificate.number_key.like(f"{escaped}%", escape="\\"))
        .order_by(Certificate.number_key, Certificate.id)
        .limit(limit * 5)
    )
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for cert, business in rows:
        entry = found.setdefault(
            (cert.issuer_key, cert.number_key),
            {
                "number": cert.number_key,
                "issuer": cert.issuer,
                "status": cert.status.value,
                "open": cert.id,
                "copies": [],
            },
        )
        entry["copies"].append(business)
    return list(found.values())[:limit]


@dataclass
class Reach:
    """A certificate identity: its copies with their business, and the batches any copy reaches."""

    certificate: Certificate
    copies: list[tuple[Certificate, str]] = field(default_factory=list)
    batches: list[dict[str, Any]] = field(default_factory=list)


def _batches(session: Session, copies: list[Certificate]) -> list[dict[str, Any]]:
    reached = assessments.affected_batches(session, {f"certificate:{c.id}" for c in copies})
    if not reached:
        return []
    rows = session.execute(
        sa.select(Batch.id, Batch.lot_code, Product.name, Business.name, Assessment.status)
        .join(Product, Product.id == Batch.product_id)
        .join(Business, Business.id == Batch.business_id)
        .outerjoin(Assessment, Assessment.batch_id == Batch.id)
        .where(Batch.id.in_(reached))
        .order_by(Business.name, Product.name, Batch.lot_code)
    )
    return [
        {
            "batch": b,
            "lot_code": lot,
            "product": product,
            "business": business,
            "status": status.value if status else None,
        }
        for b, lot, product, business, status in rows
    ]


def reach(session: Session, actor: Actor, certificate_id: int) -> Reach:
    """Every copy of the certificate and every batch it reaches, with each batch's status now."""
    _require(actor)
    cert = session.get(Certificate, certificate_id)
    if cert is None:
        raise NotFoundError("No certificate with that id.")
    copies = list(session.scalars(certificate_status.copies(cert.issuer_key, cert.number_key)))
    owners = sa.select(Business.id, Business.name).where(Business.id.in_({c.business_id for c in copies}))
    names = {row.id: row.name for row in session.execute(owners)}
    return Reach(cert, [(c, str(names.get(c.business_id, ""))) for c in copies], _batches(session, copies))


@dataclass(frozen=True, slots=True)
class Flip:
    """A batch whose status the decision changed."""

    batch: int
    lot_code: str
    product: str
    business: str
    before: str | None
    after: str | None


def _statuses_now(session: Session, actor: Actor, certificate_id: int) -> dict[int, dict[str, Any]]:
    before = {b["batch"]: b for b in reach(session, actor, certificate_id).batches}
    for batch in before:  # a stale stored status is not what the public saw: read it current first
        before[batch]["status"] = assessments.current_assessment(session, batch).status.value
    return before


def _reason(reason: str) -> str:
    said = " ".join(reason.split())
    if len(said) < 3:
        raise InvalidInputError("Say why the status is decided.", errors={"reason": ["Required."]})
    return said


#: What an assessment leaves in ``session.info`` for the commit hooks; a preview must leave none of it behind.
def preview(
    session: Session,
    actor: Actor,
    certificate_id: int,
    *,
    status: CertificateStatus,
    effective: dt.date,
    reason: str,
    fraud: bool = False,
) -> list[Flip]:
    """The batches a decision would flip, before it is made: the copies take the status inside a transaction
    that is rolled back, so nothing is stored, journaled or announced."""
    before = _statuses_now(session, actor, certificate_id)
    _reason(reason)
    cert = session.get(Certificate, certificate_id)
    if cert is None:
        raise NotFoundError("No certificate with that id.")
    if effective < cert.issued_on and not fraud:
        raise InvalidInputError(
            "The effective date is before the certificate was issued.",
            errors={"effective": [f"Must be on or after {cert.issued_on}."]},
        )
    with assessments.trial(session):
        for copy in session.scalars(certificate_status.copies(cert.issuer_key, cert.number_key)):
            copy.status, copy.status_since, copy.fraud = status, effective, fraud
        session.flush()
        after = assessments.assess_batches(session, list(before)) if before else {}
        judged = {batch: str(getattr(row.status, "value", row.status)) for batch, row in after.items()}
        return [
            Flip(batch, was["lot_code"], was["product"], was["business"], was["status"], judged[batch])
            for batch, was in before.items()
            if batch in judged and judged[batch] != was["status"]
        ]


def decide(
    session: Session,
    actor: Actor,
    certificate_id: int,
    *,
    status: CertificateStatus,
    effective: dt.date,
    reason: str,
    fraud: bool = False,
) -> tuple[list[Certificate], list[Flip]]:
    """Decide the certificate's status for every copy, then say which batches changed status."""
    before = _statuses_now(session, actor, certificate_id)
    said = _reason(reason)
    copies = assessments.set_certificate_status(
        session, actor, certificate_id, status=status, effective=effective, reason=said, fraud=fraud
    )
    flips = []
    for batch, was in before.items():
        now = assessments.current_assessment(session, batch).status.value
        if now != was["status"]:
            flips.append(Flip(batch, was["lot_code"], was["product"], was["business"], was["status"], now))
    return copies, flips
