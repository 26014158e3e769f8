"""EPCIS 2.0 JSON-LD: a provenance graph as an EPCISDocument, and an EPCISDocument read back into records.

Receipts become ObjectEvents (bizStep receiving, sourceList, certificationInfo); steps become
TransformationEvents with input and output quantity lists and the facility as bizLocation. Names and
attributes travel as master data (``epcisHeader.epcisMasterData``) so a document we export captures back
into the same records. Identifiers: a GTIN product's batch is ``https://id.gs1.org/01/<gtin14>/10/<lot>``;
everything else gets a URI under the service's public base URL, keyed by the business NIB and a name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

import networkx as nx

from traceability.errors import ErrorTree
from traceability.formats.epcis_query import EVENT_TYPES, cbv_word
from traceability.formats.epcis_schema import schema_errors
from traceability.formats.event_hash import event_hash, normalise_id
from traceability.identifiers import gtin14, is_valid_gtin
from traceability.vocabulary import (
    CertificateScheme,
    CertificateStatus,
    FacilityKind,
    MaterialKind,
    Origin,
    SupplierKind,
)

__all__ = ["CONTEXT", "HT", "Capture", "lot_class", "product_of", "read_document", "read_in_scope", "write_document"]

HT = "urn:halal-trace:"
# The 2.0 context names the header's master data `masterData`, while the JSON Schema requires the member
# `epcisMasterData`, and it defines no terms inside a vocabulary: ours map them so master data survives expansion.
CONTEXT: list[Any] = [
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    {
        "ht": HT,
        "epcisMasterData": "epcis:masterData",
        "vocabularyElementList": "epcis:vocabularyElementList",
        "attributes": "epcis:attributes",
        "attribute": "epcis:attribute",
    },
]
MAX_EVENTS = 20_000  # per capture: far beyond a day's receipts, small enough to refuse in one message
TIME_ZONE = "+07:00"  # WIB: the dates we record are local dates in western Indonesia
UNITS = {"kg": "KGM", "g": "GRM", "L": "LTR", "ml": "MLT", "pcs": "H87", "ton": "TNE"}
_UOM = {v: k for k, v in UNITS.items()}
VTYPE = {
    "class": "urn:epcglobal:epcis:vtype:EPCClass",
    "location": "urn:epcglobal:epcis:vtype:BusinessLocation",
    "party": "urn:epcglobal:epcis:vtype:Party",
    "certificate": f"{HT}vtype:Certificate",
}
RECEIVING = ("receiving", "https://ref.gs1.org/cbv/BizStep-receiving", "urn:epcglobal:cbv:bizstep:receiving")
SUPPORTED = "only ObjectEvent with bizStep receiving and TransformationEvent are recorded here"


WIB = dt.timezone(dt.timedelta(hours=7), "WIB")
_TICK = dt.timedelta(milliseconds=1)


def _moment(day: dt.date, recorded: dt.datetime | None) -> dt.datetime:
    """When an event happened: its record's entry time when entered that (WIB) day, else the day's midday.

    Records keep dates; the time of day comes from when the record was written, which is the best we know
    for a receipt or step entered as it happened. One entered on a later day has no known time: midday
    keeps it inside its day whatever the reader's offset within Indonesia.
    """
    if recorded is not None:
        local = recorded.astimezone(WIB)
        if local.date() == day:
            return local.replace(microsecond=local.microsecond // 1000 * 1000)
    return dt.datetime.combine(day, dt.time(12), WIB)


def _when(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def _utc(value: str) -> str:
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC).isoformat(timespec="milliseconds")


def _private(base: str, nib: str, kind: str, name: str) -> str:
    return f"{base}/epc/{nib}/{kind}/{quote(str(name), safe='')}"


@dataclass
class _Writer:
    graph: nx.DiGraph[str]
    base: str
    vocab: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {k: {} for k in VTYPE})

    def nib(self, node: str) -> str:
        return str(self.graph.nodes[f"business:{self.graph.nodes[node]['business']}"]["nib"])

    def master(self, vocab: str, uri: str, /, **attrs: Any) -> str:
        self.vocab[vocab][uri] = {k: v for k, v in attrs.items() if v is not None}
        return uri

    def batch_class(self, node: str) -> str:
        data = self.graph.nodes[node]
        if data.get("gtin"):
            product = f"https://id.gs1.org/01/{gtin14(data['gtin'])}"
        else:
            product = _private(self.base, self.nib(node), "product", data["product_name"])
        self.master("class", product, name=data["product_name"], gtin=data.get("gtin"))
        uri = (
            f"{product}/10/{quote(data['lot_code'], safe='')}"
            if data.get("gtin")
            else f"{product}/lot/{quote(data['lot_code'], safe='')}"
        )
        return self.master("class", uri, producedOn=data["produced_on"].isoformat(), lotCode=data["lot_code"])

    def lot_class(self, node: str) -> str:
        material = next(p for p in self.graph.predecessors(node) if p.startswith("material:"))
        data = self.graph.nodes[material]
        uri = _private(self.base, self.nib(node), "material", data["name"])
        self.master(
            "class",
            uri,
            name=data["name"],
            kind=str(data["kind"]),
            category=data.get("category"),
            origin=str(data["origin"]),
            species=data.get("species"),
        )
        lot = self.graph.nodes[node]["lot_code"]
        return self.master("class", f"{uri}/lot/{quote(lot, safe='')}", lotCode=lot)

    def quantity(self, epc_class: str, quantity: Any, unit: str | None) -> dict[str, Any]:
        item: dict[str, Any] = {"epcClass": epc_class}
        if quantity is not None:
            item["quantity"] = quantity
            if unit in UNITS:
                item["uom"] = UNITS[unit]
        return item

    def supplier(self, node: str) -> str:
        data = self.graph.nodes[node]
        uri = _private(self.base, self.nib(node), "supplier", data["name"])
        return self.master(
            "party", uri, name=data["name"], kind=str(data["kind"]), country=data["country"], nib=data.get("nib")
        )

    def certificate(self, node: str) -> str:
        data = self.graph.nodes[node]
        uri = f"{self.base}/certificate/{quote(data['number'], safe='')}"
        holder = self.supplier(data["holder"]) if data.get("holder") in self.graph else None
        day = {k: data[k].isoformat() if data.get(k) else None for k in ("issued_on", "valid_until", "status_since")}
        return self.master(
            "certificate",
            uri,
            number=data["number"],
            issuer=data["issuer"],
            scheme=str(data["scheme"]),
            status=str(data["status"]),
            holder=holder,
            issuedOn=day["issued_on"],
            validUntil=day["valid_until"],
            statusSince=day["status_since"],
        )

    def receipt(self, node: str) -> dict[str, Any]:
        data = self.graph.nodes[node]
        preds = {p.split(":")[0]: p for p in self.graph.predecessors(node)}
        event: dict[str, Any] = {
            "type": "ObjectEvent",
            "eventTime": "",  # set by write_document, once the order of events is known
            "eventTimeZoneOffset": TIME_ZONE,
            "quantityList": [self.quantity(self.lot_class(node), data["quantity"], data["unit"])],
            "action": "ADD",
            "bizStep": "receiving",
            "sourceList": [{"type": "owning_party", "source": self.supplier(preds["supplier"])}],
        }
        if "certificate" in preds and "number" in self.graph.nodes[preds["certificate"]]:
            event["certificationInfo"] = self.certificate(preds["certificate"])
        if data["unit"] and data["unit"] not in UNITS:
            event["ht:unit"] = data["unit"]
        if "batch" in preds:
            event["ht:sourceBatch"] = self.batch_class(preds["batch"])
        return event

    def transformation(self, node: str) -> dict[str, Any]:
        data = self.graph.nodes[node]
        inputs, units = [], []
        for source in sorted(self.graph.predecessors(node)):
            edge = self.graph.edges[source, node]
            if edge["kind"] != "used":
                continue
            epc_class = self.lot_class(source) if source.startswith("lot:") else self.batch_class(source)
            inputs.append(self.quantity(epc_class, edge.get("quantity"), edge.get("unit")))
            if edge.get("unit") and edge["unit"] not in UNITS:
                units.append({"ht:epcClass": epc_class, "ht:unit": edge["unit"]})
        inputs.sort(key=lambda q: q["epcClass"])  # by identifier, not by database id: stable across systems
        outputs = sorted(
            ({"epcClass": self.batch_class(b)} for b in self.graph.successors(node)), key=lambda q: q["epcClass"]
        )
        event: dict[str, Any] = {
            "type": "TransformationEvent",
            "eventTime": "",  # set by write_document, once the order of events is known
            "eventTimeZoneOffset": TIME_ZONE,
            "inputQuantityList": inputs,
            "outputQuantityList": outputs,
            "bizStep": "commissioning",
            "ht:name": data["name"],
        }
        facility = next((p for p in self.graph.predecessors(node) if p.startswith("facility:")), None)
        if facility is not None:
            f = self.graph.nodes[facility]
            event["bizLocation"] = {
                "id": self.master(
                    "location",
                    _private(self.base, self.nib(node), "facility", f["name"]),
                    name=f["name"],
                    kind=str(f["kind"]),
                    dedicatedHalal=str(bool(f["dedicated_halal"])).lower(),
                )
            }
        for key in ("process", "equipment"):
            if data.get(key):
                event[f"ht:{key}"] = data[key]
        if units:
            event["ht:units"] = units
        return event


def _vocabulary(vocab: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    return [
        {
            "type": VTYPE[kind],
            "vocabularyElementList": [
                {"id": uri, "attributes": [{"id": f"{HT}{k}", "attribute": v} for k, v in sorted(attrs.items())]}
                for uri, attrs in sorted(elements.items())
            ],
        }
        for kind, elements in vocab.items()
        if elements
    ]


def _timed(graph: nx.DiGraph[str], events: dict[str, dict[str, Any]], recorded: Mapping[str, dt.datetime]) -> None:
    """Give each event its time, never before the events that produced what it uses (on the same day).

    A batch or lot carries the time of the event that made it, so a step using it, or a receipt of a
    batch, is at least a millisecond later; a step recorded before its inputs on another day keeps its day.
    """
    made: dict[str, dt.datetime] = {}
    for node in nx.topological_sort(graph):
        before = max((made[p] for p in graph.predecessors(node) if p in made), default=None)
        if node in events:
            data = graph.nodes[node]
            moment = _moment(data["received_on" if data["type"] == "lot" else "performed_on"], recorded.get(node))
            if before is not None and moment <= before and (before + _TICK).date() == moment.date():
                moment = before + _TICK
            events[node]["eventTime"] = _when(moment)
            made[node] = moment
        elif before is not None and graph.nodes[node].get("type") == "batch":
            made[node] = before


def write_document(
    graph: nx.DiGraph[str],
    *,
    base_url: str,
    created: dt.datetime,
    recorded: Mapping[str, dt.datetime] | None = None,
) -> dict[str, Any]:
    """Return the EPCISDocument of an upstream trace `graph` (summary nodes of other businesses are left out).

    `recorded` gives, by node, when each lot and step record was written: the time of day of its event.
    Events are listed producer before consumer (a step after the receipts and steps whose lots and batches
    it uses), then by time, so a repository that applies them in order never meets an unknown input.
    Every event carries its CBV 2.0 hash as ``eventID``, so the same records always give the same IDs.
    """
    writer = _Writer(graph, base_url.rstrip("/"))
    events: dict[str, dict[str, Any]] = {}
    for node in nx.topological_sort(graph):
        data = graph.nodes[node]
        if data.get("type") == "lot":
            events[node] = writer.receipt(node)
        elif data.get("type") == "step":
            events[node] = writer.transformation(node)
    _timed(graph, events, recorded or {})
    prefixes = {"ht": HT}
    for event in events.values():
        event["eventID"] = event_hash(event, prefixes)

    def order(node: str) -> str:  # the records around events first: they only open the way to events
        event = events.get(node)
        if event is None:
            return ""
        utc = _utc(event["eventTime"])
        return f"{utc}|{event['type'] != 'ObjectEvent':d}|{event['eventID']}"

    listed = [events[n] for n in nx.lexicographical_topological_sort(graph, key=order) if n in events]
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "epcisHeader": {"epcisMasterData": {"vocabularyList": _vocabulary(writer.vocab)}},
        "epcisBody": {"eventList": listed},
    }


# --- reading -------------------------------------------------------------------------------------------


@dataclass
class Capture:
    """What a document asks to record: receipts and transformations, with master data by URI."""

    receipts: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    master: dict[str, dict[str, Any]] = field(default_factory=dict)


def _date(value: Any) -> dt.date:
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()


def lot_class(uri: str) -> tuple[str, str] | None:
    """Split a lot-level class into (class, lot code): GS1 ``/01/<gtin>/10/<lot>`` or our ``/lot/<lot>``."""
    for marker in ("/lot/", "/10/"):
        head, sep, lot = uri.rpartition(marker)
        if sep and lot and "/" not in lot and (marker == "/lot/" or "/01/" in head):
            return head, unquote(lot)
    return None


def product_of(epc_class: str) -> tuple[str, str] | None:
    """Say how a product class names its product: ``("gtin", <gtin14>)`` or ``("<nib>", <name>)``.

    Examples
    --------
    >>> product_of("https://id.gs1.org/01/08994471000237")
    ('gtin', '08994471000237')
    >>> product_of("https://trace.example/epc/1208230044517/product/Rendang%20Sapi")
    ('1208230044517', 'Rendang Sapi')
    """
    if epc_class.startswith("https://id.gs1.org/01/"):
        return "gtin", epc_class.rsplit("/", 1)[-1]
    head, sep, name = epc_class.rpartition("/product/")
    nib = head.rsplit("/epc/", 1)[-1]
    return (nib, unquote(name)) if sep and "/epc/" in head and nib.isdigit() else None


def _quantity(item: Any, path: list[Any], errors: ErrorTree, *, lot: bool = True) -> dict[str, Any] | None:
    if not isinstance(item, dict) or not isinstance(item.get("epcClass"), str):
        errors.add(path, "Each quantity element needs an epcClass.")
        return None
    split = lot_class(normalise_id(item["epcClass"]))
    if lot and split is None:
        errors.add(path, f"{item['epcClass']} is not a lot-level class (…/01/<gtin>/10/<lot> or …/lot/<lot>).")
        return None
    unit = _UOM.get(item.get("uom", ""), item.get("uom"))
    quantity = item.get("quantity")
    if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, int | float) or quantity < 0):
        errors.add([*path, "quantity"], "Give the quantity as a number of zero or more.")
        return None
    if split is not None and len(split[1]) > 100:
        errors.add([*path, "epcClass"], "A lot code has at most 100 characters.")
        return None
    return {
        "class": split[0] if split else item["epcClass"],
        "lot_code": split[1] if split else None,
        "uri": item["epcClass"],
        "quantity": item.get("quantity"),
        "unit": unit,
    }


def _items(event: dict[str, Any], key: str, path: list[Any], errors: ErrorTree) -> list[Any]:
    value = event.get(key, [])
    if not isinstance(value, list):
        errors.add([*path, key], "Give a list.")
        return []
    return value


def _quantities(event: dict[str, Any], key: str, path: list[Any], errors: ErrorTree) -> list[dict[str, Any] | None]:
    return [_quantity(q, [*path, key, i], errors) for i, q in enumerate(_items(event, key, path, errors))]


def _uri(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 500 and ":" in value


def _event(index: int, event: Any, capture: Capture, errors: ErrorTree) -> None:
    path: list[Any] = ["epcisBody", "eventList", index]
    if not isinstance(event, dict):
        errors.add(path, "An event is a JSON object.")
        return
    kind = event.get("type")
    if "errorDeclaration" in event:
        errors.add(
            [*path, "errorDeclaration"],
            "Error declarations are not applied here: record the correction as a new event.",
        )
    try:
        day = _date(event["eventTime"])
    except (KeyError, ValueError, TypeError):
        errors.add([*path, "eventTime"], "Give eventTime as an ISO 8601 date-time.")
        day = None
    if kind == "ObjectEvent":
        _receipt(path, event, day, capture, errors)
    elif kind == "TransformationEvent":
        _transformation(path, event, day, capture, errors)
    else:
        errors.add([*path, "type"], f"{kind} is not recorded: {SUPPORTED}.")


def _receipt(path: list[Any], event: dict[str, Any], day: dt.date | None, capture: Capture, errors: ErrorTree) -> None:
    step = event.get("bizStep")
    if step not in RECEIVING:
        said = "An ObjectEvent without a bizStep" if step is None else f"bizStep {cbv_word('biz_step', str(step))!r}"
        errors.add([*path, "bizStep"], f"{said} is not recorded: {SUPPORTED}.")
        return
    if event.get("epcList"):
        errors.add(
            [*path, "epcList"],
            "Instance-level identifiers are not recorded: a receipt names lots in a quantityList of lot-level classes.",
        )
    if not event.get("quantityList"):
        errors.add([*path, "quantityList"], "A receipt needs a quantityList of the lots received.")
    rank = {"owning_party": 0, "possessing_party": 1}  # the supplier is a party; a location comes last
    sources = sorted(
        (s for s in _items(event, "sourceList", path, errors) if isinstance(s, dict) and _uri(s.get("source"))),
        key=lambda s: rank.get(str(s.get("type")).rsplit("-", 1)[-1], 2),
    )
    if not sources:
        errors.add([*path, "sourceList"], "A receipt needs a sourceList naming the supplier.")
    items = _quantities(event, "quantityList", path, errors)
    if "ht:unit" in event and _text(20)(event["ht:unit"]):
        errors.add([*path, "ht:unit"], "Give the unit as text of 1 to 20 characters.")
    certificates = event.get("certificationInfo")
    certificates = certificates if isinstance(certificates, list) else [certificates] if certificates else []
    if len(certificates) > 1 or not all(_uri(c) for c in certificates):
        errors.add([*path, "certificationInfo"], "A lot is received under one certificate at most, named by URI.")
    if "ht:sourceBatch" in event and lot_class(str(event["ht:sourceBatch"])) is None:
        errors.add([*path, "ht:sourceBatch"], "Name the supplier's batch by its lot-level class.")
    if day is None or not sources:
        return
    for item in items:
        if item is not None:
            capture.receipts.append(
                {
                    **item,
                    "received_on": day,
                    "supplier": sources[0]["source"],
                    "certificate": certificates[0] if certificates else None,
                    "unit": event.get("ht:unit", item["unit"]),
                    "source_batch": event.get("ht:sourceBatch"),
                    "path": path,
                }
            )


def _transformation(
    path: list[Any], event: dict[str, Any], day: dt.date | None, capture: Capture, errors: ErrorTree
) -> None:
    for name in ("inputEPCList", "outputEPCList"):
        if event.get(name):
            errors.add([*path, name], "Instance-level identifiers are not recorded: use quantity lists of lots.")
    inputs = _quantities(event, "inputQuantityList", path, errors)
    outputs = _quantities(event, "outputQuantityList", path, errors)
    if not inputs:
        errors.add([*path, "inputQuantityList"], "A transformation needs at least one input lot.")
    if not outputs:
        errors.add([*path, "outputQuantityList"], "A transformation needs at least one output lot.")
    units = {
        u.get("ht:epcClass"): u.get("ht:unit") for u in _items(event, "ht:units", path, errors) if isinstance(u, dict)
    }
    if any(_text(20)(unit) for unit in units.values()):
        errors.add([*path, "ht:units"], "Give each unit as text of 1 to 20 characters.")
    for item in inputs:
        if item is not None and item["uri"] in units:
            item["unit"] = units[item["uri"]]
    for key, limit in (("ht:name", 300), ("ht:process", 100), ("ht:equipment", 300)):
        if key in event and _text(limit)(event[key]):
            errors.add([*path, key], f"Give text of 1 to {limit} characters.")
    location = event.get("bizLocation", {}).get("id") if isinstance(event.get("bizLocation"), dict) else None
    if location is not None and not _uri(location):
        errors.add([*path, "bizLocation"], "Name the location by URI.")
        location = None
    if day is not None and None not in inputs and None not in outputs and inputs and outputs:
        capture.steps.append(
            {
                "on": day,
                "inputs": inputs,
                "outputs": outputs,
                "facility": location,
                "name": event.get("ht:name") or f"TransformationEvent {path[-1]}",  # its place in the list
                "process": event.get("ht:process"),
                "equipment": event.get("ht:equipment"),
                "path": path,
            }
        )


Check = Callable[[Any], str | None]


def _text(limit: int) -> Check:
    return lambda v: None if isinstance(v, str) and 0 < len(v) <= limit else f"Give text of 1 to {limit} characters."


def _one_of(values: Iterable[str]) -> Check:
    allowed = sorted(str(v) for v in values)
    return lambda v: None if v in allowed else f"Give one of {', '.join(allowed)}."


def _iso_date(value: Any) -> str | None:
    try:
        dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return "Give a date as YYYY-MM-DD."
    return None


def _pattern(regex: str, what: str) -> Check:
    compiled = re.compile(regex)
    return lambda v: None if isinstance(v, str) and compiled.fullmatch(v) else f"Give {what}."


# What our own attributes may hold, per vocabulary type: the same limits the records have.
MASTER_RULES: dict[str, dict[str, Check]] = {
    VTYPE["class"]: {
        "name": _text(300),
        "kind": _one_of(MaterialKind),
        "category": _text(50),
        "origin": _one_of(Origin),
        "species": _text(100),
        "producedOn": _iso_date,
        "lotCode": _text(100),
        "gtin": lambda v: None if isinstance(v, str) and is_valid_gtin(v) else "Give a valid GTIN.",
    },
    VTYPE["party"]: {
        "name": _text(300),
        "kind": _one_of(SupplierKind),
        "country": _pattern(r"[A-Z]{2}", "an ISO 3166 alpha-2 code"),
        "nib": _pattern(r"\d{13}", "a 13-digit NIB"),
    },
    VTYPE["location"]: {
        "name": _text(300),
        "kind": _one_of(FacilityKind),
        "dedicatedHalal": _one_of(["true", "false"]),
    },
    VTYPE["certificate"]: {
        "number": _text(100),
        "issuer": _text(200),
        "scheme": _one_of(CertificateScheme),
        "status": _one_of(CertificateStatus),
        "holder": _text(500),
        "issuedOn": _iso_date,
        "validUntil": _iso_date,
        "statusSince": _iso_date,
    },
}


def _master(document: dict[str, Any], errors: ErrorTree) -> dict[str, dict[str, Any]]:
    """Our attributes (``urn:halal-trace:*``) of each vocabulary element, checked; others are ignored."""
    master: dict[str, dict[str, Any]] = {}
    header = document.get("epcisHeader") or {}
    for i, vocabulary in enumerate((header.get("epcisMasterData") or {}).get("vocabularyList", [])):
        rules = MASTER_RULES.get(vocabulary.get("type"), {})
        for j, element in enumerate(vocabulary.get("vocabularyElementList", [])):
            attrs: dict[str, Any] = {}
            for k, attribute in enumerate(element.get("attributes", [])):
                name = str(attribute.get("id", "")).removeprefix(HT) if isinstance(attribute, dict) else ""
                if not isinstance(attribute, dict) or not str(attribute.get("id", "")).startswith(HT):
                    continue
                problem = rules[name](attribute.get("attribute")) if name in rules else None
                if problem:
                    errors.add(
                        [
                            "epcisHeader",
                            "epcisMasterData",
                            "vocabularyList",
                            i,
                            "vocabularyElementList",
                            j,
                            "attributes",
                            k,
                        ],
                        f"{name}: {problem}",
                    )
                attrs[name] = attribute.get("attribute")
            master[element["id"]] = attrs
    return master


def read_document(document: Any) -> Capture:
    """Read an EPCISDocument into what it asks us to record.

    The official EPCIS 2.0 JSON Schema is checked first: a document it refuses is refused with its messages
    alone; only a valid document meets our own scope rules.

    Raises
    ------
    InvalidInputError
        Listing every event that cannot be recorded, by its path, when any cannot: capture is all or nothing.

    Examples
    --------
    >>> read_document({"type": "EPCISQueryDocument"})
    Traceback (most recent call last):
    ...
    traceability.errors.InvalidInputError: The EPCIS document is not valid EPCIS 2.0 JSON.
    """
    events = (document.get("epcisBody") or {}).get("eventList") if isinstance(document, dict) else None
    if isinstance(events, list) and len(events) > MAX_EVENTS:
        return read_in_scope(document)  # refused whole, in one message, before any event is looked at
    schema_errors(document).raise_if_any("The EPCIS document is not valid EPCIS 2.0 JSON.")
    return read_in_scope(document)


def read_in_scope(document: Any) -> Capture:
    """Apply our own scope rules alone to `document` (what :func:`read_document` does once the schema passed).

    Raises
    ------
    InvalidInputError
        Listing every event that cannot be recorded, by its path.
    """
    errors = ErrorTree()
    capture = Capture()
    if not isinstance(document, dict) or document.get("type") != "EPCISDocument":
        kind = document.get("type") if isinstance(document, dict) else None
        if kind in EVENT_TYPES:  # one event on its own: the binding captures it at POST /events
            errors.add(["type"], f"Capture takes an EPCISDocument; send a single {kind} to the events resource.")
        else:
            errors.add(["type"], "Capture takes an EPCISDocument (query results are not captured).")
    else:
        if "@context" not in document:
            errors.add(["@context"], "An EPCIS 2.0 JSON-LD document needs its @context.")
        if document.get("schemaVersion") not in ("2.0", 2.0):
            errors.add(["schemaVersion"], "Only EPCIS schemaVersion 2.0 is captured.")
        events = (document.get("epcisBody") or {}).get("eventList")
        if not isinstance(events, list) or not events:
            errors.add(["epcisBody", "eventList"], "The document holds no events.")
        elif len(events) > MAX_EVENTS:
            # Refused whole: one message, not one per event.
            errors.add(["epcisBody", "eventList"], f"Capture at most {MAX_EVENTS} events at once (got {len(events)}).")
        else:
            capture.master = _master(document, errors)
            for index, event in enumerate(events):
                _event(index, event, capture, errors)
    errors.raise_if_any("The EPCIS document cannot be captured.")
    return capture
