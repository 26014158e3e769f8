"""The journal as a transparency log: appending inside the caller's transaction, sealing entries into the Merkle
tree under signed checkpoints, proofs, and checking the stored log against its own and anyone's saved checkpoints.

Writers only insert: an entry's sequence number comes from the database, so writers of different businesses never
wait on a shared row. The sealer gives committed entries their place in the tree (in sequence order, late commits
after), stores the perfect subtrees they complete and signs a checkpoint of the new size.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Session

from models import JournalCheckpoint, JournalEntry, JournalNode, table_of
from traceability import checkpoints, merkle
from traceability.errors import InvalidInputError, NotFoundError
from traceability.journal import EntryFields, digest
from traceability.service import unit_of_work
from traceability.service.access import Actor
from traceability.service.bulk import insert_rows

__all__ = [
    "Change",
    "CheckpointCheck",
    "Generation",
    "LogKeys",
    "LogReport",
    "Proof",
    "ProofMemo",
    "append",
    "append_many",
    "check_recent",
    "consistency",
    "entries_with_proofs",
    "generation_columns",
    "history",
    "inclusion",
    "list_entries",
    "newest_checkpoint",
    "recent_checkpoints",
    "seal",
    "tree_size",
    "unsealed_count",
    "verify",
]

_T = TypeVar("_T")

#: Entries the sealer hashes per round trip (it seals them all, in one transaction).
SEAL_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class Change:
    """One change to journal: what was done to which record, and the record as written."""

    action: str
    subject: str
    payload: Any
    business_id: int | None = None


@dataclass(frozen=True, slots=True)
class LogKeys:
    """The log's name (checkpoint origin and note key name), the key that signs and every key that may have."""

    origin: str
    signing: Ed25519PrivateKey | None
    public: tuple[Ed25519PublicKey, ...]


def append_many(session: Session, actor: Actor, changes: Sequence[Change]) -> None:
    """Add entries for changes the caller is about to commit, in order.

    Plain inserts, streamed in one go (no object per entry: issuing a thousand codes journals a thousand entries,
    a registry import one per business): the database numbers them, no row is locked for anyone else, and the
    sealer puts them in the tree.
    """
    if not changes:
        return
    at = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    rows = [
        {
            "at": at,
            "actor": actor.label,
            "actor_id": actor.user_id,
            "business_id": change.business_id,
            "action": change.action,
            "subject": change.subject,
            "payload": change.payload,
            "payload_digest": digest(change.payload),
        }
        for change in changes
    ]
    insert_rows(session, table_of(JournalEntry), rows)


def append(
    session: Session, actor: Actor, action: str, subject: str, payload: Any, *, business_id: int | None = None
) -> None:
    """Add one entry for a change the caller is about to commit."""
    append_many(session, actor, [Change(action, subject, payload, business_id)])


def fields_of(entry: JournalEntry) -> EntryFields:
    """What an entry's leaf covers, read from its stored row."""
    return EntryFields(
        entry.seq,
        entry.at,
        entry.actor,
        entry.actor_id,
        entry.business_id,
        entry.action,
        entry.subject,
        entry.payload_digest,
    )


# --- the stored tree ---------------------------------------------------------------------------------------------


def tree_size(session: Session) -> int:
    """How many entries the tree holds (the sealed ones)."""
    last = session.scalar(sa.select(sa.func.max(JournalNode.idx)).where(JournalNode.level == 0))
    return 0 if last is None else int(last) + 1


