"""The append-only journal and the request keys that make writes idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class JournalEntry(Base):
    """One change: who, when, what. Its sequence number comes from the database, so writers never wait on a row;
    ``leaf_index`` is its place in the Merkle tree, given by the sealer (None until sealed)."""

    __tablename__ = "journal_entry"

    seq: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[str] = mapped_column(sa.String(40))  # ISO-8601 text exactly as hashed
    actor: Mapped[str] = mapped_column(sa.String(100))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    business_id: Mapped[int | None] = mapped_column(sa.ForeignKey("business.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60))
    subject: Mapped[str] = mapped_column(sa.String(100), index=True)
    payload: Mapped[Any] = mapped_column(sa.JSON)
    payload_digest: Mapped[str] = mapped_column(sa.String(64))
    leaf_index: Mapped[int | None] = mapped_column(unique=True)


class JournalNode(Base):
    """A perfect subtree of the journal's tree: the root of leaves [index * 2**level, (index + 1) * 2**level).

    Written once, when the sealer completes it; level 0 holds the leaf hashes.
    """

    __tablename__ = "journal_node"
    __table_args__ = (sa.CheckConstraint("level >= 0 AND idx >= 0", name="position_not_negative"),)

    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(sa.String(64))


class JournalCheckpoint(Base):
    """A signed checkpoint (C2SP signed note) of the tree at one size, kept for history."""

    __tablename__ = "journal_checkpoint"

    size: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[str] = mapped_column(sa.String(64))
    note: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IdempotencyRecord(Base):
    """A write already answered under an ``Idempotency-Key``, so a retry replays its answer."""

    __tablename__ = "idempotency_record"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(255))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(sa.Text)
    response_headers: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
