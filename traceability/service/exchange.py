"""Exchange a batch's provenance with other systems: EPCIS 2.0 export and capture, W3C PROV export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import (
    Batch,
    Business,
    Certificate,
    Facility,
    Material,
    MaterialLot,
    Product,
    ProductionStep,
    StepInput,
    Supplier,
)
from traceability.errors import ErrorTree
from traceability.formats import epcis
from traceability.formats.prov import write_prov
from traceability.identifiers import certificate_number_key, gtin_key, lot_key
from traceability.service import certificate_status, epcis_repository, journal
from traceability.service.access import Actor
from traceability.service.provenance import check_acyclic, upstream_graph
from traceability.service.record_kinds import KINDS, ApiCodec, noun, record_payload
from traceability.service.unit_of_work import writing
from traceability.vocabulary import (
    CertificateScheme,
    CertificateStatus,
    FacilityKind,
    MaterialKind,
    Origin,
    SupplierKind,
)

__all__ = ["CaptureResult", "capture_epcis", "export_epcis", "export_prov"]


def export_epcis(
    session: Session, actor: Actor, batch_id: int, *, base_url: str, created: dt.datetime | None = None
) -> dict[str, Any]:
    """Return the EPCIS 2.0 document of everything batch `batch_id` is made of."""
    graph = upstream_graph(session, actor, batch_id)
    return epcis.write_document(
        graph, base_url=base_url, created=created or dt.datetime.now(dt.UTC), recorded=_recorded(session, graph)
    )


def _recorded(session: Session, graph: Any) -> dict[str, dt.datetime]:
    """When each lot and step of `graph` was written, by node: the time of day its event happened."""
    recorded: dict[str, dt.datetime] = {}
    for kind, model in (("lot", MaterialLot), ("step", ProductionStep)):
        ids = sorted(int(n.split(":", 1)[1]) for n, d in graph.nodes(data=True) if d.get("type") == kind)
        for start in range(0, len(ids), 500):
            rows = session.execute(sa.select(model.id, model.created_at).where(model.id.in_(ids[start : start + 500])))
            recorded.update((f"{kind}:{i}", at) for i, at in rows)
    return recorded


def export_prov(session: Session, actor: Actor, batch_id: int, *, base_url: str) -> dict[str, Any]:
    """Return the W3C PROV-JSON document of batch `batch_id`'s upstream trace."""
    document = write_prov(upstream_graph(session, actor, batch_id))
    document["prefix"]["record"] = f"{base_url.rstrip('/')}/api/v1/"
    return document


@dataclass(frozen=True, slots=True)
class CaptureResult:
    events: int
    lots: list[int]
    steps: list[int]
    batches: list[int]


_KIND_OF = {kind.model: name for name, kind in KINDS.items()}


def _name(master: dict[str, dict[str, Any]], uri: str) -> str:
    return str(master.get(uri, {}).get("name") or unquote(uri.rstrip("/").rsplit("/", 1)[-1]))[:300]


