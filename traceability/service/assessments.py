"""Stored assessments: judging stored batches, keeping each batch's latest verdict current when
anything upstream changes, certificate status decisions, and the reference data in force.

A change marks the assessments of every batch it can reach as stale in the same transaction and,
when that fan-out is at most ``propagation_inline_limit`` batches (session info, default 500),
recomputes them there too; larger fan-outs are recomputed by :func:`refresh_stale` (a queued job,
``halal-trace assessments refresh``) or on the next read. A read never serves a stale verdict.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import (
    Assessment,
    Batch,
    Certificate,
    CertificateScope,
    Facility,
    Material,
    MaterialInput,
    MaterialLot,
    Product,
    ProductionStep,
    RecordEvidence,
    ReferenceVersion,
    Review,
    ReviewEvent,
    StepInput,
    Storage,
    StorageItem,
    Transport,
    TransportItem,
)
from traceability.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from traceability.rules import status as status_rules
from traceability.rules.context import prepare
from traceability.rules.engine import assess_prepared
from traceability.rules.reference import Reference, default_reference, merge_reference, shipped_data
from traceability.service import bulk, certificate_status, confirmation, journal, observe, provenance
from traceability.service.access import Actor
from traceability.service.dossiers import ExportCodec, dossier_values
from traceability.service.record_kinds import KINDS, ApiCodec, record_payload
from traceability.service.unit_of_work import defer, touch, writing
from traceability.vocabulary import CertificateStatus, HalalStatus, ReviewState, Severity

__all__ = [
    "active_reference",
    "assess_batches",
    "current_assessment",
    "get_assessment",
    "refresh_stale",
    "set_certificate_status",
    "set_reference",
    "stale_count",
]

DEFAULT_INLINE_LIMIT = 500
#: The queued job that judges what a large change left stale (registered by the HTTP layer's job queue).
REFRESH_JOB = "assessments.refresh"
_ASSESSOR = Actor.operator("assessor")


def active_reference(session: Session) -> Reference:
    """The reference data in force: the newest admin version over the shipped data, or the shipped data."""
    newest = session.scalar(sa.select(ReferenceVersion).order_by(ReferenceVersion.id.desc()).limit(1))
    if newest is None:
        return default_reference()
    return Reference(merge_reference(shipped_data(), newest.data))


def _to_stored_ids(body: dict[str, Any], codec: ExportCodec, business_id: int, nib: str) -> dict[str, Any]:
    """Name nodes by stored ids (``material:12``) as the rest of the API does, not by local refs."""

    def node(text: str) -> str:
        kind, _, local = text.partition(":")
        if kind == "business" and local == nib:
            return f"business:{business_id}"
        stored = codec.ids.get((kind, local))
        return f"{kind}:{stored}" if stored is not None else text

    for finding in body["findings"] + body["self_declare"]["findings"]:
        finding["subject"] = node(finding["subject"])
        finding["path"] = [node(n) for n in finding["path"]]
    body["lot_evidence"] = {
        node(lot): {**found, "certificate": node(found["certificate"]) if found["certificate"] else None}
        for lot, found in body.get("lot_evidence", {}).items()
    }
    return body


def approved_digests(session: Session, product_id: int) -> set[str]:
    """Graph digests an auditor approved for the product: an approval holds only on the graph it was made on."""
    latest = (
        sa.select(sa.func.max(ReviewEvent.id))
        .join(Review)
        .where(Review.product_id == product_id, Review.state == ReviewState.APPROVED, ReviewEvent.action == "approve")
        .group_by(ReviewEvent.review_id)
    )
    return set(session.scalars(sa.select(ReviewEvent.graph_digest).where(ReviewEvent.id.in_(latest))))


def under_review(session: Session, batch_ids: list[int]) -> set[int]:
    """The batches with an open review (submitted, in review, or waiting for requested changes)."""
    open_states = (ReviewState.SUBMITTED, ReviewState.IN_REVIEW, ReviewState.CHANGES_REQUESTED)
    query = sa.select(Review.batch_id).where(Review.state.in_(open_states))
    return bulk.scalars_in(session, query, Review.batch_id, batch_ids)


def _confirmations(
    session: Session, codec: ExportCodec, reference: Reference, day: dt.date
) -> dict[str, dict[str, Any]]:
    """The confirmation of each certificate in an exported dossier, by its node there."""
    held = {obj.id: (local, obj) for (kind, local), obj in codec.named.items() if kind == "certificate"}
    found = confirmation.confirmations(session, [obj for _, obj in held.values()], reference, day)
    return {f"certificate:{held[cert_id][0]}": c.as_dict() for cert_id, c in found.items()}


def _stored_facts(session: Session, codec: ExportCodec) -> dict[str, dict[str, Any]]:
    """What the exported dossier leaves out of its records but an auditor sees, by node: a step's equipment and
    the quantities it used, a certificate's scan hash, the file hashes of a material's evidence.

    The records are the ones the export loaded (the codec holds them); the files attached to lots and steps
    (:class:`RecordEvidence`) are read in one query.
    """
    facts: dict[str, dict[str, Any]] = {}
    subjects = {
        f"{kind}:{stored}": (kind, local) for (kind, local), stored in codec.ids.items() if kind in ("lot", "step")
    }
    attached: dict[tuple[str, str], list[str]] = defaultdict(list)
    if subjects:
        query = sa.select(RecordEvidence.subject, RecordEvidence.sha256).where(RecordEvidence.subject.in_(subjects))
        for subject, sha256 in session.execute(query.order_by(RecordEvidence.id)):
            attached[subjects[subject]].append(sha256)
    for (kind, local), obj in codec.named.items():
        found: dict[str, Any] = {}
        if kind == "step":
            used = [(str(i.quantity), i.unit) for i in obj.inputs if i.quantity is not None or i.unit]
            found = {"equipment": obj.equipment, "used": used} if obj.equipment or used else {}
        elif kind == "certificate" and obj.evidence_sha256:
            found = {"scan": obj.evidence_sha256}
        elif kind == "material":
            files = [e.file_sha256 for e in obj.evidence if e.file_sha256]
            found = {"files": files} if files else {}
        if attached.get((kind, local)):
            found = {**found, "attached": attached[(kind, local)]}
        if found:
            facts[f"{kind}:{local}"] = found
    return facts


#: What a judgement leaves in ``session.info`` for the before-commit hooks (reviews to reopen, answers to rebuild).
_NOTES = ("assessed_batches", "public_batches")


@contextmanager
def trial(session: Session) -> Iterator[Session]:
    """Judge a change that is never kept: whatever the block writes is rolled back, and the notes its judgements
    leave for the commit hooks are put back as they were, so nothing is stored, journaled or announced."""
    kept = {key: set(session.info.get(key, ())) for key in _NOTES}
    try:
        yield session
    finally:
        session.rollback()
        for key, value in kept.items():
            if value:
                session.info[key] = value
            else:
                session.info.pop(key, None)


@observe.timed("assessment")
def assess_batches(
    session: Session, batch_ids: Iterable[int], *, as_of: dt.date | None = None
) -> dict[int, Assessment]:
    """Judge stored batches and store each one's assessment (inside the caller's transaction).

    Batches of one product share one dossier export and one graph.
    """
    day = as_of or session.info.get("assessment_as_of") or dt.date.today()
    reference = active_reference(session)
    by_product: dict[int, list[Batch]] = defaultdict(list)
    for chunk in bulk.chunks(batch_ids):
        for batch in session.scalars(sa.select(Batch).where(Batch.id.in_(chunk)).order_by(Batch.id)):
            by_product[batch.product_id].append(batch)
    stored: dict[int, Assessment] = {}
    for product_id, batches in by_product.items():
        codec = ExportCodec()
        # Only what these batches are made of: the cost follows the judged subgraph, not the product's history.
        doc = dossier_values(session, _ASSESSOR, product_id, codec=codec, batches=[b.id for b in batches])
        prepared = prepare(doc, reference)
        confirmed = _confirmations(session, codec, reference, day)
        facts = _stored_facts(session, codec)
        approved_on = approved_digests(session, product_id)
        reviewing = under_review(session, [b.id for b in batches])
        existing = {
            a.batch_id: a
            for chunk in bulk.chunks(b.id for b in batches)
            for a in session.scalars(sa.select(Assessment).where(Assessment.batch_id.in_(chunk)))
        }
        for batch in batches:
            body = assess_prepared(
                prepared,
                as_of=day,
                batches=[codec.ref(batch)],
                approved_digests=approved_on,
                under_review=batch.id in reviewing,
                confirmations=confirmed,
                facts=facts,
            )
            body = _to_stored_ids(body, codec, batch.business_id, doc["business"]["nib"])
            body["product"] = {**body["product"], "id": product_id}
            body["batches"] = [batch.id]
            body["batch"] = {"id": batch.id, "lot_code": batch.lot_code}
            row = existing.get(batch.id) or Assessment(batch_id=batch.id)
            row.verdict, row.status = Severity(body["verdict"]), body["status"]
            row.ruleset, row.graph_digest, row.as_of = body["ruleset"], body["graph_digest"], day
            row.findings, row.self_declare, row.body = body["findings"], body["self_declare"], body
            row.stale, row.computed_at = False, dt.datetime.now(dt.UTC)
            session.add(row)
            stored[batch.id] = row
    session.flush()
    session.info.setdefault("assessed_batches", set()).update(stored)  # reviews reopen on a changed graph
    session.info.setdefault("public_batches", set()).update(stored)  # and the public answers are rebuilt
    return stored


def _seed_batches(session: Session, nodes: set[str]) -> set[int]:
    """The batches a changed record feeds directly, by the kind of record.

    A registry import or a revoked certificate can touch tens of thousands of records: every lookup goes
    through :func:`bulk.scalars_in`, a bounded number of keys a statement.
    """
    ids: dict[str, set[int]] = defaultdict(set)
    for node in nodes:
        kind, _, ident = node.partition(":")
        ids[kind].add(int(ident))

    def keys(query: Any, column: Any, wanted: set[int]) -> set[int]:
        return bulk.scalars_in(session, query, column, wanted) if wanted else set()

    lots, batches, steps = set(ids["lot"]), set(ids["batch"]), set(ids["step"])
    batches |= keys(sa.select(Batch.id), Batch.business_id, ids["business"])
    batches |= keys(sa.select(Batch.id), Batch.product_id, ids["product"])
    if ids["supplier"]:
        lots |= keys(sa.select(MaterialLot.id), MaterialLot.supplier_id, ids["supplier"])
        ids["certificate"] |= keys(sa.select(Certificate.id), Certificate.holder_supplier_id, ids["supplier"])
        ids["facility"] |= keys(sa.select(Facility.id), Facility.owner_supplier_id, ids["supplier"])
    if ids["certificate"]:
        certs = ids["certificate"]
        lots |= keys(sa.select(MaterialLot.id), MaterialLot.certificate_id, certs)
        scoped = sa.select(CertificateScope.material_id).where(CertificateScope.material_id.is_not(None))
        ids["material"] |= keys(scoped, CertificateScope.certificate_id, certs)
        products = keys(sa.select(Product.id), Product.certificate_id, certs)
        scoped = sa.select(CertificateScope.product_id).where(CertificateScope.product_id.is_not(None))
        products |= keys(scoped, CertificateScope.certificate_id, certs)
        batches |= keys(sa.select(Batch.id), Batch.product_id, products)
    if ids["material"]:  # the material itself, and what is made with it one level up
        materials = ids["material"] | keys(
            sa.select(MaterialInput.material_id), MaterialInput.input_id, ids["material"]
        )
        lots |= keys(sa.select(MaterialLot.id), MaterialLot.material_id, materials)
    if ids["facility"]:
        steps |= keys(sa.select(ProductionStep.id), ProductionStep.facility_id, ids["facility"])
        held = sa.select(StorageItem.lot_id, StorageItem.batch_id).join(Storage)
        for lot_id, batch_id in bulk.rows_in(session, held, Storage.facility_id, ids["facility"]):
            if lot_id is not None:
                lots.add(lot_id)
            elif batch_id is not None:  # one of the two, by the table's check constraint
                batches.add(batch_id)
        moved = sa.select(TransportItem.batch_id).join(Transport)
        batches |= keys(moved, Transport.facility_id, ids["facility"])
    steps |= keys(sa.select(StepInput.step_id), StepInput.lot_id, lots)
    batches |= keys(sa.select(Batch.id), Batch.step_id, steps)
    return batches


def affected_batches(session: Session, nodes: set[str]) -> list[int]:
    """Every batch whose upstream holds one of the changed records."""
    seed = _seed_batches(session, nodes)
    return sorted(provenance.batches_made_from(session, seed)) if seed else []


@observe.timed("propagation")
def propagate(session: Session) -> None:
    """Reassess what the transaction's changes reach, before it commits."""
    touched: set[str] = session.info.pop("touched", set())
    if not touched:
        return
    session.flush()
    affected = affected_batches(session, touched)
    if not affected:
        return
    for chunk in bulk.chunks(affected):
        session.execute(sa.update(Assessment).where(Assessment.batch_id.in_(chunk)).values(stale=True))
    if len(affected) <= session.info.get("propagation_inline_limit", DEFAULT_INLINE_LIMIT):
        assess_batches(session, affected)
    else:  # judged by the queued job, in batches; a revocation lowers their public answers meanwhile
        session.info.setdefault("reassess_later", set()).update(affected)
        defer(session, REFRESH_JOB)


