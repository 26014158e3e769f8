"""Confirmation of certificate records: who other than the producer vouches for a certificate, and the auditors'
queue of certificates to confirm against their scans (DESIGN section 3).

A record is ``claimed`` when a producer typed it, ``evidenced`` when a scan is attached, ``confirmed`` when the BPJPH
register lists it with the same holder and scope, when an auditor or admin confirmed it against its scan, or (foreign
certificates) when its issuer is a recognised foreign body and its SHLN registration is recorded. The newest check
speaks: a register snapshot naming another holder, or a revocation, undoes an earlier confirmation, and an auditor's
later check overrides a register that merely does not list the number (a partial export is not a refusal).

Checks belong to the certificate's identity (canonical issuer and number), so an auditor's word applies to every
business's copy; the register is compared with each copy, since each copy names its own holder and scope.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Business, Certificate, CertificateCheck, RegisterSnapshot
from traceability.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from traceability.formats.bpjph_register import canonical_number
from traceability.identifiers import issuer_key
from traceability.reconciliation import Check, Claim, Confirmation, Outcome, confirmation_of, reconcile
from traceability.rules.reference import Reference
from traceability.service import journal, register
from traceability.service.access import Actor
from traceability.service.unit_of_work import touch, writing
from traceability.vocabulary import CertificateScheme

__all__ = [
    "CHECK_ACTION",
    "CertificateCase",
    "certificate_case",
    "check_certificate",
    "confirmations",
    "get_confirmation",
    "identity",
    "queue",
]

CHECK_ACTION = "certificate.confirmation"
# Checks that carry no time of their own (reference data, a register silent on a number) are the oldest of all.
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def identity(issuer: str, number: str) -> tuple[str, str]:
    """A certificate's identity: its issuer and number in canonical form (``BPJPH`` and ``bpjph ``, or
    ``ID 2111...`` and ``id2111...``, are one certificate)."""
    return issuer_key(issuer), canonical_number(number)


def _copies(session: Session, identities: set[tuple[str, str]]) -> list[Certificate]:
    """Every business's record of these identities, however each business typed the number."""
    if not identities:
        return []
    numbers = {n for _, n in identities}
    rows = session.scalars(sa.select(Certificate).where(Certificate.number_key.in_(sorted(numbers))))
    return [c for c in rows if identity(c.issuer, c.number) in identities]


def _auditor_check(row: CertificateCheck) -> Check:
    scan = f"scan {row.evidence_sha256[:12]}" if row.evidence_sha256 else "scan"
    problems = () if row.confirmed else (f"rejected by an auditor: {row.reason}",)
    return Check(row.confirmed, "auditor", row.decided_by, row.decided_at, scan, problems, row.decided_at.date())


def _register_checks(session: Session, certificates: Sequence[Certificate], as_of: dt.date) -> dict[int, Check]:
    """What the register says of each BPJPH record, once any snapshot is imported."""
    newest = session.scalar(
        sa.select(RegisterSnapshot).order_by(RegisterSnapshot.snapshot_date.desc(), RegisterSnapshot.id.desc()).limit(1)
    )
    if newest is None or not certificates:
        return {}
    claims = register.claims(session, list(certificates))
    words = register.register_words(session, (c.number for c in claims.values()))
    checks: dict[int, Check] = {}
    for cert in certificates:
        claim = claims[cert.id]
        word = words.get(claim.number)
        result = reconcile(claim, word.entry if word else None, as_of)
        snapshot = word.snapshot if word else newest
        # A revocation or suspension in the register is applied as a status decision on every copy (see
        # register_import), which CERT-01 reports with its dates; here it only withholds confirmation.
        problems = () if result.outcome in (Outcome.REVOKED, Outcome.SUSPENDED) else result.mismatches
        checks[cert.id] = Check(
            result.confirmed,
            "register",
            snapshot.source,
            snapshot.imported_at if word else _EPOCH,
            f"{snapshot.source} {snapshot.snapshot_date.isoformat()}",
            problems,
            snapshot.snapshot_date,
        )
    return checks


