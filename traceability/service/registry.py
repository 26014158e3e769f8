"""Importing the city's UMKM registry: every row checked, all or nothing unless told to skip bad rows,
idempotent on NIB (a second import updates), journaled per business, in chunks that keep memory flat."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Business, User, table_of
from traceability.errors import InvalidInputError, PermissionDeniedError
from traceability.formats.registry_csv import COLUMNS, parse_registry
from traceability.service import journal
from traceability.service.access import Actor
from traceability.service.bulk import insert_rows
from traceability.service.business_search import index_businesses, tokens_of
from traceability.service.unit_of_work import touch, writing
from traceability.vocabulary import BusinessScale, Role

__all__ = ["CHUNK", "ImportReport", "import_registry"]

CHUNK = 1000
_FIELDS = tuple(c for c in COLUMNS if c != "nib")
_TABLE = table_of(Business)


@dataclass
class ImportReport:
    """What DESIGN section 10 prints: {"imported": n, "updated": n, "invalid": [{"line": n, "error": "..."}]}."""

    imported: int = 0
    updated: int = 0
    invalid: list[dict[str, Any]] = field(default_factory=list)
    #: NIBs of rows left alone because a producer has claimed the business: its profile is theirs.
    claimed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"imported": self.imported, "updated": self.updated, "invalid": self.invalid, "claimed": self.claimed}


def _literal(values: list[Any]) -> sa.BindParameter[Any]:
    """A list rendered into the SQL text. A registry import runs the same chunk-sized statement many
    times while the table grows; PostgreSQL (through psycopg's prepared statements) would keep the
    generic plan made while the table was small, a sequential scan, and the import would turn
    quadratic. Values are checked NIBs and ids, so rendering them is safe."""
    return sa.bindparam("values", values, expanding=True, literal_execute=True)


def _payload(business_id: int, row: dict[str, Any]) -> dict[str, Any]:
    return {"id": business_id, **{k: row[k] for k in COLUMNS}}


def _write_chunk(session: Session, actor: Actor, rows: list[dict[str, Any]], report: ImportReport) -> None:
    existing = dict(
        session.execute(
            sa.select(Business.nib, Business.id).where(Business.nib.in_(_literal([r["nib"] for r in rows])))
        ).all()
    )
    new = [r for r in rows if r["nib"] not in existing]
    # A registry import updates only businesses nobody has claimed yet: once a producer signs in for a
    # business, its name, scale and the rest are theirs to change (and reassessed when they do).
    claimed = set(
        session.scalars(
            sa.select(User.business_id).where(
                User.role == Role.PRODUCER, User.business_id.in_(_literal(sorted(existing.values())))
            )
        )
    )
    report.claimed += [r["nib"] for r in rows if existing.get(r["nib"]) in claimed]
    old = [r for r in rows if r["nib"] in existing and existing[r["nib"]] not in claimed]
    changes: list[journal.Change] = []
    indexed: list[tuple[int, set[str]]] = []
    if new:
        now = dt.datetime.now(dt.UTC)
        insert_rows(
            session,
            _TABLE,
            [
                {
                    "nib": r["nib"],
                    **{k: r[k] for k in _FIELDS},
                    "scale": BusinessScale(r["scale"]),
                    "country": "ID",
                    "version": 1,
                    "created_at": now,
                }
                for r in new
            ],
        )
        ids = dict(
            session.execute(
                sa.select(Business.nib, Business.id).where(Business.nib.in_(_literal([r["nib"] for r in new])))
            ).all()
        )
        for row in new:
            business_id = ids[row["nib"]]
            changes.append(journal.Change("create", f"business:{business_id}", _payload(business_id, row), business_id))
            indexed.append((business_id, tokens_of(row)))
        index_businesses(session, indexed, fresh=True)
        report.imported += len(new)
    if old:
        session.execute(
            _TABLE.update()
            .where(_TABLE.c.id == sa.bindparam("b_id"))
            .values(**{k: sa.bindparam(f"b_{k}") for k in _FIELDS}, version=_TABLE.c.version + 1),
            [
                {"b_id": existing[r["nib"]], **{f"b_{k}": r[k] for k in _FIELDS}, "b_scale": BusinessScale(r["scale"])}
                for r in old
            ],
        )
        updated = [(existing[r["nib"]], r) for r in old]
        changes += [journal.Change("update", f"business:{i}", _payload(i, r), i) for i, r in updated]
        index_businesses(session, [(i, tokens_of(r)) for i, r in updated])
        touch(session, *(f"business:{i}" for i, _ in updated))  # a scale decides self-declare: reassess
        report.updated += len(old)
    journal.append_many(session, actor, changes)


def import_registry(
    session: Session,
    actor: Actor,
    text: str,
    *,
    skip_invalid: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Check every row of a registry file, then import it in one transaction.

    With bad rows and no `skip_invalid`, nothing is imported and the report names every bad row;
    with `skip_invalid`, the good rows are imported and the bad ones still reported.
    `progress` is called with (rows written by this chunk, rows to write) after each chunk.
    """
    if not actor.may_import_registry:
        raise PermissionDeniedError(f"A {actor.role} cannot import the registry.")
    if "\x00" in text:  # PostgreSQL cannot store it; a spreadsheet never writes it
        raise InvalidInputError(
            "The registry contains a NUL character; save it again as CSV UTF-8.",
            errors={"file": ["The file contains a NUL character."]},
        )
    parsed = parse_registry(text)
    report = ImportReport(invalid=parsed.invalid)
    if parsed.invalid and not skip_invalid:
        return report
    with writing(session):
        for start in range(0, len(parsed.rows), CHUNK):
            chunk = parsed.rows[start : start + CHUNK]
            _write_chunk(session, actor, chunk, report)
            if progress is not None:
                progress(len(chunk), len(parsed.rows))
    return report


def require_clean(report: ImportReport) -> None:
    """Refuse a report with bad rows, naming each by its line (for callers that answer with an error)."""
    if report.invalid:
        raise InvalidInputError(
            f"{len(report.invalid)} row(s) of the registry are invalid; nothing was imported.",
            errors={"rows": {str(item["line"]): [item["error"]] for item in report.invalid}},
        )
