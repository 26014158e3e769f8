"""Importing a dossier into a business all-or-nothing, and exporting a product as a dossier."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
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
from traceability.service import certificate_status, journal, provenance
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


_CHUNK = 500
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


# --- export ------------------------------------------------------------------------------------------------


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
    contents = _Contents.load(session, product, batches)
    return dump_dossier(contents.document(codec or ExportCodec(), as_of))


@functools.cache
def _production_statement(chosen: bool) -> sa.Select[Batch]:
    """The product's batches (or the ``:batches`` among them) and every batch of the business they are made of,
    with their steps and the steps' inputs and outputs: one walk, built once."""
    seeds = Batch.product_id == sa.bindparam("product")
    if chosen:
        seeds &= Batch.id.in_(sa.bindparam("batches", expanding=True))
    walk = provenance.upstream(seeds, cross=False)  # one business's dossier: a lot bought in stays a lot
    return (
        sa.select(Batch)
        .where(Batch.id.in_(sa.select(walk.c.batch_id)))
        .options(
            selectinload(Batch.step).selectinload(ProductionStep.inputs),
            selectinload(Batch.step).selectinload(ProductionStep.outputs),
        )
    )


def _load(session: Session, model: type[Any], ids: Iterable[int | None], *options: Any) -> dict[int, Any]:
    """The records with these ids, a few hundred a query (none for no ids)."""
    wanted = sorted({i for i in ids if i is not None})
    found: dict[int, Any] = {}
    for start in range(0, len(wanted), _CHUNK):
        query = sa.select(model).where(model.id.in_(wanted[start : start + _CHUNK])).options(*options)
        found.update((obj.id, obj) for obj in session.scalars(query))
    return found


@dataclass
class _Contents:
    """What one product's dossier holds, each record loaded once.

    Records come in bulk by id, with their linked rows (``selectinload``), so the record wire functions find
    everything in the session's identity map: the number of queries does not grow with the dossier (ids go
    500 to a query, and materials one query per level of "made with").
    """

    business: Business
    product: Product
    batches: dict[int, Batch]
    steps: dict[int, ProductionStep]
    lots: dict[int, MaterialLot]
    materials: dict[int, Material]
    certificates: dict[int, Certificate]
    storage: list[Storage]
    transport: list[Transport]
    facilities: dict[int, Facility]
    suppliers: dict[int, Supplier]
    #: Records the sections name but do not hold (another product's batch, a material a certificate also
    #: covers, the rest of a storage), loaded in bulk too and kept here: the session holds objects weakly.
    named: dict[type[Any], dict[int, Any]]

    @classmethod
    def load(cls, session: Session, product: Product, chosen: list[int] | None) -> _Contents:
        business = session.get_one(Business, product.business_id)
        batches, steps, lots = _production(session, product, chosen)
        materials = _materials(session, lots, product)
        certificates = _certificates(session, business.id, product, lots, materials)
        storage, transport = _storage_and_transport(session, business.id, lots, batches)
        facilities = _facilities(session, business.id, steps, storage, transport)
        suppliers: list[int | None] = [lot.supplier_id for lot in lots.values()]
        suppliers += [c.holder_supplier_id for c in certificates.values()]
        suppliers += [f.owner_supplier_id for f in facilities.values()]
        scopes = [s for c in certificates.values() for s in c.scope]
        held = [i for st in storage for i in st.items]
        named: dict[type[Any], set[int | None]] = {
            Product: ({b.product_id for b in batches.values()} | {s.product_id for s in scopes}) - {product.id},
            Material: {s.material_id for s in scopes} - materials.keys(),
            MaterialLot: {i.lot_id for i in held} - lots.keys(),
            Batch: ({i.batch_id for i in held} | {i.batch_id for tr in transport for i in tr.items}) - batches.keys(),
        }
        return cls(
            business=business,
            product=product,
            batches=batches,
            steps=steps,
            lots=lots,
            materials=materials,
            certificates=certificates,
            storage=storage,
            transport=transport,
            facilities=facilities,
            suppliers=_load(session, Supplier, suppliers),
            named={model: _load(session, model, ids) for model, ids in named.items()},
        )

    def _held(self, item: StorageItem | TransportItem) -> MaterialLot | Batch:
        """The lot or batch a storage or transport item names: one of the dossier's, or one it only names."""
        if isinstance(item, StorageItem) and item.lot_id is not None:
            return self.lots.get(item.lot_id) or self.named[MaterialLot][item.lot_id]
        assert item.batch_id is not None  # an item holds a lot or a batch
        return self.batches.get(item.batch_id) or self.named[Batch][item.batch_id]

    def document(self, codec: ExportCodec, as_of: dt.date | None) -> dict[str, Any]:
        """The dossier, as :func:`~traceability.formats.dossier.load_dossier` returns one."""

        def section(name: str, records: dict[int, Any], *, omit: str = "") -> list[dict[str, Any]]:
            kind = KINDS[name]
            return [
                {"id": codec.ref(obj), **{k: v for k, v in kind.wire(obj, codec).items() if k != omit}}
                for _, obj in sorted(records.items())
            ]

        return {
            "format": FORMAT,
            "as_of": as_of,
            "business": business_wire(self.business),
            "application": _application(self.product),
            "suppliers": section("suppliers", self.suppliers),
            "certificates": section("certificates", self.certificates),
            "materials": section("materials", self.materials),
            "lots": section("lots", self.lots),
            "facilities": section("facilities", self.facilities),
            "product": {"id": codec.ref(self.product), **KINDS["products"].wire(self.product, codec)},
            "steps": section("steps", self.steps, omit="equipment"),
            "batches": section("batches", self.batches, omit="product"),
            "storage": [
                {
                    "facility": codec.ref(self.facilities[st.facility_id]),
                    "labelled": st.labelled,
                    "holds": [codec.ref(self._held(i)) for i in st.items],
                }
                for st in self.storage
            ],
            "transport": [
                {
                    "facility": codec.ref(self.facilities[tr.facility_id]),
                    "carries": [codec.ref(self._held(i)) for i in tr.items],
                    "with_non_halal": tr.with_non_halal,
                    "packaged": tr.packaged,
                }
                for tr in self.transport
            ],
        }