def _day(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


class _Resolver:
    """Finds or creates the records a document names, within one business, remembering what it made."""

    def __init__(self, session: Session, business_id: int, master: dict[str, dict[str, Any]]) -> None:
        self.session, self.business_id, self.master = session, business_id, master
        self.created: list[tuple[str, Any]] = []
        self.cache: dict[tuple[str, str], Any] = {}

    def find(self, model: type[Any], **where: Any) -> Any:
        statement = sa.select(model).where(
            model.business_id == self.business_id, *(getattr(model, k) == v for k, v in where.items())
        )
        return self.session.scalars(statement.order_by(model.id)).first()

    def add(self, obj: Any) -> Any:
        self.session.add(obj)
        self.created.append((_KIND_OF[type(obj)], obj))
        return obj

    def _cached(self, kind: str, uri: str, make: Any) -> Any:
        if (kind, uri) not in self.cache:
            self.cache[kind, uri] = make()
        return self.cache[kind, uri]

    def supplier(self, uri: str) -> Supplier:
        attrs = self.master.get(uri, {})
        name = _name(self.master, uri)
        return self._cached(
            "supplier",
            uri,
            lambda: (
                self.find(Supplier, name=name)
                or self.add(
                    Supplier(
                        business_id=self.business_id,
                        name=name,
                        kind=SupplierKind(attrs.get("kind", "manufacturer")),
                        country=attrs.get("country", "ID"),
                        nib=attrs.get("nib"),
                    )
                )
            ),
        )

    def certificate(self, uri: str, path: list[Any], errors: ErrorTree) -> Certificate | None:
        attrs = self.master.get(uri, {})
        number = str(attrs.get("number") or unquote(uri.rstrip("/").rsplit("/", 1)[-1]))
        if ("certificate", uri) in self.cache:
            cached: Certificate = self.cache["certificate", uri]
            return cached
        found: Certificate | None = self.find(Certificate, number_key=certificate_number_key(number))
        if found is not None:
            self.cache["certificate", uri] = found
            return found
        if not attrs.get("issuedOn") or not attrs.get("issuer"):
            errors.add(
                [*path, "certificationInfo"],
                f"Certificate {uri} is unknown here and the document gives "
                "no master data for it (number, issuer, scheme, issuedOn).",
            )
            return None
        holder = self.supplier(attrs["holder"]) if attrs.get("holder") else None
        return self._cached(
            "certificate",
            uri,
            lambda: self._decided(
                Certificate(
                    business_id=self.business_id,
                    number=number,
                    issuer=attrs["issuer"],
                    scheme=CertificateScheme(attrs.get("scheme", "regular")),
                    holder=holder,
                    issued_on=_day(attrs["issuedOn"]),
                    valid_until=_day(attrs.get("validUntil")),
                    status=CertificateStatus(attrs.get("status", "active")),
                    status_since=_day(attrs.get("statusSince")),
                )
            ),
        )

    def _decided(self, certificate: Certificate) -> Certificate:
        """A certificate new to this business, with an auditor's standing decision on it (if any) applied."""
        certificate_status.enforce(self.session, certificate)
        return self.add(certificate)

    def material(self, uri: str) -> Material:
        attrs = self.master.get(uri, {})
        name = _name(self.master, uri)
        return self._cached(
            "material",
            uri,
            lambda: (
                self.find(Material, name=name)
                or self.add(
                    Material(
                        business_id=self.business_id,
                        name=name,
                        kind=MaterialKind(attrs.get("kind", "ingredient")),
                        category=attrs.get("category"),
                        origin=Origin(attrs.get("origin", "unknown")),
                        species=attrs.get("species"),
                    )
                )
            ),
        )

    def product(self, uri: str) -> Product:
        attrs = self.master.get(uri, {})
        gtin = attrs.get("gtin")
        name = _name(self.master, uri)

        def make() -> Product:
            found = self.find(Product, gtin14=gtin_key(gtin)) if gtin else self.find(Product, name=name)
            return found or self.add(Product(business_id=self.business_id, name=name, gtin=gtin))

        return self._cached("product", uri, make)

    def facility(self, uri: str) -> Facility:
        attrs = self.master.get(uri, {})
        name = _name(self.master, uri)
        return self._cached(
            "facility",
            uri,
            lambda: (
                self.find(Facility, name=name)
                or self.add(
                    Facility(
                        business_id=self.business_id,
                        name=name,
                        kind=FacilityKind(attrs.get("kind", "production")),
                        dedicated_halal=attrs.get("dedicatedHalal") == "true",
                    )
                )
            ),
        )


def _source_batch(session: Session, uri: str) -> int | None:
    """The batch, of any business here, that a receipt's ``ht:sourceBatch`` names."""
    split = epcis.lot_class(uri)
    named = epcis.product_of(split[0]) if split else None
    if split is None or named is None:
        return None
    key, value = named
    if key == "gtin":
        try:
            product = sa.select(Product.id).where(Product.gtin14 == gtin_key(value))
        except ValueError:
            return None
    else:
        product = (
            sa.select(Product.id)
            .join(Business, Business.id == Product.business_id)
            .where(Business.nib == key, Product.name == value)
        )
    return session.scalar(
        sa.select(Batch.id)
        .where(Batch.product_id.in_(product), Batch.lot_key == lot_key(split[1]))
        .order_by(Batch.id)
        .limit(1)
    )


def _quantity(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _input(
    resolver: _Resolver,
    lots: dict[tuple[str, str], MaterialLot],
    batches: dict[tuple[str, str], Batch],
    source: dict[str, Any],
) -> dict[str, Any] | None:
    """The lot or batch a step input names: one captured in this document (still unflushed, linked as an
    object), or one already stored in the business."""
    key = (source["class"], source["lot_code"])
    if key in lots:
        return {"lot": lots[key]}
    if key in batches:
        return {"batch": batches[key]}
    material = resolver.find(Material, name=_name(resolver.master, source["class"]))
    lot = resolver.find(MaterialLot, lot_code=source["lot_code"], material_id=material.id) if material else None
    if lot is not None:
        return {"lot": lot}
    product = resolver.find(Product, name=_name(resolver.master, source["class"]))
    batch = resolver.find(Batch, product_id=product.id, lot_key=lot_key(source["lot_code"])) if product else None
    return {"batch": batch} if batch is not None else None


def _receive(
    resolver: _Resolver, receipts: list[dict[str, Any]], errors: ErrorTree
) -> dict[tuple[str, str], MaterialLot]:
    """A lot for each receipt, keyed by (class, lot code) for the steps that use them."""
    lots: dict[tuple[str, str], MaterialLot] = {}
    for receipt in receipts:
        certificate = (
            resolver.certificate(receipt["certificate"], receipt["path"], errors) if receipt["certificate"] else None
        )
        lot = MaterialLot(
            business_id=resolver.business_id,
            material=resolver.material(receipt["class"]),
            supplier=resolver.supplier(receipt["supplier"]),
            certificate=certificate,
            lot_code=receipt["lot_code"],
            quantity=_quantity(receipt["quantity"]),
            unit=receipt["unit"],
            received_on=receipt["received_on"],
        )
        if receipt["source_batch"]:
            lot.source_batch_id = _source_batch(resolver.session, receipt["source_batch"])
            if lot.source_batch_id is None:
                errors.add([*receipt["path"], "ht:sourceBatch"], "No batch on this platform has that identifier.")
        lots[receipt["class"], receipt["lot_code"]] = resolver.add(lot)
    return lots


def _produce(
    resolver: _Resolver,
    item: dict[str, Any],
    lots: dict[tuple[str, str], MaterialLot],
    batches: dict[tuple[str, str], Batch],
    errors: ErrorTree,
) -> ProductionStep:
    """The step of one transformation with its inputs linked; its output batches join `batches`."""
    facility = resolver.facility(item["facility"]) if item["facility"] else None
    # Records link as objects, not ids: one flush at the end inserts them all in batches.
    step = resolver.add(
        ProductionStep(
            business_id=resolver.business_id,
            name=item["name"][:300],
            process=item["process"],
            equipment=item["equipment"],
            performed_on=item["on"],
            facility=facility,
        )
    )
    for position, source in enumerate(item["inputs"]):
        link = _input(resolver, lots, batches, source)
        if link is None:
            errors.add(
                [*item["path"], "inputQuantityList", position],
                f"{source['uri']} is neither a lot received nor a batch produced in this business.",
            )
            continue
        step.inputs.append(
            StepInput(position=position, quantity=_quantity(source["quantity"]), unit=source["unit"], **link)
        )
    for output in item["outputs"]:
        produced = _day(resolver.master.get(output["uri"], {}).get("producedOn")) or item["on"]
        batch = Batch(
            business_id=resolver.business_id,
            product=resolver.product(output["class"]),
            lot_code=output["lot_code"],
            produced_on=produced,
            step=step,
        )
        batches[output["class"], output["lot_code"]] = resolver.add(batch)
    return step


def _journal_capture(resolver: _Resolver, actor: Actor, events: int) -> None:
    """One entry per record the capture created (flushed by now), and one for the capture itself."""
    business_id = resolver.business_id
    codec = ApiCodec(resolver.session, business_id)
    changes = [
        journal.Change("create", f"{noun(type(obj))}:{obj.id}", record_payload(KINDS[kind], obj, codec), business_id)
        for kind, obj in resolver.created
    ]
    changes.append(
        journal.Change(
            "epcis.capture",
            f"business:{business_id}",
            {"events": events, "records": len(resolver.created)},
            business_id,
        )
    )
    journal.append_many(resolver.session, actor, changes)


def capture_epcis(session: Session, actor: Actor, document: Any, *, base_url: str) -> CaptureResult:
    """Record an EPCIS document's receipts and transformations in the actor's business, all or nothing.

    Refused documents change nothing; the error lists every event that cannot be recorded. The events are also
    filed as written in the business's EPCIS repository, where the query interface reads them.
    """
    business_id = actor.writable_business(None, "EPCIS capture")
    capture = epcis.read_document(document)
    errors = ErrorTree()
    events = len(capture.receipts) + len(capture.steps)
    with writing(session):
        resolver = _Resolver(session, business_id, capture.master)
        lots = _receive(resolver, capture.receipts, errors)
        batches: dict[tuple[str, str], Batch] = {}
        steps = [
            _produce(resolver, item, lots, batches, errors) for item in sorted(capture.steps, key=lambda s: s["on"])
        ]
        errors.raise_if_any("The EPCIS document cannot be captured.")
        session.flush()
        check_acyclic(session, steps)
        _journal_capture(resolver, actor, events)
        epcis_repository.file_document(session, business_id, document)  # readable by the query interface
    return CaptureResult(
        events=events,
        lots=sorted(lot.id for lot in lots.values()),
        steps=[s.id for s in steps],
        batches=sorted(b.id for b in batches.values()),
    )
