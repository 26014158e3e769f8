"""The shapes of producer records: how each kind maps between wire data and its model, and how records name
each other (a :class:`Codec`).

Every kind is described once (:data:`KINDS`): how wire data is applied to a model and how a model is written
back as wire data. The JSON API and the dossier format share these; they differ only in their codec (numeric
ids on the API, local refs in a dossier). The use cases that store them are in :mod:`records`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from models import (
    Batch,
    Certificate,
    CertificateScope,
    Cleansing,
    Facility,
    FacilitySharing,
    FacilityTool,
    Material,
    MaterialEvidence,
    MaterialInput,
    MaterialLot,
    NajisContact,
    Product,
    ProductComposition,
    ProductionStep,
    StepInput,
    Supplier,
)
from traceability.errors import ErrorTree
from traceability.journal import canonical_json

__all__ = [
    "KINDS",
    "ApiCodec",
    "Codec",
    "Kind",
    "noun",
    "record_body",
    "record_payload",
]


class Codec(Protocol):
    """How records name each other in one format."""

    #: What stands for "the business itself" as a certificate holder or facility owner.
    business: Any
    errors: ErrorTree

    def ref(self, obj: Any) -> Any: ...
    def resolve(self, model: type[Any], value: Any, path: Sequence[Any]) -> Any: ...
    def either_ref(self, obj: Any) -> Any: ...
    def resolve_either(self, value: Any, path: Sequence[Any], options: dict[str, type[Any]]) -> Any: ...


def noun(model: type[Any]) -> str:
    return {MaterialLot: "lot", ProductionStep: "step"}.get(model, model.__tablename__)


class ApiCodec:
    """Numeric ids; a reference to another business's record reads as unknown."""

    business = None

    def __init__(self, session: Session, business_id: int) -> None:
        self.session, self.business_id, self.errors = session, business_id, ErrorTree()
        # The session holds loaded objects only weakly; keeping them here lets the payload written
        # after the change find them in the identity map instead of querying again.
        self._held: list[Any] = []

    def ref(self, obj: Any) -> Any:
        return obj.id

    def resolve(self, model: type[Any], value: Any, path: Sequence[Any]) -> Any:
        obj = self.session.get(model, value)
        if obj is None or obj.business_id != self.business_id:
            self.errors.add(path, f"No {noun(model)} with id {value} in this business.")
            return None
        if getattr(obj, "voided_at", None) is not None:
            self.errors.add(path, f"The {noun(model)} with id {value} was voided.")
            return None
        self._held.append(obj)
        return obj

    def either_ref(self, obj: Any) -> Any:
        return {noun(type(obj)): obj.id}

    def resolve_either(self, value: Any, path: Sequence[Any], options: dict[str, type[Any]]) -> Any:
        key = next(k for k in options if k in value)  # the schema guarantees exactly one
        return self.resolve(options[key], value[key], path)


# --- how each kind maps between wire data and models -------------------------------------------


def _copy(obj: Any, data: dict[str, Any], names: Sequence[str]) -> None:
    for name in names:
        if name in data:
            setattr(obj, name, data[name])


def _reuse(current: Sequence[Any], key: Callable[[Any], Any]) -> Callable[[Any, None], Any | None]:
    """Look up rows already linked, so replacing a list keeps them instead of inserting duplicates
    that would collide with unique constraints before the old rows are deleted."""
    rows = {key(row): row for row in current}
    return rows.pop


def _num(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _id(obj: Any) -> int | None:
    return None if obj is None else obj.id


def _holder(codec: Codec, value: Any, path: Sequence[Any]) -> int | None:
    return None if value == codec.business else _id(codec.resolve(Supplier, value, path))


SUPPLIER_FIELDS = ("name", "kind", "country", "nib")


def apply_supplier(obj: Supplier, data: dict[str, Any], codec: Codec) -> None:
    _copy(obj, data, SUPPLIER_FIELDS)


def supplier_wire(obj: Supplier, codec: Codec) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in SUPPLIER_FIELDS}


CERTIFICATE_FIELDS = (
    "number",
    "kh_number",
    "issuer",
    "scheme",
    "issued_on",
    "valid_until",
    "status",
    "status_since",
    "shln_registration",
    "fraud",
)


def apply_certificate(obj: Certificate, data: dict[str, Any], codec: Codec) -> None:
    _copy(obj, data, CERTIFICATE_FIELDS)
    if "holder" in data:
        obj.holder_supplier_id = _holder(codec, data["holder"], ("holder",))
    if "covers" in data:
        scope = []
        for i, value in enumerate(data["covers"]):
            covered = codec.resolve_either(value, ("covers", i), {"material": Material, "product": Product})
            if covered is not None:
                key = "material_id" if isinstance(covered, Material) else "product_id"
                scope.append(CertificateScope(position=i, **{key: covered.id}))
        obj.scope = scope


