"""Importing a dossier into a business all-or-nothing, and exporting a product as a dossier."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from models import (
    Batch,
    Business,
    Certificate,
    CertificateScope,
    Facility,
    Material,
    MaterialLot,
    Product,
    ProductionStep,
    Storage,
    StorageItem,
    Supplier,
    Transport,
    TransportItem,
)
from traceability.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from traceability.formats.dossier import BUSINESS, FORMAT, dump_dossier, load_dossier
from traceability.journal import canonical_json
from traceability.service import certificate_status, journal
from traceability.service.access import Actor
from traceability.service.business_search import index_businesses, tokens_of
from traceability.service.businesses import apply_business, business_payload, business_wire
from traceability.service.provenance import check_acyclic
from traceability.service.records import KINDS, ApiCodec, ErrorTree, noun, record_payload
from traceability.service.unit_of_work import touch, writing
from traceability.vocabulary import Role

__all__ = ["ImportResult", "export_dossier", "import_dossier"]


@dataclass(frozen=True, slots=True)
class ImportResult:
    business: int
    product: int
    batches: list[int]


class ExportCodec:
    """Names records by their stored ref, or ``<kind>-<id>`` when they have none."""

    business = BUSINESS

    def __init__(self) -> None:
        self.errors = ErrorTree()
        #: (kind, local id) -> stored id, for translating node ids back to the database's.
        self.ids: dict[tuple[str, str], int] = {}

    def ref(self, obj: Any) -> str:
        local = obj.ref or f"{noun(type(obj))}-{obj.id}"
        self.ids[(noun(type(obj)), local)] = obj.id
        return local

    def resolve(self, model: type[Any], value: Any, path: Sequence[Any]) -> Any:
        raise NotImplementedError

    def either_ref(self, obj: Any) -> str:
        return self.ref(obj)

    def resolve_either(self, value: Any, path: Sequence[Any], options: dict[str, type[Any]]) -> Any:
        raise NotImplementedError


class ImportCodec(ExportCodec):
    """Resolves the dossier's local ids to the records created (or reused) for them."""

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[type[Any], dict[str, Any]] = {}

    def resolve(self, model: type[Any], value: Any, path: Sequence[Any]) -> Any:
        return self.records[model][value]  # load_dossier already checked every reference

    def resolve_either(self, value: Any, path: Sequence[Any], options: dict[str, type[Any]]) -> Any:
        for model in options.values():
            if value in self.records.get(model, {}):
                return self.records[model][value]
        raise KeyError(value)


_COLLIDES = "The dossier collides with records this business already holds."
# Sections whose records may already exist (same ref, same business): reused when identical.
_REUSABLE = ("suppliers", "materials", "certificates", "lots", "facilities")


def _same(wire: dict[str, Any], item: dict[str, Any]) -> bool:
    """Say whether a stored record (wire form) holds exactly what a dossier item says."""

    def normal(value: Any) -> Any:  # 30 and 30.0 are the same quantity
        if isinstance(value, dict):
            return {k: normal(v) for k, v in value.items()}
        if isinstance(value, list):
            return [normal(v) for v in value]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return value

    keys = item.keys() - {"id"}
    return canonical_json(normal({k: wire.get(k) for k in keys})) == canonical_json(normal({k: item[k] for k in keys}))


def _business_for(session: Session, actor: Actor, data: dict[str, Any]) -> Business:
    nib = data["nib"]
    if actor.role is Role.PRODUCER:
        if actor.business_id is None:
            raise PermissionDeniedError("Register your business first.")
        business = session.get(Business, actor.business_id)
        assert business is not None
        if business.nib != nib:
            message = f"This dossier is for NIB {nib}, but your business has NIB {business.nib}."
            raise InvalidInputError(message, errors={"business": {"nib": [message]}})
        return business
    if actor.role is not None:
        raise PermissionDeniedError(f"A {actor.role} cannot import dossiers.")
    business = session.scalar(sa.select(Business).where(Business.nib == nib))
    return business or Business()