def _production(
    session: Session, product: Product, chosen: list[int] | None
) -> tuple[dict[int, Batch], dict[int, ProductionStep], dict[int, MaterialLot]]:
    """The batches walked up from the product's (or the chosen ones), with the other batches their steps made;
    those steps; and the lots the steps used."""
    params: dict[str, Any] = {"product": product.id}
    if chosen is not None:
        params["batches"] = chosen
    provenance.plain_plans(session)
    walked = session.scalars(_production_statement(chosen is not None), params).all()
    batches = {b.id: b for b in walked}
    steps = {b.step.id: b.step for b in walked if b.step is not None}
    for step in steps.values():
        for made in step.outputs:
            batches.setdefault(made.id, made)
    lots = _load(session, MaterialLot, [i.lot_id for step in steps.values() for i in step.inputs])
    return batches, steps, lots


def _materials(session: Session, lots: dict[int, MaterialLot], product: Product) -> dict[int, Material]:
    """The lots' materials and the product's certified composition, with every material they are made with."""
    materials: dict[int, Material] = {}
    wanted = {lot.material_id for lot in lots.values()} | {c.material_id for c in product.composition}
    while wanted:  # one load per level of "made with", however many materials a level holds
        found = _load(session, Material, wanted, selectinload(Material.inputs), selectinload(Material.evidence))
        materials.update(found)
        wanted = {used.input_id for material in found.values() for used in material.inputs} - materials.keys()
    return materials


def _certificates(
    session: Session, business_id: int, product: Product, lots: dict[int, MaterialLot], materials: dict[int, Material]
) -> dict[int, Certificate]:
    """The certificates on the lots and the product, and the business's that cover its materials or the product."""
    ids = {lot.certificate_id for lot in lots.values()} | {product.certificate_id}
    covering = sa.select(Certificate.id).where(
        Certificate.business_id == business_id,
        Certificate.scope.any(
            sa.or_(CertificateScope.material_id.in_(materials), CertificateScope.product_id == product.id)
        ),
    )
    return _load(session, Certificate, ids | set(session.scalars(covering)), selectinload(Certificate.scope))


def _storage_and_transport(
    session: Session, business_id: int, lots: dict[int, MaterialLot], batches: dict[int, Batch]
) -> tuple[list[Storage], list[Transport]]:
    """The business's storage that holds any of the lots or batches, and its transport that carries a batch."""
    stored = sa.select(Storage).where(Storage.business_id == business_id).order_by(Storage.id)
    carried = sa.select(Transport).where(Transport.business_id == business_id).order_by(Transport.id)
    storage = [
        st
        for st in session.scalars(stored.options(selectinload(Storage.items)))
        if any(i.lot_id in lots or i.batch_id in batches for i in st.items)
    ]
    transport = [
        tr
        for tr in session.scalars(carried.options(selectinload(Transport.items)))
        if any(i.batch_id in batches for i in tr.items)
    ]
    return storage, transport


def _facilities(
    session: Session,
    business_id: int,
    steps: dict[int, ProductionStep],
    storage: list[Storage],
    transport: list[Transport],
) -> dict[int, Facility]:
    """Where the steps ran and the goods were kept and carried, and the business's production sites and outlets."""
    sites = sa.select(Facility.id).where(
        Facility.business_id == business_id, Facility.kind.in_(("production", "outlet"))
    )
    ids = [s.facility_id for s in steps.values()] + [st.facility_id for st in storage]
    ids += [tr.facility_id for tr in transport] + list(session.scalars(sites))
    linked = (Facility.sharing, Facility.najis_contact, Facility.cleansing, Facility.tools)
    return _load(session, Facility, ids, *(selectinload(rows) for rows in linked))


def _application(product: Product) -> dict[str, Any] | None:
    if product.application_route is None:
        return None
    verification = None
    if product.pendamping_name is not None:
        verification = {
            "pendamping": product.pendamping_name,
            "registration_no": product.pendamping_registration_no,
            "verified_on": product.pendamping_verified_on,
        }
    return {"route": product.application_route, "pendamping_verification": verification}