def refresh_stale(session: Session, *, limit: int = 1000) -> int:
    """Recompute up to `limit` stale assessments (the queued part of a large propagation)."""
    stale = list(
        session.scalars(
            sa.select(Assessment.batch_id).where(Assessment.stale.is_(True)).order_by(Assessment.batch_id).limit(limit)
        )
    )
    if stale:
        with writing(session):
            assess_batches(session, stale)
    return len(stale)


def stale_count(session: Session) -> int:
    """How many assessments wait for the queued reassessment (its progress)."""
    return int(session.scalar(sa.select(sa.func.count()).where(Assessment.stale.is_(True))) or 0)


def get_assessment(session: Session, actor: Actor, batch_id: int) -> dict[str, Any]:
    """The batch's current assessment, computed now if it is missing or stale."""
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError("No batch with that id.")
    actor.require_read(batch.business_id, "batch")
    return current_assessment(session, batch_id).body


def current_assessment(session: Session, batch_id: int) -> Assessment:
    """The batch's stored assessment, recomputed first if missing or stale (no access check)."""
    return current_assessments(session, [batch_id])[batch_id]


def current_assessments(session: Session, batch_ids: Iterable[int]) -> dict[int, Assessment]:
    """Each batch's stored assessment, the missing or stale ones recomputed first in one go (no access check)."""
    wanted = set(batch_ids)
    rows = {a.batch_id: a for a in session.scalars(sa.select(Assessment).where(Assessment.batch_id.in_(wanted)))}
    redo = {b for b in wanted if b not in rows or rows[b].stale}
    if redo:
        with writing(session):
            rows.update(assess_batches(session, redo))
    return rows


