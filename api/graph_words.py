"""The provenance graph in the reader's words: each node's kind and name, its record as labelled facts, and a
finding's path as the names it goes through. No record ids, no field keys, no enum codes reach the page."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import networkx as nx
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from api.labels import KIND_NAMES, day, enum_label, field_label
from traceability import vocabulary as v
from traceability.drawing import FOLD

__all__ = ["captions", "change_words", "fold_words", "node_details", "path_words", "with_product"]

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
        details[node] = {"heading": heading, "name": names[node][1], "facts": _facts(data), "certificates": certs}
    return details


def fold_words(
    graph: nx.DiGraph[str], folds: dict[str, list[str]], names: dict[str, tuple[str, str]]
) -> tuple[dict[str, tuple[str, str]], dict[str, Any]]:
    """Each fold of a supplier's lots as a caption ("12 lots received from" · the supplier) and as the panel's
    record: the materials the lots are of, how many, and how to unfold them."""
    found_captions, details = {}, {}
    for fold, members in folds.items():
        supplier = names.get(fold.removeprefix(FOLD), ("", ""))[1]
        caption = (_("%(n)d lots received from", n=len(members)), supplier)
        materials = sorted(
            {names[p][1] for m in members for p in graph.predecessors(m) if p.startswith("material:") and p in names}
        )
        found_captions[fold] = caption
        details[fold] = {
            "heading": " ".join(t for t in caption if t),
            "name": supplier,
            "facts": [(_("Materials"), ", ".join(materials)), (_("How many"), str(len(members)))],
            "certificates": [],
            "hint": _("Press Enter or click the box to show each lot, and again to fold them."),
        }
    return found_captions, details


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


# --- what changed since the last decision, in words ------------------------------------------------------------

# Fields whose stored value is a member of an enum that shares wire values with another (regular, self_declare...).
_ENUMS: dict[tuple[str, str], type[enum.Enum]] = {
    ("material", "kind"): v.MaterialKind,
    ("material", "origin"): v.Origin,
    ("supplier", "kind"): v.SupplierKind,
    ("certificate", "scheme"): v.CertificateScheme,
    ("certificate", "status"): v.CertificateStatus,
    ("facility", "kind"): v.FacilityKind,
}
# Short names for the fields whose form label carries an instruction ("Country (two letters, ...)").
_SHORT = {"country": _l("Country"), "nib": "NIB"}


def _fact_value(kind: str, field: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return _("none")
    known = _ENUMS.get((kind, field))
    if known is not None:
        try:
            return enum_label(known(value))
        except ValueError:
            return str(value)
    return _value(value) or _("none")


def _fact_name(field: str) -> str:
    return str(_SHORT[field]) if field in _SHORT else field_label(field)


def _changed_fact(kind: str, fact: Any) -> list[str]:
    """One changed field as sentences; a list (a step's inputs) by what joined and what left, not both whole lists."""
    name = _fact_name(fact.field)
    if isinstance(fact.before, list) or isinstance(fact.after, list):
        before, after = list(fact.before or []), list(fact.after or [])
        lines = []
        if joined := [x for x in after if x not in before]:
            lines.append(_("%(field)s: added %(items)s", field=name, items=", ".join(map(str, joined))))
        if left := [x for x in before if x not in after]:
            lines.append(_("%(field)s: removed %(items)s", field=name, items=", ".join(map(str, left))))
        return lines
    was, now = _fact_value(kind, fact.field, fact.before), _fact_value(kind, fact.field, fact.after)
    return [_("%(field)s: %(before)s → %(after)s", field=name, before=was, after=now)]


def change_words(since: Any) -> dict[str, Any]:
    """The product's latest decision and what changed since, as sentences for the review page."""
    found = since.changes
    records = []
    for change in found.records if found else ():
        what = " ".join(t for t in (kind_word(change.node, {"type": change.kind}), change.name) if t)
        if change.change == "changed":
            facts = [line for f in change.facts for line in _changed_fact(change.kind, f)]
        else:
            added = change.change == "added"
            facts = [
                f"{_fact_name(f.field)}: {_fact_value(change.kind, f.field, f.after if added else f.before)}"
                for f in change.facts
                if f.field not in ("name", "lot_code", "number")
            ]
        records.append({"change": change.change, "what": what, "facts": facts})
    findings = []
    lang = str(get_locale() or "id")
    for f in found.findings if found else ():
        about = " ".join(t for t in (kind_word(f.subject, {"type": f.kind}), f.subject_name) if t)
        severity = {
            "before": enum_label(v.Severity(f.severity_before)) if f.severity_before else "",
            "after": enum_label(v.Severity(f.severity_after)) if f.severity_after else "",
        }
        findings.append(
            {
                "change": f.change,
                "rule": f.rule,
                "text": f.message.get(lang) or f.message.get("en") or f.rule,
                "about": about,
                "severity": severity,
            }
        )
    return {
        "at": since.event.at,
        "action": since.event.action,
        "author": since.author,
        "other_batch": since.other_batch,
        "kept": found is not None,
        "records": records,
        "findings": findings,
    }
