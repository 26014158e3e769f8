"""The admin's side of the signing keys: who may rotate them, and the journal's record that they did.

The keys themselves live in files the HTTP layer and the command line open (:mod:`qr.signing`); this module only
holds the rule and the record, so a rotation from the page is as accountable as any other admin decision.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from traceability.errors import PermissionDeniedError
from traceability.service import journal
from traceability.service.access import Actor
from traceability.service.unit_of_work import writing

__all__ = ["may_rotate", "record_rotation"]


def may_rotate(actor: Actor) -> None:
    """Refuse anyone but an admin (or the operator): a new key signs every code printed from now on."""
    if not actor.may_manage_reference:
        raise PermissionDeniedError("Only an admin rotates the signing key.")


def record_rotation(session: Session, actor: Actor, *, active: str, previous: str, listed: int) -> None:
    """Journal a rotation: the new signing key, the one it replaced, and how many keys the key set now lists."""
    may_rotate(actor)
    with writing(session):
        journal.append(session, actor, "key.rotate", f"key:{active}", {"previous": previous, "listed": listed})