def certificate_wire(obj: Certificate, codec: Codec) -> dict[str, Any]:
    session = Session.object_session(obj)
    assert session is not None
    covers = [
        session.get(Material, s.material_id) if s.material_id else session.get(Product, s.product_id) for s in obj.scope
    ]
    return {
        **{name: getattr(obj, name) for name in CERTIFICATE_FIELDS},
        "holder": codec.business
        if obj.holder_supplier_id is None
        else codec.ref(session.get(Supplier, obj.holder_supplier_id)),
        "covers": [codec.either_ref(c) for c in covers],
    }


MATERIAL_FIELDS = (
    "name",
    "kind",
    "category",
    "origin",
    "species",
    "source_detail",
    "e_number",
    "state",
    "positive_list",
    "is_khamr",
    "ethanol_source",
    "growth_medium",
    "food_contact",
)


def apply_material(obj: Material, data: dict[str, Any], codec: Codec) -> None:
    _copy(obj, data, MATERIAL_FIELDS)
    if "slaughter" in data:
        s = data["slaughter"] or {}
        obj.slaughter_muslim_slaughterer = s.get("muslim_slaughterer")
        obj.slaughter_stunning = s.get("stunning")
        obj.slaughter_alive = s.get("alive_at_slaughter")
    if "made_with" in data:
        inputs = []
        existing = _reuse(obj.inputs, lambda row: row.input_id)
        for i, value in enumerate(data["made_with"]):
            used = codec.resolve(Material, value, ("made_with", i))
            if used is not None and used is obj:
                codec.errors.add(("made_with", i), "A material cannot be made with itself.")
            elif used is not None:
                row = existing(used.id, None) or MaterialInput(input_id=used.id)
                row.position = i
                inputs.append(row)
        obj.inputs = inputs
    if "evidence" in data:
        # A document that stays (same type and words) keeps the file attached to it.
        files = {(e.type, e.says): e.file_sha256 for e in obj.evidence if e.file_sha256}
        obj.evidence = [
            MaterialEvidence(position=i, type=e["type"], says=e["says"], file_sha256=files.get((e["type"], e["says"])))
            for i, e in enumerate(data["evidence"])
        ]


def material_wire(obj: Material, codec: Codec) -> dict[str, Any]:
    session = Session.object_session(obj)
    assert session is not None
    slaughter = None
    if obj.slaughter_muslim_slaughterer is not None:
        slaughter = {
            "muslim_slaughterer": obj.slaughter_muslim_slaughterer,
            "stunning": obj.slaughter_stunning,
            "alive_at_slaughter": obj.slaughter_alive,
        }
    return {
        **{name: getattr(obj, name) for name in MATERIAL_FIELDS},
        "made_with": [codec.ref(session.get(Material, i.input_id)) for i in obj.inputs],
        "slaughter": slaughter,
        "evidence": [{"type": e.type, "says": e.says} for e in obj.evidence],
    }


LOT_FIELDS = ("lot_code", "unit", "received_on")


def apply_lot(obj: MaterialLot, data: dict[str, Any], codec: Codec) -> None:
    _copy(obj, data, LOT_FIELDS)
    if "quantity" in data:
        obj.quantity = None if data["quantity"] is None else Decimal(str(data["quantity"]))
    for name, model in (("material", Material), ("supplier", Supplier), ("certificate", Certificate)):
        if name in data:
            value = data[name]
            setattr(obj, f"{name}_id", None if value is None else _id(codec.resolve(model, value, (name,))))


def lot_wire(obj: MaterialLot, codec: Codec) -> dict[str, Any]:
    # Read through ids, not relationships: an id changed in this transaction is the truth.
    session = Session.object_session(obj)
    assert session is not None
    certificate = None if obj.certificate_id is None else session.get(Certificate, obj.certificate_id)
    return {
        "material": codec.ref(session.get(Material, obj.material_id)),
        "supplier": codec.ref(session.get(Supplier, obj.supplier_id)),
        "certificate": None if certificate is None else codec.ref(certificate),
        "lot_code": obj.lot_code,
        "quantity": _num(obj.quantity),
        "unit": obj.unit,
        "received_on": obj.received_on,
    }


FACILITY_FIELDS = ("name", "kind", "dedicated_halal", "shared_cleaning", "shared_tool_storage")