def set_certificate_status(
    session: Session,
    actor: Actor,
    certificate_id: int,
    *,
    status: CertificateStatus,
    effective: dt.date,
    reason: str,
    fraud: bool = False,
    everywhere: bool = True,
) -> list[Certificate]:
    """Revoke, suspend or reinstate a certificate from a date (auditor or admin), journaled.

    The decision belongs to the certificate's identity (canonical issuer and number): every business's record
    of it changes, so each producer relying on it sees the decision at once and no copy keeps another status.
    `everywhere=False` is refused.
    """
    if not actor.may_decide_certificates:
        certificate = session.get(Certificate, certificate_id)
        if certificate is None or not actor.can_read(certificate.business_id):
            raise NotFoundError("No certificate with that id.")
        raise PermissionDeniedError("Only an auditor or an admin changes a certificate's status.")
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFoundError("No certificate with that id.")
    if effective < certificate.issued_on and not fraud:
        raise InvalidInputError(
            "The effective date is before the certificate was issued.",
            errors={"effective": [f"Must be on or after {certificate.issued_on}."]},
        )
    if not everywhere:
        message = "A decision belongs to the certificate, so it applies to every business's record of it."
        raise InvalidInputError(message, errors={"everywhere": [message]})
    targets = list(session.scalars(certificate_status.copies(certificate.issuer_key, certificate.number_key)))
    kind = KINDS["certificates"]
    with writing(session):
        if status is not CertificateStatus.ACTIVE:  # what a batch left to the queue shows until it is judged
            session.info["public_hold"] = _restriction(session, certificate, status, effective)
        for cert in targets:
            cert.status, cert.status_since = status, effective
            cert.fraud, cert.status_reason = fraud, reason
            session.flush()
            payload = {**record_payload(kind, cert, ApiCodec(session, cert.business_id)), "status_reason": reason}
            journal.append(
                session,
                actor,
                certificate_status.DECISION_ACTION,
                f"certificate:{cert.id}",
                payload,
                business_id=cert.business_id,
            )
            touch(session, f"certificate:{cert.id}")
    return targets


