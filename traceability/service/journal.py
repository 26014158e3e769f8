"""Appending to the journal inside the caller's transaction, and checking the stored chain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import JournalEntry, JournalHead
from traceability.journal import ChainReport, EntryFields, digest, entry_hash, verify_chain
from traceability.service.access import Actor

__all__ = ["Change", "append", "append_many", "list_entries", "verify"]


@dataclass(frozen=True, slots=True)
class Change:
    """One change to journal: what was done to which record, and the record as written."""

    action: str
    subject: str
    payload: Any
    business_id: int | None = None


_RESERVE = (
    sa.update(JournalHead)
    .where(JournalHead.id == 1)
    .values(last_seq=JournalHead.last_seq + sa.bindparam("count", type_=sa.Integer))
    .returning(JournalHead.last_seq, JournalHead.last_hash)
)
_SET_HEAD_HASH = sa.update(JournalHead).where(JournalHead.id == 1).values(last_hash=sa.bindparam("last_hash"))


def append_many(session: Session, actor: Actor, changes: Sequence[Change]) -> list[JournalEntry]:
    """Add entries for changes the caller is about to commit, in order.

    The head row is updated first, reserving one sequence number per change; that takes its row
    lock on PostgreSQL (and the write lock on SQLite), so concurrent writers append one after
    another and the chain stays linear. Whatever the number of changes, the head costs two statements.
    """
    if not changes:
        return []
    head = session.execute(_RESERVE, {"count": len(changes)}).one_or_none()
    if head is None:
        raise RuntimeError("The journal has no head row: run `halal-trace db upgrade`.")
    last_seq, prev = head
    at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    entries = []
    for seq, change in enumerate(changes, start=last_seq - len(changes) + 1):
        fields = EntryFields(
            seq=seq,
            at=at,
            actor=actor.label,
            action=change.action,
            subject=change.subject,
            payload_digest=digest(change.payload),
            prev_hash=prev,
        )
        prev = entry_hash(fields)
        entries.append(
            JournalEntry(
                seq=seq,
                at=at,
                actor=actor.label,
                actor_id=actor.user_id,
                business_id=change.business_id,
                action=change.action,
                subject=change.subject,
                payload=change.payload,
                payload_digest=fields.payload_digest,
                prev_hash=fields.prev_hash,
                hash=prev,
            )
        )
    session.add_all(entries)
    session.execute(_SET_HEAD_HASH, {"last_hash": prev})
    return entries


def append(
    session: Session, actor: Actor, action: str, subject: str, payload: Any, *, business_id: int | None = None
) -> JournalEntry:
    """Add one entry for a change the caller is about to commit."""
    return append_many(session, actor, [Change(action, subject, payload, business_id)])[0]


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
        return ChainReport(
            ok=False,
            entries=report.entries,
            first_broken=report.entries + 1,
            reason=f"the head records {head.last_seq} entries but {report.entries} remain",
        )
    return report


def list_entries(
    session: Session, actor: Actor, *, subject: str | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[JournalEntry], int]:
    """Return one page of the entries about records the actor may see, newest first."""
    query = sa.select(JournalEntry)
    visible = actor.visible_businesses()
    if visible is not None:
        query = query.where(JournalEntry.business_id.in_(visible))
    elif not actor.may_read_whole_journal:
        query = query.where(JournalEntry.business_id.is_not(None))  # account changes are the admin's
    if subject is not None:
        query = query.where(JournalEntry.subject == subject)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    items = session.scalars(query.order_by(JournalEntry.seq.desc()).limit(per_page).offset((page - 1) * per_page))
    return list(items), total