def _fetch(session: Session | sa.Connection, positions: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    wanted = sorted(set(positions))
    found: dict[tuple[int, int], bytes] = {}
    for start in range(0, len(wanted), _NODES_PER_QUERY):
        chunk = wanted[start : start + _NODES_PER_QUERY]
        values = {}
        for k, (level, index) in enumerate(chunk):
            values[f"l{k}"], values[f"i{k}"] = level, index
        rows = session.execute(_nodes_query(len(chunk)), values)
        found.update({(level, int(idx)): bytes.fromhex(h) for level, idx, h in rows})
    missing = [p for p in wanted if p not in found]
    if missing:
        raise LookupError(f"The stored tree lacks node {missing[0]}.")
    return found


_NODES_PER_QUERY = 200


@functools.cache
def _nodes_query(count: int) -> sa.Select[int, int, str]:
    # "(level = ? AND idx = ?) OR ...": each a search of the primary key, and one cached statement per count.
    # SQLite scans the whole table for a row-value IN ("(level, idx) IN ((?, ?), ...)"): a proof cost the tree.
    return sa.select(JournalNode.level, JournalNode.idx, JournalNode.hash).where(
        sa.or_(
            *(
                sa.and_(JournalNode.level == sa.bindparam(f"l{k}"), JournalNode.idx == sa.bindparam(f"i{k}"))
                for k in range(count)
            )
        )
    )


def _over_stored_nodes(session: Session | sa.Connection, compute: Callable[[merkle.NodeSource], _T]) -> _T:
    """Run `compute` over the stored tree with one query: a dry run names the nodes it reads, then the real one."""
    wanted: list[tuple[int, int]] = []

    def record(level: int, index: int) -> bytes:
        wanted.append((level, index))
        return bytes(32)

    compute(record)
    nodes = _fetch(session, wanted)
    return compute(lambda level, index: nodes[level, index])


def _root(session: Session, size: int) -> bytes:
    return _over_stored_nodes(session, lambda node: merkle.range_hash(node, 0, size))


def seal(session: Session, keys: LogKeys) -> tuple[int, bytes, bool]:
    """Put every committed, unsealed entry in the tree and sign a checkpoint of the new size.

    Returns ``(size, root, new)``, ``new`` telling whether a checkpoint was signed. Idempotent: with nothing new
    (and a checkpoint of the current size already kept) it changes nothing. Sealers exclude each other (an advisory
    lock on PostgreSQL, the write lock on SQLite); writers are never blocked by it.
    """
    if keys.signing is None:
        raise RuntimeError("Sealing needs the log's signing key.")
    with unit_of_work.writing(session):
        if session.get_bind().dialect.name == "postgresql":
            session.execute(sa.text("SELECT pg_advisory_xact_lock(9162)"))
        size = tree_size(session)
        positions = merkle.CompactRange.positions(size)
        nodes = _fetch(session, positions)
        edge = merkle.CompactRange(size, [nodes[p] for p in positions])
        pending = list(
            session.scalars(sa.select(JournalEntry.seq).where(JournalEntry.leaf_index.is_(None)).order_by("seq"))
        )
        for start in range(0, len(pending), SEAL_CHUNK):
            chunk = pending[start : start + SEAL_CHUNK]
            entries = session.scalars(sa.select(JournalEntry).where(JournalEntry.seq.in_(chunk)).order_by("seq"))
            placed: list[dict[str, int]] = []
            completed: list[dict[str, Any]] = []
            for entry in entries:
                placed.append({"seq": entry.seq, "leaf_index": edge.size})
                completed.extend(
                    {"level": level, "idx": index, "hash": h.hex()}
                    for level, index, h in edge.append(fields_of(entry).leaf())
                )
            session.execute(sa.insert(JournalNode), completed)
            session.execute(sa.update(JournalEntry), placed)
        root = edge.root()
        new = session.get(JournalCheckpoint, edge.size) is None
        if new:
            checkpoint = checkpoints.Checkpoint(keys.origin, edge.size, root)
            note = checkpoints.sign(checkpoint, keys.origin, keys.signing)
            session.add(JournalCheckpoint(size=edge.size, root=root.hex(), note=note))
    return edge.size, root, new


def newest_checkpoint(session: Session) -> JournalCheckpoint | None:
    """The checkpoint of the largest size, if any was signed."""
    return session.scalar(sa.select(JournalCheckpoint).order_by(JournalCheckpoint.size.desc()).limit(1))


def history(session: Session, *, after: int = 0, limit: int = 100) -> list[JournalCheckpoint]:
    """Kept checkpoints above size `after`, oldest first: what a witness fetches to cosign."""
    query = sa.select(JournalCheckpoint).where(JournalCheckpoint.size > after)
    return list(session.scalars(query.order_by(JournalCheckpoint.size).limit(limit)))


def recent_checkpoints(session: Session, *, limit: int = 100) -> tuple[list[JournalCheckpoint], int]:
    """The newest kept checkpoints, newest first, and how many are kept in all (the admin's list)."""
    query = sa.select(JournalCheckpoint).order_by(JournalCheckpoint.size.desc()).limit(limit)
    total = session.scalar(sa.select(sa.func.count()).select_from(JournalCheckpoint)) or 0
    return list(session.scalars(query)), total


def unsealed_count(session: Session) -> int:
    """Entries committed but not yet in the tree: what the next seal would add."""
    query = sa.select(sa.func.count()).select_from(JournalEntry).where(JournalEntry.leaf_index.is_(None))
    return session.scalar(query) or 0


def _size_param(value: int, field_name: str, size: int) -> None:
    if not 0 <= value <= size:
        raise InvalidInputError(
            f"{field_name} must be between 0 and the tree size {size}.", errors={field_name: ["Out of range."]}
        )


def inclusion(session: Session, *, seq: int, size: int | None = None) -> dict[str, Any]:
    """The inclusion proof of entry `seq` in the tree of `size` (the newest checkpoint's by default)."""
    current = _checkpointed_size(session)
    size = current if size is None else size
    _size_param(size, "size", current)
    entry = session.get(JournalEntry, seq)
    if entry is None or entry.leaf_index is None or entry.leaf_index >= size:
        raise NotFoundError(f"No entry {seq} in the tree of size {size}.")
    index = entry.leaf_index

    def compute(node: merkle.NodeSource) -> tuple[bytes, bytes, list[bytes]]:
        return node(0, index), merkle.range_hash(node, 0, size), merkle.inclusion_proof(node, index, size)

    leaf, root, path = _over_stored_nodes(session, compute)
    return {
        "seq": seq,
        "index": index,
        "size": size,
        "root": root.hex(),
        "leaf_hash": leaf.hex(),
        "hashes": [h.hex() for h in path],
    }


def consistency(session: Session, *, first: int, second: int | None = None) -> dict[str, Any]:
    """The consistency proof from the tree of `first` to that of `second` (the newest checkpoint's by default)."""
    current = _checkpointed_size(session)
    second = current if second is None else second
    _size_param(second, "to", current)
    _size_param(first, "from", second)

    def compute(node: merkle.NodeSource) -> tuple[bytes, bytes, list[bytes]]:
        return (
            merkle.range_hash(node, 0, first),
            merkle.range_hash(node, 0, second),
            merkle.consistency_proof(node, first, second),
        )

    first_root, root, proof = _over_stored_nodes(session, compute)
    return {
        "from": first,
        "size": second,
        "from_root": first_root.hex(),
        "root": root.hex(),
        "hashes": [h.hex() for h in proof],
    }


#: An entry's inclusion proof as shown: its leaf hash and the proof's hashes, in hex.
Proof = tuple[str, tuple[str, ...]]


class ProofMemo(Protocol):
    """Proofs kept by (the checkpoint's root, leaf index): :class:`api.kept.Kept` is one."""

    def get(self, key: tuple[str, int], /) -> Proof | None: ...

    def put(self, key: tuple[str, int], value: Proof, /) -> None: ...


def entries_with_proofs(
    reader: Session | sa.Connection,
    subjects: Sequence[str],
    *,
    generation: Generation | None = None,
    proofs: ProofMemo | None = None,
    limit: int = 20,
) -> dict[str, Any]:
    """The newest entries about `subjects`, each sealed one with its inclusion proof in the newest checkpoint's tree
    (what a code's verify JSON shows, so a marketplace can check them against a checkpoint it saved).

    Given the `generation` its caller read (:func:`generation_columns`), the section is of that checkpoint, with no
    read of its own for it: two Core statements in all (the entries, then the nodes of their proofs), on a plain
    connection as well as a session. A proof is a function of the leaf and the tree, which its root names: with a
    `proofs` memo, the entries of a batch that all its codes show are proven once per checkpoint (and a database
    restored or replaced under the memo names other trees by other roots)."""
    if generation is None:
        row = reader.execute(_NEWEST_CHECKPOINT.limit(1)).one_or_none()
        generation = Generation(0, None, 0) if row is None else Generation(row.size, row.root, 0)
    size, root = generation.size, generation.root or merkle.EMPTY_ROOT.hex()
    rows = reader.execute(_entries_query(), {"subjects": sorted(set(subjects)), "limit": limit}).all()
    proven: dict[int, Proof] = {}
    unknown = []
    for *_, index in rows:
        if index is not None and index < size:
            found = proofs.get((root, index)) if proofs is not None else None
            if found is None:
                unknown.append(index)
            else:
                proven[index] = found

    def compute(node: merkle.NodeSource) -> dict[int, Proof]:
        return {i: (node(0, i).hex(), tuple(h.hex() for h in merkle.inclusion_proof(node, i, size))) for i in unknown}

    if unknown:
        for index, proof in _over_stored_nodes(reader, compute).items():
            proven[index] = proof
            if proofs is not None:
                proofs.put((root, index), proof)
    entries = []
    for seq, at, action, subject, index in rows:
        item: dict[str, Any] = {"seq": seq, "at": at, "action": action, "subject": subject}
        shown = proven.get(index) if index is not None else None
        if shown is None:
            item.update(index=None, leaf_hash=None, hashes=None)  # not yet sealed under a checkpoint
        else:
            item.update(index=index, leaf_hash=shown[0], hashes=list(shown[1]))
        entries.append(item)
    return {"size": size, "root": root, "entries": entries}


_NEWEST_CHECKPOINT = sa.select(JournalCheckpoint.size, JournalCheckpoint.root).order_by(JournalCheckpoint.size.desc())


@functools.cache
def _entries_query() -> sa.Select[int, str, str, str, int | None]:
    return (
        sa.select(JournalEntry.seq, JournalEntry.at, JournalEntry.action, JournalEntry.subject, JournalEntry.leaf_index)
        .where(JournalEntry.subject.in_(sa.bindparam("subjects", expanding=True)))
        .order_by(JournalEntry.seq.desc())
        .limit(sa.bindparam("limit"))
    )


@dataclass(frozen=True, slots=True)
class Generation:
    """What :func:`entries_with_proofs` for some subjects depends on: the newest checkpoint (its size and root) and
    the newest entry about them. Equal generations give equal sections."""

    size: int
    root: str | None
    newest: int

    @property
    def text(self) -> str:
        """The generation as a validator's part (a checkpoint's root follows from its size)."""
        return f"{self.size}.{self.newest}"


def generation_columns(
    subjects: Sequence[sa.ColumnElement[str]],
) -> tuple[sa.ScalarSelect[Any], sa.ScalarSelect[Any], sa.ScalarSelect[Any]]:
    """A :class:`Generation` for `subjects` (SQL expressions) as three scalar subqueries (the newest checkpoint's
    size and root, the newest entry about them), so a caller reads it beside its own row (the verify JSON: beside
    the stored answer, as its validator) and makes it with ``Generation(*columns)``."""
    size = _NEWEST_CHECKPOINT.with_only_columns(JournalCheckpoint.size).limit(1).scalar_subquery()
    root = _NEWEST_CHECKPOINT.with_only_columns(JournalCheckpoint.root).limit(1).scalar_subquery()
    newest = sa.select(sa.func.max(JournalEntry.seq)).where(JournalEntry.subject.in_(subjects)).scalar_subquery()
    return size, root, newest


def _checkpointed_size(session: Session) -> int:
    newest = newest_checkpoint(session)
    return 0 if newest is None else newest.size


# --- checking the stored log -------------------------------------------------------------------------------------


@dataclass(slots=True)
class CheckpointCheck:
    """One checkpoint checked against the stored log: where it came from, what it claims, what we found."""

    source: str
    size: int | None = None
    root: str | None = None
    ok: bool = True
    reason: str | None = None
    cosigned_by: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "size": self.size,
            "root": self.root,
            "ok": self.ok,
            "reason": self.reason,
            "cosigned_by": self.cosigned_by,
        }


