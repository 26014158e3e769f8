"""What a journal entry's leaf covers: the exact bytes hashed into the transparency log's Merkle tree.

Every stored field of an entry is in its bytes (who sees an entry depends on ``business_id``, who did it on
``actor_id``), so editing any of them changes the entry's leaf and, through the tree, every root signed after it.
The payload enters through its digest. Pure functions; storage is the service's job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from traceability import merkle

__all__ = ["ENTRY_FORMAT", "EntryFields", "canonical_json", "digest"]

#: The first element of every entry's bytes: a new layout would get a new name.
ENTRY_FORMAT = "halal-trace/journal-entry@1"


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
    """Every stored field of an entry (the payload by its digest)."""

    seq: int
    at: str
    actor: str
    actor_id: int | None
    business_id: int | None
    action: str
    subject: str
    payload_digest: str

    def encode(self) -> bytes:
        """The entry's bytes: a canonical JSON array, format name first.

        >>> EntryFields(1, "2025-01-01T00:00:00+00:00", "user:1", 1, None, "create", "supplier:1", "ab").encode()
        b'["halal-trace/journal-entry@1",1,"2025-01-01T00:00:00+00:00","user:1",1,null,"create","supplier:1","ab"]'
        """
        return canonical_json(
            [
                ENTRY_FORMAT,
                self.seq,
                self.at,
                self.actor,
                self.actor_id,
                self.business_id,
                self.action,
                self.subject,
                self.payload_digest,
            ]
        ).encode()

    def leaf(self) -> bytes:
        """The entry's leaf hash in the tree."""
        return merkle.leaf_hash(self.encode())
