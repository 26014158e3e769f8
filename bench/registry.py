"""Benchmark: importing a city's UMKM registry (70,000 rows, Batam's target) and searching it.

Why this exists: a city registers tens of thousands of UMKM and coordinators search them while they
work. The import validates every row, writes the business, its search words and a hash-chained
journal entry per business; the search must stay flat as the registry grows (an indexed prefix
lookup on ``business_search_token``, never a scan). Figures are ratios against baselines measured
in the same run, so they mean something on any machine:

* import: rows per second of ``registry.import_registry`` (parse, check, insert, index, journal)
  against a bare SQLAlchemy Core ``INSERT`` of the same business rows, chunked alike, in a fresh
  database; also against bare Core INSERTs of every row the import stores (the businesses, about ten
  search words each and a journal entry each), built beforehand; and the re-import of the same file
  (every row an update by NIB);
* search: p50 and p99 latency of ``list_businesses(q=...)`` (the code behind
  ``GET /api/v1/businesses?q=``) at 70,000 businesses against the same queries at 1,000. Queries
  are what a coordinator types: a NIB, an owner's name, a business's name, each naming businesses
  present at both sizes. A broad one-word query ("kue", which matches a share
  of the registry that grows with it) and an unindexed ``LIKE '%word%'`` scan are printed alongside
  for scale.

Usage (from the project root)::

    python bench/registry.py                # 70,000 rows, SQLite then PostgreSQL
    python bench/registry.py --quick        # 5,000 rows (CI smoke run)
    python bench/registry.py --rows 20000 --database sqlite

Databases as in the other benchmarks (bench/benchdb.py): fresh ones, dropped afterwards; PostgreSQL
is skipped, saying so, when unreachable. The last line of output is JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from typing import Any

import sqlalchemy as sa
from benchdb import Unreachable, fresh_database, server_version, targets
from sqlalchemy.orm import sessionmaker

from api.db import make_engine
from api.migrate import upgrade
from models import Business, BusinessSearchToken, JournalEntry
from traceability import service
from traceability.formats.registry_csv import COLUMNS, parse_registry
from traceability.service import registry
from traceability.service.access import Actor
from traceability.service.business_search import tokens_of
from traceability.service.businesses import list_businesses
from traceability.vocabulary import BusinessScale, Role

COORDINATOR = Actor(label="bench", role=Role.COORDINATOR, user_id=1)
OPERATOR = Actor.operator("bench")
SMALL = 1000
QUERIES = 300

FOODS = [
    "Kue",
    "Keripik",
    "Sambal",
    "Kopi",
    "Rendang",
    "Otak-Otak",
    "Bakso",
    "Roti",
    "Dodol",
    "Lempok",
    "Kerupuk",
    "Gonggong",
    "Mie",
    "Bolu",
    "Teh",
    "Jamu",
    "Abon",
    "Sate",
    "Pempek",
    "Kemplang",
    "Lapis",
    "Bingka",
    "Putu",
    "Martabak",
    "Nasi",
    "Soto",
    "Tempe",
    "Tahu",
    "Madu",
    "Serundeng",
]
KINDS = ["Warung", "Dapur", "Kedai", "Rumah", "Toko", "Sentra", "Griya", "Pondok", "Kios", "Usaha"]
FIRST = [
    "Ahmad",
    "Siti",
    "Nur",
    "Dewi",
    "Rahmat",
    "Yusuf",
    "Aisyah",
    "Fitri",
    "Hendra",
    "Rina",
    "Agus",
    "Sri",
    "Budi",
    "Wati",
    "Iwan",
    "Lestari",
    "Fauzi",
    "Yanti",
    "Rizki",
    "Intan",
    "Zainal",
    "Mega",
    "Darwis",
    "Nurlela",
    "Sulaiman",
    "Halimah",
    "Taufik",
    "Ratna",
    "Hasan",
    "Maryam",
    "Anwar",
    "Salma",
    "Irfan",
    "Nisa",
    "Bayu",
    "Putri",
    "Yogi",
    "Laila",
    "Arif",
    "Desi",
]
FAMILY = [
    "Harahap",
    "Siregar",
    "Nasution",
    "Lubis",
    "Saragih",
    "Situmorang",
    "Hasibuan",
    "Daulay",
    "Ritonga",
    "Tanjung",
    "Rangkuti",
    "Pohan",
    "Batubara",
    "Simatupang",
    "Matondang",
    "Pulungan",
    "Pane",
    "Dalimunthe",
    "Hutagalung",
    "Sembiring",
    "Ginting",
    "Tarigan",
    "Purba",
    "Damanik",
    "Sinaga",
    "Rambe",
    "Munthe",
    "Marpaung",
    "Panjaitan",
    "Manurung",
    "Effendi",
    "Rahman",
    "Hamid",
    "Syahputra",
    "Kurniawan",
    "Wijaya",
    "Saputra",
    "Hidayat",
    "Pratama",
    "Setiawan",
]
KELURAHAN = {
    "Batam Kota": ["Belian", "Sukajadi", "Sungai Panas", "Taman Baloi", "Teluk Tering", "Baloi Permai"],
    "Sekupang": ["Tanjung Riau", "Tiban Baru", "Tiban Indah", "Patam Lestari", "Sungai Harapan"],
    "Batu Aji": ["Buliang", "Kibing", "Tanjung Uncang", "Bukit Tempayan"],
    "Sagulung": ["Sungai Langkai", "Sagulung Kota", "Sungai Lekop", "Tembesi", "Sungai Binti"],
    "Lubuk Baja": ["Batu Selicin", "Kampung Pelita", "Lubuk Baja Kota", "Tanjung Uma", "Baloi Indah"],
    "Bengkong": ["Bengkong Indah", "Bengkong Laut", "Sadai", "Tanjung Buntung"],
    "Nongsa": ["Batu Besar", "Kabil", "Ngenang", "Sambau"],
    "Batu Ampar": ["Batu Merah", "Kampung Seraya", "Sungai Jodoh", "Tanjung Sengkuang"],
}
KBLI = ["10710", "10792", "10794", "10213", "56102", "56103", "56303", "10750", "10761", "10799"]
SCALES = [BusinessScale.MICRO] * 8 + [BusinessScale.SMALL] * 2


def generate(count: int, seed: int = 2025) -> list[dict[str, str]]:
    """A deterministic registry: Batam kelurahan, Sumatran and Malay names, unique 13-digit NIBs."""
    rng = random.Random(seed)
    nibs = rng.sample(range(10**12, 10**13), count)
    places = [(kec, kel) for kec, kels in KELURAHAN.items() for kel in kels]
    rows = []
    for nib in nibs:
        first, family = rng.choice(FIRST), rng.choice(FAMILY)
        kecamatan, kelurahan = rng.choice(places)
        rows.append(
            {
                "nib": str(nib),
                "name": f"{rng.choice(KINDS)} {rng.choice(FOODS)} {first}",
                "owner": f"{first} {family}",
                "address": f"Jl. {rng.choice(FAMILY)} No. {rng.randint(1, 300)}",
                "kelurahan": kelurahan,
                "kecamatan": kecamatan,
                "city": "Batam",
                "phone": f"0812{rng.randint(10**7, 10**8 - 1)}",
                "scale": rng.choice(SCALES).value,
                "kbli": rng.choice(KBLI),
            }
        )
    return rows


def as_csv(rows: list[dict[str, str]]) -> str:
    return ",".join(COLUMNS) + "\n" + "".join(",".join(r[c] for c in COLUMNS) + "\n" for r in rows)


def core_insert(url: str, rows: list[dict[str, str]]) -> float:
    """The baseline: the same business rows with a bare Core INSERT, chunked like the import, one transaction."""
    engine = make_engine(url)
    upgrade(engine)
    table = Business.__table__
    values = [
        {**r, "scale": BusinessScale(r["scale"]), "country": "ID", "version": 1, "created_at": sa.func.now()}
        for r in rows
    ]
    started = time.perf_counter()
    with engine.begin() as connection:
        for start in range(0, len(values), registry.CHUNK):
            connection.execute(
                table.insert(),
                [{k: v for k, v in row.items() if k != "created_at"} for row in values[start : start + registry.CHUNK]],
            )
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def core_insert_all(url: str, rows: list[dict[str, str]]) -> float:
    """The like-for-like baseline: every row the import stores (business, its search words, its journal entry),
    already built in memory, with bare Core INSERTs chunked like the import, one transaction."""
    engine = make_engine(url)
    upgrade(engine)
    clean = parse_registry(as_csv(rows)).rows
    at = "2026-12-01T00:00:00.000000+00:00"
    businesses = [
        {**r, "id": i, "scale": BusinessScale(r["scale"]), "country": "ID", "version": 1}
        for i, r in enumerate(clean, start=1)
    ]
    tokens = [{"business_id": b["id"], "token": t} for b in businesses for t in sorted(tokens_of(b))]
    entries = [
        {
            "at": at,
            "actor": "bench",
            "business_id": b["id"],
            "action": "create",
            "subject": f"business:{b['id']}",
            "payload": {"id": b["id"], **{k: r[k] for k in COLUMNS}},
            "payload_digest": "0" * 64,
        }
        for b, r in zip(businesses, clean, strict=True)
    ]
    started = time.perf_counter()
    with engine.begin() as connection:
        for table, values in (
            (Business.__table__, businesses),
            (BusinessSearchToken.__table__, tokens),
            (JournalEntry.__table__, entries),
        ):
            for start in range(0, len(values), registry.CHUNK):
                connection.execute(table.insert(), values[start : start + registry.CHUNK])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def service_import(url: str, text: str) -> tuple[sessionmaker[Any], float, float, sa.Engine]:
    """Import through the service, then again (every row an update); return the sessions and both times."""
    engine = make_engine(url)
    upgrade(engine)
    make_session = sessionmaker(engine, expire_on_commit=False)
    times = []
    for _ in range(2):
        with make_session() as session:
            started = time.perf_counter()
            report = registry.import_registry(session, OPERATOR, text)
            times.append(time.perf_counter() - started)
            assert not report.invalid, report.invalid[:3]
    return make_session, times[0], times[1], engine


def pick_queries(rows: list[dict[str, str]], count: int, seed: int = 7) -> list[str]:
    """What coordinators type, about businesses among the first SMALL rows (present at both sizes)."""
    rng = random.Random(seed)
    queries = []
    for i in range(count):
        row = rng.choice(rows[:SMALL])
        kind = i % 3
        if kind == 0:
            queries.append(row["nib"])
        elif kind == 1:
            queries.append(row["owner"])
        else:
            queries.append(row["name"])
    return queries


KINDS_OF_QUERY = ("nib", "owner", "name")  # in the order pick_queries cycles through them


def _summary(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {
        "p50_ms": round(1000 * statistics.median(times), 3),
        "p99_ms": round(1000 * times[min(len(times) - 1, int(len(times) * 0.99))], 3),
    }


def latencies(make_session: sessionmaker[Any], queries: list[str], *, by_kind: bool = True) -> dict[str, Any]:
    """p50/p99 over all queries, and per kind of query with the mean number of matches (which grows
    with the registry for names many people share)."""
    times: list[float] = []
    matches: list[int] = []
    with make_session() as session:
        for q in queries[:20]:  # warm the caches and statement compilation
            list_businesses(session, COORDINATOR, q=q, per_page=20)
        for q in queries:
            started = time.perf_counter()
            items, total = list_businesses(session, COORDINATOR, q=q, per_page=20)
            times.append(time.perf_counter() - started)
            matches.append(total)
            assert items, q
            session.rollback()
    result: dict[str, Any] = _summary(times)
    for index, kind in enumerate(KINDS_OF_QUERY if by_kind else ()):
        result[kind] = {**_summary(times[index::3]), "mean_matches": round(statistics.mean(matches[index::3]), 1)}
    return result


def scan(make_session: sessionmaker[Any], words: list[str]) -> float:
    """p50 of an unindexed LIKE '%word%' over names, to show what the index saves."""
    times = []
    with make_session() as session:
        for word in words:
            started = time.perf_counter()
            session.scalars(
                sa.select(Business.id)
                .where(sa.func.lower(Business.name).like(f"%{word.lower()}%"))
                .order_by(Business.id)
                .limit(20)
            ).all()
            session.scalar(sa.select(sa.func.count()).where(sa.func.lower(Business.name).like(f"%{word.lower()}%")))
            times.append(time.perf_counter() - started)
    return round(1000 * statistics.median(times), 3)


def bench_database(target: Any, rows: list[dict[str, str]]) -> dict[str, Any]:
    text = as_csv(rows)
    assert not parse_registry(text).invalid
    with fresh_database(target) as url:
        core_s = core_insert(url, rows)
    with fresh_database(target) as url:
        all_s = core_insert_all(url, rows)
    with fresh_database(target) as url:
        big, import_s, reimport_s, engine = service_import(url, text)
        version = server_version(engine)
        queries = pick_queries(rows, QUERIES)
        words = [q.split()[1] for q in queries[2::3]][:30]
        at_big = latencies(big, queries)
        broad_big = latencies(big, ["kue"] * 50, by_kind=False)
        scan_big = scan(big, words)
        engine.dispose()
    with fresh_database(target) as url:
        small, *_, small_engine = service_import(url, as_csv(rows[:SMALL]))
        at_small = latencies(small, queries)
        broad_small = latencies(small, ["kue"] * 50, by_kind=False)
        small_engine.dispose()
    n = len(rows)
    return {
        "database": target.name,
        "server": version,
        "rows": n,
        "core_rows_per_s": round(n / core_s),
        "import_rows_per_s": round(n / import_s),
        "reimport_rows_per_s": round(n / reimport_s),
        "import_ratio": round((n / import_s) / (n / core_s), 3),
        "all_rows_core_s": round(all_s, 3),
        "import_ratio_all_rows": round(all_s / import_s, 3),
        "reimport_ratio": round((n / reimport_s) / (n / core_s), 3),
        "search_small": at_small,
        "search_big": at_big,
        "search_p50_ratio": round(at_big["p50_ms"] / at_small["p50_ms"], 2),
        "search_p99_ratio": round(at_big["p99_ms"] / at_small["p99_ms"], 2),
        "broad_small": broad_small,
        "broad_big": broad_big,
        "scan_big_p50_ms": scan_big,
    }


def print_table(r: dict[str, Any]) -> None:
    print(f"\n{r['database']} ({r['server']}): {r['rows']} rows")
    print(
        f"  import      {r['import_rows_per_s']:>9} rows/s   bare Core insert {r['core_rows_per_s']:>9} rows/s"
        f"   ratio {r['import_ratio']}x"
    )
    print(
        f"  import vs every row it stores (business, search words, journal) with bare Core:"
        f" {r['all_rows_core_s']} s, ratio {r['import_ratio_all_rows']}x"
    )
    print(
        f"  re-import   {r['reimport_rows_per_s']:>9} rows/s   (every row an update by NIB)"
        f"          ratio {r['reimport_ratio']}x"
    )
    print(f"  search      {'':>9} {'p50 ms':>8} {'p99 ms':>8}")
    print(f"    at {SMALL:<8}{'':>2}{r['search_small']['p50_ms']:>8} {r['search_small']['p99_ms']:>8}")
    print(
        f"    at {r['rows']:<8}{'':>2}{r['search_big']['p50_ms']:>8} {r['search_big']['p99_ms']:>8}"
        f"   ratio p50 {r['search_p50_ratio']}x, p99 {r['search_p99_ratio']}x"
    )
    for kind in KINDS_OF_QUERY:
        small, big = r["search_small"][kind], r["search_big"][kind]
        print(
            f"    by {kind:<6} p50 {small['p50_ms']} ms ({small['mean_matches']} matches) at {SMALL}, "
            f"{big['p50_ms']} ms ({big['mean_matches']} matches) at {r['rows']}: "
            f"{round(big['p50_ms'] / small['p50_ms'], 2)}x"
        )
    print(
        f"  broad one-word query 'kue': p50 {r['broad_small']['p50_ms']} ms at {SMALL}, "
        f"{r['broad_big']['p50_ms']} ms at {r['rows']} (counts every match)"
    )
    print(f"  unindexed LIKE '%word%' scan at {r['rows']}: p50 {r['scan_big_p50_ms']} ms")


def main(argv: list[str] | None = None) -> int:
    service.install()  # the before-commit hooks of every write, as the app factory installs them
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", action="append", metavar="URL")
    parser.add_argument("--rows", type=int, default=70_000, help="registry rows (default 70,000)")
    parser.add_argument("--quick", action="store_true", help="5,000 rows (CI smoke run)")
    args = parser.parse_args(argv)
    count = 5000 if args.quick else args.rows
    if count < SMALL:
        parser.error(f"--rows must be at least {SMALL}")
    rows = generate(count)
    report: dict[str, Any] = {"benchmark": "registry", "results": [], "skipped": []}
    print(f"registry benchmark: import rate as a ratio to a bare Core insert; search at {count} vs {SMALL}")
    for target in targets(args.database):
        try:
            result = bench_database(target, rows)
        except Unreachable as exc:
            print(f"{target.name}: skipped, cannot use {target.url}: {exc}")
            report["skipped"].append({"database": target.name, "reason": str(exc)})
            continue
        print_table(result)
        report["results"].append(result)
    print(json.dumps(report, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