def import_dossier(session: Session, actor: Actor, document: Any) -> ImportResult:
    """Store a dossier in its business, all or nothing, and journal every record it adds.

    Suppliers, materials, certificates, lots and facilities that the business already holds under
    the same id are reused when identical and refused when they differ; the product, its steps and
    batches must be new.
    """
    doc = load_dossier(document)
    with writing(session):
        return _import(session, actor, doc)


def _import(session: Session, actor: Actor, doc: dict[str, Any]) -> ImportResult:
    business = _business_for(session, actor, doc["business"])
    is_new = business.id is None
    changes: list[journal.Change] = []
    if is_new or business_wire(business) != {**business_wire(business), **doc["business"]}:
        apply_business(business, doc["business"])
        session.add(business)
        session.flush()
        index_businesses(session, [(business.id, tokens_of(business))], fresh=is_new)
        changes.append(
            journal.Change(
                "create" if is_new else "update", f"business:{business.id}", business_payload(business), business.id
            )
        )
    codec = ImportCodec()
    conflicts = ErrorTree()
    created: list[tuple[str, Any]] = []

    def section(
        name: str,
        items: list[dict[str, Any]],
        *,
        leave: tuple[str, ...] = (),
        extra: dict[str, Any] | None = None,
        where: str | None = None,
    ) -> list[Any]:
        """Add one section's records (or reuse stored twins), then flush them in one go."""
        kind = KINDS[name]
        stored: dict[str, Any] = {}
        if not is_new:  # one query per section for records this business already holds
            refs = [item["id"] for item in items]
            stored = {
                o.ref: o
                for o in session.scalars(
                    sa.select(kind.model).where(kind.model.business_id == business.id, kind.model.ref.in_(refs))
                )
            }
        added = []
        for i, item in enumerate(items):
            path = (where, "id") if where else (name, i, "id")
            existing = stored.get(item["id"])
            if existing is not None and name in _REUSABLE and _same(kind.wire(existing, codec), item):
                codec.records.setdefault(kind.model, {})[item["id"]] = existing
                added.append(existing)
                continue
            if existing is not None:
                conflicts.add(
                    path,
                    f"This business already has a {kind.noun} {item['id']!r} with other data; "
                    "give this one another id or make them match."
                    if name in _REUSABLE
                    else f"This business already has a {kind.noun} {item['id']!r}; a dossier can only add new ones.",
                )
                added.append(None)
                continue
            obj = kind.model(business_id=business.id, ref=item["id"])
            kind.apply(obj, {k: v for k, v in item.items() if k != "id" and k not in leave} | (extra or {}), codec)
            session.add(obj)
            codec.records.setdefault(kind.model, {})[item["id"]] = obj
            created.append((name, obj))
            added.append(obj)
        conflicts.raise_if_any(_COLLIDES, ConflictError)
        session.flush()  # one batched INSERT per table; later sections refer to these ids
        return added

    section("suppliers", doc["suppliers"])
    # Materials may be made with materials listed after them: create first, link second.
    materials = section("materials", doc["materials"], leave=("made_with",))
    for item, material in zip(doc["materials"], materials, strict=True):
        if ("materials", material) in created:
            KINDS["materials"].apply(material, {"made_with": item["made_with"]}, codec)
    product_item = doc["product"]
    application = doc["application"] or {}
    verification = application.get("pendamping_verification") or {}
    (product,) = section("products", [product_item], leave=("certificate", "certified_composition"), where="product")
    product.application_route = application.get("route")
    product.pendamping_name = verification.get("pendamping")
    product.pendamping_registration_no = verification.get("registration_no")
    product.pendamping_verified_on = verification.get("verified_on")
    for certificate in section("certificates", doc["certificates"]):
        if certificate is not None:  # an authority's revocation outlives the dossier's copy of the status
            certificate_status.enforce(session, certificate)
    KINDS["products"].apply(product, {k: product_item[k] for k in ("certificate", "certified_composition")}, codec)
    section("lots", doc["lots"])
    section("facilities", doc["facilities"])
    steps = section("steps", doc["steps"], leave=("inputs", "outputs"))
    section("batches", doc["batches"], extra={"product": product_item["id"]})
    for step, item in zip(steps, doc["steps"], strict=True):
        KINDS["steps"].apply(step, {"inputs": item["inputs"], "outputs": item["outputs"]}, codec)
    for item in doc["storage"]:
        storage = Storage(
            business_id=business.id,
            facility_id=codec.resolve(Facility, item["facility"], ()).id,
            labelled=item["labelled"],
        )
        storage.items = [StorageItem(position=j, **_lot_or_batch(codec, held)) for j, held in enumerate(item["holds"])]
        session.add(storage)
    for item in doc["transport"]:
        transport = Transport(
            business_id=business.id,
            with_non_halal=item["with_non_halal"],
            packaged=item["packaged"],
            facility_id=codec.resolve(Facility, item["facility"], ()).id,
        )
        transport.items = [
            TransportItem(position=j, batch_id=codec.resolve(Batch, carried, ()).id)
            for j, carried in enumerate(item["carries"])
        ]
        session.add(transport)
    check_acyclic(session, steps)
    export_codec = ApiCodec(session, business.id)
    changes += [
        journal.Change(
            "create", f"{noun(type(obj))}:{obj.id}", record_payload(KINDS[section], obj, export_codec), business.id
        )
        for section, obj in created
    ]
    changes.append(
        journal.Change(
            "dossier.import", f"product:{product.id}", {"format": FORMAT, "records": len(created)}, business.id
        )
    )
    journal.append_many(session, actor, changes)
    touch(session, *(f"batch:{obj.id}" for section, obj in created if section == "batches"))
    if changes and changes[0].subject == f"business:{business.id}" and not is_new:
        touch(session, f"business:{business.id}")
    return ImportResult(
        business=business.id,
        product=product.id,
        batches=[b.id for s, b in created if s == "batches"],
    )