@dataclass(slots=True)
class LogReport:
    """Outcome of checking the log. ``first_broken`` is the sequence number of the first bad entry;
    ``first_inconsistent`` the source of the first checkpoint the log no longer matches."""

    ok: bool = True
    entries: int = 0
    size: int = 0
    root: str = merkle.EMPTY_ROOT.hex()
    pending: int = 0
    first_broken: int | None = None
    reason: str | None = None
    checkpoints: list[CheckpointCheck] = field(default_factory=list)
    first_inconsistent: str | None = None

    def broken(self, seq: int | None, reason: str) -> None:
        if self.ok or (self.first_broken is None and self.reason is None):
            self.ok, self.first_broken, self.reason = False, seq, reason

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "size": self.size,
            "root": self.root,
            "pending": self.pending,
            "first_broken": self.first_broken,
            "reason": self.reason,
            "first_inconsistent": self.first_inconsistent,
            "checkpoints": [c.as_json() for c in self.checkpoints],
        }


def _parse_given(
    source: str, text: str, keys: LogKeys, witnesses: dict[str, Ed25519PublicKey]
) -> tuple[CheckpointCheck, checkpoints.Checkpoint | None]:
    check = CheckpointCheck(source)
    try:
        note = checkpoints.verify(text, keys.origin, keys.public)
        check.cosigned_by = checkpoints.verify_cosignatures(note, witnesses)
    except checkpoints.NoteError as exc:
        check.ok, check.reason = False, str(exc)
        return check, None
    point = note.checkpoint
    check.size, check.root = point.size, point.root.hex()
    if point.origin != keys.origin:
        check.ok, check.reason = False, f"The checkpoint is of another log ({point.origin})."
        return check, None
    return check, point


