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

__all__ = ["node_label", "svg", "wrap"]

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 190, 62, 60, 18, 12
LINE_CHARS, NAME_LINES = 27, 3  # a name is wrapped on words over up to three lines, never cut with an ellipsis
_LABEL_KEYS = ("lot_code", "name", "number", "product_name")

#: A caption: the kind of record in the reader's words ("Bahan baku") and its name ("Gelatin sapi").
Caption = tuple[str, str]


def node_label(node: str, data: Mapping[str, Any]) -> Caption:
    """The caption a node has when the caller gives none: its kind and its most telling attribute."""
    kind = str(data.get("type") or node.partition(":")[0])
    for key in _LABEL_KEYS:
        if data.get(key):
            return kind, str(data[key])
    return kind, ""


def wrap(text: str, width: int = LINE_CHARS, lines: int = NAME_LINES) -> list[str]:
    """`text` on whole words in at most `lines` lines of about `width` characters; the last line takes the rest
    (smaller type in the drawing), so nothing of a name is hidden.

    >>> wrap("Tepung terigu protein tinggi merek Cakra Kembar", 20)
    ['Tepung terigu', 'protein tinggi merek', 'Cakra Kembar']
    """
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] = f"{out[-1]} {word}"
        else:
            out.append(word)
    return [*out[: lines - 1], " ".join(out[lines - 1 :])] if len(out) > lines else out


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


def svg(
    graph: nx.DiGraph[str],
    severity: Mapping[str, Severity],
    *,
    title: str = "",
    captions: Mapping[str, Caption] | None = None,
    severity_words: Mapping[str, str] | None = None,
) -> str:
    """The graph as an SVG document; each node is a ``<g class="node sev-…" data-node="lot:3">``.

    `severity` gives the worst finding on each node; nodes without one are drawn as ``ok``. `captions` names each
    node in the reader's language (kind, name) and `severity_words` words each level for the tooltips; without
    them the record's own kind and name are shown.
    """
    captions = captions or {}
    severity_words = severity_words or {}
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
        kind, name = captions.get(node) or node_label(node, graph.nodes[node])
        lines = wrap(name)
        texts = [f'<text class="kind" x="{x + 8}" y="{y + 14}">{escape(kind)}</text>']
        for i, line in enumerate(lines):
            small = ' class="rest"' if i == NAME_LINES - 1 and len(line) > LINE_CHARS else ""
            texts.append(f'<text{small} x="{x + 8}" y="{y + 29 + 14 * i}">{escape(line)}</text>')
        tip = " · ".join(t for t in (kind, name, severity_words.get(level, level)) if t)
        parts.append(
            f'<g class="node sev-{level}" data-node="{escape(node)}" data-severity="{level}" tabindex="0"'
            f' role="button" aria-label="{escape(tip)}">'
            f"<title>{escape(tip)}</title>"
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6"/>{"".join(texts)}</g>'
        )
    parts.append("</svg>")
    return "".join(parts)
