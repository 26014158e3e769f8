"""The dossier format ``halal-trace/dossier@1``: one JSON document holding everything needed to
assess one product (DESIGN section 6).

`load_dossier` checks shape, enums and identifiers with marshmallow and then every cross-reference,
and returns plain Python data (enums, dates, decimals) or raises `DossierError` whose ``errors``
name each offending field, e.g. ``{"lots": {2: {"material": ["Unknown material 'm-x'."]}}}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx
from marshmallow import Schema, ValidationError, fields, validate

from traceability.errors import ErrorTree, InvalidInputError
from traceability.formats import fields as f

__all__ = ["FORMAT", "DossierError", "DossierSchema", "dump_dossier", "load_dossier"]

FORMAT = "halal-trace/dossier@1"
BUSINESS = "business"


class DossierError(InvalidInputError):
    """The document is not a valid dossier; ``errors`` maps field paths to messages."""


def _ref() -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=100))


def _opt_ref() -> fields.String:
    return fields.String(allow_none=True, load_default=None, validate=validate.Length(min=1, max=100))


def _refs() -> fields.List[Any]:
    return f.unique_list(_ref(), load_default=list)


def _item(name: str, body: dict[str, f.AnyField]) -> type[Schema]:
    return f.Strict.from_dict({"id": _ref(), **body}, name=f"Dossier{name}")


SupplierItem = _item("Supplier", f.supplier_fields())
CertificateItem = _item("Certificate", f.certificate_fields(_ref(), _refs))
MaterialItem = _item("Material", f.material_fields(_refs))
LotItem = _item("Lot", f.lot_fields(_ref, _opt_ref))
FacilityItem = _item(
    "Facility",
    f.facility_fields(fields.String(load_default=BUSINESS, validate=validate.Length(min=1, max=100))),
)
ProductItem = _item("Product", f.product_fields(_opt_ref, _refs))
StepItem = _item("Step", f.step_fields(_opt_ref, f.unique_list(_ref(), required=True, min_length=1), _refs))
BatchItem = _item("Batch", f.batch_fields(_opt_ref))
BusinessItem = f.Strict.from_dict(f.business_fields(), name="DossierBusiness")
StorageItem = f.Strict.from_dict(
    {"facility": _ref(), "holds": f.unique_list(_ref(), required=True), "labelled": f.flag(True)},
    name="DossierStorage",
)
TransportItem = f.Strict.from_dict(
    {
        "facility": _ref(),
        "carries": f.unique_list(_ref(), required=True),
        "with_non_halal": f.flag(),
        "packaged": f.flag(True),
    },
    name="DossierTransport",
)


def _many(schema: type[Schema]) -> fields.List[Any]:
    return f.BoundedList(fields.Nested(schema), max_items=f.MAX_SECTION_ITEMS, load_default=list)


class DossierSchema(f.Strict):
    """A whole dossier. Field meanings: DESIGN section 6."""

    format = fields.String(required=True, validate=validate.Equal(FORMAT, error=f"Must be {FORMAT!r}."))
    as_of = f.optional_date()
    business = fields.Nested(BusinessItem, required=True)
    application = fields.Nested(f.ApplicationSchema, allow_none=True, load_default=None)
    suppliers = _many(SupplierItem)
    certificates = _many(CertificateItem)
    materials = _many(MaterialItem)
    lots = _many(LotItem)
    facilities = _many(FacilityItem)
    product = fields.Nested(ProductItem, required=True)
    steps = _many(StepItem)
    batches = _many(BatchItem)
    storage = _many(StorageItem)
    transport = _many(TransportItem)


def _check_references(doc: dict[str, Any], errors: ErrorTree) -> None:
    ids: dict[str, dict[str, int]] = {}
    for section in ("suppliers", "certificates", "materials", "lots", "facilities", "steps", "batches"):
        ids[section] = {}
        for i, item in enumerate(doc[section]):
            if item["id"] in ids[section]:
                errors.add((section, i, "id"), f"Duplicate id {item['id']!r}.")
            ids[section][item["id"]] = i
    product_id = doc["product"]["id"]
    # Step inputs and storage may name a lot or a batch, so those ids must not collide.
    for clash in sorted(ids["lots"].keys() & ids["batches"].keys()):
        errors.add(("batches", ids["batches"][clash], "id"), f"Id {clash!r} is also a lot id.")
    # A certificate covers materials or the product by id, so those must not collide either.
    if product_id in ids["materials"]:
        errors.add(("materials", ids["materials"][product_id], "id"), f"Id {product_id!r} is also the product's id.")

    def need(path: tuple[Any, ...], value: str | None, *sections: str, extra: tuple[str, ...] = ()) -> None:
        if value is None or value in extra or any(value in ids[s] for s in sections):
            return
        what = " or ".join(s.rstrip("s").replace("batche", "batch") for s in sections)
        errors.add(path, f"Unknown {what} {value!r}.")

    def each(section: str, check: Callable[[int, dict[str, Any]], None]) -> None:
        for i, item in enumerate(doc[section]):
            check(i, item)

    def certificate(i: int, c: dict[str, Any]) -> None:
        need(("certificates", i, "holder"), c["holder"], "suppliers", extra=(BUSINESS,))
        for j, covered in enumerate(c["covers"]):
            need(("certificates", i, "covers", j), covered, "materials", extra=(product_id,))

    def material(i: int, m: dict[str, Any]) -> None:
        for j, used in enumerate(m["made_with"]):
            need(("materials", i, "made_with", j), used, "materials")
            if used == m["id"]:
                errors.add(("materials", i, "made_with", j), "A material cannot be made with itself.")

    def lot(i: int, lot_: dict[str, Any]) -> None:
        need(("lots", i, "material"), lot_["material"], "materials")
        need(("lots", i, "supplier"), lot_["supplier"], "suppliers")
        need(("lots", i, "certificate"), lot_["certificate"], "certificates")

    def step(i: int, s: dict[str, Any]) -> None:
        need(("steps", i, "facility"), s["facility"], "facilities")
        for j, used in enumerate(s["inputs"]):
            need(("steps", i, "inputs", j), used, "lots", "batches")
        for j, made in enumerate(s["outputs"]):
            need(("steps", i, "outputs", j), made, "batches")
            if made in ids["batches"] and doc["batches"][ids["batches"][made]]["step"] != s["id"]:
                errors.add(("steps", i, "outputs", j), f"Batch {made!r} names another step as its maker.")

    def batch(i: int, b: dict[str, Any]) -> None:
        need(("batches", i, "step"), b["step"], "steps")
        if b["step"] in ids["steps"] and b["id"] not in doc["steps"][ids["steps"][b["step"]]]["outputs"]:
            errors.add(("batches", i, "step"), f"Step {b['step']!r} does not list this batch in its outputs.")

    each("certificates", certificate)
    each("materials", material)
    each("lots", lot)
    each("facilities", lambda i, fa: need(("facilities", i, "owner"), fa["owner"], "suppliers", extra=(BUSINESS,)))
    each("steps", step)
    each("batches", batch)
    need(("product", "certificate"), doc["product"]["certificate"], "certificates")
    for j, used in enumerate(doc["product"]["certified_composition"]):
        need(("product", "certified_composition", j), used, "materials")
    for i, st in enumerate(doc["storage"]):
        need(("storage", i, "facility"), st["facility"], "facilities")
        for j, held in enumerate(st["holds"]):
            need(("storage", i, "holds", j), held, "lots", "batches")
    for i, tr in enumerate(doc["transport"]):
        need(("transport", i, "facility"), tr["facility"], "facilities")
        for j, carried in enumerate(tr["carries"]):
            need(("transport", i, "carries", j), carried, "batches")
    _check_acyclic(doc, errors)


def _check_acyclic(doc: dict[str, Any], errors: ErrorTree) -> None:
    graph: nx.DiGraph[str] = nx.DiGraph()
    for s in doc["steps"]:
        graph.add_edges_from((f"in:{used}", f"step:{s['id']}") for used in s["inputs"])
        graph.add_edges_from((f"step:{s['id']}", f"in:{made}") for made in s["outputs"])
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    names = " -> ".join(edge[0].split(":", 1)[1] for edge in cycle)
    errors.add(("steps",), f"The steps form a cycle ({names}): a batch cannot be an ingredient of itself.")


def load_dossier(document: Any) -> dict[str, Any]:
    """Validate `document` (parsed JSON) and return it as Python values.

    Raises
    ------
    DossierError
        If a field is missing, unknown or malformed, or an id refers to nothing.
    """
    if not isinstance(document, dict):
        raise DossierError("A dossier is a JSON object.", errors={"_schema": ["A dossier is a JSON object."]})
    try:
        doc: dict[str, Any] = DossierSchema().load(document)
    except ValidationError as exc:
        raise DossierError("The dossier is not valid.", errors=exc.normalized_messages()) from exc
    errors = ErrorTree()
    _check_references(doc, errors)
    errors.raise_if_any("The records in the dossier do not fit together; see the errors.", DossierError)
    return doc


def dump_dossier(doc: dict[str, Any]) -> dict[str, Any]:
    """Return `doc` (as `load_dossier` returns it) as JSON-ready data."""
    out: dict[str, Any] = DossierSchema().dump(doc)
    if out.get("as_of") is None:
        out.pop("as_of", None)
    return out
