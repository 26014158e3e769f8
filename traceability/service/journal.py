"""Appending to the journal inside the caller's transaction, and checking the stored chain."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import JournalEntry, JournalHead
from traceability.journal import ChainReport, EntryFields, digest, entry_hash, verify_chain
from traceability.service.access import Actor

__all__ = ["append", "list_entries", "verify"]


def append(
    session: Session, actor: Actor, action: str, subject: str, payload: Any, *, business_id: int | None = None
) -> JournalEntry:
    """Add an entry for a change the caller is about to commit.

    The head row is updated first, which takes its row lock on PostgreSQL (and the write lock on
    SQLite), so concurrent writers append one after another and the chain stays linear.
    """
    head = session.execute(
        sa.update(JournalHead)
        .where(JournalHead.id == 1)
        .values(last_seq=JournalHead.last_seq + 1)
        .returning(JournalHead.last_seq, JournalHead.last_hash)
    ).one_or_none()
    if head is None:
        raise RuntimeError("The journal has no head row: run `halal-trace db upgrade`.")
    seq, prev = head
    fields = EntryFields(
        seq=seq,
        at=dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        actor=actor.label,
        action=action,
        subject=subject,
        payload_digest=digest(payload),
        prev_hash=prev,
    )
    entry = JournalEntry(
        seq=seq, at=fields.at, actor=actor.label, actor_id=actor.user_id, business_id=business_id,
        action=action, subject=subject, payload=payload, payload_digest=fields.payload_digest,
        prev_hash=prev, hash=entry_hash(fields),
    )
    session.add(entry)
    session.execute(sa.update(JournalHead).where(JournalHead.id == 1).values(last_hash=entry.hash))
    return entry


def verify(session: Session, *, batch_size: int = 1000) -> ChainReport:
    """Walk the whole stored chain in order and report its first broken entry, if any."""
    rows = session.execute(sa.select(JournalEntry).order_by(JournalEntry.seq).execution_options(yield_per=batch_size))

    def entries() -> Any:
        for (entry,) in rows:
            fields = EntryFields(
                entry.seq, entry.at, entry.actor, entry.action, entry.subject, entry.payload_digest, entry.prev_hash
            )
            yield fields, entry.hash, entry.payload

    report = verify_chain(entries())
    head = session.get(JournalHead, 1)
    if report.ok and head is not None and head.last_seq != report.entries:
        # Entries deleted from the end leave a chain that verifies but is shorter than recorded.
        return ChainReport(ok=False, entries=report.entries, first_broken=report.entries + 1,
                           reason=f"the head records {head.last_seq} entries but {report.entries} remain")
    return report


def list_entries(
    session: Session, actor: Actor, *, subject: str | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[JournalEntry], int]:
    """Return one page of the entries about records the actor may see, newest first."""
    query = sa.select(JournalEntry)
    visible = actor.visible_businesses()
    if visible is not None:
        query = query.where(JournalEntry.business_id.in_(visible))
    elif actor.role is not None and actor.role.value != "admin":
        query = query.where(JournalEntry.business_id.is_not(None))  # account changes are the admin's
    if subject is not None:
        query = query.where(JournalEntry.subject == subject)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    items = session.scalars(query.order_by(JournalEntry.seq.desc()).limit(per_page).offset((page - 1) * per_page))
    return list(items), total