def _walk(session: Session, report: LogReport, edge: merkle.CompactRange, wanted: set[int]) -> dict[int, bytes]:
    """Recompute the leaves of sealed entries from `edge.size` on, check them against the stored ones, and return
    the roots at the sizes in `wanted` (computed from the entries, never from stored hashes)."""
    roots: dict[int, bytes] = {}
    if edge.size in wanted:
        roots[edge.size] = edge.root()
    entries = session.scalars(
        sa.select(JournalEntry)
        .where(JournalEntry.leaf_index >= edge.size)
        .order_by(JournalEntry.leaf_index)
        .execution_options(yield_per=1000)
    )
    leaves = session.execute(
        sa.select(JournalNode.idx, JournalNode.hash)
        .where(JournalNode.level == 0, JournalNode.idx >= edge.size)
        .order_by(JournalNode.idx)
        .execution_options(yield_per=1000)
    )
    entry_rows, leaf_rows = iter(entries), iter(leaves)
    try:
        for entry in entry_rows:
            report.entries += 1
            index = entry.leaf_index
            if index != edge.size:
                report.broken(entry.seq, f"leaf {edge.size} of the tree has no entry")
                break
            if digest(entry.payload) != entry.payload_digest:
                report.broken(entry.seq, "payload does not match its digest")
            leaf = fields_of(entry).leaf()
            stored = next(leaf_rows, None)
            if stored is None or (int(stored[0]), stored[1]) != (index, leaf.hex()):
                report.broken(entry.seq, "the entry does not match its leaf in the tree")
            edge.append(leaf)
            if edge.size in wanted:
                roots[edge.size] = edge.root()
        report.entries += sum(1 for _ in entry_rows)  # the rest, counted for the report after a break
        leftover = next(leaf_rows, None)
    finally:
        entries.close()
        leaves.close()
    if report.ok and leftover is not None:
        last = session.scalar(sa.select(sa.func.max(JournalEntry.seq)))
        report.broken((last or 0) + 1, f"the tree holds leaf {leftover[0]} but its entry is gone")
    return roots


