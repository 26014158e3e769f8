"""Status webhooks: who wants to hear of a product's public status changes, and every delivery made to them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow


class Webhook(Base):
    """A URL told of every public status change of a business's products (one product, or all of them).

    ``secret`` signs each delivery (HMAC-SHA256); it is shown once, when the webhook is made, and kept to sign.
    """

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(sa.ForeignKey("product.id"), index=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    secret: Mapped[str] = mapped_column(sa.String(100))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class WebhookDelivery(Base):
    """One status change for one webhook (or one EPCIS subscription's results), written in the changing transaction
    and sent from the job queue.

    ``next_attempt_at`` is when a worker may (next) send it; a worker claims it by moving that time forward, so two
    workers never send the same attempt. ``delivered_at`` ends it, as does ``gave_up_at`` after the last attempt.
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.Index("ix_webhook_delivery_due", "delivered_at", "gave_up_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int | None] = mapped_column(sa.ForeignKey("webhook.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("epcis_subscription.id", ondelete="CASCADE"), index=True
    )  # an EPCIS query subscription's results, instead of a status webhook's change
    code: Mapped[str] = mapped_column(sa.String(64))
    body: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    gave_up_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(
        order_by="WebhookAttempt.attempt", lazy="raise", viewonly=True
    )  # the delivery log's attempts, loaded with it (selectinload)


class WebhookAttempt(Base):
    """One attempt at sending a delivery: when, and what came back (an HTTP status, or why nothing did); the
    delivery log lists these, so a delivery that failed twice and then went through shows all three."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (sa.UniqueConstraint("delivery_id", "attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_delivery.id", ondelete="CASCADE"))
    attempt: Mapped[int]  # 1 for the first
    at: Mapped[dt.datetime]
    status: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(sa.String(500))
