"""The BPJPH certificate register, as imported snapshots: what the national register said on a date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow
from traceability.vocabulary import RegisterStatus


class RegisterSnapshot(Base):
    """One import of the register: its source and the date it was taken, who loaded it and how many entries."""

    __tablename__ = "register_snapshot"
    __table_args__ = (
        sa.UniqueConstraint("source", "snapshot_date"),
        sa.CheckConstraint("row_count >= 0", name="row_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(100))
    snapshot_date: Mapped[dt.date]
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    imported_by: Mapped[str] = mapped_column(sa.String(200))
    row_count: Mapped[int]


class RegisterEntry(Base):
    """One certificate as a snapshot lists it, keyed by its canonical number."""

    __tablename__ = "register_entry"
    __table_args__ = (
        sa.UniqueConstraint("snapshot_id", "number"),
        sa.CheckConstraint("valid_until IS NULL OR valid_until >= issued_on", name="valid_after_issue"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(sa.ForeignKey("register_snapshot.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(sa.String(100), index=True)
    holder_name: Mapped[str] = mapped_column(sa.String(300))
    holder_nib: Mapped[str | None] = mapped_column(sa.String(13))
    # The products or materials the certificate covers, as the register names them.
    scope: Mapped[list[Any]] = mapped_column(sa.JSON)
    issued_on: Mapped[dt.date]
    valid_until: Mapped[dt.date | None]
    status: Mapped[RegisterStatus]
