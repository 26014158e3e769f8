"""The auditor's workbench: the review queue with what an auditor sorts by (verdict, the public status and its
reason, age, region, the business's pendamping), and the answer a producer gives to an evidence request.

The queue reads the stored assessment of each review's batch (never reassessing), so it costs one query per kind of
fact whatever the queue's length.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Assessment, Batch, PendampingAssignment, Review, ReviewEvent, User
from traceability import changes
from traceability.errors import ConflictError, InvalidInputError, PermissionDeniedError
from traceability.service import reviews
from traceability.service.access import Actor
from traceability.service.unit_of_work import writing
from traceability.vocabulary import ApplicationRoute, ReviewState, Severity

__all__ = [
    "SORTS",
    "QueueRow",
    "Said",
    "Since",
    "answer_request",
    "asked_about",
    "blocking_findings",
    "conversation",
    "since_last_decision",
    "workbench_queue",
]

#: How the queue may be ordered: oldest first (the default), worst verdict first, by region, by business, by route.
SORTS = ("age", "verdict", "region", "business", "route")
_RANK = {s.value: s.rank for s in Severity}
# Self-declare cases first when sorted by route: a pendamping's verification is theirs to check, not a lab's.
_ROUTE_ORDER = {ApplicationRoute.SELF_DECLARE: 0, ApplicationRoute.REGULAR: 1}


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One review as the queue shows it."""

    review: Any
    business: Any
    product: Any
    verdict: str | None
    status: str | None
    status_text: dict[str, str]
    age_days: int
    pendamping: tuple[str, ...]
    route: ApplicationRoute | None  # the product's halal application route; None when none was chosen


def workbench_queue(
    session: Session,
    actor: Actor,
    filters: reviews.QueueFilter | None = None,
    *,
    verdict: str | None = None,
    sort: str = "age",
    now: dt.datetime | None = None,
    limit: int = 500,
) -> tuple[list[QueueRow], int]:
    """The queue with each review's verdict, status and reason, age, pendamping and route; filtered and sorted."""
    now = now or dt.datetime.now(dt.UTC)
    rows, total = reviews.queue(session, actor, filters, per_page=limit, now=now)
    batches = [r[0].batch_id for r in rows if r[0].batch_id is not None]
    stored = {a.batch_id: a for a in session.scalars(sa.select(Assessment).where(Assessment.batch_id.in_(batches)))}
    mentors: dict[int, list[str]] = defaultdict(list)
    assigned = (
        sa.select(PendampingAssignment.business_id, User.name, User.email)
        .join(User, User.id == PendampingAssignment.pendamping_id)
        .where(PendampingAssignment.business_id.in_({r[1].id for r in rows}))
        .order_by(User.name)
    )
    for business_id, name, email in session.execute(assigned):
        mentors[business_id].append(name or email)
    found = []
    for review, business, product in rows:
        assessment = stored.get(review.batch_id) if review.batch_id is not None else None
        created = review.created_at if review.created_at.tzinfo else review.created_at.replace(tzinfo=dt.UTC)
        row = QueueRow(
            review=review,
            business=business,
            product=product,
            verdict=assessment.verdict.value if assessment else None,
            status=assessment.status.value if assessment else None,
            status_text=dict((assessment.body or {}).get("status_text") or {}) if assessment else {},
            age_days=max(0, (now - created).days),
            pendamping=tuple(mentors.get(business.id, ())),
            route=product.application_route,
        )
        if verdict and row.verdict != verdict:
            continue
        found.append(row)
    keys = {
        "age": lambda r: (-r.age_days, r.review.id),
        "verdict": lambda r: (-_RANK.get(r.verdict or "", -1), -r.age_days, r.review.id),
        "region": lambda r: ((r.business.region or "").lower(), -r.age_days, r.review.id),
        "business": lambda r: (r.business.name.lower(), r.review.id),
        "route": lambda r: (_ROUTE_ORDER.get(r.route, 2) if r.route else 2, -r.age_days, r.review.id),
    }
    found.sort(key=keys.get(sort, keys["age"]))
    return found, total if not verdict else len(found)


