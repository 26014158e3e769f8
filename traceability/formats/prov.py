"""W3C PROV-JSON: a provenance graph as entities, activities and agents.

Batches and lots are entities, steps activities, businesses and suppliers agents (organisations); the
edges map one to one onto PROV relations (DESIGN section 4), and certificates are entities attributed to
their holder that influenced the records they certify.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

__all__ = ["write_prov"]

NS = {"ht": "urn:halal-trace:", "prov": "http://www.w3.org/ns/prov#", "xsd": "http://www.w3.org/2001/XMLSchema#"}
_ENTITY = {
    "batch": "ht:Batch",
    "lot": "ht:Lot",
    "material": "ht:Material",
    "certificate": "ht:Certificate",
    "facility": "prov:Location",
}
_AGENT = {"business", "supplier"}


def _qn(node: str) -> str:
    return "ht:" + node.replace(":", "-")


def _typed(name: str) -> dict[str, str]:
    """A qualified name as a value, typed as the prov library writes it: RDF readers then make it a resource
    (``rdf:type ht:Lot``), where a plain string would be a literal."""
    return {"$": name, "type": "xsd:QName"}


def _attrs(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("type", "summary") or value is None:
            continue
        if hasattr(value, "isoformat"):
            out[f"ht:{key}"] = {"$": value.isoformat(), "type": "xsd:date"}
        elif isinstance(value, bool | int | float | str):
            out[f"ht:{key}"] = str(value) if isinstance(value, str) else value
    return out


def write_prov(graph: nx.DiGraph[str]) -> dict[str, Any]:
    """Return `graph` as a PROV-JSON document (W3C Member Submission layout).

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("lot:1", type="lot", lot_code="L1"); G.add_node("step:1", type="step", name="Aduk")
    >>> G.add_node("batch:1", type="batch", lot_code="B1")
    >>> G.add_edge("lot:1", "step:1", kind="used"); G.add_edge("step:1", "batch:1", kind="generated")
    >>> doc = write_prov(G)
    >>> sorted(doc["entity"]), list(doc["activity"]), list(doc["wasDerivedFrom"].values())[0]["prov:usedEntity"]
    (['ht:batch-1', 'ht:lot-1'], ['ht:step-1'], 'ht:lot-1')
    """
    doc: dict[str, Any] = {"prefix": dict(NS)}
    sections: dict[str, dict[str, Any]] = {}

    def put(section: str, key: str, body: dict[str, Any]) -> None:
        sections.setdefault(section, {})[key] = body

    for node, data in sorted(graph.nodes.items()):
        kind = data.get("type", node.split(":")[0])
        attrs = _attrs(data)
        if kind == "step":
            where = [_qn(p) for p in graph.predecessors(node) if p.startswith("facility:")]
            put(
                "activity",
                _qn(node),
                {
                    **attrs,
                    "prov:type": _typed("ht:ProductionStep"),
                    **({"prov:location": _typed(where[0])} if where else {}),
                },
            )
        elif kind in _AGENT:
            put("agent", _qn(node), {**attrs, "prov:type": _typed("prov:Organization")})
        else:
            put("entity", _qn(node), {**attrs, "prov:type": _typed(_ENTITY.get(kind, f"ht:{kind}"))})
    counter = 0

    def relation(section: str, body: dict[str, Any]) -> None:
        nonlocal counter
        counter += 1
        put(section, f"_:r{counter}", body)

    for source, target, data in sorted(graph.edges(data=True)):
        kind, s, t = data.get("kind"), _qn(source), _qn(target)
        if kind == "used":
            relation("used", {"prov:activity": t, "prov:entity": s})
            for output in sorted(graph.successors(target)):
                relation(
                    "wasDerivedFrom", {"prov:generatedEntity": _qn(output), "prov:usedEntity": s, "prov:activity": t}
                )
        elif kind == "generated":
            relation("wasGeneratedBy", {"prov:entity": t, "prov:activity": s})
        elif kind == "performed":
            relation("wasAssociatedWith", {"prov:activity": t, "prov:agent": s})
        elif kind == "supplied":
            relation("wasAttributedTo", {"prov:entity": t, "prov:agent": s})
        elif kind == "hosted":
            relation(
                "wasInfluencedBy", {"prov:influencee": t, "prov:influencer": s, "prov:type": _typed("ht:atLocation")}
            )
        elif kind in ("instance_of", "received_as"):
            relation(
                "specializationOf" if kind == "instance_of" else "wasDerivedFrom",
                {"prov:specificEntity": t, "prov:generalEntity": s}
                if kind == "instance_of"
                else {"prov:generatedEntity": t, "prov:usedEntity": s},
            )
        elif kind == "certifies":
            relation(
                "wasInfluencedBy", {"prov:influencee": t, "prov:influencer": s, "prov:type": _typed("ht:certifies")}
            )
    for node, data in graph.nodes(data=True):
        if data.get("type") == "certificate" and data.get("holder") in graph:
            relation("wasAttributedTo", {"prov:entity": _qn(node), "prov:agent": _qn(data["holder"])})
    doc.update(sections)
    return doc