def _lot_or_batch(codec: ImportCodec, ref: str) -> dict[str, int]:
    held = codec.resolve_either(ref, (), {"lot": MaterialLot, "batch": Batch})
    return {"lot_id": held.id} if isinstance(held, MaterialLot) else {"batch_id": held.id}


def export_dossier(
    session: Session,
    actor: Actor,
    product_id: int,
    *,
    as_of: dt.date | None = None,
    codec: ExportCodec | None = None,
    batches: list[int] | None = None,
) -> dict[str, Any]:
    """Return a product and everything upstream of its batches as a ``halal-trace/dossier@1`` document.

    Pass a `codec` to learn which stored record each local id in the document stands for, and
    `batches` to export only what those batches are made of.
    """
    product = session.get(Product, product_id)
    if product is None:
        raise NotFoundError("No product with that id.")
    actor.require_read(product.business_id, "product")
    business = session.get(Business, product.business_id)
    assert business is not None
    codec = codec or ExportCodec()

    # Load the product's batches with their steps and the steps' links in a few queries, not one per row.
    chosen = sa.select(Batch).where(Batch.product_id == product.id)
    if batches is not None:
        chosen = chosen.where(Batch.id.in_(batches))
    batches_by_id = {
        b.id: b
        for b in session.scalars(
            chosen.order_by(Batch.id).options(
                selectinload(Batch.step).selectinload(ProductionStep.inputs),
                selectinload(Batch.step).selectinload(ProductionStep.outputs),
            )
        )
    }
    steps: dict[int, ProductionStep] = {}
    lots: dict[int, MaterialLot] = {}
    pending = [b for b in batches_by_id.values() if b.step_id is not None]
    while pending:  # walk up through intermediate batches, within this business
        batch = pending.pop()
        step = batch.step
        if step is None or step.id in steps:
            continue
        steps[step.id] = step
        for used in step.inputs:
            if used.lot_id is not None:
                lot = session.get(MaterialLot, used.lot_id)
                assert lot is not None
                lots[lot.id] = lot
            elif used.batch_id is not None and used.batch_id not in batches_by_id:
                upstream = session.get(Batch, used.batch_id)
                assert upstream is not None
                batches_by_id[upstream.id] = upstream
                pending.append(upstream)
        for made in step.outputs:
            batches_by_id.setdefault(made.id, made)

    materials = {lot.material_id: session.get(Material, lot.material_id) for lot in lots.values()}
    materials.update({c.material_id: session.get(Material, c.material_id) for c in product.composition})
    frontier = list(materials.values())
    while frontier:
        for used in frontier.pop().inputs:
            if used.input_id not in materials:
                materials[used.input_id] = session.get(Material, used.input_id)
                frontier.append(materials[used.input_id])

    certificates = {
        lot.certificate_id: session.get(Certificate, lot.certificate_id)
        for lot in lots.values()
        if lot.certificate_id is not None
    }
    if product.certificate_id is not None:
        certificates[product.certificate_id] = session.get(Certificate, product.certificate_id)
    covering = sa.select(Certificate).where(
        Certificate.business_id == business.id,
        Certificate.scope.any(
            sa.or_(CertificateScope.material_id.in_(materials), CertificateScope.product_id == product.id)
        ),
    )
    certificates.update({c.id: c for c in session.scalars(covering)})
    facility_ids = {s.facility_id for s in steps.values() if s.facility_id is not None}
    storage = [
        st
        for st in session.scalars(sa.select(Storage).where(Storage.business_id == business.id).order_by(Storage.id))
        if any(i.lot_id in lots or i.batch_id in batches_by_id for i in st.items)
    ]
    transport = [
        tr
        for tr in session.scalars(
            sa.select(Transport).where(Transport.business_id == business.id).order_by(Transport.id)
        )
        if any(i.batch_id in batches_by_id for i in tr.items)
    ]
    facility_ids |= {st.facility_id for st in storage} | {tr.facility_id for tr in transport}
    facility_ids |= set(
        session.scalars(
            sa.select(Facility.id).where(
                Facility.business_id == business.id, Facility.kind.in_(("production", "outlet"))
            )
        )
    )
    facilities = {i: session.get(Facility, i) for i in facility_ids}
    supplier_ids = {lot.supplier_id for lot in lots.values()}
    supplier_ids |= {c.holder_supplier_id for c in certificates.values() if c.holder_supplier_id}
    supplier_ids |= {f.owner_supplier_id for f in facilities.values() if f and f.owner_supplier_id}
    suppliers = {i: session.get(Supplier, i) for i in supplier_ids}

    def section(name: str, records: dict[int, Any]) -> list[dict[str, Any]]:
        kind = KINDS[name]
        return [{"id": codec.ref(obj), **kind.wire(obj, codec)} for _, obj in sorted(records.items())]

    batch_items = section("batches", batches_by_id)
    for item in batch_items:
        item.pop("product")
    step_items = section("steps", steps)
    for item in step_items:
        item.pop("equipment")
    application = None
    if product.application_route is not None:
        verification = None
        if product.pendamping_name is not None:
            verification = {
                "pendamping": product.pendamping_name,
                "registration_no": product.pendamping_registration_no,
                "verified_on": product.pendamping_verified_on,
            }
        application = {"route": product.application_route, "pendamping_verification": verification}
    doc = {
        "format": FORMAT,
        "as_of": as_of,
        "business": business_wire(business),
        "application": application,
        "suppliers": section("suppliers", suppliers),
        "certificates": section("certificates", certificates),
        "materials": section("materials", materials),
        "lots": section("lots", lots),
        "facilities": section("facilities", facilities),
        "product": {"id": codec.ref(product), **KINDS["products"].wire(product, codec)},
        "steps": step_items,
        "batches": batch_items,
        "storage": [
            {
                "facility": codec.ref(facilities[st.facility_id]),
                "labelled": st.labelled,
                "holds": [
                    codec.ref(session.get(MaterialLot, i.lot_id) if i.lot_id else session.get(Batch, i.batch_id))
                    for i in st.items
                ],
            }
            for st in storage
        ],
        "transport": [
            {
                "facility": codec.ref(facilities[tr.facility_id]),
                "carries": [codec.ref(session.get(Batch, i.batch_id)) for i in tr.items],
                "with_non_halal": tr.with_non_halal,
                "packaged": tr.packaged,
            }
            for tr in transport
        ],
    }
    return dump_dossier(doc)
