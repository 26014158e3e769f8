"""Businesses, the people who use the service, and their credentials."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Versioned, utcnow
from traceability.vocabulary import BusinessScale, Role


class Business(Versioned, Base):
    """A UMKM or larger business, identified by its NIB."""

    __tablename__ = "business"
    __table_args__ = (
        sa.CheckConstraint("length(nib) = 13", name="nib_13_digits"),
        sa.CheckConstraint("annual_turnover_idr IS NULL OR annual_turnover_idr >= 0", name="turnover_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    nib: Mapped[str] = mapped_column(sa.String(13), unique=True)
    scale: Mapped[BusinessScale]
    annual_turnover_idr: Mapped[int | None] = mapped_column(sa.BigInteger)
    country: Mapped[str] = mapped_column(sa.String(2), default="ID")
    address: Mapped[str | None] = mapped_column(sa.String(500))
    region: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    # Registry fields, as the city's UMKM list carries them.
    owner: Mapped[str | None] = mapped_column(sa.String(200))
    kelurahan: Mapped[str | None] = mapped_column(sa.String(100))
    kecamatan: Mapped[str | None] = mapped_column(sa.String(100))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    kbli: Mapped[str | None] = mapped_column(sa.String(5))
    # Penyelia halal: null name means none is recorded.
    supervisor_name: Mapped[str | None] = mapped_column(sa.String(200))
    supervisor_muslim: Mapped[bool | None]
    supervisor_trained_on: Mapped[dt.date | None]
    sjph_last_training_on: Mapped[dt.date | None]
    sjph_last_internal_audit_on: Mapped[dt.date | None]
    sjph_last_management_review_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"Business(id={self.id!r}, nib={self.nib!r}, name={self.name!r})"


class User(Base):
    """Someone who logs in; producers belong to one business."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[Role]
    business_id: Mapped[int | None] = mapped_column(sa.ForeignKey("business.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Wrong passwords in a row since the last success or lockout; at the limit the account locks until then.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None]
    # Sessions carry the version they were opened under; logging out or changing the password moves it on,
    # so every earlier session cookie (a saved one, another device's) stops working at once.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    business: Mapped[Business | None] = relationship()
    assignments: Mapped[list[PendampingAssignment]] = relationship(
        back_populates="pendamping", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, email={self.email!r}, role={self.role.value!r})"


class PendampingAssignment(Base):
    """A pendamping (PPH mentor) follows this business."""

    __tablename__ = "pendamping_assignment"
    __table_args__ = (sa.UniqueConstraint("pendamping_id", "business_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pendamping_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    business_id: Mapped[int] = mapped_column(sa.ForeignKey("business.id"), index=True)
    assigned_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    pendamping: Mapped[User] = relationship(back_populates="assignments")
    business: Mapped[Business] = relationship()


class ApiToken(Base):
    """A bearer token: only its SHA-256 is kept, the token itself is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class Invitation(Base):
    """A one-time, expiring link that lets a business's producer set a password, or (naming `user_id`) an existing
    account set a new one after an admin's reset; only its hash is stored."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int | None] = mapped_column(sa.ForeignKey("business.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
