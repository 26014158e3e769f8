"""Importing a snapshot of the BPJPH certificate register: the file checked whole, stored whole or not at all, every
recorded BPJPH certificate reconciled with it, and what changed propagated.

A file with any bad row stores nothing and the report lists every one. After the snapshot is stored, each recorded
certificate whose standing in the register changed is reassessed with everything it reaches, in the same transaction
(or queued when the fan-out is large). A register that revokes or suspends a number is an authority's decision on
it: it goes through :func:`traceability.service.assessments.set_certificate_status`, the path an auditor's decision
takes, so every business's copy takes the status from the snapshot's date and the journal names the snapshot.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Business, Certificate, RegisterSnapshot
from traceability.errors import ConflictError, InvalidInputError, PermissionDeniedError
from traceability.formats.bpjph_register import parse_register
from traceability.reconciliation import Outcome, Reconciliation
from traceability.service import assessments, journal, register
from traceability.service.access import Actor
from traceability.service.unit_of_work import touch, writing
from traceability.vocabulary import CertificateStatus

__all__ = ["IMPORT_ACTION", "SnapshotReport", "import_snapshot"]

IMPORT_ACTION = "register.import"
_DECISIONS = {Outcome.REVOKED: CertificateStatus.REVOKED, Outcome.SUSPENDED: CertificateStatus.SUSPENDED}


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
    #: Recorded certificates whose standing in the register this snapshot changed (``before`` is None for a
    #: certificate no earlier snapshot spoke of), and the status decisions it applied.
    changed: list[dict[str, Any]] = field(default_factory=list)
    decided: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "confirmed": self.confirmed,
            "mismatched": self.mismatched,
            "unknown": self.unknown,
            "invalid": self.invalid,
            "snapshot": self.snapshot,
            "changed": self.changed,
            "decided": self.decided,
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
    name = " ".join((source or parsed.source or register.DEFAULT_SOURCE).split())
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
    as_of = session.info.get("assessment_as_of") or dt.date.today()
    issuers = assessments.active_reference(session)["bpjph_issuers"]
    with writing(session):
        first = session.scalar(sa.select(RegisterSnapshot.id).limit(1)) is None
        before = {} if first else register.reconcile_certificates(session, as_of, issuers)
        snapshot = register.store_snapshot(
            session, actor, parsed.entries, source=name, snapshot_date=day, progress=progress
        )
        report.records = len(parsed.entries)
        report.snapshot = {"id": snapshot.id, "source": name, "snapshot_date": day.isoformat()}
        digest = hashlib.sha256(text.encode()).hexdigest()
        journal.append(
            session,
            actor,
            IMPORT_ACTION,
            f"register:{snapshot.id}",
            {**report.snapshot, "records": report.records, "sha256": digest},
        )
        after = register.reconcile_certificates(session, as_of, issuers)
        for cert_id, (cert, result) in after.items():
            if result.confirmed:
                report.confirmed += 1
            elif result.outcome is Outcome.UNKNOWN:
                report.unknown.append(_summary(cert, result))
            else:
                report.mismatched.append(_summary(cert, result))
            earlier = before.get(cert_id)
            if earlier is None or earlier[1] != result:
                touch(session, f"certificate:{cert_id}")
                was = earlier[1].outcome.value if earlier is not None else None
                report.changed.append({**_summary(cert, result), "before": was})
        for cert, result in after.values():
            status = _DECISIONS.get(result.outcome)
            if status is not None and cert.status is CertificateStatus.ACTIVE:
                effective = max(day, cert.issued_on)
                assessments.set_certificate_status(
                    session,
                    actor,
                    cert.id,
                    status=status,
                    effective=effective,
                    reason=f"{status.value} in the {name} register snapshot of {day.isoformat()}",
                )
                report.decided.append(
                    {**_summary(cert, result), "status": status.value, "effective": effective.isoformat()}
                )
    listed = [*report.mismatched, *report.unknown, *report.changed, *report.decided]
    if listed:
        ids = {item["business"] for item in listed}
        owners = sa.select(Business.id, Business.name).where(Business.id.in_(ids))
        names = {row.id: row.name for row in session.execute(owners)}
        for item in listed:
            item["business_name"] = names.get(item["business"], "")
    return report
