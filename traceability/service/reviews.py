"""The auditor's case on a product batch: submit, ask for evidence, comment, approve or reject.

Every decision records the graph digest of the assessment it was made on. An approval counts only
while the batch's current digest equals it (see :func:`approved_digests`); when a later change
alters the graph, the review reopens by itself (:func:`reopen_changed`, run before each commit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Assessment, Batch, Business, Product, Review, ReviewEvent
from traceability import changes
from traceability.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from traceability.service import assessments, journal, provenance
from traceability.service.access import Actor
from traceability.service.unit_of_work import touch, writing
from traceability.vocabulary import ApplicationRoute, ReviewState

__all__ = [
    "DECISIONS",
    "QueueFilter",
    "add_event",
    "comment",
    "decide",
    "decision_facts",
    "get_review",
    "latest_batch",
    "queue",
    "record_pendamping_verification",
    "request_evidence",
    "review_view",
    "reviews_of_business",
    "submit",
]

#: The events that are an auditor's decision on the case; each keeps a snapshot of the facts it was made on.
DECISIONS = ("approve", "reject", "request_evidence")
OPEN = (ReviewState.SUBMITTED, ReviewState.IN_REVIEW, ReviewState.CHANGES_REQUESTED)
_REVIEWER = Actor.operator("reviews")


def _journal(session: Session, actor: Actor, review: Review, action: str, event: ReviewEvent) -> None:
    payload = {
        "review": review.id,
        "product": review.product_id,
        "batch": review.batch_id,
        "state": review.state.value,
        "comment": event.comment,
        "graph_digest": event.graph_digest,
    }
    journal.append(session, actor, f"review.{action}", f"review:{review.id}", payload, business_id=review.business_id)


def _event(
    session: Session,
    actor: Actor,
    review: Review,
    action: str,
    text: str,
    digest: str | None,
    facts: dict[str, Any] | None = None,
) -> ReviewEvent:
    event = ReviewEvent(
        review_id=review.id, actor_id=actor.user_id, action=action, comment=text, graph_digest=digest, facts=facts
    )
    session.add(event)
    session.flush()
    review.updated_at = dt.datetime.now(dt.UTC)
    _journal(session, actor, review, action, event)
    return event


def add_event(session: Session, actor: Actor, review: Review, action: str, text: str) -> ReviewEvent:
    """Record an event on the review with the digest of its batch's graph now (inside the caller's write)."""
    return _event(session, actor, review, action, text, _digest(session, review))


def _reason(text: str | None, field: str = "comment", *, required: bool = True) -> str:
    value = (text or "").strip()
    if required and not value:
        raise InvalidInputError("Say why.", errors={field: ["Required."]})
    if len(value) > 4000:
        raise InvalidInputError("Too long.", errors={field: ["At most 4000 characters."]})
    return value


def get_review(session: Session, actor: Actor, review_id: int) -> Review:
    """One review the actor may see; another business's review is 'not found'."""
    review = session.get(Review, review_id)
    if review is None or not actor.can_read(review.business_id):
        raise NotFoundError("No review with that id.")
    return review


def latest_batch(session: Session, product_id: int) -> Batch | None:
    """The product's newest batch (the one a submission reviews by default); no access check."""
    return session.scalar(sa.select(Batch).where(Batch.product_id == product_id).order_by(Batch.id.desc()).limit(1))


