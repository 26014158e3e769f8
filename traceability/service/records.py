"""Producer records: create, read, list and update suppliers, certificates, materials, lots, facilities,
products, production steps and batches, each scoped to its business and journaled.

The shape of each kind (wire data to model and back) is in :mod:`record_kinds`; these are the use cases that
check access, store, journal and reassess.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from models import (
    Batch,
    Certificate,
    Facility,
    Material,
    MaterialInput,
    MaterialLot,
    Product,
    ProductionStep,
    StepInput,
    Supplier,
    VerificationCode,
)
from traceability.errors import ConflictError, InvalidInputError, NotFoundError
from traceability.service import certificate_status, journal, verification
from traceability.service.access import Actor
from traceability.service.provenance import check_acyclic
from traceability.service.record_kinds import KINDS, ApiCodec, Kind, noun, record_payload
from traceability.service.unit_of_work import touch, writing

__all__ = [
    "create_record",
    "get_record",
    "list_records",
    "update_record",
    "void_blockers",
    "void_record",
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
    obj = kind.new(business_id=actor.writable_business(business_id, kind.noun))
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
    _check_version(kind, obj, expected_version)
    if obj.voided_at is not None:
        raise ConflictError(f"This {kind.noun} was voided; it can no longer be changed.")
    return _write(session, actor, kind, obj, data, "update")


def _check_version(kind: Kind, obj: Any, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != obj.version:
        raise ConflictError(
            f"The {kind.noun} is at version {obj.version}, not {expected_version}; reload it and try again.",
            errors={"version": [f"Current version is {obj.version}."]},
            version=obj.version,
        )


# --- void: a correction that withdraws a record ---------------------------------------------------------------

#: The most records one void may correct on the way (links it removes); beyond, the person voids in parts.
MAX_VOID_FAN_OUT = 500


def _live(model: type[Any], *conditions: Any) -> sa.Select[Any]:
    return sa.select(model).where(model.voided_at.is_(None), *conditions).limit(MAX_VOID_FAN_OUT + 1)


def void_blockers(session: Session, obj: Any) -> list[str]:
    """What still stands on `obj` and must be voided (or changed) first: records that cannot exist without it."""
    found: list[str] = []

    def named(model: type[Any], *conditions: Any) -> None:
        for row in session.scalars(_live(model, *conditions).limit(20)):
            found.append(_label(row))

    if isinstance(obj, Supplier):
        named(MaterialLot, MaterialLot.supplier_id == obj.id)
        named(Certificate, Certificate.holder_supplier_id == obj.id)
        named(Facility, Facility.owner_supplier_id == obj.id)
    elif isinstance(obj, Material):
        named(MaterialLot, MaterialLot.material_id == obj.id)
    elif isinstance(obj, Product):
        named(Batch, Batch.product_id == obj.id)
    return found


def _label(obj: Any) -> str:
    for attr in ("name", "lot_code", "number"):
        if getattr(obj, attr, None):
            return str(getattr(obj, attr))
    return noun(type(obj))


def _corrections(session: Session, obj: Any) -> list[tuple[str, Any, dict[str, Any]]]:
    """The changes that take `obj` out of every current graph: (kind, record, fields to write) for each
    live record that links to it. Each is written and journaled as an update of its own."""
    out: list[tuple[str, Any, dict[str, Any]]] = []
    codec = ApiCodec(session, obj.business_id)

    def inputs_without(step: ProductionStep, keep: Any) -> dict[str, Any]:
        return {"inputs": [i for i in KINDS["steps"].wire(step, codec)["inputs"] if keep(i)]}

    if isinstance(obj, MaterialLot):
        using = sa.select(StepInput.step_id).where(StepInput.lot_id == obj.id)
        steps = _live(ProductionStep, ProductionStep.id.in_(using))
        for step in session.scalars(steps):
            out.append(("steps", step, inputs_without(step, lambda i: i.get("lot") != obj.id)))
    elif isinstance(obj, Batch):
        steps = _live(
            ProductionStep, ProductionStep.id.in_(sa.select(StepInput.step_id).where(StepInput.batch_id == obj.id))
        )
        for step in session.scalars(steps):
            out.append(("steps", step, inputs_without(step, lambda i: i.get("batch") != obj.id)))
    elif isinstance(obj, ProductionStep):
        for batch in session.scalars(_live(Batch, Batch.step_id == obj.id)):
            out.append(("batches", batch, {"step": None}))
    elif isinstance(obj, Certificate):
        for lot in session.scalars(_live(MaterialLot, MaterialLot.certificate_id == obj.id)):
            out.append(("lots", lot, {"certificate": None}))
        for product in session.scalars(_live(Product, Product.certificate_id == obj.id)):
            out.append(("products", product, {"certificate": None}))
    elif isinstance(obj, Facility):
        for step in session.scalars(_live(ProductionStep, ProductionStep.facility_id == obj.id)):
            out.append(("steps", step, {"facility": None}))
    elif isinstance(obj, Material):
        made = sa.select(MaterialInput.material_id).where(MaterialInput.input_id == obj.id)
        users = _live(Material, Material.id.in_(made))
        for material in session.scalars(users):
            made_with = [m for m in KINDS["materials"].wire(material, codec)["made_with"] if m != obj.id]
            out.append(("materials", material, {"made_with": made_with}))
        for product in session.scalars(_live(Product, Product.composition.any(material_id=obj.id))):
            composition = [m for m in KINDS["products"].wire(product, codec)["certified_composition"] if m != obj.id]
            out.append(("products", product, {"certified_composition": composition}))
    return out


def void_record(
    session: Session,
    actor: Actor,
    kind_name: str,
    record_id: int,
    reason: str,
    *,
    expected_version: int | None = None,
) -> Any:
    """Withdraw a record with a reason: a journaled correction, never a delete.

    The record keeps its row and its history; every live record that links to it is changed (and journaled) so
    the voided one leaves every current graph, and what those records reach is reassessed in the same
    transaction. A record others cannot exist without (a material with lots) is refused until they are voided.
    """
    kind = KINDS[kind_name]
    obj = get_record(session, actor, kind_name, record_id)
    actor.require_write(obj.business_id, kind.noun)
    _check_version(kind, obj, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInputError("Say why the record is voided.", errors={"reason": ["Required."]})
    if len(reason) > 500:
        raise InvalidInputError("Keep the reason under 500 characters.", errors={"reason": ["Too long."]})
    if obj.voided_at is not None:
        return obj  # voiding twice changes nothing
    blockers = void_blockers(session, obj)
    if blockers:
        message = f"Void or change these first, they rely on this {kind.noun}: {', '.join(blockers)}."
        raise ConflictError(message, errors={"reason": [message]})
    corrections = _corrections(session, obj)
    if len(corrections) > MAX_VOID_FAN_OUT:
        raise ConflictError(f"Voiding this {kind.noun} would change more than {MAX_VOID_FAN_OUT} records.")
    with writing(session):
        for other_kind, other, data in corrections:
            _write(session, actor, KINDS[other_kind], other, data, "update")
        if isinstance(obj, Batch):
            live = sa.select(VerificationCode.code).where(
                VerificationCode.batch_id == obj.id, VerificationCode.revoked_at.is_(None)
            )
            for code in session.scalars(live).all():
                verification.revoke_code(session, actor, code)
        obj.voided_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
        obj.void_reason = reason
        session.flush()
        payload = record_payload(kind, obj, ApiCodec(session, obj.business_id))
        journal.append(session, actor, "void", f"{kind.noun}:{obj.id}", payload, business_id=obj.business_id)
        touch(session, f"{kind.noun}:{obj.id}")
    return obj


#: The columns a list's search box looks in, where a kind has them.
_SEARCHED = ("name", "lot_code", "number", "brand", "issuer", "category", "species", "nib", "gtin", "process")


def list_records(
    session: Session,
    actor: Actor,
    kind_name: str,
    *,
    page: int = 1,
    per_page: int = 50,
    business_id: int | None = None,
    filters: dict[str, Any] | None = None,
    include_voided: bool = False,
    q: str | None = None,
) -> tuple[list[Any], int]:
    """Return one page of the records the actor may see, oldest first, and the total count.

    Voided records are left out unless `include_voided`; `q` searches the names and codes people type.
    """
    model = KINDS[kind_name].model
    query = sa.select(model)
    if not include_voided:
        query = query.where(model.voided_at.is_(None))
    if q:
        pattern = "%" + q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        columns = [getattr(model, c) for c in _SEARCHED if hasattr(model, c)]
        query = query.where(sa.or_(*(sa.func.lower(c).like(pattern, escape="\\") for c in columns)))
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