def apply_facility(obj: Facility, data: dict[str, Any], codec: Codec) -> None:
    _copy(obj, data, FACILITY_FIELDS)
    if "owner" in data:
        obj.owner_supplier_id = _holder(codec, data["owner"], ("owner",))
    if "shared_with" in data:
        obj.sharing = [FacilitySharing(position=i, **s) for i, s in enumerate(data["shared_with"])]
    if "najis_contact" in data:
        obj.najis_contact = [NajisContact(position=i, **n) for i, n in enumerate(data["najis_contact"])]
    if "cleansing" in data:
        obj.cleansing = [Cleansing(position=i, **c) for i, c in enumerate(data["cleansing"])]
    if "tools" in data:
        obj.tools = [FacilityTool(position=i, **t) for i, t in enumerate(data["tools"])]


def facility_wire(obj: Facility, codec: Codec) -> dict[str, Any]:
    session = Session.object_session(obj)
    assert session is not None
    owner = codec.business if obj.owner_supplier_id is None else codec.ref(session.get(Supplier, obj.owner_supplier_id))
    return {
        **{name: getattr(obj, name) for name in FACILITY_FIELDS},
        "owner": owner,
        "shared_with": [
            {"product": s.product, "halal": s.halal, "alternate_use": s.alternate_use, "separated": s.separated}
            for s in obj.sharing
        ],
        "najis_contact": [{"kind": n.kind, "until": n.until} for n in obj.najis_contact],
        "cleansing": [{"method": c.method, "on": c.on} for c in obj.cleansing],
        "tools": [{"name": t.name, "animal_hair": t.animal_hair} for t in obj.tools],
    }


PRODUCT_FIELDS = (
    "name",
    "brand",
    "gtin",
    "category",
    "is_beverage",
    "fermented",
    "shape",
    "halal_claim",
    "declared_non_halal",
    "technology",
)


def apply_product(obj: Product, data: dict[str, Any], codec: Codec) -> None:
    _copy(obj, data, PRODUCT_FIELDS)
    if "flavour_profile" in data:
        obj.flavour_profile = list(data["flavour_profile"])
    if "preservation" in data:
        obj.preservation = list(data["preservation"])
    if "measured_ethanol_pct" in data:
        pct = data["measured_ethanol_pct"]
        obj.measured_ethanol_pct = None if pct is None else Decimal(str(pct))
    if "label" in data:
        obj.label_halal_logo = data["label"]["halal_logo"]
        obj.label_printed_number = data["label"]["printed_number"]
    if "certificate" in data:
        value = data["certificate"]
        obj.certificate_id = None if value is None else _id(codec.resolve(Certificate, value, ("certificate",)))
    if "certified_composition" in data:
        composition = []
        existing = _reuse(obj.composition, lambda row: row.material_id)
        for i, value in enumerate(data["certified_composition"]):
            material = codec.resolve(Material, value, ("certified_composition", i))
            if material is not None:
                row = existing(material.id, None) or ProductComposition(material_id=material.id)
                row.position = i
                composition.append(row)
        obj.composition = composition


def product_wire(obj: Product, codec: Codec) -> dict[str, Any]:
    session = Session.object_session(obj)
    assert session is not None
    return {
        **{name: getattr(obj, name) for name in PRODUCT_FIELDS},
        "measured_ethanol_pct": _num(obj.measured_ethanol_pct),
        "flavour_profile": list(obj.flavour_profile or []),
        "preservation": list(obj.preservation or []),
        "label": {"halal_logo": obj.label_halal_logo, "printed_number": obj.label_printed_number},
        "certificate": None if obj.certificate_id is None else codec.ref(session.get(Certificate, obj.certificate_id)),
        "certified_composition": [codec.ref(session.get(Material, c.material_id)) for c in obj.composition],
    }


