"""The journal's hash chain: how an entry is hashed and how a chain is checked.

Each entry's hash covers its own fields and the previous entry's hash, so altering, inserting or
deleting any stored entry breaks every link after it. Pure functions; storage is the service's job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["GENESIS", "ChainReport", "EntryFields", "canonical_json", "digest", "entry_hash", "verify_chain"]

#: The "previous hash" of the first entry.
GENESIS = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot put {type(value).__name__} in the journal")


def canonical_json(value: Any) -> str:
    """Serialise `value` the same way every time: sorted keys, no spaces, UTF-8 kept.

    >>> canonical_json({"b": 1, "a": [True, None]})
    '{"a":[true,null],"b":1}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def digest(value: Any) -> str:
    """Return the SHA-256 hex digest of `value`'s canonical JSON."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class EntryFields:
    """What an entry's hash covers."""

    seq: int
    at: str
    actor: str
    action: str
    subject: str
    payload_digest: str
    prev_hash: str


def entry_hash(fields: EntryFields) -> str:
    """Return the hash of one entry, chained to its predecessor through ``prev_hash``."""
    return digest(
        [fields.seq, fields.at, fields.actor, fields.action, fields.subject, fields.payload_digest, fields.prev_hash]
    )


@dataclass(frozen=True, slots=True)
class ChainReport:
    """Outcome of checking a chain: ``first_broken`` is the sequence number of the first bad entry."""

    ok: bool
    entries: int
    first_broken: int | None = None
    reason: str | None = None


def verify_chain(entries: Iterable[tuple[EntryFields, str, Any]]) -> ChainReport:
    """Check entries given in order as ``(fields, stored_hash, payload)``.

    An entry is broken when its payload no longer matches its digest, its link does not name the
    previous entry's hash, or its stored hash is not the hash of its fields.

    >>> f = EntryFields(1, "2025-01-01T00:00:00+00:00", "user:1", "create", "supplier:1", digest({}), GENESIS)
    >>> verify_chain([(f, entry_hash(f), {})]).ok
    True
    >>> verify_chain([(f, entry_hash(f), {"x": 1})]).reason
    'payload does not match its digest'
    """
    previous, count, expected_seq = GENESIS, 0, None
    broken: tuple[int, str] | None = None
    for fields, stored, payload in entries:
        count += 1
        if broken:
            continue  # keep counting: the report gives the chain's full length
        reason = None
        if expected_seq is not None and fields.seq != expected_seq:
            reason = f"sequence jumps from {expected_seq - 1} to {fields.seq}"
        elif digest(payload) != fields.payload_digest:
            reason = "payload does not match its digest"
        elif fields.prev_hash != previous:
            reason = "link does not name the previous entry's hash"
        elif entry_hash(fields) != stored:
            reason = "stored hash does not match the entry"
        if reason:
            broken = (fields.seq, reason)
        previous, expected_seq = stored, fields.seq + 1
    if broken:
        return ChainReport(ok=False, entries=count, first_broken=broken[0], reason=broken[1])
    return ChainReport(ok=True, entries=count)
