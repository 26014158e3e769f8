"""The provenance graph in the reader's words: each node's kind and name, its record as labelled facts, and a
finding's path as the names it goes through. No record ids, no field keys, no enum codes reach the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import networkx as nx
from flask_babel import gettext as _

from api.labels import KIND_NAMES, day, enum_label, field_label

__all__ = ["captions", "node_details", "path_words", "with_product"]

_KINDS = {
    "supplier": "suppliers",
    "certificate": "certificates",
    "material": "materials",
    "lot": "lots",
    "facility": "facilities",
    "step": "steps",
    "batch": "batches",
    "product": "products",
}
# Keys of a node's record that are the graph's plumbing or ids, not facts a person reads.
_HIDDEN = {"type", "id", "business", "business_id", "holder", "graph_digest", "evidence_sha256", "ref"}


def kind_word(node: str, data: dict[str, Any]) -> str:
    kind = str(data.get("type") or node.partition(":")[0])
    if kind == "business":
        return _("Business")
    found = KIND_NAMES.get(_KINDS.get(kind, ""))
    return str(found[0]) if found else _("Record")


def name_of(data: dict[str, Any]) -> str:
    for key in ("name", "lot_code", "number", "product_name"):
        if data.get(key):
            return str(data[key])
    if data.get("process"):
        return enum_label(data["process"])
    return ""


def captions(graph: nx.DiGraph[str]) -> dict[str, tuple[str, str]]:
    """Each node's (kind, name) in the page's language."""
    return {node: (kind_word(node, data), name_of(data)) for node, data in graph.nodes(data=True)}


def _value(value: Any) -> str | None:
    if value is None or value == "" or value == [] or isinstance(value, dict):
        return None
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.date):
        return day(value)
    if isinstance(value, list):
        return ", ".join(str(enum_label(v)) for v in value if not isinstance(v, dict))
    text = str(enum_label(value))
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return day(dt.date.fromisoformat(text))
        except ValueError:
            return text
    return text


def _facts(data: dict[str, Any]) -> list[tuple[str, str]]:
    facts = []
    for key, value in data.items():
        if key in _HIDDEN or key.endswith("_id") or key.endswith("_sha256"):
            continue
        shown = _value(value)
        if shown:
            facts.append((field_label(key), shown))
    return facts


def node_details(graph: nx.DiGraph[str], names: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """For the panel beside the drawing: each node's heading and facts, and the certificates that certify it."""
    details = {}
    for node, data in graph.nodes(data=True):
        certs = [
            {"heading": " · ".join(t for t in names[p] if t), "facts": _facts(graph.nodes[p])}
            for p in graph.predecessors(node)
            if p.startswith("certificate:")
        ]
        heading = " · ".join(t for t in names[node] if t)
        details[node] = {"heading": heading, "facts": _facts(data), "certificates": certs}
    return details


def path_words(path: list[str], names: dict[str, tuple[str, str]]) -> str:
    """A finding's path as the records it goes through: "Bahan baku Gelatin → Bahan diterima GEL-01 → ..."."""
    return " → ".join(" ".join(t for t in names[n] if t) if n in names else _("a record") for n in path)


def with_product(graph: nx.DiGraph[str], batch: str, product: dict[str, Any]) -> nx.DiGraph[str]:
    """The graph with the product drawn after its batch, so findings about the product have a node to colour."""
    node = f"product:{product['id']}"
    if node in graph:
        return graph
    drawn = graph.copy()
    drawn.add_node(node, type="product", **{k: v for k, v in product.items() if k != "id"})
    drawn.add_edge(batch, node, kind="of")
    return drawn
