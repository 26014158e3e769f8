"""Reconciling a recorded certificate with its entry in the BPJPH register.

Pure: no database. A producer types a number, a holder and what it covers; the register says who holds that number,
for what, until when and in what standing. The answer is one outcome and the fields that did not match, in the
terms CERT-01 reports them.

Matching is deliberately strict where the register is exact and forgiving where people type freely:

- the number is compared in its canonical form;
- the holder matches on NIB when both sides know it (a renamed company keeps its NIB), otherwise on the name
  without legal forms, punctuation and case ("PT Sawit Riau Kepulauan" is "SAWIT RIAU KEPULAUAN, PT");
- each product or material the record says is covered must be named by one of the register's scope items
  (the words of one inside the words of the other: "Garam beryodium" covers "Garam beryodium halus"); a register
  entry without a scope list is not checked for scope.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from traceability.vocabulary import ConfirmationState, RegisterStatus

__all__ = [
    "Check",
    "Claim",
    "Confirmation",
    "Entry",
    "Outcome",
    "Reconciliation",
    "confirmation_of",
    "names_match",
    "reconcile",
]

_WORD = re.compile(r"[a-z0-9]+")
# Legal forms and filler that say nothing of who the holder is.
_FORMS = frozenset({"pt", "cv", "ud", "tbk", "persero", "fa", "firma", "pd", "co", "ltd", "inc", "sdn", "bhd"})


class Outcome(enum.StrEnum):
    """What the register says of a recorded certificate."""

    CONFIRMED = "confirmed"
    MISMATCHED = "mismatched"  # the number is there, but a holder or scope field differs
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # the number is not in the register


@dataclass(frozen=True, slots=True)
class Claim:
    """What a certificate record says: canonical number, holder, and the names of what it covers."""

    number: str
    holder_name: str | None
    holder_nib: str | None
    covers: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Entry:
    """One certificate in a register snapshot."""

    number: str
    holder_name: str
    holder_nib: str | None
    scope: Sequence[str]
    issued_on: dt.date
    valid_until: dt.date | None
    status: RegisterStatus


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """The outcome and, for anything but a confirmation, what did not hold (each a short English phrase)."""

    outcome: Outcome
    mismatches: tuple[str, ...] = field(default=())

    @property
    def confirmed(self) -> bool:
        return self.outcome is Outcome.CONFIRMED

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome.value, "mismatches": list(self.mismatches)}


def _words(text: str | None) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text or "")
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _WORD.findall(folded)


def _holder_words(name: str | None) -> frozenset[str]:
    return frozenset(w for w in _words(name) if w not in _FORMS)


def names_match(a: str | None, b: str | None) -> bool:
    """Whether two holder names name the same holder (legal forms, case and punctuation aside).

    >>> names_match("PT Sawit Riau Kepulauan", "SAWIT RIAU KEPULAUAN, PT."), names_match("PT Gula", "CV Garam")
    (True, False)
    """
    left, right = _holder_words(a), _holder_words(b)
    return bool(left) and left == right


def _covered(item: str, scope: Sequence[str]) -> bool:
    words = set(_words(item))
    for entry in scope:
        named = set(_words(entry))
        if named and words and (named <= words or words <= named):
            return True
    return False


def reconcile(claim: Claim, entry: Entry | None, as_of: dt.date) -> Reconciliation:
    """Say whether the register confirms `claim` on `as_of`, and what did not match.

    The register's standing comes first (revoked, suspended, expired: the holder and scope no longer matter);
    then holder and scope.

    >>> day = dt.date(2026, 1, 1)
    >>> entry = Entry("ID1", "PT Rasa", "1209230062418", ["Bumbu balado"], dt.date(2025, 1, 1), None,
    ...               RegisterStatus.ACTIVE)
    >>> reconcile(Claim("ID1", "Rasa", None, ["Bumbu balado bubuk"]), entry, day).outcome.value
    'confirmed'
    >>> reconcile(Claim("ID1", "PT Lain", "1209230062419", ["Tepung"]), entry, day).mismatches
    ('holder: the register names PT Rasa (NIB 1209230062418)', 'scope: Tepung is not in the register entry')
    """
    if entry is None:
        return Reconciliation(Outcome.UNKNOWN, (f"number: {claim.number} is not in the register",))
    if entry.status is RegisterStatus.REVOKED:
        return Reconciliation(Outcome.REVOKED, ("status: revoked in the register",))
    if entry.status is RegisterStatus.SUSPENDED:
        return Reconciliation(Outcome.SUSPENDED, ("status: suspended in the register",))
    if entry.status is RegisterStatus.EXPIRED or (entry.valid_until is not None and entry.valid_until < as_of):
        until = f" on {entry.valid_until.isoformat()}" if entry.valid_until else ""
        return Reconciliation(Outcome.EXPIRED, (f"status: expired{until} in the register",))
    mismatches: list[str] = []
    if claim.holder_nib and entry.holder_nib:
        same_holder = claim.holder_nib == entry.holder_nib
    else:
        same_holder = names_match(claim.holder_name, entry.holder_name)
    if not same_holder:
        nib = f" (NIB {entry.holder_nib})" if entry.holder_nib else ""
        mismatches.append(f"holder: the register names {entry.holder_name}{nib}")
    if entry.scope:
        mismatches += [
            f"scope: {item} is not in the register entry" for item in claim.covers if not _covered(item, entry.scope)
        ]
    return Reconciliation(Outcome.MISMATCHED if mismatches else Outcome.CONFIRMED, tuple(mismatches))


@dataclass(frozen=True, slots=True)
class Check:
    """One check of a certificate by someone other than its producer: the register, an auditor, or the
    recognised-bodies reference data. ``at`` orders checks: the newest one speaks."""

    confirmed: bool
    basis: str  # "register", "auditor" or "recognised_body"
    by: str  # "BPJPH (demo)", "user:3", "reference 2025.11.1"
    at: dt.datetime
    against: str  # what it was checked against: "BPJPH 2026-11-12", "scan 3f2a...", "SHLN ..."
    problems: tuple[str, ...] = ()
    on: dt.date | None = None  # the day it speaks for: the snapshot's date, or the day of the check


@dataclass(frozen=True, slots=True)
class Confirmation:
    """A certificate record's confirmation: its state, and the check behind it (None for a bare claim)."""

    state: ConfirmationState
    check: Check | None = None

    @property
    def confirmed(self) -> bool:
        return self.state is ConfirmationState.CONFIRMED

    @property
    def problems(self) -> tuple[str, ...]:
        """What the newest check found wrong (empty when confirmed or never checked)."""
        return () if self.check is None or self.check.confirmed else self.check.problems

    def as_dict(self) -> dict[str, Any]:
        check = self.check
        return {
            "state": self.state.value,
            "basis": check.basis if check else None,
            "by": check.by if check else None,
            "at": check.at.isoformat() if check else None,
            "against": check.against if check else None,
            "on": check.on.isoformat() if check and check.on else None,
            "problems": list(self.problems),
        }


def confirmation_of(checks: Sequence[Check], *, has_scan: bool) -> Confirmation:
    """The confirmation a record has from its checks: the newest check decides; without a confirming one the
    record is evidenced when a scan is attached, else claimed.

    >>> at = dt.datetime(2026, 11, 12, tzinfo=dt.UTC)
    >>> register = Check(False, "register", "BPJPH", at, "BPJPH 2026-11-12", ("holder: ...",))
    >>> auditor = Check(True, "auditor", "user:3", at + dt.timedelta(days=1), "scan 3f2a")
    >>> [confirmation_of(c, has_scan=True).state.value for c in ([register], [register, auditor])]
    ['evidenced', 'confirmed']
    """
    newest = max(checks, key=lambda c: c.at, default=None)
    if newest is not None and newest.confirmed:
        return Confirmation(ConfirmationState.CONFIRMED, newest)
    return Confirmation(ConfirmationState.EVIDENCED if has_scan else ConfirmationState.CLAIMED, newest)
