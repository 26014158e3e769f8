"""Benchmark: provenance traces and recall impact against the bare recursive CTE, as the database grows.

Why this exists: a trace must cost what its answer costs, not what the database holds. For layered supply
chains of about 10^3, 10^5 and 10^6 edges (``step_input`` rows plus the step->batch links) in eight layers,
where 10% of raw-lot picks go to 5 hot lots (shared ingredient lots such as salt or oil) that fan out to tens
of thousands of batches at 10^6 edges, it times, per database, in the same run:

* upstream: ``upstream_graph`` (CTE + record loads + networkx build) for random final batches, and the bare
  upstream CTE alone on the same batches (the baseline);
* downstream: ``downstream_impact`` (counts, groups and the first page) for random lots and for the hot lots,
  and the bare downstream CTE alone on the same lots.

Each line prints the median time, the median trace size and the ratio to the baseline; the last section shows
how the median time and the trace size grow with the database (they should move together). Peak Python memory
(tracemalloc) of one hot-lot impact and one upstream trace is printed: it follows the trace, not the database.

Usage (from the project root)::

    python bench/trace.py            # 10^3, 10^5, 10^6 edges; SQLite, then PostgreSQL if reachable
    python bench/trace.py --quick    # 10^3 and 10^4 edges, for CI
    python bench/trace.py --database sqlite --sizes 1000 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from capture import Unreachable, fresh_database, targets  # noqa: E402  (one helper for fresh databases)

from api.db import make_engine  # noqa: E402
from api.migrate import upgrade  # noqa: E402
from models import Batch, Business, Material, MaterialLot, Product, ProductionStep, StepInput, Supplier  # noqa: E402
from traceability import service  # noqa: E402
from traceability.graph import node_id  # noqa: E402
from traceability.service import provenance  # noqa: E402
from traceability.service.access import Actor  # noqa: E402

ACTOR = Actor.operator("bench")
LAYERS = 8
HOT = 5  # hot raw lots
DAY = dt.date(2025, 1, 1)
SAMPLES = 20


def generate(engine: sa.Engine, edges: int, seed: int = 1) -> dict[str, list[int]]:
    """Insert a layered chain of about `edges` edges; return the final batches, raw lots and hot lots.

    Every step makes one batch from one or two batches of the layer before (none in the first layer) and
    up to two raw lots (one to three in the first layer); 10% of raw-lot picks go to the hot lots.
    """
    rng = random.Random(seed)
    per_batch = 3.5  # 1.5 batch inputs, about one lot input, and the step->batch link
    per_layer = max(1, int(edges / per_batch / LAYERS))
    lots = max(HOT + 1, per_layer)
    hot = list(range(1, HOT + 1))
    with engine.begin() as conn:
        conn.execute(
            sa.insert(Business), [{"id": 1, "name": "Bench", "nib": "1000000000001", "scale": "micro", "version": 1}]
        )
        conn.execute(
            sa.insert(Supplier),
            [{"id": 1, "business_id": 1, "name": "S", "kind": "market", "country": "ID", "version": 1}],
        )
        conn.execute(
            sa.insert(Material),
            [
                {
                    "id": 1,
                    "business_id": 1,
                    "name": "M",
                    "kind": "ingredient",
                    "origin": "plant",
                    "ethanol_source": "none",
                    "version": 1,
                }
            ],
        )
        conn.execute(sa.insert(Product), [{"id": 1, "business_id": 1, "name": "P", "version": 1}])
        conn.execute(
            sa.insert(MaterialLot),
            [
                {
                    "id": i,
                    "business_id": 1,
                    "material_id": 1,
                    "supplier_id": 1,
                    "lot_code": f"L{i}",
                    "received_on": DAY,
                    "version": 1,
                }
                for i in range(1, lots + 1)
            ],
        )
        previous: list[int] = []
        next_id, input_id = 1, 1
        for layer in range(LAYERS):
            steps, outputs, inputs = [], [], []
            for _ in range(per_layer):
                steps.append({"id": next_id, "business_id": 1, "name": "s", "performed_on": DAY, "version": 1})
                outputs.append(
                    {
                        "id": next_id,
                        "business_id": 1,
                        "product_id": 1,
                        "lot_code": f"B{next_id}",
                        "produced_on": DAY,
                        "step_id": next_id,
                        "version": 1,
                    }
                )
                batch_picks = {rng.choice(previous) for _ in range(rng.randint(1, 2))} if previous else set()
                lot_picks = {
                    rng.choice(hot) if rng.random() < 0.1 else rng.randint(1, lots)
                    for _ in range(rng.randint(1, 3) if layer == 0 else rng.randint(0, 2))
                }
                links = [{"lot_id": lot, "batch_id": None} for lot in sorted(lot_picks)]
                links += [{"lot_id": None, "batch_id": batch} for batch in sorted(batch_picks)]
                for position, link in enumerate(links):
                    inputs.append({"id": input_id, "step_id": next_id, "position": position, **link})
                    input_id += 1
                next_id += 1
            conn.execute(sa.insert(ProductionStep), steps)
            conn.execute(sa.insert(Batch), outputs)
            conn.execute(sa.insert(StepInput), inputs)
            previous = [o["id"] for o in outputs]
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return {
        "final": previous,
        "lots": list(range(HOT + 1, lots + 1)),
        "hot": hot,
        "edges": [input_id - 1 + next_id - 1],
    }


def _timed(call: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def measure(engine: sa.Engine, chain: dict[str, list[int]], rng: random.Random) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    deepest = {"depth": provenance.MAX_DEPTH}
    with Session(engine) as session:
        cases = {
            "upstream trace + networkx (random batch)": (
                rng.sample(chain["final"], min(SAMPLES, len(chain["final"]))),
                lambda b: len(provenance.upstream_graph(session, ACTOR, b)),
                lambda b: len(session.execute(provenance.upstream_statement(), {**deepest, "batch": b}).all()),
            ),
            "downstream impact (random lot)": (
                rng.sample(chain["lots"], min(SAMPLES, len(chain["lots"]))),
                lambda lot: provenance.downstream_impact(session, ACTOR, node_id("lot", lot)).counts["batches"],
                lambda lot: len(session.execute(provenance.downstream_statement("lot"), {**deepest, "lot": lot}).all()),
            ),
            "downstream impact (hot lot)": (
                chain["hot"],
                lambda lot: provenance.downstream_impact(session, ACTOR, node_id("lot", lot)).counts["batches"],
                lambda lot: len(session.execute(provenance.downstream_statement("lot"), {**deepest, "lot": lot}).all()),
            ),
        }
        for name, (keys, full, bare) in cases.items():
            for key in keys[:2]:  # warm-up
                full(key)
                bare(key)
            times, base, sizes = [], [], []
            for key in keys:
                t, size = _timed(lambda k=key, f=full: f(k))
                times.append(t)
                sizes.append(size)
                base.append(_timed(lambda k=key, b=bare: b(k))[0])
            out[name] = {
                "median_ms": statistics.median(times) * 1000,
                "base_ms": statistics.median(base) * 1000,
                "size": statistics.median(sizes),
            }
        tracemalloc.start()
        provenance.downstream_impact(session, ACTOR, node_id("lot", chain["hot"][0]))
        out["peak"] = {"hot_impact_kib": tracemalloc.get_traced_memory()[1] / 1024}
        tracemalloc.reset_peak()
        provenance.upstream_graph(session, ACTOR, chain["final"][0])
        out["peak"]["upstream_kib"] = tracemalloc.get_traced_memory()[1] / 1024
        tracemalloc.stop()
    return out


def main(argv: list[str] | None = None) -> int:
    service.install()  # the before-commit hooks of every write, as the app factory installs them
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a CI smoke run")
    parser.add_argument("--sizes", type=int, nargs="+", help="edge counts (default 10^3 10^5 10^6)")
    parser.add_argument("--database", action="append", help="sqlite, sqlite:///new-file or a PostgreSQL URL")
    args = parser.parse_args(argv)
    sizes = args.sizes or ([1_000, 10_000] if args.quick else [1_000, 100_000, 1_000_000])
    for target in targets(args.database):
        growth = []
        for edges in sizes:
            try:
                with fresh_database(target) as url:
                    engine = make_engine(url)
                    upgrade(engine)
                    load, chain = _timed(lambda e=edges, g=engine: generate(g, e))
                    result = measure(engine, chain, random.Random(2))
                    engine.dispose()
            except Unreachable as exc:
                print(f"{target.name}: skipped ({exc})")
                break
            print(f"\n{target.name}, {chain['edges'][0]:,} edges (generated in {load:.1f} s)")
            for name, row in result.items():
                if name == "peak":
                    print(
                        f"  peak Python memory: hot-lot impact {row['hot_impact_kib']:.0f} KiB, "
                        f"upstream trace {row['upstream_kib']:.0f} KiB"
                    )
                    continue
                print(
                    f"  {name:<42} {row['median_ms']:8.2f} ms  size {row['size']:>8.0f}  "
                    f"bare CTE {row['base_ms']:7.2f} ms  ratio {row['median_ms'] / row['base_ms']:5.1f}x"
                )
            growth.append((chain["edges"][0], result))
        if len(growth) > 1:
            print(f"\n{target.name}: growth from the smallest database (time x, trace size x)")
            first = growth[0][1]
            for edges, result in growth[1:]:
                cells = [
                    f"{name.split(' (')[0].split()[0]}({name.split('(')[1][:-1]}) "
                    f"{result[name]['median_ms'] / first[name]['median_ms']:.1f}x / "
                    f"{result[name]['size'] / max(first[name]['size'], 1):.1f}x"
                    for name in result
                    if name != "peak"
                ]
                print(f"  {edges:>10,} edges: " + ";  ".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
