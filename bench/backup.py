"""Benchmark: whole-database backup (``export --all``) and restore (``import --all``) rows per second.

Why this exists: a backup encodes every value by its column type and hashes every line, and a restore
checks the file, decodes every value and inserts in chunks inside one transaction. This says what that
costs against the least any copy must do, measured on the same rows of the same database in the same run:

* export vs a bare ``SELECT *`` of every table, streamed with the same chunk size, rows fetched and dropped;
* import vs a Core ``INSERT`` of the same rows (already decoded, held in memory) into a fresh migrated
  database, chunked the same way, one transaction.

"0.30x" means the backup runs at 30% of the bare copy's speed. Peak Python memory (tracemalloc, in a separate
untimed run; import only without --quick) shows the streaming: it stays flat as the database grows.

The database is the Batam demo data plus synthetic material lots (copies of a demo lot under new ids and
refs) up to the row count asked for.

Usage (from the project root)::

    python bench/backup.py                 # ~100k rows, SQLite then PostgreSQL
    python bench/backup.py --quick         # ~10k rows, for CI (under 30 s)
    python bench/backup.py --rows 200000 --database sqlite

Databases as in bench/benchdb.py (PostgreSQL at $HALAL_TRACE_BENCH_POSTGRES_URL or the local server, skipped
when unreachable). The last line of output is JSON.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.db import make_engine  # noqa: E402
from api.migrate import upgrade  # noqa: E402
from bench.benchdb import Target, Unreachable, fresh_database, server_version, targets  # noqa: E402
from models import Base, MaterialLot  # noqa: E402
from traceability import service  # noqa: E402
from traceability.service import backup, demo  # noqa: E402
from traceability.service.access import Actor  # noqa: E402

OPERATOR = Actor.operator("bench")


def _fill(url: str, rows: int) -> int:
    """Demo data, then copies of one lot until the database holds about `rows` rows."""
    engine = make_engine(url)
    upgrade(engine)
    with sa.orm.Session(engine) as session:
        demo.load(session, OPERATOR)
    lots = Base.metadata.tables["material_lot"]
    with engine.begin() as connection:
        present = sum(
            connection.scalar(sa.select(sa.func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables
        )
        template = dict(connection.execute(sa.select(lots).order_by(lots.c.id).limit(1)).one()._mapping)
        start = (connection.scalar(sa.select(sa.func.max(MaterialLot.id))) or 0) + 1
        missing = max(0, rows - present)
        for first in range(start, start + missing, 5000):
            chunk = [
                {**template, "id": i, "ref": f"bench-{i}", "lot_code": f"BENCH-{i:07d}"}
                for i in range(first, min(first + 5000, start + missing))
            ]
            connection.execute(lots.insert(), chunk)
    engine.dispose()
    return present + missing


def _bare_select(engine: sa.Engine) -> float:
    """Time a streamed SELECT * of every table, in one transaction like the export."""
    with engine.connect() as connection:
        began = time.perf_counter()
        for table in Base.metadata.sorted_tables:
            for _ in connection.execute(sa.select(table).execution_options(yield_per=backup.CHUNK)):
                pass
        return time.perf_counter() - began


def _export(engine: sa.Engine, path: Path) -> float:
    with sa.orm.Session(engine) as session, gzip.open(path, "wt", encoding="utf-8", newline="\n") as out:
        began = time.perf_counter()
        backup.export_all(session, out)
        return time.perf_counter() - began


def _rows(engine: sa.Engine) -> list[tuple[sa.Table, list[dict[str, Any]]]]:
    with engine.connect() as connection:
        return [(t, [dict(r._mapping) for r in connection.execute(sa.select(t))]) for t in Base.metadata.sorted_tables]


def _core_insert(url: str, copied: list[tuple[sa.Table, list[dict[str, Any]]]]) -> float:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":  # reuse the restored database, emptied: one CREATE DATABASE less
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE {names} CASCADE")
    else:
        upgrade(engine)
    with engine.begin() as connection:
        began = time.perf_counter()
        for table, rows in copied:
            if table.name in backup.PRISTINE:
                connection.execute(sa.delete(table))
            if table.name == "product":  # the product -> certificate key closes a cycle: set it afterwards
                rows = [{**r, "certificate_id": None} for r in rows]
            for first in range(0, len(rows), backup.CHUNK):
                connection.execute(table.insert(), rows[first : first + backup.CHUNK])
        elapsed = time.perf_counter() - began
    engine.dispose()
    return elapsed


def _peak_kib(work: Any) -> int:
    """Peak Python memory of `work()` in KiB (a separate, untimed run: tracing slows everything down)."""
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1] // 1024
    finally:
        tracemalloc.stop()


def _import(url: str, path: Path) -> float:
    engine = make_engine(url)
    upgrade(engine)
    with sa.orm.Session(engine) as session:
        began = time.perf_counter()
        backup.import_all(session, path)
        elapsed = time.perf_counter() - began
    engine.dispose()
    return elapsed


def _run(target: Target, rows: int, directory: Path, repeats: int, memory: bool) -> dict[str, Any]:
    with fresh_database(target) as source_url:
        total = _fill(source_url, rows)
        engine = make_engine(source_url)
        version = server_version(engine)
        path = directory / f"{target.name}.jsonl.gz"
        # Best of `repeats`, alternating, so a cold cache or a busy neighbour does not decide the ratio.
        export_s, select_s = float("inf"), float("inf")
        for _ in range(repeats):
            select_s = min(select_s, _bare_select(engine))
            export_s = min(export_s, _export(engine, path))
        export_peak = _peak_kib(lambda: _export(engine, directory / "traced.jsonl.gz"))
        copied = _rows(engine)
        engine.dispose()
    with fresh_database(target) as restore_url:
        import_s = _import(restore_url, path)
        baseline_url = restore_url if target.name == "postgresql" else None
        if baseline_url:
            insert_s = _core_insert(baseline_url, copied)
    import_peak = None
    if memory:
        with fresh_database(target) as traced_url:
            import_peak = _peak_kib(lambda: _import(traced_url, path))
    if target.name != "postgresql":
        with fresh_database(target) as sqlite_url:
            insert_s = _core_insert(sqlite_url, copied)
    return {
        "database": target.name,
        "server": version,
        "rows": total,
        "file_bytes": path.stat().st_size,
        "export_rows_s": round(total / export_s),
        "select_rows_s": round(total / select_s),
        "export_ratio": round(select_s / export_s, 3),
        "import_rows_s": round(total / import_s),
        "insert_rows_s": round(total / insert_s),
        "import_ratio": round(insert_s / import_s, 3),
        "export_peak_kib": export_peak,
        "import_peak_kib": import_peak,
    }


def main(argv: list[str] | None = None) -> int:
    service.install()  # the before-commit hooks of every write, as the app factory installs them
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", action="append", metavar="URL")
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the database (default 100000)")
    parser.add_argument("--quick", action="store_true", help="10000 rows (CI smoke run)")
    args = parser.parse_args(argv)
    rows = 10_000 if args.quick else args.rows
    report: dict[str, Any] = {"benchmark": "backup", "results": [], "skipped": []}
    print(
        f"{'database':<11} {'rows':>7} {'gz MB':>6} {'export/s':>9} {'SELECT/s':>9} {'ratio':>6} "
        f"{'import/s':>9} {'INSERT/s':>9} {'ratio':>6} {'peak KiB exp/imp':>17}"
    )
    with tempfile.TemporaryDirectory(prefix="halal-trace-bench-backup-") as directory:
        for target in targets(args.database):
            try:
                result = _run(target, rows, Path(directory), 2 if args.quick else 3, not args.quick)
            except Unreachable as exc:
                print(f"{target.name}: skipped, cannot use {target.url}: {exc}")
                report["skipped"].append({"database": target.name, "reason": str(exc)})
                continue
            report["results"].append(result)
            print(
                f"{result['database']:<11} {result['rows']:>7} {result['file_bytes'] / 1e6:>6.2f} "
                f"{result['export_rows_s']:>9} {result['select_rows_s']:>9} {result['export_ratio']:>5}x "
                f"{result['import_rows_s']:>9} {result['insert_rows_s']:>9} {result['import_ratio']:>5}x "
                f"{result['export_peak_kib']:>8}/{result['import_peak_kib'] or '-'}"
            )
    print(json.dumps(report, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
