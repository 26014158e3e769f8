"""Benchmark: importing a snapshot of the BPJPH certificate register (70,000 certificates).

Why this exists: the national register lists millions of certificates and an operator loads a province's export
(tens of thousands of rows) at a time, whole or not at all. The import reads and checks every row, folds repeated
numbers, writes the entries with bulk Core inserts, journals the snapshot and reconciles every recorded BPJPH
certificate with it. Its rate is a ratio against a baseline measured in the same run, so it means something on any
machine: a bare SQLAlchemy Core ``INSERT`` (executemany, chunked alike, one transaction) of the same entries, already
parsed, into a fresh database.

Usage (from the project root)::

    python bench/register.py                # 70,000 rows, SQLite then PostgreSQL
    python bench/register.py --quick        # 5,000 rows (CI smoke run)
    python bench/register.py --rows 20000 --database sqlite

Databases as in the other benchmarks (bench/benchdb.py): fresh ones, dropped afterwards; PostgreSQL is skipped,
saying so, when unreachable. The last line of output is JSON.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import random
import sys
import time
from typing import Any

import sqlalchemy as sa
from benchdb import Unreachable, fresh_database, server_version, targets
from sqlalchemy.orm import sessionmaker

from api.db import make_engine
from api.migrate import upgrade
from models import RegisterEntry, RegisterSnapshot
from traceability import service
from traceability.formats.bpjph_register import COLUMNS, parse_register
from traceability.service import demo, dossiers, register, register_import
from traceability.service.access import Actor

OPERATOR = Actor.operator("bench")
DAY = dt.date(2026, 11, 12)
PRODUCTS = [
    "Kerupuk Ikan",
    "Dodol Durian",
    "Bolu Kemojo",
    "Lempok Durian",
    "Kopi Bubuk",
    "Teh Serai",
    "Abon Ikan",
    "Kue Bangkit",
    "Sambal Belacan",
    "Roti Jala",
    "Keripik Pisang",
    "Madu Hutan",
    "Minyak Goreng Sawit",
]
FORMS = ["PT", "CV", "UD", ""]


def generate(count: int, seed: int = 2026) -> str:
    """A deterministic register as CSV: unique numbers, 1 to 3 products each, a tenth revoked or expired."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for index, serial in enumerate(rng.sample(range(10**13, 10**14), count)):
        year = rng.choice([2021, 2022, 2023, 2024, 2025])
        issued = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        status, until = "active", ""
        if index % 20 == 7:
            status = "revoked"
        elif index % 20 == 13:
            status, until = "expired", (issued + dt.timedelta(days=4 * 365)).isoformat()
        items = rng.sample(PRODUCTS, rng.randint(1, 3))
        name = " ".join(p for p in (rng.choice(FORMS), f"{items[0]} Nusantara {index}") if p)
        writer.writerow(
            [
                f"ID{rng.randint(10, 35)}110{serial}",
                name,
                str(rng.randint(10**12, 10**13 - 1)),
                "; ".join(items),
                issued.isoformat(),
                until,
                status,
            ]
        )
    return out.getvalue()


def core_insert(url: str, text: str) -> float:
    """The baseline: the same entries, parsed beforehand, with a bare Core INSERT chunked like the import."""
    entries = parse_register(text).entries
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    with engine.begin() as connection:
        snapshot = connection.execute(
            sa.insert(RegisterSnapshot.__table__).returning(RegisterSnapshot.__table__.c.id),
            {
                "source": "BPJPH",
                "snapshot_date": DAY,
                "imported_at": dt.datetime.now(dt.UTC),
                "imported_by": "bench",
                "row_count": len(entries),
            },
        ).scalar_one()
        for start in range(0, len(entries), register.CHUNK):
            connection.execute(
                sa.insert(RegisterEntry.__table__),
                [
                    {**{k: e[k] for k in COLUMNS}, "snapshot_id": snapshot}
                    for e in entries[start : start + register.CHUNK]
                ],
            )
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def service_import(url: str, text: str) -> tuple[float, dict[str, Any], str]:
    """Import through the service (with the demo's certificates recorded, so reconciliation has work to do)."""
    engine = make_engine(url)
    upgrade(engine)
    make_session = sessionmaker(engine, expire_on_commit=False, info={"assessment_as_of": DAY})
    with make_session() as session:
        for path in sorted(demo.DEMO_DIR.glob("*.json")):
            dossiers.import_dossier(session, OPERATOR, json.loads(path.read_text(encoding="utf-8")))
    with make_session() as session:
        started = time.perf_counter()
        report = register_import.import_snapshot(session, OPERATOR, text, snapshot_date=DAY)
        elapsed = time.perf_counter() - started
    assert not report.invalid, report.invalid[:3]
    version = server_version(engine)
    engine.dispose()
    return elapsed, report.as_dict(), version


def bench_database(target: Any, text: str, rows: int) -> dict[str, Any]:
    with fresh_database(target) as url:
        core_s = core_insert(url, text)
    with fresh_database(target) as url:
        import_s, report, version = service_import(url, text)
    started = time.perf_counter()
    parse_register(text)
    parse_s = time.perf_counter() - started
    return {
        "database": target.name,
        "server": version,
        "rows": rows,
        "core_rows_per_s": round(rows / core_s),
        "import_rows_per_s": round(rows / import_s),
        "parse_rows_per_s": round(rows / parse_s),
        "import_ratio": round(core_s / import_s, 3),
        "reconciled": report["confirmed"] + len(report["mismatched"]) + len(report["unknown"]),
    }


def main(argv: list[str] | None = None) -> int:
    service.install()  # the before-commit hooks of every write, as the app factory installs them
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", action="append", metavar="URL")
    parser.add_argument("--rows", type=int, default=70_000, help="register rows (default 70,000)")
    parser.add_argument("--quick", action="store_true", help="5,000 rows (CI smoke run)")
    args = parser.parse_args(argv)
    rows = 5000 if args.quick else args.rows
    text = generate(rows)
    report: dict[str, Any] = {"benchmark": "register", "results": [], "skipped": []}
    print(f"register benchmark: {rows} certificates, import rate as a ratio to a bare Core insert")
    for target in targets(args.database):
        try:
            result = bench_database(target, text, rows)
        except Unreachable as exc:
            print(f"{target.name}: skipped, cannot use {target.url}: {exc}")
            report["skipped"].append({"database": target.name, "reason": str(exc)})
            continue
        print(
            f"\n{result['database']} ({result['server']}): {rows} rows\n"
            f"  import           {result['import_rows_per_s']:>9} rows/s (parse, check, insert, journal, reconcile "
            f"{result['reconciled']} recorded certificates)\n"
            f"  bare Core insert {result['core_rows_per_s']:>9} rows/s   ratio {result['import_ratio']}x\n"
            f"  parsing alone    {result['parse_rows_per_s']:>9} rows/s"
        )
        report["results"].append(result)
    print(json.dumps(report, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
