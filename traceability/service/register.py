"""The BPJPH certificate register: importing snapshots, and reconciling every recorded certificate with it.

A snapshot is stored whole or not at all: every row is checked first, and a file with any bad row stores nothing.
Entries go in with bulk Core inserts (one executemany per chunk), because a national export runs to hundreds of
thousands of rows. The register's word on a number is its entry in the newest snapshot (by snapshot date, then by
import) that lists it, so a partial export (one province, one month) never erases what an earlier one said.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import (
    Business,
    Certificate,
    CertificateScope,
    Material,
    Product,
    RegisterEntry,
    RegisterSnapshot,
    Supplier,
    table_of,
)
from traceability.errors import ConflictError, InvalidInputError, PermissionDeniedError
from traceability.formats.bpjph_register import canonical_number, parse_register
from traceability.reconciliation import Claim, Entry, Reconciliation, reconcile
from traceability.service import journal
from traceability.service.access import Actor
from traceability.service.unit_of_work import writing
from traceability.vocabulary import CertificateScheme

__all__ = [
    "CHUNK",
    "DEFAULT_SOURCE",
    "SnapshotReport",
    "import_snapshot",
    "reconcile_certificates",
    "register_entries",
]

CHUNK = 5000
DEFAULT_SOURCE = "BPJPH"
IMPORT_ACTION = "register.import"
_ENTRIES = table_of(RegisterEntry)


@dataclass
class SnapshotReport:
    """What DESIGN section 10 prints ({"records", "confirmed", "mismatched", "unknown"}), plus the snapshot
    stored and the rows refused."""

    records: int = 0
    confirmed: int = 0
    mismatched: list[dict[str, Any]] = field(default_factory=list)
    unknown: list[dict[str, Any]] = field(default_factory=list)
    invalid: list[dict[str, Any]] = field(default_factory=list)
    snapshot: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "confirmed": self.confirmed,
            "mismatched": self.mismatched,
            "unknown": self.unknown,
            "invalid": self.invalid,
            "snapshot": self.snapshot,
        }


def _literal(values: list[Any]) -> sa.BindParameter[Any]:
    # Chunk-sized lists of checked numbers rendered into the SQL (see registry._literal for why).
    return sa.bindparam("values", values, expanding=True, literal_execute=True)


def register_entries(session: Session, numbers: Iterable[str]) -> dict[str, Entry]:
    """The register's newest word on each canonical number (numbers it does not list are absent)."""
    wanted = sorted(set(numbers))
    found: dict[str, Entry] = {}
    for start in range(0, len(wanted), 1000):
        rows = session.execute(
            sa.select(RegisterEntry)
            .join(RegisterSnapshot)
            .where(RegisterEntry.number.in_(_literal(wanted[start : start + 1000])))
            .order_by(RegisterSnapshot.snapshot_date, RegisterSnapshot.id)
        ).scalars()
        for row in rows:  # oldest first: the newest snapshot's entry is the one left standing
            found[row.number] = Entry(
                row.number,
                row.holder_name,
                row.holder_nib,
                tuple(row.scope or ()),
                row.issued_on,
                row.valid_until,
                row.status,
            )
    return found


def _claims(session: Session, certificates: list[Certificate]) -> dict[int, Claim]:
    """What each certificate record claims: its canonical number, its holder and the names of what it covers."""
    holders = {
        s.id: s
        for s in session.scalars(
            sa.select(Supplier).where(
                Supplier.id.in_({c.holder_supplier_id for c in certificates if c.holder_supplier_id is not None})
            )
        )
    }
    owners = {
        b.id: b
        for b in session.scalars(sa.select(Business).where(Business.id.in_({c.business_id for c in certificates})))
    }
    covers: dict[int, list[str]] = {c.id: [] for c in certificates}
    scope_rows = session.execute(
        sa.select(CertificateScope.certificate_id, Material.name, Product.name)
        .outerjoin(Material, Material.id == CertificateScope.material_id)
        .outerjoin(Product, Product.id == CertificateScope.product_id)
        .where(CertificateScope.certificate_id.in_(list(covers)))
        .order_by(CertificateScope.certificate_id, CertificateScope.position)
    )
    for cert_id, material, product in scope_rows:
        covers[cert_id].append(material or product)
    claims: dict[int, Claim] = {}
    for cert in certificates:
        holder = holders.get(cert.holder_supplier_id) if cert.holder_supplier_id is not None else None
        name, nib = (
            (holder.name, holder.nib) if holder else (owners[cert.business_id].name, owners[cert.business_id].nib)
        )
        claims[cert.id] = Claim(canonical_number(cert.number), name, nib, tuple(covers[cert.id]))
    return claims


