"""Benchmark: the journal as a transparency log: concurrent appends, sealing, and proof sizes and times.

Why this exists: the journal used to be a hash chain behind one head row that every write locked until it
committed, so all writers of all businesses queued behind each other. Entries now take their number from a
database sequence and the sealer builds the Merkle tree afterwards. This says what that buys and costs, as ratios
within the same run so the figures mean something on any machine:

* **append throughput** on PostgreSQL with 1, 2, 4 and 8 concurrent writers, each for its own business, as a
  ratio to one writer. Each write is one transaction: the journal entry, plus 2 ms of server-side wait standing in
  for the reassessment a real write runs before it commits (``pg_sleep``, so the 2 cores are not the limit).
  The same run with every transaction also updating one shared row (the old head row) is the contrast: it
  flattens at 1x.
* **seal cost** per 10,000 entries: the time to seal 10,000 waiting entries (hash them, store the tree's nodes,
  sign a checkpoint), also as a ratio to inserting those entries in bulk.
* **proofs** at 10^3, 10^5 and 10^6 entries (pure Merkle code over an in-memory tree): inclusion and consistency
  proof sizes (hashes, bytes) and the time to make and to check one, which grow with log2(n).

Usage (from the project root)::

    python bench/journal.py              # PostgreSQL at $HALAL_TRACE_BENCH_POSTGRES_URL or the local default
    python bench/journal.py --quick      # fewer writes, proofs up to 10^5 (CI smoke run)

PostgreSQL unreachable: the database parts are skipped, the proof figures still printed. The last line is JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from benchdb import DEFAULT_POSTGRES_URL, Target, Unreachable, fresh_database, server_version  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from api.db import make_engine  # noqa: E402
from api.migrate import upgrade  # noqa: E402
from models import JournalEntry  # noqa: E402
from traceability import merkle, service  # noqa: E402
from traceability.journal import digest  # noqa: E402
from traceability.service import journal  # noqa: E402
from traceability.service.access import Actor  # noqa: E402

OPERATOR = Actor.operator("bench")
WRITERS = (1, 2, 4, 8)
WORK_MS = 2


def _businesses(engine: sa.Engine, count: int) -> list[int]:
    with engine.begin() as connection:
        ids = []
        for i in range(count):
            ids.append(
                connection.execute(
                    sa.text(
                        "INSERT INTO business (name, nib, scale, country, version, created_at) "
                        "VALUES (:n, :nib, 'micro', 'ID', 1, now()) RETURNING id"
                    ),
                    {"n": f"Usaha {i}", "nib": f"{1208230000000 + i}"},
                ).scalar_one()
            )
        connection.execute(sa.text("CREATE TABLE bench_head (id int PRIMARY KEY, n bigint NOT NULL)"))
        connection.execute(sa.text("INSERT INTO bench_head VALUES (1, 0)"))
    return ids


def _append_rate(engine: sa.Engine, businesses: list[int], writers: int, writes: int, shared_row: bool) -> float:
    """Commits per second with `writers` threads, each writing `writes` entries for its own business."""
    barrier = threading.Barrier(writers + 1)

    def writer(business: int) -> None:
        with Session(engine) as session:
            barrier.wait()
            for n in range(writes):
                if shared_row:
                    session.execute(sa.text("UPDATE bench_head SET n = n + 1 WHERE id = 1"))
                journal.append(session, OPERATOR, "bench", f"bench:{business}", {"n": n}, business_id=business)
                session.flush()
                session.execute(sa.text("SELECT pg_sleep(:s)"), {"s": WORK_MS / 1000})
                session.commit()

    threads = [threading.Thread(target=writer, args=(businesses[i],)) for i in range(writers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return writers * writes / (time.perf_counter() - started)


def _seal_cost(engine: sa.Engine, keys: journal.LogKeys, business: int, count: int) -> dict[str, float]:
    with Session(engine) as session:  # everything appended so far, sealed first so the figure is this batch alone
        journal.seal(session, keys)
    rows = [
        {
            "at": "2025-11-20T08:00:00.000000+00:00",
            "actor": "bench",
            "actor_id": None,
            "business_id": business,
            "action": "bench",
            "subject": f"bench:{i}",
            "payload": {"n": i},
            "payload_digest": digest({"n": i}),
        }
        for i in range(count)
    ]
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(sa.insert(JournalEntry), rows)
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    with Session(engine) as session:
        size, _, _ = journal.seal(session, keys)
    sealed = time.perf_counter() - started
    return {
        "entries": count,
        "tree_size": size,
        "seal_seconds": round(sealed, 3),
        "seal_seconds_per_10000": round(sealed * 10_000 / count, 3),
        "bulk_insert_seconds": round(inserted, 3),
        "seal_to_insert_ratio": round(sealed / inserted, 2),
    }


def bench_database(url: str, writes: int, seal_entries: int) -> dict[str, Any]:
    engine = make_engine(url, pool_size=12, max_overflow=4)
    upgrade(engine)
    keys = journal.LogKeys("bench.example/journal", (key := Ed25519PrivateKey.generate()), (key.public_key(),))
    businesses = _businesses(engine, max(WRITERS))
    _append_rate(engine, businesses, 2, max(5, writes // 10), False)  # warm the pool and the statement cache
    figures: dict[str, Any] = {"database": server_version(engine), "work_in_transaction_ms": WORK_MS}
    for label, shared in (("append", False), ("append_behind_one_locked_row", True)):
        rates = {n: _append_rate(engine, businesses, n, writes, shared) for n in WRITERS}
        figures[label] = {
            str(n): {"per_second": round(rate, 1), "ratio": round(rate / rates[1], 2)} for n, rate in rates.items()
        }
    figures["seal"] = _seal_cost(engine, keys, businesses[0], seal_entries)
    with Session(engine) as session:
        figures["verify_ok"] = journal.verify(session, keys).ok
    engine.dispose()
    return figures


def _levels(n: int) -> list[list[bytes]]:
    sha = hashlib.sha256
    level = [sha(b"\x00" + i.to_bytes(8, "big")).digest() for i in range(n)]
    levels = [level]
    while len(level) > 1:
        level = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        levels.append(level)
    return levels


def bench_proofs(n: int, samples: int) -> dict[str, Any]:
    levels = _levels(n)

    def node(level: int, index: int) -> bytes:
        return levels[level][index]

    rng = random.Random(n)
    root = merkle.range_hash(node, 0, n)
    indexes = [rng.randrange(n) for _ in range(samples)]
    olds = [rng.randrange(1, n) for _ in range(samples)]
    started = time.perf_counter()
    paths = [merkle.inclusion_proof(node, i, n) for i in indexes]
    make_inclusion = (time.perf_counter() - started) / samples
    started = time.perf_counter()
    for i, path in zip(indexes, paths, strict=True):
        merkle.verify_inclusion(i, n, levels[0][i], path, root)
    check_inclusion = (time.perf_counter() - started) / samples
    old_roots = [merkle.range_hash(node, 0, m) for m in olds]
    started = time.perf_counter()
    proofs = [merkle.consistency_proof(node, m, n) for m in olds]
    make_consistency = (time.perf_counter() - started) / samples
    started = time.perf_counter()
    for m, old_root, proof in zip(olds, old_roots, proofs, strict=True):
        merkle.verify_consistency(m, n, old_root, root, proof)
    check_consistency = (time.perf_counter() - started) / samples
    inclusion_sizes = [len(p) for p in paths]
    consistency_sizes = [len(p) for p in proofs]
    return {
        "entries": n,
        "log2": round(n.bit_length() - 1 + (n & (n - 1) != 0), 0),
        "inclusion_hashes_max": max(inclusion_sizes),
        "inclusion_bytes_max": 32 * max(inclusion_sizes),
        "consistency_hashes_max": max(consistency_sizes),
        "consistency_bytes_max": 32 * max(consistency_sizes),
        "inclusion_make_us": round(make_inclusion * 1e6, 1),
        "inclusion_check_us": round(check_inclusion * 1e6, 1),
        "consistency_make_us": round(make_consistency * 1e6, 1),
        "consistency_check_us": round(check_consistency * 1e6, 1),
    }


def main(argv: list[str] | None = None) -> int:
    service.install()  # the before-commit hooks of every write, as the app factory installs them
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer writes, proofs up to 10^5 (CI smoke run)")
    parser.add_argument("--database", metavar="URL", help="a PostgreSQL server URL (a database is made and dropped)")
    args = parser.parse_args(argv)
    writes, seal_entries = (20, 2_000) if args.quick else (150, 10_000)
    sizes = (10**3, 10**5) if args.quick else (10**3, 10**5, 10**6)
    url = args.database or os.environ.get("HALAL_TRACE_BENCH_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    result: dict[str, Any] = {"benchmark": "journal", "cores": os.cpu_count()}
    print(f"journal benchmark (python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    try:
        with fresh_database(Target("postgresql", url)) as fresh:
            figures = bench_database(fresh, writes, seal_entries)
    except Unreachable as exc:
        print(f"\npostgresql: skipped, cannot use {sa.make_url(url).render_as_string(hide_password=True)}: {exc}")
        result["skipped"] = str(exc)
    else:
        result["postgresql"] = figures
        print(f"\n{figures['database']}, {writes} writes per writer, {WORK_MS} ms of work inside each transaction")
        print(f"{'writers':>8} {'append/s':>10} {'ratio':>7} {'one row/s':>10} {'ratio':>7}")
        for n in WRITERS:
            a, b = figures["append"][str(n)], figures["append_behind_one_locked_row"][str(n)]
            print(f"{n:>8} {a['per_second']:>10} {a['ratio']:>6}x {b['per_second']:>10} {b['ratio']:>6}x")
        seal = figures["seal"]
        print(
            f"seal: {seal['seal_seconds_per_10000']} s per 10,000 entries "
            f"({seal['seal_to_insert_ratio']}x the bulk insert of those entries)"
        )
    result["proofs"] = []
    print(
        f"\n{'entries':>9} {'incl. hashes':>12} {'bytes':>6} {'make us':>8} {'check us':>9}"
        f" {'cons. hashes':>12} {'make us':>8} {'check us':>9}"
    )
    for n in sizes:
        p = bench_proofs(n, 200)
        result["proofs"].append(p)
        print(
            f"{n:>9} {p['inclusion_hashes_max']:>12} {p['inclusion_bytes_max']:>6} {p['inclusion_make_us']:>8}"
            f" {p['inclusion_check_us']:>9} {p['consistency_hashes_max']:>12} {p['consistency_make_us']:>8}"
            f" {p['consistency_check_us']:>9}"
        )
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
