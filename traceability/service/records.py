"""Producer records: create, read, list and update suppliers, certificates, materials, lots, facilities,
products, production steps and batches, each scoped to its business and journaled.

The shape of each kind (wire data to model and back) is in :mod:`record_kinds`; these are the use cases that
check access, store, journal and reassess.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from models import Batch, Certificate, Material, MaterialLot, Product, ProductionStep
from traceability.errors import ConflictError, NotFoundError
from traceability.service import certificate_status, journal
from traceability.service.access import Actor
from traceability.service.provenance import check_acyclic
from traceability.service.record_kinds import KINDS, ApiCodec, Kind, noun, record_payload
from traceability.service.unit_of_work import touch, writing

__all__ = [
    "create_record",
    "get_record",
    "list_records",
    "update_record",
]


def _affected_steps(obj: Any) -> list[ProductionStep]:
    if isinstance(obj, ProductionStep):
        return [obj]
    if isinstance(obj, Batch) and obj.step is not None:
        return [obj.step]
    return []


#: Kinds that one field of a dossier names alike, so that one business's records of the two may not share a
#: ref (DossierSchema checks the same inside a document): step inputs name a lot or a batch, and a
#: certificate covers a material or the product. A record without a ref is named "<noun>-<id>" in dossiers.
_SHARED_REFS: dict[type[Any], tuple[type[Any], str]] = {
    MaterialLot: (Batch, "step inputs name lots and batches alike"),
    Batch: (MaterialLot, "step inputs name lots and batches alike"),
    Material: (Product, "a certificate covers materials and products alike"),
    Product: (Material, "a certificate covers materials and products alike"),
}


def _check_shared_ref(session: Session, obj: Any, ref: str | None) -> None:
    other, reason = _SHARED_REFS.get(type(obj), (None, ""))
    if other is None or ref is None:
        return
    taken = (
        re.fullmatch(rf"{noun(other)}-\d+", ref) is not None
        or session.scalar(sa.select(other.id).where(other.business_id == obj.business_id, other.ref == ref).limit(1))
        is not None
    )
    if taken:
        message = f"A {noun(other)} of this business is already named {ref!r}; {reason}, so their refs must differ."
        raise ConflictError(message, errors={"ref": [message]})


def _write(session: Session, actor: Actor, kind: Kind, obj: Any, data: dict[str, Any], action: str) -> Any:
    codec = ApiCodec(session, obj.business_id)
    before = record_payload(kind, obj, codec) if obj.id is not None else None
    if "ref" in data and data["ref"] != obj.ref:
        _check_shared_ref(session, obj, data["ref"])
    with writing(session):
        if "ref" in data:
            obj.ref = data["ref"]
        kind.apply(obj, data, codec)
        codec.errors.raise_if_any(f"The {kind.noun} refers to records that do not exist.")
        session.add(obj)
        if isinstance(obj, Certificate):  # a new record inherits the decision; an edit may not contradict it
            certificate_status.enforce(session, obj, data if before is not None else None)
        session.flush()
        check_acyclic(session, _affected_steps(obj))
        after = record_payload(kind, obj, codec)
        if after == before:  # nothing changed: no new version, nothing to journal
            return obj
        if before is not None and obj.version == before["version"]:
            # Only linked rows changed (a step's inputs, a facility's cleansing records): still a new
            # version of the record, so If-Match and concurrent editors see it.
            flag_modified(obj, "ref")
            session.flush()
            after["version"] = obj.version
        journal.append(session, actor, action, f"{kind.noun}:{obj.id}", after, business_id=obj.business_id)
        touch(session, f"{kind.noun}:{obj.id}")
    return obj


def create_record(
    session: Session, actor: Actor, kind_name: str, data: dict[str, Any], *, business_id: int | None = None
) -> Any:
    """Record a new supplier, lot, step... in the actor's business and journal it."""
    kind = KINDS[kind_name]
    obj = kind.model(business_id=actor.writable_business(business_id, kind.noun))
    return _write(session, actor, kind, obj, data, "create")


def get_record(session: Session, actor: Actor, kind_name: str, record_id: int) -> Any:
    """Return one record the actor may see; anything else is "not found"."""
    kind = KINDS[kind_name]
    obj = session.get(kind.model, record_id)
    if obj is None:
        raise NotFoundError(f"No {kind.noun} with that id.")
    actor.require_read(obj.business_id, kind.noun)
    return obj


def update_record(
    session: Session,
    actor: Actor,
    kind_name: str,
    record_id: int,
    data: dict[str, Any],
    *,
    expected_version: int | None = None,
) -> Any:
    """Change the given fields of a record; a stale `expected_version` is a conflict."""
    kind = KINDS[kind_name]
    obj = get_record(session, actor, kind_name, record_id)
    actor.require_write(obj.business_id, kind.noun)
    if expected_version is not None and expected_version != obj.version:
        raise ConflictError(
            f"The {kind.noun} is at version {obj.version}, not {expected_version}; reload it and try again.",
            errors={"version": [f"Current version is {obj.version}."]},
            version=obj.version,
        )
    return _write(session, actor, kind, obj, data, "update")


def list_records(
    session: Session,
    actor: Actor,
    kind_name: str,
    *,
    page: int = 1,
    per_page: int = 50,
    business_id: int | None = None,
    filters: dict[str, Any] | None = None,
) -> tuple[list[Any], int]:
    """Return one page of the records the actor may see, oldest first, and the total count."""
    model = KINDS[kind_name].model
    query = sa.select(model)
    visible = actor.visible_businesses()
    if visible is not None:
        query = query.where(model.business_id.in_(visible))
    if business_id is not None:
        query = query.where(model.business_id == business_id)
    for name, value in (filters or {}).items():
        query = query.where(getattr(model, name) == value)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    items = session.scalars(query.order_by(model.id).limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total
