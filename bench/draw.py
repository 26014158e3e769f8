"""Benchmark: drawing a provenance graph as SVG on the server, against the graph's size.

Why this exists: the auditor's review page draws the batch's upstream graph on every view. The
baseline, measured in the same run on the same graph, is serialising the graph as node-link JSON
(what a page would have to send for a client-side layout instead). A flat ratio means the layout
stays a constant factor over merely shipping the graph; a growing one shows where the layering or the
crossing-reduction pass goes super-linear.

Usage: ``python bench/draw.py [--quick]``. The last line of output is JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from traceability.drawing import svg  # noqa: E402
from traceability.vocabulary import Severity  # noqa: E402


def chain(nodes: int, seed: int = 7) -> nx.DiGraph:
    """A layered trace shaped like production: materials and suppliers feed lots, lots feed steps, steps make
    batches that feed later steps."""
    rng = random.Random(seed)
    g = nx.DiGraph()
    lots: list[str] = []
    batches: list[str] = []
    i = 0
    while g.number_of_nodes() < nodes:
        i += 1
        lot, material, supplier = f"lot:{i}", f"material:{i % 40}", f"supplier:{i % 15}"
        g.add_node(lot, type="lot", lot_code=f"L-{i}")
        g.add_node(material, type="material", name=f"Bahan {i % 40}")
        g.add_node(supplier, type="supplier", name=f"Pemasok {i % 15}")
        g.add_edges_from([(material, lot), (supplier, lot)])
        lots.append(lot)
        if i % 3 == 0:
            step, batch = f"step:{i}", f"batch:{i}"
            g.add_node(step, type="step", name=f"Langkah {i}")
            g.add_node(batch, type="batch", lot_code=f"B-{i}")
            for source in rng.sample(lots, min(3, len(lots))) + batches[-1:]:
                g.add_edge(source, step)
            g.add_edge(step, batch)
            batches.append(batch)
    return g


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small graphs only (CI smoke run)")
    args = parser.parse_args()
    sizes = [10, 100, 500] if args.quick else [10, 100, 1_000, 5_000]
    rows = []
    print(f"{'nodes':>6} {'edges':>6} {'svg ms':>9} {'json ms':>9} {'ratio':>7} {'svg KB':>7}")
    for size in sizes:
        graph = chain(size)
        severity = {n: Severity.NEEDS_EVIDENCE for n in list(graph)[::17]}
        repeat = 15 if size <= 1_000 else 3
        drawn = best(lambda g=graph, s=severity: svg(g, s), repeat)
        shipped = best(lambda g=graph: json.dumps(nx.node_link_data(g, edges="links"), default=str), repeat)
        kb = len(svg(graph, severity)) / 1024
        rows.append(
            {
                "nodes": graph.number_of_nodes(),
                "edges": graph.number_of_edges(),
                "svg_s": drawn,
                "json_s": shipped,
                "ratio": drawn / shipped,
                "svg_kb": round(kb, 1),
            }
        )
        print(
            f"{graph.number_of_nodes():>6} {graph.number_of_edges():>6} {drawn * 1e3:>9.2f} {shipped * 1e3:>9.2f} "
            f"{drawn / shipped:>7.1f} {kb:>7.0f}"
        )
    growth = rows[-1]["ratio"] / rows[1]["ratio"]
    print(f"ratio growth from {rows[1]['nodes']} to {rows[-1]['nodes']} nodes: x{growth:.2f}")
    print(json.dumps({"draw": rows, "ratio_growth": growth}))


if __name__ == "__main__":
    main()
