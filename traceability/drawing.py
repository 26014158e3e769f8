"""Draw a provenance graph as SVG, layered from raw inputs (left) to the batch (right).

Pure and dependency-free beyond networkx: the auditor's page is rendered on the server, works with no
outside network, and the drawing is deterministic (same graph, same picture), so tests can read it.
Each node sits in the layer just before the first node that uses it (suppliers and certificates beside
their lots), and within a layer nodes are ordered by barycentre sweeps in both directions, so edges stay
short and cross less.

A large graph folds each supplier's many lots into one node (:func:`fold_lots`). The folded lots are still drawn,
hidden, in their fold's column right after it, each node carrying its column and its order there, so the page can
unfold them in place by restacking one column and redrawing the edges, without another layout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import networkx as nx

from traceability.vocabulary import Severity

__all__ = ["FOLD", "fold_lots", "folded", "node_label", "svg", "wrap"]

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 190, 62, 60, 18, 12
#: A graph with more nodes than this folds the lots of every supplier that sent at least FOLD_AT_LEAST of them.
FOLD_ABOVE, FOLD_AT_LEAST = 60, 3
#: The prefix of a fold's node id: ``fold:supplier:3`` holds the lots supplier 3 sent.
FOLD = "fold:"
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


def fold_lots(
    graph: nx.DiGraph[str], *, above: int = FOLD_ABOVE, at_least: int = FOLD_AT_LEAST
) -> dict[str, list[str]]:
    """The folds to draw: ``fold:<supplier>`` -> that supplier's lots by lot code, when the graph has more than
    `above` nodes and the supplier sent at least `at_least` lots; nothing for a graph small enough to read whole.

    >>> g = nx.DiGraph([("supplier:1", f"lot:{i}") for i in range(3)])
    >>> fold_lots(g, above=2)
    {'fold:supplier:1': ['lot:0', 'lot:1', 'lot:2']}
    >>> fold_lots(g)
    {}
    """
    if graph.number_of_nodes() <= above:
        return {}
    folds = {}
    for node in sorted(graph):
        if node.startswith("supplier:"):
            lots = sorted(  # in the order of their codes, as the auditor reads them down the column
                (s for s in graph.successors(node) if s.startswith("lot:")),
                key=lambda s: (str(graph.nodes[s].get("lot_code") or ""), s),
            )
            if len(lots) >= at_least:
                folds[f"{FOLD}{node}"] = lots
    return folds


def folded(graph: nx.DiGraph[str], folds: Mapping[str, Sequence[str]]) -> nx.DiGraph[str]:
    """The graph with each fold's members replaced by the fold, which takes over their edges.

    A fold that would close a cycle (a lot upstream of another lot of the same supplier) is left unfolded.
    """
    shown = graph.copy()
    for fold, members in folds.items():
        trial = shown.copy()
        inside = set(members)
        trial.add_node(fold, type="fold", count=len(members))
        for member in members:
            for p in graph.predecessors(member):
                if p not in inside:
                    trial.add_edge(p, fold, kind=graph.edges[p, member].get("kind", ""))
            for q in graph.successors(member):
                if q not in inside:
                    trial.add_edge(fold, q, kind=graph.edges[member, q].get("kind", ""))
        trial.remove_nodes_from(members)
        if nx.is_directed_acyclic_graph(trial):
            shown = trial
    return shown


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


def _path(a: tuple[int, int], b: tuple[int, int]) -> str:
    sx, sy, tx, ty = a[0] + BOX_W, a[1] + BOX_H // 2, b[0], b[1] + BOX_H // 2
    mid = (sx + tx) // 2
    return f"M{sx} {sy}C{mid} {sy} {mid} {ty} {tx} {ty}"


def svg(
    graph: nx.DiGraph[str],
    severity: Mapping[str, Severity],
    *,
    title: str = "",
    captions: Mapping[str, Caption] | None = None,
    severity_words: Mapping[str, str] | None = None,
    folds: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """The graph as an SVG document; each node is a ``<g class="node sev-…" data-node="lot:3">``.

    `severity` gives the worst finding on each node; nodes without one are drawn as ``ok``. `captions` names each
    node in the reader's language (kind, name) and `severity_words` words each level for the tooltips; without
    them the record's own kind and name are shown. `folds` (see :func:`fold_lots`) draws each fold as one node
    (``class="node fold"``, ``aria-expanded="false"``, the worst severity of its members) with its members hidden
    after it (``class="node member folded"``, ``data-fold``); every node has ``data-col`` and ``data-order`` and
    every edge ``data-s`` and ``data-t``, so the page can restack a column when a fold opens.
    """
    captions = captions or {}
    severity_words = severity_words or {}
    shown = folded(graph, folds) if folds else graph
    folds = {f: list(m) for f, m in (folds or {}).items() if f in shown}
    member_of = {m: f for f, members in folds.items() for m in members}
    layers = _layers(shown)
    xy: dict[str, tuple[int, int]] = {}
    place: dict[str, tuple[int, int]] = {}  # node -> (column, order in the column with every fold open)
    for col, layer in enumerate(layers):
        order = 0
        for row, node in enumerate(layer):
            xy[node] = (PAD + col * (BOX_W + GAP_X), PAD + row * (BOX_H + GAP_Y))
            place[node] = (col, order)
            order += 1
            for member in folds.get(node, ()):
                xy[member], place[member] = xy[node], (col, order)
                order += 1
    width = PAD * 2 + max(len(layers), 1) * (BOX_W + GAP_X) - GAP_X
    height = PAD * 2 + max((len(layer) for layer in layers), default=1) * (BOX_H + GAP_Y) - GAP_Y
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="provenance" role="img" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" data-grid="{BOX_W} {BOX_H} {GAP_Y} {PAD}"><title>{escape(title)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7"'
        ' orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#777"/></marker></defs>',
    ]
    edges = [(s, t, d, False) for s, t, d in shown.edges(data=True)]
    edges += [(s, t, d, True) for s, t, d in graph.edges(data=True) if s in member_of or t in member_of]
    for source, target, data, hidden in sorted(edges, key=lambda e: (e[0], e[1])):
        css = "edge folded" if hidden else "edge"
        parts.append(
            f'<path class="{css}" data-s="{escape(source)}" data-t="{escape(target)}"'
            f' d="{_path(xy[source], xy[target])}" fill="none" stroke="#999" marker-end="url(#arrow)">'
            f"<title>{escape(str(data.get('kind', '')))}</title></path>"
        )
    for node in sorted(xy):
        x, y = xy[node]
        if node in folds:
            worst = max((severity.get(m, Severity.OK) for m in folds[node]), key=lambda s: s.rank)
            level = max(worst, severity.get(node, Severity.OK), key=lambda s: s.rank).value
        else:
            level = severity.get(node, Severity.OK).value
        data = shown.nodes[node] if node in shown else graph.nodes[node]
        kind, name = captions.get(node) or node_label(node, data)
        lines = wrap(name)
        texts = [f'<text class="kind" x="{x + 8}" y="{y + 14}">{escape(kind)}</text>']
        for i, line in enumerate(lines):
            small = ' class="rest"' if i == NAME_LINES - 1 and len(line) > LINE_CHARS else ""
            texts.append(f'<text{small} x="{x + 8}" y="{y + 29 + 14 * i}">{escape(line)}</text>')
        tip = " · ".join(t for t in (kind, name, severity_words.get(level, level)) if t)
        col, order = place[node]
        css, extra = f"node sev-{level}", ""
        if node in folds:
            css, extra = f"node fold sev-{level}", f' aria-expanded="false" data-members="{len(folds[node])}"'
        elif node in member_of:
            css, extra = f"node member folded sev-{level}", f' data-fold="{escape(member_of[node])}"'
        parts.append(
            f'<g class="{css}" data-node="{escape(node)}" data-severity="{level}" data-col="{col}"'
            f' data-order="{order}"{extra} tabindex="0" role="button" aria-label="{escape(tip)}">'
            f"<title>{escape(tip)}</title>"
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6"/>{"".join(texts)}</g>'
        )
    parts.append("</svg>")
    return "".join(parts)
