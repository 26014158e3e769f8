"""The BPJPH certificate register as stored snapshots: writing one, and reading the register's word on a number.

Entries go in with bulk Core inserts (one executemany per chunk), because a national export runs to hundreds of
thousands of rows. The register's word on a number is its entry in the newest snapshot (by snapshot date, then by
import) that lists it, so a partial export (one province, one month) never erases what an earlier one said. The
import use case, which checks the file and reconciles every recorded certificate, is
:mod:`traceability.service.register_import`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
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
from traceability.formats.bpjph_register import canonical_number
from traceability.reconciliation import Claim, Entry, Reconciliation, reconcile
from traceability.service.access import Actor
from traceability.vocabulary import CertificateScheme

__all__ = [
    "CHUNK",
    "DEFAULT_SOURCE",
    "Word",
    "claims",
    "reconcile_certificates",
    "register_entries",
    "register_words",
    "store_snapshot",
]

CHUNK = 5000
DEFAULT_SOURCE = "BPJPH"
_ENTRIES = table_of(RegisterEntry)


def _literal(values: list[Any]) -> sa.BindParameter[Any]:
    # Chunk-sized lists of checked numbers rendered into the SQL (see registry._literal for why).
    return sa.bindparam("values", values, expanding=True, literal_execute=True)


@dataclass(frozen=True, slots=True)
class Word:
    """The register's newest word on a number: the entry, and the snapshot it comes from."""

    entry: Entry
    snapshot: RegisterSnapshot


def register_words(session: Session, numbers: Iterable[str]) -> dict[str, Word]:
    """The register's newest word on each canonical number (numbers it does not list are absent)."""
    wanted = sorted(set(numbers))
    found: dict[str, Word] = {}
    for start in range(0, len(wanted), 1000):
        rows = session.execute(
            sa.select(RegisterEntry, RegisterSnapshot)
            .join(RegisterSnapshot)
            .where(RegisterEntry.number.in_(_literal(wanted[start : start + 1000])))
            .order_by(RegisterSnapshot.snapshot_date, RegisterSnapshot.id)
        )
        for row, snapshot in rows:  # oldest first: the newest snapshot's entry is the one left standing
            entry = Entry(
                row.number,
                row.holder_name,
                row.holder_nib,
                tuple(row.scope or ()),
                row.issued_on,
                row.valid_until,
                row.status,
            )
            found[row.number] = Word(entry, snapshot)
    return found


def register_entries(session: Session, numbers: Iterable[str]) -> dict[str, Entry]:
    """The register's newest entry for each canonical number (numbers it does not list are absent)."""
    return {number: word.entry for number, word in register_words(session, numbers).items()}


def claims(session: Session, certificates: list[Certificate]) -> dict[int, Claim]:
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
    result: dict[int, Claim] = {}
    for cert in certificates:
        holder = holders.get(cert.holder_supplier_id) if cert.holder_supplier_id is not None else None
        name, nib = (
            (holder.name, holder.nib) if holder else (owners[cert.business_id].name, owners[cert.business_id].nib)
        )
        result[cert.id] = Claim(canonical_number(cert.number), name, nib, tuple(covers[cert.id]))
    return result


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
    found = claims(session, certificates)
    entries = register_entries(session, (c.number for c in found.values()))
    return {
        cert.id: (cert, reconcile(found[cert.id], entries.get(found[cert.id].number), as_of)) for cert in certificates
    }


def store_snapshot(
    session: Session,
    actor: Actor,
    entries: list[dict[str, Any]],
    *,
    source: str,
    snapshot_date: dt.date,
    progress: Callable[[int, int], None] | None = None,
) -> RegisterSnapshot:
    """Write checked entries as one snapshot, in the caller's transaction. `progress` is called with (entries
    written by this chunk, entries to write)."""
    snapshot = RegisterSnapshot(
        source=source, snapshot_date=snapshot_date, imported_by=actor.label, row_count=len(entries)
    )
    session.add(snapshot)
    session.flush()
    columns = ("number", "holder_name", "holder_nib", "scope", "issued_on", "valid_until", "status")
    for start in range(0, len(entries), CHUNK):
        chunk = entries[start : start + CHUNK]
        session.execute(
            sa.insert(_ENTRIES), [{"snapshot_id": snapshot.id, **{k: e[k] for k in columns}} for e in chunk]
        )
        if progress is not None:
            progress(len(chunk), len(entries))
    return snapshot
