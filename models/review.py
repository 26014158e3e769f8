"""What happens to a batch after capture: assessments, reviews, verification codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from traceability.vocabulary import HalalStatus, ReviewState, Severity


class Assessment(Base):
    """The latest verdict for a batch, recomputed whenever something upstream changes."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batch.id", ondelete="CASCADE"), unique=True)
    verdict: Mapped[Severity]
    status: Mapped[HalalStatus]
    ruleset: Mapped[str] = mapped_column(sa.String(100))
    graph_digest: Mapped[str] = mapped_column(sa.String(64))
    as_of: Mapped[dt.date]
    findings: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    self_declare: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    body: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # the whole answer, as served
    # Set when something upstream changed and the assessment waits to be recomputed.
    stale: Mapped[bool] = mapped_column(default=False, index=True)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReferenceVersion(Base):
    """A version of the halal reference data set by an admin; the newest one is in force."""

    __tablename__ = "reference_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(50), unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Review(Base):
    """An auditor's case on a product (and optionally one batch of it)."""

    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("batch.id"), index=True)
    state: Mapped[ReviewState] = mapped_column(default=ReviewState.SUBMITTED, index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    events: Mapped[list[ReviewEvent]] = relationship(cascade="all, delete-orphan", order_by="ReviewEvent.id")


class ReviewEvent(Base):
    """A comment, evidence request or decision in a review, with the graph digest it was made on."""

    __tablename__ = "review_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(sa.String(40))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    graph_digest: Mapped[str | None] = mapped_column(sa.String(64))
    # A decision's snapshot of the facts it was made on (traceability.changes), so the next review can say what
    # changed since; null on comments and answers, and on decisions recorded before snapshots were kept.
    facts: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class VerificationCode(Base):
    """A public code printed on a pack, pointing to one batch, signed so it can be checked offline."""

    __tablename__ = "verification_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batch.id"), index=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    signature: Mapped[str] = mapped_column(sa.String(200))
    key_id: Mapped[str] = mapped_column(sa.String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]


class PublicAnswer(Base):
    """What the public sees for one code, precomputed: the public routes read this one row and nothing else.

    Rebuilt in every transaction that changes it (``traceability.service.public_views``). ``body`` is the view as
    JSON text exactly as served, ``etag`` its strong validator; ``state`` is kept beside it so a revocation can
    lower every affected answer with one statement (``hold`` then carries the lowered status until the batch is
    reassessed and the row rebuilt).
    """

    __tablename__ = "public_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    code_id: Mapped[int] = mapped_column(sa.ForeignKey("verification_code.id", ondelete="CASCADE"), unique=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batch.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[str] = mapped_column(sa.Text)
    etag: Mapped[str] = mapped_column(sa.String(80))
    hold: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    built_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
