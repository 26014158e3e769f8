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
from traceability.errors import ConflictError, ErrorTree, InvalidInputError, NotFoundError, PermissionDeniedError
from traceability.formats.dossier import BUSINESS, FORMAT, dump_dossier, load_dossier
from traceability.journal import canonical_json
from traceability.service import certificate_status, journal, provenance
from traceability.service.access import Actor
from traceability.service.business_search import index_businesses, tokens_of
from traceability.service.businesses import apply_business, business_payload, business_wire
from traceability.service.provenance import check_acyclic
from traceability.service.record_kinds import KINDS, ApiCodec, Kind, noun, record_payload
from traceability.service.unit_of_work import touch, writing

__all__ = ["ImportResult", "dossier_values", "export_dossier", "import_dossier"]


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
        #: (kind, local id) -> the record itself: held, so what reads the records after the export (the
        #: assessment's stored facts) finds them loaded; the session holds objects only weakly.
        self.named: dict[tuple[str, str], Any] = {}

    def ref(self, obj: Any) -> str:
        local = obj.ref or f"{noun(type(obj))}-{obj.id}"
        self.ids[(noun(type(obj)), local)] = obj.id
        self.named[(noun(type(obj)), local)] = obj
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
    if not actor.may_write_records:
        raise PermissionDeniedError(f"A {actor.role} cannot import dossiers.")
    if not actor.may_write_every_business:
        if actor.business_id is None:
            raise PermissionDeniedError("Register your business first.")
        business = session.get(Business, actor.business_id)
        assert business is not None
        if business.nib != nib:
            message = f"This dossier is for NIB {nib}, but your business has NIB {business.nib}."
            raise InvalidInputError(message, errors={"business": {"nib": [message]}})
        return business
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
    changes = _store_business(session, business, doc["business"], is_new=is_new)
    dossier = _Import(session, business, is_new=is_new)
    dossier.section("suppliers", doc["suppliers"])
    dossier.materials(doc["materials"])
    product = dossier.product(doc["product"], doc["application"] or {})
    dossier.certificates(doc["certificates"])
    dossier.link_product(product, doc["product"])
    dossier.section("lots", doc["lots"])
    dossier.section("facilities", doc["facilities"])
    steps = dossier.production(doc["steps"], doc["batches"], product_ref=doc["product"]["id"])
    dossier.storage(doc["storage"])
    dossier.transport(doc["transport"])
    check_acyclic(session, steps)
    journal.append_many(session, actor, changes + dossier.changes(product))
    batches = [obj.id for name, obj in dossier.created if name == "batches"]
    touch(session, *(f"batch:{b}" for b in batches))
    if changes and not is_new:
        touch(session, f"business:{business.id}")
    return ImportResult(business=business.id, product=product.id, batches=batches)


def _store_business(
    session: Session, business: Business, data: dict[str, Any], *, is_new: bool
) -> list[journal.Change]:
    """Create the dossier's business or bring it up to date; return the change to journal, if any."""
    if not is_new and business_wire(business) == {**business_wire(business), **data}:
        return []
    apply_business(business, data)
    session.add(business)
    session.flush()
    index_businesses(session, [(business.id, tokens_of(business))], fresh=is_new)
    action = "create" if is_new else "update"
    return [journal.Change(action, f"business:{business.id}", business_payload(business), business.id)]