def submit(
    session: Session, actor: Actor, product_id: int, *, batch_id: int | None = None, text: str | None = None
) -> Review:
    """The producer (or the assigned pendamping) asks for review of a batch (default: the newest)."""
    product = session.get(Product, product_id)
    if product is None or not actor.can_read(product.business_id):
        raise NotFoundError("No product with that id.")
    if not actor.may_submit_for_review:
        raise PermissionDeniedError("Only the producer or its pendamping submits a product for review.")
    batch = session.get(Batch, batch_id) if batch_id is not None else latest_batch(session, product_id)
    if batch is None or batch.product_id != product_id:
        raise InvalidInputError(
            "The product has no such batch to review.", errors={"batch": ["Record a batch of this product first."]}
        )
    note = _reason(text, required=False)
    with writing(session):
        review = session.scalar(
            sa.select(Review).where(
                Review.product_id == product_id,
                Review.batch_id == batch.id,
                Review.state.in_(OPEN + (ReviewState.REJECTED,)),
            )
        )
        if review is not None and review.state in OPEN[:2]:
            raise ConflictError("This batch is already waiting for review.", errors={"batch": ["Already submitted."]})
        if review is None:
            review = Review(
                business_id=product.business_id, product_id=product_id, batch_id=batch.id, submitted_by_id=actor.user_id
            )
            session.add(review)
            session.flush()
        review.state = ReviewState.SUBMITTED
        session.flush()
        # Reassessed now: the public reason becomes "under review".
        digest = assessments.assess_batches(session, [batch.id])[batch.id].graph_digest
        _event(session, actor, review, "submit", note, digest)
    return review


def decision_facts(session: Session, review: Review) -> dict[str, Any] | None:
    """The facts a decision on `review` is made on now: its batch's upstream records and current findings."""
    if review.batch_id is None:
        return None
    graph = provenance.upstream_graph(session, _REVIEWER, review.batch_id)
    product = session.get(Product, review.product_id)
    if product is not None:
        graph.add_node(f"product:{product.id}", type="product", name=product.name)
    findings = assessments.current_assessment(session, review.batch_id).findings
    return changes.snapshot(graph, findings)


def _auditor_case(session: Session, actor: Actor, review_id: int) -> Review:
    review = get_review(session, actor, review_id)
    if not actor.may_review:
        raise PermissionDeniedError("Only an auditor reviews, decides or asks for evidence.")
    return review


def request_evidence(session: Session, actor: Actor, review_id: int, text: str) -> Review:
    """Ask the producer for evidence; the producer sees the request on the dashboard."""
    review = _auditor_case(session, actor, review_id)
    note = _reason(text)
    with writing(session):
        review.state = ReviewState.CHANGES_REQUESTED
        review.assigned_to_id = actor.user_id
        _event(
            session, actor, review, "request_evidence", note, _digest(session, review), decision_facts(session, review)
        )
    return review


def comment(session: Session, actor: Actor, review_id: int, text: str) -> Review:
    """A note on the case from anyone who may read it (producer, pendamping, auditor)."""
    review = get_review(session, actor, review_id)
    if not actor.may_comment_on_reviews:
        raise PermissionDeniedError("An admin does not take part in reviews.")
    note = _reason(text)
    with writing(session):
        _event(session, actor, review, "comment", note, None)
    return review


def _digest(session: Session, review: Review) -> str | None:
    if review.batch_id is None:
        return None
    return assessments.current_assessment(session, review.batch_id).graph_digest


def decide(
    session: Session, actor: Actor, review_id: int, *, approve: bool, reason: str, graph_digest: str | None = None
) -> Review:
    """Approve or reject, recording the digest of the graph the auditor looked at.

    A `graph_digest` that is no longer current is a conflict: the graph changed while the auditor read it.
    """
    review = _auditor_case(session, actor, review_id)
    note = _reason(reason, "reason")
    if review.batch_id is None:
        raise InvalidInputError("This review names no batch.", errors={"batch": ["Required."]})
    current = _digest(session, review)
    if graph_digest is not None and graph_digest != current:
        raise ConflictError(
            "The provenance graph changed since you opened it; reload the review.",
            errors={"graph_digest": [f"Current digest is {current}."]},
        )
    with writing(session):
        review.state = ReviewState.APPROVED if approve else ReviewState.REJECTED
        review.assigned_to_id = actor.user_id
        facts = decision_facts(session, review)
        _event(session, actor, review, "approve" if approve else "reject", note, current, facts)
        assessments.assess_batches(session, [review.batch_id])
    return review