def _registered_certificates(session: Session, issuers: Iterable[str]) -> list[Certificate]:
    """Every recorded certificate the BPJPH register speaks for: BPJPH-issued, not foreign."""
    return list(
        session.scalars(
            sa.select(Certificate)
            .where(
                sa.func.upper(Certificate.issuer).in_([i.upper() for i in issuers]),
                Certificate.scheme != CertificateScheme.FOREIGN,
            )
            .order_by(Certificate.id)
        )
    )


def reconcile_certificates(
    session: Session, as_of: dt.date, issuers: Iterable[str] = (DEFAULT_SOURCE,)
) -> dict[int, tuple[Certificate, Reconciliation]]:
    """Reconcile every recorded BPJPH certificate with the register as it now stands."""
    certificates = _registered_certificates(session, issuers)
    claims = _claims(session, certificates)
    entries = register_entries(session, (c.number for c in claims.values()))
    return {
        cert.id: (cert, reconcile(claims[cert.id], entries.get(claims[cert.id].number), as_of)) for cert in certificates
    }


def _summary(cert: Certificate, result: Reconciliation) -> dict[str, Any]:
    return {
        "certificate": cert.id,
        "business": cert.business_id,
        "number": cert.number,
        "outcome": result.outcome.value,
        "mismatches": list(result.mismatches),
    }


def import_snapshot(
    session: Session,
    actor: Actor,
    text: str,
    *,
    source: str | None = None,
    snapshot_date: dt.date | None = None,
    filename: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> SnapshotReport:
    """Check a register file, store it as one snapshot and reconcile every recorded certificate with it.

    With any bad row nothing is stored and the report lists every one (``invalid``). The source defaults to what a
    JSON file names, then to BPJPH; the snapshot date to what the file names, then to today. A second snapshot of
    the same source and date is refused. `progress` is called with (entries written by this chunk, entries to write).
    """
    if not actor.may_manage_reference:
        raise PermissionDeniedError(f"A {actor.role} cannot import the certificate register.")
    if "\x00" in text:
        raise InvalidInputError(
            "The register contains a NUL character; export it again as UTF-8 text.",
            errors={"file": ["The file contains a NUL character."]},
        )
    parsed = parse_register(text, filename=filename)
    report = SnapshotReport(invalid=parsed.invalid)
    if parsed.invalid:
        return report
    name = (source or parsed.source or DEFAULT_SOURCE).strip()
    if not name or len(name) > 100:
        raise InvalidInputError(
            "Name the register's source in at most 100 characters.", errors={"source": ["Invalid."]}
        )
    day = snapshot_date or parsed.snapshot_date or dt.date.today()
    taken = sa.select(RegisterSnapshot.id).where(RegisterSnapshot.source == name, RegisterSnapshot.snapshot_date == day)
    if session.scalar(taken) is not None:
        raise ConflictError(
            f"A {name} snapshot of {day.isoformat()} is already imported; a snapshot is never changed.",
            errors={"snapshot_date": ["Already imported for this source."]},
        )
    with writing(session):
        snapshot = RegisterSnapshot(
            source=name, snapshot_date=day, imported_by=actor.label, row_count=len(parsed.entries)
        )
        session.add(snapshot)
        session.flush()
        for start in range(0, len(parsed.entries), CHUNK):
            chunk = parsed.entries[start : start + CHUNK]
            session.execute(
                sa.insert(_ENTRIES),
                [
                    {
                        "snapshot_id": snapshot.id,
                        "number": e["number"],
                        "holder_name": e["holder_name"],
                        "holder_nib": e["holder_nib"],
                        "scope": e["scope"],
                        "issued_on": e["issued_on"],
                        "valid_until": e["valid_until"],
                        "status": e["status"],
                    }
                    for e in chunk
                ],
            )
            if progress is not None:
                progress(len(chunk), len(parsed.entries))
        report.snapshot = {"id": snapshot.id, "source": name, "snapshot_date": day.isoformat()}
        journal.append(
            session,
            actor,
            IMPORT_ACTION,
            f"register:{snapshot.id}",
            {**report.snapshot, "records": len(parsed.entries), "sha256": hashlib.sha256(text.encode()).hexdigest()},
        )
        report.records = len(parsed.entries)
        as_of = session.info.get("assessment_as_of") or dt.date.today()
        for cert, result in reconcile_certificates(session, as_of).values():
            if result.confirmed:
                report.confirmed += 1
            elif result.outcome.value == "unknown":
                report.unknown.append(_summary(cert, result))
            else:
                report.mismatched.append(_summary(cert, result))
    return report