class _Import:
    """One dossier going into one business: its sections' records, added or reused, and what to journal."""

    def __init__(self, session: Session, business: Business, *, is_new: bool) -> None:
        self.session, self.business, self.is_new = session, business, is_new
        self.codec = ImportCodec()
        self.conflicts = ErrorTree()
        #: (section, record) of every record added, in order, for the journal.
        self.created: list[tuple[str, Any]] = []

    def section(
        self,
        name: str,
        items: list[dict[str, Any]],
        *,
        leave: tuple[str, ...] = (),
        extra: dict[str, Any] | None = None,
        where: str | None = None,
    ) -> list[Any]:
        """Add one section's records (or reuse stored twins), then flush them in one go.

        Returns the record for each item, None where the item collides (the collisions are raised together).
        """
        kind = KINDS[name]
        stored = self._stored(kind, items)
        added = []
        for i, item in enumerate(items):
            existing = stored.get(item["id"])
            if existing is None:
                data = {k: v for k, v in item.items() if k != "id" and k not in leave} | (extra or {})
                added.append(self._add(name, item["id"], data))
            elif name in _REUSABLE and _same(kind.wire(existing, self.codec), item):
                self.codec.records.setdefault(kind.model, {})[item["id"]] = existing
                added.append(existing)
            else:
                self.conflicts.add((where, "id") if where else (name, i, "id"), _collision(kind.noun, name, item["id"]))
                added.append(None)
        self.conflicts.raise_if_any(_COLLIDES, ConflictError)
        self.session.flush()  # one batched INSERT per table; later sections refer to these ids
        return added

    def _stored(self, kind: Kind, items: list[dict[str, Any]]) -> dict[str, Any]:
        """The records this business already holds under the items' ids: one query per section."""
        if self.is_new:
            return {}
        model = kind.model
        refs = [item["id"] for item in items]
        query = sa.select(model).where(model.business_id == self.business.id, model.ref.in_(refs))
        return {o.ref: o for o in self.session.scalars(query)}

    def _add(self, name: str, ref: str, data: dict[str, Any]) -> Any:
        kind = KINDS[name]
        obj = kind.new(business_id=self.business.id, ref=ref)
        kind.apply(obj, data, self.codec)
        self.session.add(obj)
        self.codec.records.setdefault(kind.model, {})[ref] = obj
        self.created.append((name, obj))
        return obj

    def materials(self, items: list[dict[str, Any]]) -> None:
        """Materials may be made with materials listed after them: create first, link second."""
        for item, material in zip(items, self.section("materials", items, leave=("made_with",)), strict=True):
            if ("materials", material) in self.created:
                KINDS["materials"].apply(material, {"made_with": item["made_with"]}, self.codec)

    def product(self, item: dict[str, Any], application: dict[str, Any]) -> Product:
        """The product with its application; its certificate and composition come once those are stored."""
        added = self.section("products", [item], leave=("certificate", "certified_composition"), where="product")
        product: Product = added[0]
        verification = application.get("pendamping_verification") or {}
        product.application_route = application.get("route")
        product.pendamping_name = verification.get("pendamping")
        product.pendamping_registration_no = verification.get("registration_no")
        product.pendamping_verified_on = verification.get("verified_on")
        return product

    def certificates(self, items: list[dict[str, Any]]) -> None:
        added = [c for c in self.section("certificates", items) if c is not None]
        certificate_status.enforce_all(self.session, added)  # an authority's revocation outlives the dossier

    def link_product(self, product: Product, item: dict[str, Any]) -> None:
        links = {k: item[k] for k in ("certificate", "certified_composition")}
        KINDS["products"].apply(product, links, self.codec)

    def production(
        self, steps: list[dict[str, Any]], batches: list[dict[str, Any]], *, product_ref: str
    ) -> list[ProductionStep]:
        """Steps, then the batches they make, then the steps' inputs and outputs (which name those batches)."""
        stored = self.section("steps", steps, leave=("inputs", "outputs"))
        self.section("batches", batches, extra={"product": product_ref})
        for step, item in zip(stored, steps, strict=True):
            KINDS["steps"].apply(step, {"inputs": item["inputs"], "outputs": item["outputs"]}, self.codec)
        return stored

    def storage(self, items: list[dict[str, Any]]) -> None:
        for item in items:
            storage = Storage(
                business_id=self.business.id,
                facility_id=self.codec.resolve(Facility, item["facility"], ()).id,
                labelled=item["labelled"],
            )
            storage.items = [
                StorageItem(position=j, **_lot_or_batch(self.codec, held)) for j, held in enumerate(item["holds"])
            ]
            self.session.add(storage)

    def transport(self, items: list[dict[str, Any]]) -> None:
        for item in items:
            transport = Transport(
                business_id=self.business.id,
                with_non_halal=item["with_non_halal"],
                packaged=item["packaged"],
                facility_id=self.codec.resolve(Facility, item["facility"], ()).id,
            )
            transport.items = [
                TransportItem(position=j, batch_id=self.codec.resolve(Batch, carried, ()).id)
                for j, carried in enumerate(item["carries"])
            ]
            self.session.add(transport)

    def changes(self, product: Product) -> list[journal.Change]:
        """A journal entry per record added, and one for the import itself."""
        codec = ApiCodec(self.session, self.business.id)
        business = self.business.id
        added = [
            journal.Change("create", f"{noun(type(obj))}:{obj.id}", record_payload(KINDS[name], obj, codec), business)
            for name, obj in self.created
        ]
        summary = {"format": FORMAT, "records": len(self.created)}
        return [*added, journal.Change("dossier.import", f"product:{product.id}", summary, business)]


def _collision(what: str, section: str, ref: str) -> str:
    if section in _REUSABLE:
        return (
            f"This business already has a {what} {ref!r} with other data; give this one another id or make them match."
        )
    return f"This business already has a {what} {ref!r}; a dossier can only add new ones."


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
    return dump_dossier(_document(session, actor, product_id, as_of, codec or ExportCodec(), batches))


def dossier_values(
    session: Session,
    actor: Actor,
    product_id: int,
    *,
    codec: ExportCodec | None = None,
    batches: list[int] | None = None,
) -> dict[str, Any]:
    """The dossier :func:`export_dossier` writes as :func:`~traceability.formats.dossier.load_dossier` reads it
    back, without the round trip through JSON (a fifth of a write's time): what the assessment judges."""
    document = _document(session, actor, product_id, None, codec or ExportCodec(), batches)
    # The file leaves a step's equipment out (the assessment has it as a stored fact); read back, it is None.
    return {**document, "steps": [{**step, "equipment": None} for step in document["steps"]]}


def _document(
    session: Session,
    actor: Actor,
    product_id: int,
    as_of: dt.date | None,
    codec: ExportCodec,
    batches: list[int] | None,
) -> dict[str, Any]:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFoundError("No product with that id.")
    actor.require_read(product.business_id, "product")
    return _Contents.load(session, product, batches).document(codec, as_of)


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
