"""Training programmes run by a coordinator (PLUT), their participants, and marketplace listings."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from traceability.vocabulary import ProgrammeMode


class Programme(Base):
    """A cohort of UMKM accompanied from NIB to halal certificate to online listing."""

    __tablename__ = "programme"
    __table_args__ = (sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    organiser: Mapped[str] = mapped_column(sa.String(200))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]
    coordinator_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ProgrammeParticipant(Base):
    """A business in a programme, taught in person or online, with the pendamping who follows it there."""

    __tablename__ = "programme_participant"
    __table_args__ = (sa.UniqueConstraint("programme_id", "business_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    mode: Mapped[ProgrammeMode]
    pendamping_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    joined_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ProductListing(Base):
    """A marketplace listing of a product; first_requested_at is when its page first asked our badge or
    verify API (Origin or Referer on the listing's host): proof the link is live, not just typed in."""

    __tablename__ = "product_listing"
    __table_args__ = (sa.UniqueConstraint("product_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("product.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    host: Mapped[str] = mapped_column(sa.String(255), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    first_requested_at: Mapped[dt.datetime | None]


class BusinessSearchToken(Base):
    """One lower-cased word of a business's name, owner, NIB or kelurahan: a B-tree prefix range on
    `token` finds businesses in time that does not grow with the registry, on SQLite and PostgreSQL."""

    __tablename__ = "business_search_token"
    __table_args__ = (sa.Index("ix_business_search_token_token_business", "token", "business_id"),)

    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