def apply_step(obj: ProductionStep, data: dict[str, Any], codec: Codec) -> None:
    _copy(obj, data, ("name", "process", "equipment"))
    if "on" in data:
        obj.performed_on = data["on"]
    if "facility" in data:
        value = data["facility"]
        obj.facility_id = None if value is None else _id(codec.resolve(Facility, value, ("facility",)))
    if "inputs" in data:
        inputs = []
        existing = _reuse(obj.inputs, lambda row: (row.lot_id, row.batch_id))
        for i, value in enumerate(data["inputs"]):
            used = codec.resolve_either(value, ("inputs", i), {"lot": MaterialLot, "batch": Batch})
            if used is None:
                continue
            key = (used.id, None) if isinstance(used, MaterialLot) else (None, used.id)
            row = existing(key, None) or StepInput(lot_id=key[0], batch_id=key[1])
            amount = value if isinstance(value, dict) else {}
            quantity = amount.get("quantity")
            row.position = i
            row.quantity = None if quantity is None else Decimal(str(quantity))
            row.unit = amount.get("unit")
            inputs.append(row)
        obj.inputs = inputs
    if "outputs" in data:
        made = [codec.resolve(Batch, value, ("outputs", i)) for i, value in enumerate(data["outputs"])]
        for i, batch in enumerate(made):
            if batch is not None and batch.step_id not in (None, obj.id):
                codec.errors.add(("outputs", i), "This batch was already made by another step.")
        for batch in list(obj.outputs):
            if batch not in made:
                batch.step = None
        for batch in made:
            if batch is not None:
                batch.step = obj


def step_wire(obj: ProductionStep, codec: Codec) -> dict[str, Any]:
    session = Session.object_session(obj)
    assert session is not None
    inputs = []
    for i in obj.inputs:
        used = session.get(MaterialLot, i.lot_id) if i.lot_id else session.get(Batch, i.batch_id)
        ref = codec.either_ref(used)
        if isinstance(ref, dict):
            ref = {**ref, "quantity": _num(i.quantity), "unit": i.unit}
        inputs.append(ref)
    return {
        "name": obj.name,
        "process": obj.process,
        "facility": None if obj.facility_id is None else codec.ref(session.get(Facility, obj.facility_id)),
        "equipment": obj.equipment,
        "on": obj.performed_on,
        "inputs": inputs,
        "outputs": [codec.ref(b) for b in obj.outputs],
    }


BATCH_FIELDS = ("lot_code", "produced_on", "non_conforming", "released", "recalled_on")


def apply_batch(obj: Batch, data: dict[str, Any], codec: Codec) -> None:
    _copy(obj, data, BATCH_FIELDS)
    if "product" in data:
        # `_id` is None only for a product that did not resolve, an error the codec raises before any flush.
        obj.product_id = _id(codec.resolve(Product, data["product"], ("product",)))  # type: ignore[assignment]
    if "step" in data:
        value = data["step"]
        obj.step = None if value is None else codec.resolve(ProductionStep, value, ("step",))


def batch_wire(obj: Batch, codec: Codec) -> dict[str, Any]:
    session = Session.object_session(obj)
    assert session is not None
    return {
        **{name: getattr(obj, name) for name in BATCH_FIELDS},
        "step": None if obj.step is None else codec.ref(obj.step),
        "product": codec.ref(session.get(Product, obj.product_id)),
    }


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of producer record."""

    name: str
    model: type[Any]
    apply: Callable[[Any, dict[str, Any], Codec], None]
    wire: Callable[[Any, Codec], dict[str, Any]]

    @property
    def noun(self) -> str:
        return noun(self.model)

    def new(self, **fields: Any) -> Any:
        """A new record whose collections are known empty: nothing stored can refer to it yet, so reading a
        step's inputs or a material's evidence while applying data must not query (and autoflush) for them."""
        obj = self.model(**fields)
        for relationship in sa.inspect(self.model).relationships:
            if relationship.uselist:
                set_committed_value(obj, relationship.key, [])
        return obj


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("suppliers", Supplier, apply_supplier, supplier_wire),
        Kind("certificates", Certificate, apply_certificate, certificate_wire),
        Kind("materials", Material, apply_material, material_wire),
        Kind("lots", MaterialLot, apply_lot, lot_wire),
        Kind("facilities", Facility, apply_facility, facility_wire),
        Kind("products", Product, apply_product, product_wire),
        Kind("steps", ProductionStep, apply_step, step_wire),
        Kind("batches", Batch, apply_batch, batch_wire),
    )
}


# --- a record as a whole ------------------------------------------------------------------------------


def record_body(kind: Kind, obj: Any, codec: Codec) -> dict[str, Any]:
    """The record in wire form with its identity (Python values: enums, dates); a voided one says when and why."""
    return {
        "id": obj.id,
        "business": obj.business_id,
        "ref": obj.ref,
        "version": obj.version,
        "voided_at": obj.voided_at,
        "void_reason": obj.void_reason,
        **kind.wire(obj, codec),
    }


def record_payload(kind: Kind, obj: Any, codec: Codec) -> dict[str, Any]:
    """The record as JSON-ready data, as the journal keeps it."""
    loaded: dict[str, Any] = json.loads(canonical_json(record_body(kind, obj, codec)))
    return loaded