def _restriction(
    session: Session, certificate: Certificate, status: CertificateStatus, effective: dt.date
) -> status_rules.Decision:
    """The status a certificate's revocation or suspension gives a verified batch before it is reassessed.

    Worded as the reassessment words it (:func:`status_rules.lower_for_live_certificate`): the product's own
    certificate, or the supplier certificate of a material, named by the first lot it covers.
    """
    own = session.scalar(sa.select(Product.id).where(Product.certificate_id == certificate.id).limit(1))
    material = None
    if own is None:
        material = session.scalar(
            sa.select(Material.name)
            .join(MaterialLot, MaterialLot.material_id == Material.id)
            .where(MaterialLot.certificate_id == certificate.id)
            .order_by(MaterialLot.id)
            .limit(1)
        )
    label = {"id": material, "en": material} if material else None
    verified = status_rules.Decision(HalalStatus.HALAL_VERIFIED, "product_certificate")
    return status_rules.lower_for_live_certificate(verified, (label, status.value, effective))


def set_reference(session: Session, actor: Actor, data: dict[str, Any]) -> Reference:
    """Put a new version of the reference data in force (admin) and reassess what it changes."""
    if not actor.may_manage_reference:
        raise PermissionDeniedError("Only an admin changes the reference data.")
    reference = Reference(merge_reference(shipped_data(), data))
    if session.scalar(sa.select(ReferenceVersion).where(ReferenceVersion.version == data["version"])):
        raise InvalidInputError(
            "That reference version already exists; give a new version.", errors={"version": ["Already used."]}
        )
    with writing(session):
        session.add(ReferenceVersion(version=data["version"], data=data, created_by_id=actor.user_id))
        journal.append(session, actor, "reference.update", f"reference:{data['version']}", data)
        session.execute(sa.update(Assessment).values(stale=True))
        stale = session.scalar(sa.select(sa.func.count()).select_from(Assessment)) or 0
        if stale <= session.info.get("propagation_inline_limit", DEFAULT_INLINE_LIMIT):
            assess_batches(session, session.scalars(sa.select(Assessment.batch_id)).all())
        else:
            defer(session, REFRESH_JOB)
    return reference
