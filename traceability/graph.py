"""The provenance graph: typed nodes joined by edges that point from cause to effect.

Node ids are ``"<type>:<id>"`` with a type from :data:`NODE_TYPES`; every node carries a ``type`` attribute
and the fields of its record. An edge ``(a, b)`` means ``a`` went into, or brought about, ``b`` and carries a
``kind`` from :data:`EDGE_KINDS`, so everything upstream of a batch is its ancestors (DESIGN section 4).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import networkx as nx

from traceability.errors import NotFoundError, ProvenanceCycleError

__all__ = [
    "EDGE_KINDS",
    "NODE_TYPES",
    "graph_json",
    "hide_foreign",
    "node_id",
    "parse_node",
    "paths_from",
    "require_acyclic",
    "upstream_of",
]

NODE_TYPES = ("batch", "lot", "step", "material", "supplier", "certificate", "facility", "business")

# kind -> (source type, target type); "received_as" links a batch to the lot another business logged for it.
EDGE_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "used": (("lot", "batch"), ("step",)),
    "generated": (("step",), ("batch",)),
    "received_as": (("batch",), ("lot",)),
    "instance_of": (("material",), ("lot",)),
    "supplied": (("supplier",), ("lot",)),
    "certifies": (("certificate",), ("lot", "material", "batch")),
    "hosted": (("facility",), ("step",)),
    "performed": (("business",), ("step",)),
}


def node_id(kind: str, key: int | str) -> str:
    """Return the graph id of record `key` of type `kind`.

    Examples
    --------
    >>> node_id("batch", 7)
    'batch:7'
    """
    if kind not in NODE_TYPES:
        raise ValueError(f"unknown node type {kind!r}")
    return f"{kind}:{key}"


def parse_node(value: str) -> tuple[str, int]:
    """Split a node id into its type and integer id.

    Raises
    ------
    NotFoundError
        If `value` is not ``<type>:<positive integer>`` with a known type.

    Examples
    --------
    >>> parse_node("lot:12")
    ('lot', 12)
    """
    kind, _, key = value.partition(":")
    if kind not in NODE_TYPES or not key.isdigit() or int(key) < 1:
        raise NotFoundError(f"No node {value!r}.")
    return kind, int(key)


def require_acyclic(graph: nx.DiGraph[str]) -> None:
    """Refuse a graph in which something would be its own ingredient.

    Raises
    ------
    ProvenanceCycleError
        Naming the nodes of one cycle.

    Examples
    --------
    >>> require_acyclic(nx.DiGraph([("lot:1", "step:1"), ("step:1", "batch:1")]))
    >>> require_acyclic(nx.DiGraph([("batch:1", "step:1"), ("step:1", "batch:1")]))
    Traceback (most recent call last):
    ...
    traceability.errors.ProvenanceCycleError: The provenance would form a cycle: batch:1 -> step:1 -> batch:1.
    """
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    names = [edge[0] for edge in cycle] + [cycle[0][0]]
    message = f"The provenance would form a cycle: {' -> '.join(names)}."
    raise ProvenanceCycleError(message, errors={"graph": [message]})


_SUMMARY = {
    "batch": ("business", "business_name", "lot_code", "produced_on", "product_name", "gtin"),
    "step": ("business",),
    "lot": ("business",),
}


def hide_foreign(graph: nx.DiGraph[str], can_read: Callable[[int], bool]) -> None:
    """Reduce the records of businesses the caller may not read to a summary, in place.

    Their batches keep product, lot code and business; their steps and lots keep only their type and
    business; their materials, suppliers, certificates and facilities are removed. Such nodes get
    ``summary=True``.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("lot:1", type="lot", business=2, lot_code="SECRET")
    >>> G.add_node("material:1", type="material", business=2, name="Gelatin")
    >>> G.add_edge("material:1", "lot:1", kind="instance_of")
    >>> hide_foreign(G, lambda business: business == 1)
    >>> dict(G.nodes(data=True))
    {'lot:1': {'type': 'lot', 'business': 2, 'summary': True}}
    """
    for node, data in list(graph.nodes.items()):
        business = data.get("business")
        if business is None or can_read(business):
            continue
        kind = data["type"]
        if kind not in _SUMMARY:
            graph.remove_node(node)
            continue
        kept = {key: data[key] for key in _SUMMARY[kind] if key in data}
        data.clear()
        data.update(type=kind, **kept, summary=True)


def upstream_of(graph: nx.DiGraph[str], node: str) -> set[str]:
    """Return every node `node` is made of or caused by, directly or not (not `node` itself).

    Raises
    ------
    NotFoundError
        If `node` is not in `graph`.

    Examples
    --------
    >>> G = nx.DiGraph([("lot:1", "step:1"), ("step:1", "batch:1"), ("material:1", "lot:1")])
    >>> sorted(upstream_of(G, "batch:1"))
    ['lot:1', 'material:1', 'step:1']
    """
    if node not in graph:
        raise NotFoundError(f"No node {node!r} in this graph.")
    return set(nx.ancestors(graph, node))


def paths_from(
    graph: nx.DiGraph[str], root: str, targets: Iterable[str], *, upstream: bool = True
) -> dict[str, list[str]]:
    """Return one shortest path between `root` and each reachable target, as the auditor reads it.

    Upstream paths run from the root back to the cause (``batch -> step -> lot -> material``); downstream
    paths run from the root forward to the affected node.

    Examples
    --------
    >>> G = nx.DiGraph([("material:1", "lot:1"), ("lot:1", "step:1"), ("step:1", "batch:1")])
    >>> paths_from(G, "batch:1", ["material:1"])
    {'material:1': ['batch:1', 'step:1', 'lot:1', 'material:1']}
    """
    walk = graph.reverse(copy=False) if upstream else graph
    lengths = nx.single_source_shortest_path(walk, root)
    return {target: lengths[target] for target in targets if target in lengths}


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def graph_json(graph: nx.DiGraph[str], root: str, *, upstream: bool = True) -> dict[str, Any]:
    """Return the graph as plain JSON data: sorted nodes and edges, and the path from `root` to each node.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("step:1", type="step", name="Aduk")
    >>> G.add_node("batch:1", type="batch", lot_code="B1")
    >>> G.add_edge("step:1", "batch:1", kind="generated")
    >>> graph_json(G, "batch:1")["edges"]
    [{'source': 'step:1', 'target': 'batch:1', 'kind': 'generated'}]
    """
    nodes = [{"id": n, **_plain(data)} for n, data in sorted(graph.nodes.items())]
    edges = [{"source": a, "target": b, **_plain(data)} for a, b, data in sorted(graph.edges(data=True))]
    paths = paths_from(graph, root, graph.nodes, upstream=upstream) if root in graph else {}
    return {"root": root, "nodes": nodes, "edges": edges, "paths": dict(sorted(paths.items()))}
