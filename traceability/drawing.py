"""Draw a provenance graph as SVG, layered from raw inputs (left) to the batch (right).

Pure and dependency-free beyond networkx: the auditor's page is rendered on the server, works with no
outside network, and the drawing is deterministic (same graph, same picture), so tests can read it.
Each node sits in the layer just before the first node that uses it (suppliers and certificates beside
their lots), and within a layer nodes are ordered by barycentre sweeps in both directions, so edges stay
short and cross less.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

import networkx as nx

from traceability.vocabulary import Severity

__all__ = ["node_label", "svg"]

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 170, 44, 60, 18, 12
_LABEL_KEYS = ("lot_code", "name", "number", "product_name")


def node_label(node: str, data: Mapping[str, Any]) -> str:
    """A short caption: the node's kind and its most telling attribute."""
    kind = data.get("type") or node.partition(":")[0]
    for key in _LABEL_KEYS:
        if data.get(key):
            text = str(data[key])
            return f"{kind}: {text[:22]}{'…' if len(text) > 22 else ''}"
    return node


def _layers(graph: nx.DiGraph[str]) -> list[list[str]]:
    order = list(nx.topological_sort(graph))
    rank: dict[str, int] = {}
    for node in order:  # as early as possible: the longest path from a source
        rank[node] = max((rank[p] + 1 for p in graph.predecessors(node)), default=0)
    for node in reversed(order):  # then as late as possible: just before the first step that uses it
        successors = [rank[s] for s in graph.successors(node)]
        if successors:
            rank[node] = min(successors) - 1
    layers: list[list[str]] = [[] for _ in range(max(rank.values(), default=-1) + 1)]
    for node in sorted(rank):
        layers[rank[node]].append(node)
    position: dict[str, float] = {n: float(i) for layer in layers for i, n in enumerate(layer)}

    def sweep(sequence: list[list[str]], neighbours: Any) -> None:
        for layer in sequence:

            def centre(n: str) -> tuple[float, str]:
                near = [position[m] for m in neighbours(n)]
                return (sum(near) / len(near) if near else position[n], n)

            layer.sort(key=centre)
            position.update({n: float(i) for i, n in enumerate(layer)})

    for _ in range(4):  # barycentre sweeps, rightwards then leftwards, so edges cross less
        sweep(layers[1:], graph.predecessors)
        sweep(layers[-2::-1], graph.successors)
    return layers


def svg(graph: nx.DiGraph[str], severity: Mapping[str, Severity], *, title: str = "") -> str:
    """The graph as an SVG document; each node is a ``<g class="node sev-…" data-node="lot:3">``.

    `severity` gives the worst finding on each node; nodes without one are drawn as ``ok``.
    """
    layers = _layers(graph)
    xy: dict[str, tuple[int, int]] = {}
    for col, layer in enumerate(layers):
        for row, node in enumerate(layer):
            xy[node] = (PAD + col * (BOX_W + GAP_X), PAD + row * (BOX_H + GAP_Y))
    width = PAD * 2 + max(len(layers), 1) * (BOX_W + GAP_X) - GAP_X
    height = PAD * 2 + max((len(layer) for layer in layers), default=1) * (BOX_H + GAP_Y) - GAP_Y
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="provenance" role="img" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}"><title>{escape(title)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7"'
        ' orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#777"/></marker></defs>',
    ]
    for source, target, data in sorted(graph.edges(data=True)):
        (x1, y1), (x2, y2) = xy[source], xy[target]
        sx, sy, tx, ty = x1 + BOX_W, y1 + BOX_H // 2, x2, y2 + BOX_H // 2
        mid = (sx + tx) // 2
        parts.append(
            f'<path class="edge" d="M{sx} {sy}C{mid} {sy} {mid} {ty} {tx} {ty}" fill="none"'
            f' stroke="#999" marker-end="url(#arrow)"><title>{escape(str(data.get("kind", "")))}</title>'
            "</path>"
        )
    for node in sorted(xy):
        x, y = xy[node]
        level = severity.get(node, Severity.OK).value
        label = escape(node_label(node, graph.nodes[node]))
        parts.append(
            f'<g class="node sev-{level}" data-node="{escape(node)}" data-severity="{level}" tabindex="0">'
            f"<title>{escape(node)} · {level}</title>"
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6"/>'
            f'<text x="{x + 8}" y="{y + BOX_H // 2 + 5}">{label}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
