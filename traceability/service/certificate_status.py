"""The authority's word on a certificate outlives any producer's copy of it.

An auditor's or admin's decision (revoke, suspend, reinstate: `assessments.set_certificate_status`) belongs
to the certificate's identity, its canonical issuer and number (``Certificate.issuer_key`` and ``number_key``):
it is applied to, and journaled once per, every business's record of that identity, so there is one decision
history per identity and a look-alike spelling ("N\u200b", "bpjph ") is the same certificate. A producer's record of the
same certificate, written later or edited since, must not say otherwise: otherwise a producer could undo a
revocation by editing the status back, or by recording the certificate afresh, and the consumer page would
show halal again. The journal is where decisions already live, so it is read here rather than copied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Certificate, JournalEntry
from traceability.errors import ConflictError
from traceability.vocabulary import CertificateStatus

__all__ = [
    "DECISION_ACTION",
    "Decision",
    "copies",
    "enforce",
    "enforce_all",
    "standing_decision",
    "standing_decisions",
]

DECISION_ACTION = "certificate.status"
_STATUS_FIELDS = ("status", "status_since", "fraud")


@dataclass(frozen=True)
class Decision:
    status: CertificateStatus
    since: dt.date | None
    fraud: bool
    reason: str | None


def copies(issuer_key: str, number_key: str) -> sa.Select[Certificate]:
    """Every business's record of the certificate with this identity, oldest first."""
    return (
        sa.select(Certificate)
        .where(Certificate.issuer_key == issuer_key, Certificate.number_key == number_key)
        .order_by(Certificate.id)
    )


def standing_decisions(session: Session, identities: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Decision]:
    """The latest authority decision on each certificate identity (issuer key, number key) that has one.

    Two queries however many identities: their records' ids, then the decisions journalled on them.
    """
    wanted = sorted(set(identities))
    if not wanted:
        return {}
    identity_of = {
        f"certificate:{cert_id}": (issuer, number)
        for cert_id, issuer, number in session.execute(
            sa.select(Certificate.id, Certificate.issuer_key, Certificate.number_key).where(
                sa.tuple_(Certificate.issuer_key, Certificate.number_key).in_(wanted)
            )
        )
    }
    decisions: dict[tuple[str, str], Decision] = {}
    if not identity_of:
        return decisions
    journalled = session.execute(
        sa.select(JournalEntry.subject, JournalEntry.payload)
        .where(JournalEntry.action == DECISION_ACTION, JournalEntry.subject.in_(identity_of))
        .order_by(JournalEntry.seq.desc())
    )
    for subject, payload in journalled:
        identity = identity_of[subject]
        if identity not in decisions:  # newest first: the first seen stands
            since = payload.get("status_since")
            decisions[identity] = Decision(
                CertificateStatus(payload["status"]),
                dt.date.fromisoformat(since) if since else None,
                bool(payload.get("fraud")),
                payload.get("status_reason"),
            )
    return decisions


def standing_decision(session: Session, issuer_key: str, number_key: str) -> Decision | None:
    """The latest authority decision on the certificate with this identity, if there is one."""
    return standing_decisions(session, [(issuer_key, number_key)]).get((issuer_key, number_key))


def enforce(session: Session, certificate: Certificate, stated: dict[str, Any] | None = None) -> None:
    """Give `certificate` the standing decision's status, or refuse a write that states another.

    `stated` is what the writer sent explicitly (a PATCH or a create body); a status it names that
    contradicts the decision is a conflict. Without `stated` (a dossier import), the decision simply wins.
    """
    decision = standing_decision(session, certificate.issuer_key, certificate.number_key)
    if decision is None:
        return
    if stated is not None and "status" in stated and stated["status"] != decision.status:
        message = (
            f"This certificate is {decision.status.value} since {decision.since} by an auditor's "
            "decision; only an auditor or an admin changes its status."
        )
        raise ConflictError(message, errors={"status": [message]})
    _apply(certificate, decision)


def enforce_all(session: Session, certificates: Iterable[Certificate]) -> None:
    """Give each new copy (a dossier's) the standing decision on its identity, in two queries for all."""
    held = list(certificates)
    decisions = standing_decisions(session, [(c.issuer_key, c.number_key) for c in held])
    for certificate in held:
        decision = decisions.get((certificate.issuer_key, certificate.number_key))
        if decision is not None:
            _apply(certificate, decision)


def _apply(certificate: Certificate, decision: Decision) -> None:
    certificate.status, certificate.status_since = decision.status, decision.since
    certificate.fraud, certificate.status_reason = decision.fraud, decision.reason