def _check_pending(session: Session, report: LogReport) -> None:
    query = sa.select(JournalEntry).where(JournalEntry.leaf_index.is_(None)).order_by(JournalEntry.seq)
    for entry in session.scalars(query.execution_options(yield_per=1000)):
        report.entries += 1
        report.pending += 1
        if digest(entry.payload) != entry.payload_digest:
            report.broken(entry.seq, "payload does not match its digest")


def _check_checkpoints(
    report: LogReport,
    stored: Sequence[JournalCheckpoint],
    given: Sequence[tuple[CheckpointCheck, checkpoints.Checkpoint | None]],
    roots: dict[int, bytes],
    keys: LogKeys,
) -> None:
    for row in stored:
        check = CheckpointCheck(f"stored:{row.size}", row.size, row.root)
        try:
            point = checkpoints.verify(row.note, keys.origin, keys.public).checkpoint
            if (point.size, point.root.hex()) != (row.size, row.root):
                raise checkpoints.NoteError("The stored checkpoint's note says otherwise than its row.")
        except checkpoints.NoteError as exc:
            check.ok, check.reason = False, str(exc)
        else:
            _against(check, point, roots, report.size)
        if not check.ok:
            report.checkpoints.append(check)
    for check, claimed in given:
        if claimed is not None:
            _against(check, claimed, roots, report.size)
        report.checkpoints.append(check)
    for check in report.checkpoints:
        if not check.ok:
            report.first_inconsistent = report.first_inconsistent or check.source
            if report.ok:
                report.ok, report.reason = False, f"checkpoint {check.source}: {check.reason}"