def confirmations(
    session: Session, certificates: Sequence[Certificate], reference: Reference, as_of: dt.date
) -> dict[int, Confirmation]:
    """The confirmation of each certificate record (no access check: callers have already read the records)."""
    if not certificates:
        return {}
    ids = {c.id: identity(c.issuer, c.number) for c in certificates}
    wanted = set(ids.values())
    checks: dict[int, list[Check]] = defaultdict(list)
    by_identity: dict[tuple[str, str], list[Check]] = defaultdict(list)
    rows = session.scalars(
        sa.select(CertificateCheck)
        .where(CertificateCheck.number.in_(sorted({n for _, n in wanted})))
        .order_by(CertificateCheck.id)
    )
    for row in rows:
        if (row.issuer, row.number) in wanted:
            by_identity[(row.issuer, row.number)].append(_auditor_check(row))
    bpjph = {issuer_key(i) for i in reference["bpjph_issuers"]}
    registered = [c for c in certificates if ids[c.id][0] in bpjph and c.scheme is not CertificateScheme.FOREIGN]
    for cert_id, check in _register_checks(session, registered, as_of).items():
        checks[cert_id].append(check)
    for cert in certificates:
        body = reference.recognised_body(cert.issuer) if cert.scheme is CertificateScheme.FOREIGN else None
        if body is not None and cert.shln_registration:
            against = f"SHLN {cert.shln_registration}, {body['name']}"
            checks[cert.id].append(Check(True, "recognised_body", f"reference {reference['version']}", _EPOCH, against))
    scanned = {identity(c.issuer, c.number) for c in _copies(session, wanted) if c.evidence_sha256}
    return {
        c.id: confirmation_of(checks[c.id] + by_identity[ids[c.id]], has_scan=ids[c.id] in scanned)
        for c in certificates
    }


def get_confirmation(
    session: Session, actor: Actor, certificate_id: int, reference: Reference, as_of: dt.date
) -> Confirmation:
    """One certificate record's confirmation, for whoever may read the record."""
    cert = session.get(Certificate, certificate_id)
    if cert is None or not actor.can_read(cert.business_id):
        raise NotFoundError("No certificate with that id.")
    return confirmations(session, [cert], reference, as_of)[cert.id]


def check_certificate(
    session: Session, actor: Actor, certificate_id: int, *, confirm: bool, reason: str = ""
) -> list[Certificate]:
    """An auditor or admin confirms a certificate after reading its scan, or rejects it with a reason.

    The check is the identity's, so every business's copy is journaled and reassessed in the same transaction.
    """
    cert = session.get(Certificate, certificate_id)
    if cert is None or not actor.can_read(cert.business_id):
        raise NotFoundError("No certificate with that id.")
    if not actor.may_decide_certificates:
        raise PermissionDeniedError("Only an auditor or an admin confirms a certificate.")
    reason = " ".join(reason.split())
    if not confirm and len(reason) < 3:
        raise InvalidInputError("Say why the certificate is rejected.", errors={"reason": ["Required to reject."]})
    issuer, number = identity(cert.issuer, cert.number)
    copies = sorted(_copies(session, {(issuer, number)}), key=lambda c: c.id)
    scan = cert.evidence_sha256 or next((c.evidence_sha256 for c in copies if c.evidence_sha256), None)
    if confirm and scan is None:
        message = "No scan of this certificate is attached: confirm it against its scan once the producer uploads one."
        raise InvalidInputError(message, errors={"decision": [message]})
    with writing(session):
        row = CertificateCheck(
            issuer=issuer,
            number=number,
            confirmed=confirm,
            evidence_sha256=scan,
            reason=reason,
            decided_by_id=actor.user_id,
            decided_by=actor.label,
        )
        session.add(row)
        session.flush()
        payload: dict[str, Any] = {
            "issuer": issuer,
            "number": number,
            "decision": "confirm" if confirm else "reject",
            "reason": reason,
            "evidence_sha256": scan,
        }
        changes = [journal.Change(CHECK_ACTION, f"certificate:{c.id}", payload, c.business_id) for c in copies]
        journal.append_many(session, actor, changes)
        touch(session, *(f"certificate:{c.id}" for c in copies))
    return copies