def reopen_changed(session: Session) -> None:
    """An approved review whose batch's graph changed goes back to the queue (status pending)."""
    assessed: set[int] = session.info.pop("assessed_batches", set())
    if not assessed:
        return
    rows = session.execute(
        sa.select(Review, Assessment.graph_digest)
        .join(Assessment, Assessment.batch_id == Review.batch_id)
        .where(Review.batch_id.in_(assessed), Review.state == ReviewState.APPROVED)
    ).all()
    reopened: list[int] = []
    for review, digest in rows:
        decided = session.scalar(
            sa.select(ReviewEvent.graph_digest)
            .where(ReviewEvent.review_id == review.id, ReviewEvent.action == "approve")
            .order_by(ReviewEvent.id.desc())
        )
        if decided != digest:
            review.state = ReviewState.SUBMITTED
            _event(
                session,
                _REVIEWER,
                review,
                "reopen",
                "The provenance graph changed after approval; the batch is pending again.",
                digest,
            )
            if review.batch_id is not None:
                reopened.append(review.batch_id)
    if reopened:  # judged before the review reopened: judge again, now under review (once: no approval is left)
        session.flush()
        assessments.assess_batches(session, reopened)
        session.info.pop("assessed_batches", None)


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What the auditor narrows the queue to; None means any."""

    state: ReviewState | None = None
    region: str | None = None
    min_age_days: int | None = None
    route: ApplicationRoute | None = None


def queue(
    session: Session,
    actor: Actor,
    filters: QueueFilter | None = None,
    *,
    page: int = 1,
    per_page: int = 50,
    now: dt.datetime | None = None,
) -> tuple[list[Any], int]:
    """Reviews the actor may see with their business and product, oldest open case first."""
    filters = filters or QueueFilter()
    query = (
        sa.select(Review, Business, Product)
        .join(Business, Business.id == Review.business_id)
        .join(Product, Product.id == Review.product_id)
    )
    visible = actor.visible_businesses()
    if visible is not None:
        query = query.where(Review.business_id.in_(visible))
    if filters.state is not None:
        query = query.where(Review.state == filters.state)
    if filters.region:
        query = query.where(sa.func.lower(Business.region) == filters.region.strip().lower())
    if filters.route is not None:
        query = query.where(Product.application_route == filters.route)
    if filters.min_age_days is not None:
        cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=filters.min_age_days)
        query = query.where(Review.created_at <= cutoff)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(Review.created_at, Review.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return [tuple(r) for r in rows], total


def reviews_of_business(session: Session, actor: Actor, business_id: int) -> list[Review]:
    """The business's reviews, newest first, with their events (the producer's view of requests)."""
    if not actor.can_read(business_id):
        raise NotFoundError("No business with that id.")
    return list(session.scalars(sa.select(Review).where(Review.business_id == business_id).order_by(Review.id.desc())))


def record_pendamping_verification(
    session: Session, actor: Actor, product_id: int, *, pendamping: str, registration_no: str, verified_on: dt.date
) -> Product:
    """The assigned pendamping records the self-declare verification that rule SD-07 reads."""
    product = session.get(Product, product_id)
    if product is None or not actor.can_read(product.business_id):
        raise NotFoundError("No product with that id.")
    if not actor.may_verify_self_declare:
        raise PermissionDeniedError("Only the business's pendamping records the self-declare verification.")
    if verified_on > dt.date.today():
        raise InvalidInputError("The verification date is in the future.", errors={"verified_on": ["Not after today."]})
    with writing(session):
        product.pendamping_name, product.pendamping_registration_no = pendamping.strip(), registration_no.strip()
        product.pendamping_verified_on = verified_on
        session.flush()
        payload = {
            "product": product.id,
            "pendamping": product.pendamping_name,
            "registration_no": product.pendamping_registration_no,
            "verified_on": verified_on.isoformat(),
        }
        journal.append(
            session, actor, "pendamping.verify", f"product:{product.id}", payload, business_id=product.business_id
        )
        touch(session, f"product:{product.id}")
    return product


def review_view(review: Review) -> dict[str, Any]:
    """The review as plain data for the API and the pages."""
    return {
        "id": review.id,
        "business": review.business_id,
        "product": review.product_id,
        "batch": review.batch_id,
        "state": review.state.value,
        "created_at": review.created_at,
        "updated_at": review.updated_at,
        "events": [
            {"action": e.action, "actor": e.actor_id, "comment": e.comment, "graph_digest": e.graph_digest, "at": e.at}
            for e in review.events
        ],
    }