def _against(check: CheckpointCheck, point: checkpoints.Checkpoint, roots: dict[int, bytes], size: int) -> None:
    if point.size > size:
        check.ok, check.reason = False, f"it records {point.size} entries but the log holds {size}"
    elif roots.get(point.size) != point.root:
        check.ok, check.reason = False, f"the log's first {point.size} entries no longer give its root"


def _inputs(
    keys: LogKeys, given: Sequence[tuple[str, str]], witnesses: dict[str, Ed25519PublicKey] | None
) -> list[tuple[CheckpointCheck, checkpoints.Checkpoint | None]]:
    return [_parse_given(source, text, keys, witnesses or {}) for source, text in given]


def verify(
    session: Session,
    keys: LogKeys,
    given: Sequence[tuple[str, str]] = (),
    *,
    witnesses: dict[str, Ed25519PublicKey] | None = None,
) -> LogReport:
    """Check the whole log: every entry against its leaf, the tree's roots (recomputed from the entries) against
    every kept checkpoint and every `given` one ``(source, note text)``, and unsealed entries against their digests.

    A rewrite of history, even one that recomputed every hash and re-signed, is caught by any older checkpoint
    kept outside the database.
    """
    report = LogReport()
    parsed = _inputs(keys, given, witnesses)
    stored = list(session.scalars(sa.select(JournalCheckpoint).order_by(JournalCheckpoint.size)))
    wanted = {row.size for row in stored} | {p.size for _, p in parsed if p is not None}
    edge = merkle.CompactRange()
    roots = _walk(session, report, edge, wanted)
    report.size, report.root = edge.size, edge.root().hex()
    _check_pending(session, report)
    _check_checkpoints(report, stored, parsed, roots, keys)
    return report


def check_recent(
    session: Session, keys: LogKeys, trusted: tuple[int, bytes] | None
) -> tuple[LogReport, tuple[int, bytes] | None]:
    """What page views show: the log checked from the last checkpoint already verified (`trusted`, as
    ``(size, root)``), not from entry 1. Returns the report and the checkpoint to trust next time.

    The stored right edge of the trusted tree must give its root; the entries sealed since must extend it to the
    newest checkpoint's (signed) root; unsealed entries must match their digests. A full :func:`verify` (the CLI)
    still reads everything.
    """
    if trusted is not None:
        report, nxt = _check_from(session, keys, trusted)
        if report.ok:
            return report, nxt
    # Nothing verified yet in this process, or the trusted tree is gone (another database): read everything.
    report = verify(session, keys)
    newest = newest_checkpoint(session)
    good = report.ok and newest is not None
    return report, (newest.size, bytes.fromhex(newest.root)) if good and newest is not None else None


def _check_from(
    session: Session, keys: LogKeys, trusted: tuple[int, bytes]
) -> tuple[LogReport, tuple[int, bytes] | None]:
    report = LogReport()
    size, root = trusted
    positions = merkle.CompactRange.positions(size)
    try:
        nodes = _fetch(session, positions)
        edge: merkle.CompactRange | None = merkle.CompactRange(size, [nodes[p] for p in positions])
    except LookupError:
        edge = None
    if edge is None or edge.root() != root:
        report.broken(None, f"the tree no longer has the root of its verified size {size}")
        return report, None
    newest = newest_checkpoint(session)
    roots = _walk(session, report, edge, {newest.size} if newest else set())
    report.entries += size
    report.size, report.root = edge.size, edge.root().hex()
    _check_pending(session, report)
    _check_checkpoints(report, [newest] if newest else [], [], roots, keys)
    if not report.ok or newest is None:
        return report, trusted if report.ok else None
    return report, (newest.size, bytes.fromhex(newest.root))


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