def queue(session: Session, actor: Actor, reference: Reference, as_of: dt.date) -> list[dict[str, Any]]:
    """The certificates no one but a producer vouches for yet, one entry per identity: those with a scan to
    read first, then by number."""
    if not actor.may_decide_certificates:
        raise PermissionDeniedError("Only an auditor or an admin confirms certificates.")
    certificates = list(session.scalars(sa.select(Certificate).order_by(Certificate.id)))
    found = confirmations(session, certificates, reference, as_of)
    entries: dict[tuple[str, str], dict[str, Any]] = {}
    for cert in certificates:
        confirmation = found[cert.id]
        if confirmation.confirmed:
            continue
        key = identity(cert.issuer, cert.number)
        entry = entries.setdefault(
            key,
            {
                "issuer": key[0],
                "number": key[1],
                "scheme": cert.scheme.value,
                "state": confirmation.state.value,
                "certificates": [],
                "businesses": [],
                "evidence_sha256": None,
                "problems": [],
                "open": cert.id,  # the copy the page opens: the first with a scan, else the first recorded
            },
        )
        entry["certificates"].append(cert.id)
        if cert.business_id not in entry["businesses"]:
            entry["businesses"].append(cert.business_id)
        if cert.evidence_sha256 and entry["evidence_sha256"] is None:
            entry["evidence_sha256"] = cert.evidence_sha256
            entry["open"] = cert.id
            entry["state"] = confirmation.state.value
        entry["problems"] += [p for p in confirmation.problems if p not in entry["problems"]]
    names = {row.id: row.name for row in session.execute(sa.select(Business.id, Business.name))} if entries else {}
    for entry in entries.values():
        entry["business_names"] = [names.get(b, "") for b in entry["businesses"]]
    return sorted(entries.values(), key=lambda e: (e["evidence_sha256"] is None, e["number"]))


@dataclass
class CertificateCase:
    """What an auditor reads before confirming a certificate: the record, what it claims, its confirmation,
    every business's copy and the register's newest word on its number."""

    certificate: Certificate
    claim: Claim
    confirmation: Confirmation
    copies: list[tuple[Certificate, str]] = field(default_factory=list)
    register: register.Word | None = None
    scan_of: int | None = None  # the copy whose scan is shown (this one, or another business's copy)


def certificate_case(
    session: Session, actor: Actor, certificate_id: int, reference: Reference, as_of: dt.date
) -> CertificateCase:
    """One certificate identity as the auditor's confirmation page shows it (auditors and admins)."""
    cert = session.get(Certificate, certificate_id)
    if cert is None or not actor.can_read(cert.business_id):
        raise NotFoundError("No certificate with that id.")
    if not actor.may_decide_certificates:
        raise PermissionDeniedError("Only an auditor or an admin confirms certificates.")
    copies = sorted(_copies(session, {identity(cert.issuer, cert.number)}), key=lambda c: c.id)
    owners = sa.select(Business.id, Business.name).where(Business.id.in_({c.business_id for c in copies}))
    names = {row.id: row.name for row in session.execute(owners)}
    claim = register.claims(session, [cert])[cert.id]
    words = register.register_words(session, [claim.number])
    scanned = cert if cert.evidence_sha256 else next((c for c in copies if c.evidence_sha256), None)
    return CertificateCase(
        certificate=cert,
        claim=claim,
        confirmation=confirmations(session, [cert], reference, as_of)[cert.id],
        copies=[(c, str(names.get(c.business_id, ""))) for c in copies],
        register=words.get(claim.number),
        scan_of=scanned.id if scanned else None,
    )