def blocking_findings(findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings an approval would override: every violation."""
    return [f for f in findings if f.get("severity") == Severity.VIOLATION.value]


def answer_request(session: Session, actor: Actor, review_id: int, text: str) -> Review:
    """The producer (or their pendamping) answers an evidence request: the answer is journaled as the review's
    event and the review goes back to the auditor's queue."""
    review = reviews.get_review(session, actor, review_id)
    if not actor.may_submit_for_review:
        raise PermissionDeniedError("Only the business's producer or pendamping answers an evidence request.")
    if review.state is not ReviewState.CHANGES_REQUESTED:
        raise ConflictError(
            "No evidence request is open on this review.", errors={"review": ["No open evidence request."]}
        )
    note = " ".join((text or "").split())
    if len(note) < 3:
        raise InvalidInputError("Write what you did or what you attached.", errors={"answer": ["Required."]})
    with writing(session):
        review.state = ReviewState.SUBMITTED
        reviews.add_event(session, actor, review, "answer", note[:4000])
    return review


@dataclass(frozen=True, slots=True)
class Said:
    """One event of a review's conversation with its author."""

    event: Any
    author: str
    role: str | None


def conversation(session: Session, actor: Actor, review_id: int) -> tuple[Review, list[Said]]:
    """The review and its events, each with who wrote it (a name, never an id), for whoever may read it."""
    review = reviews.get_review(session, actor, review_id)
    ids = {e.actor_id for e in review.events if e.actor_id is not None}
    people = {u.id: u for u in session.scalars(sa.select(User).where(User.id.in_(ids)))} if ids else {}
    said = []
    for event in review.events:
        user = people.get(event.actor_id) if event.actor_id is not None else None
        said.append(Said(event, (user.name or user.email) if user else "", user.role.value if user else None))
    return review, said


def asked_about(session: Session, review: Review) -> list[str]:
    """The records an open evidence request is about: the subjects of the batch's findings that are not ok."""
    if review.batch_id is None:
        return []
    stored = session.scalar(sa.select(Assessment).where(Assessment.batch_id == review.batch_id))
    subjects = [f["subject"] for f in (stored.findings if stored else []) if f.get("severity") != Severity.OK.value]
    return list(dict.fromkeys(subjects))


@dataclass(frozen=True, slots=True)
class Since:
    """The product's latest decision and what changed since; `changes` is None when that decision kept no facts
    (it was recorded before decisions kept them)."""

    event: ReviewEvent
    review: Review
    author: str
    changes: changes.Changes | None
    other_batch: str | None  # the lot code of the batch decided on, when it is not the one under review


def since_last_decision(
    session: Session, actor: Actor, review: Review, graph: nx.DiGraph[str], findings: Sequence[dict[str, Any]]
) -> Since | None:
    """The latest decision on any review of `review`'s product, and how the facts now (`graph`, `findings`) differ
    from the facts it was made on; None when the product has had no decision yet."""
    reviews.get_review(session, actor, review.id)
    row = session.execute(
        sa.select(ReviewEvent, Review)
        .join(Review, Review.id == ReviewEvent.review_id)
        .where(Review.product_id == review.product_id, ReviewEvent.action.in_(reviews.DECISIONS))
        .order_by(ReviewEvent.at.desc(), ReviewEvent.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    event, decided = row
    user = session.get(User, event.actor_id) if event.actor_id is not None else None
    found = changes.diff(event.facts, changes.snapshot(graph, findings)) if event.facts else None
    other = session.get(Batch, decided.batch_id) if decided.batch_id not in (None, review.batch_id) else None
    return Since(event, decided, (user.name or user.email) if user else "", found, other.lot_code if other else None)
