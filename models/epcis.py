"""The EPCIS 2.0 repository: captured events as their clients wrote them, what they name, capture jobs and named
queries (DESIGN section 8)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

URI = 500  # the longest identifier a query matches on


class EpcisCapture(Base):
    """One capture job: the document waits here until the queue stores its events, then the outcome stays.

    ``capture_id`` is the job's public name (``/capture/{captureID}``); ``document`` is cleared once the job has
    finished, since its events are then stored (or refused, and the errors say why).
    """

    __tablename__ = "epcis_capture"

    id: Mapped[int] = mapped_column(primary_key=True)
    capture_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    behaviour: Mapped[str] = mapped_column(sa.String(10))  # GS1-Capture-Error-Behaviour: rollback or proceed
    document: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    running: Mapped[bool] = mapped_column(default=True)
    success: Mapped[bool] = mapped_column(default=True)
    errors: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    events: Mapped[int] = mapped_column(default=0)  # in the document
    captured: Mapped[int] = mapped_column(default=0)  # stored
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    finished_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class EpcisEvent(Base):
    """A captured event, kept whole (``body``), with the fields queries filter and sort on beside it."""

    __tablename__ = "epcis_event"
    __table_args__ = (
        sa.UniqueConstraint("business_id", "event_id"),
        sa.Index("ix_epcis_event_event_time", "business_id", "event_time", "id"),
        sa.Index("ix_epcis_event_record_time", "business_id", "record_time", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"))
    capture_id: Mapped[int | None] = mapped_column(sa.ForeignKey("epcis_capture.id"), index=True)
    event_id: Mapped[str] = mapped_column(sa.String(URI))
    event_type: Mapped[str] = mapped_column(sa.String(100))
    event_time: Mapped[dt.datetime]
    record_time: Mapped[dt.datetime] = mapped_column(default=utcnow)
    action: Mapped[str | None] = mapped_column(sa.String(10))
    biz_step: Mapped[str | None] = mapped_column(sa.String(URI))
    disposition: Mapped[str | None] = mapped_column(sa.String(URI))
    read_point: Mapped[str | None] = mapped_column(sa.String(URI))
    biz_location: Mapped[str | None] = mapped_column(sa.String(URI))
    context: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # its document's namespace prefixes
    body: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class EpcisEventEpc(Base):
    """One identifier or value an event names, in one role (``epc``, ``parent``, ``input``, ``output``, ``class``
    ...; ``bizTx``, ``source``, ``dest``; the sensor attributes ``s:type``, ``s:device`` ...).

    ``value`` is as written; ``canonical`` is its GS1 Digital Link form, so a URN query finds a Digital Link event.
    ``qualifier`` is a bizTransaction's, source's or destination's type (its bare CBV word), which
    ``EQ_bizTransaction_<type>`` and the like compare.
    """

    __tablename__ = "epcis_event_epc"
    __table_args__ = (sa.Index("ix_epcis_event_epc_canonical", "canonical", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_pk: Mapped[int] = mapped_column(sa.ForeignKey("epcis_event.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(10))
    value: Mapped[str] = mapped_column(sa.String(URI))
    canonical: Mapped[str] = mapped_column(sa.String(URI))
    qualifier: Mapped[str | None] = mapped_column(sa.String(URI), default=None)


class EpcisEventNumber(Base):
    """One number an event carries, for the comparisons of the query parameters (``GE_quantity``,
    ``LT_value_CEL`` ...): a QuantityElement's ``quantity`` or a sensorReport's ``value``, ``minValue`` ...,
    with its unit as written (``uom``; None when it has none)."""

    __tablename__ = "epcis_event_number"
    __table_args__ = (sa.Index("ix_epcis_event_number_field", "field", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_pk: Mapped[int] = mapped_column(sa.ForeignKey("epcis_event.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(sa.String(12))
    uom: Mapped[str | None] = mapped_column(sa.String(10))
    number: Mapped[float] = mapped_column(sa.Double)


class EpcisLocationChild(Base):
    """A location's child, as a business's captured master data names it (``vocabularyElement.children``): what
    ``WD_bizLocation`` and ``WD_readPoint`` follow, directly and indirectly, to a location's descendants."""

    __tablename__ = "epcis_location_child"
    __table_args__ = (sa.UniqueConstraint("business_id", "vocabulary", "parent", "child"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"))
    vocabulary: Mapped[str] = mapped_column(sa.String(100))  # the master data vocabulary type
    parent: Mapped[str] = mapped_column(sa.String(URI))
    child: Mapped[str] = mapped_column(sa.String(URI))


class EpcisQuery(Base):
    """A named query: a user's saved query parameters, read back by name (``/queries/{queryName}/events``)."""

    __tablename__ = "epcis_query"
    __table_args__ = (sa.UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    query: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class EpcisSubscription(Base):
    """A webhook subscription to a named query: its results sent to ``dest``, signed with ``secret`` (GS1-Signature).

    ``stream``: every capture's matching events, written in the capturing transaction; otherwise ``schedule`` (the
    binding's cron-like fields) runs the query from ``min_record_time`` on at each ``next_run_at``. Deliveries go
    through the status webhooks' outbox (``webhook_delivery``), retries and log included.
    """

    __tablename__ = "epcis_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    query_id: Mapped[int] = mapped_column(sa.ForeignKey("epcis_query.id", ondelete="CASCADE"), index=True)
    dest: Mapped[str] = mapped_column(sa.String(2000))
    secret: Mapped[str] = mapped_column(sa.String(200))
    stream: Mapped[bool] = mapped_column(default=False)
    schedule: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    report_if_empty: Mapped[bool] = mapped_column(default=False)
    initial_record_time: Mapped[dt.datetime] = mapped_column(default=utcnow)
    min_record_time: Mapped[dt.datetime] = mapped_column(default=utcnow)
    next_run_at: Mapped[dt.datetime | None] = mapped_column(default=None, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_notified_at: Mapped[dt.datetime | None] = mapped_column(default=None)
