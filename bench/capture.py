"""Benchmark: production steps captured and dossiers imported per second through the service layer.

Why this exists: a write through the service costs much more than storing its rows. It resolves
and checks every reference, refuses provenance cycles with a recursive query, reads the record back
to build its journal payload, and appends a journal entry (the sealer later puts it in the Merkle
tree), each in its own transaction. This benchmark says what that costs, as a ratio to a bare
SQLAlchemy Core insert of the same rows into the same database in the same run, so the figure
means something on any machine: "0.20x" means capture runs at a fifth of the speed of plain inserts.

Measured, per database (SQLite in a temporary file; PostgreSQL when reachable):

* steps through the service: ``create_record("steps", ...)`` with one lot input, then
  ``create_record("batches", {..., "step": id})`` for its output batch, as a user records them
  (two requests, each its own session, transaction and journal entry);
* steps baseline: the same ``production_step``, ``step_input`` and ``batch`` rows inserted with Core,
  one transaction per step, no validation, no journal;
* dossier imports through the service: ``import_dossier`` of tests/data/examples/rendang-ok.json,
  each under a new NIB and without GTIN (GTINs are globally unique);
* dossiers baseline: the rows one service import stored (every table but the journal) copied with
  Core under fresh ids, one transaction per dossier, one multi-row insert per table.

* EPCIS capture through the service: ``capture_epcis`` of one generated EPCIS 2.0 document of N events
  (N/2 receipts of sugar lots, N/2 transformations each making one batch of cake from one lot; the document
  the crash-safety tests kill mid-capture) into a new business, as one transaction;
* EPCIS baseline: the rows that capture stored (journal aside) copied with Core under fresh ids, in one
  transaction, one multi-row insert per table.

Request bodies are loaded through the API's schemas before timing starts: what is timed is the
service call, not marshmallow. Service and baseline run in alternating rounds after a warm-up, so
a database that slows as it grows slows both alike.

Usage (from the project root)::

    python bench/capture.py
    python bench/capture.py --steps 300 --dossiers 20
    python bench/capture.py --database sqlite --database postgresql://postgres@127.0.0.1:5432/test

A PostgreSQL URL names a server and a database to connect to: the benchmark creates a fresh
database ``bench_<pid>_<hex>`` there, migrates it, runs and drops it. ``sqlite`` means a
temporary file; ``sqlite:///path`` a new file that is kept. Without ``--database`` it runs SQLite,
then PostgreSQL at $HALAL_TRACE_BENCH_POSTGRES_URL or else postgresql://postgres@127.0.0.1:5432/test,
and skips PostgreSQL, saying so, when it cannot connect. The last line of output is JSON.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import functools
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from benchdb import Unreachable, fresh_database, server_version, targets
from marshmallow import Schema
from sqlalchemy.orm import Session, sessionmaker

from api.db import make_engine
from api.migrate import upgrade
from api.schemas import BusinessIn, record_schemas
from models import Base, Batch, ProductionStep, StepInput
from models.base import utcnow
from traceability import service
from traceability.service import dossiers, exchange, records
from traceability.service.access import Actor
from traceability.service.businesses import create_business
from traceability.vocabulary import Role

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the generated EPCIS document is the tests' own (the crash-safety tests send it)

from tests.helpers import epcis_document  # noqa: E402

EXAMPLE = ROOT / "tests" / "data" / "examples" / "rendang-ok.json"
ACTOR = Actor.operator("bench")
LOTS = 25  # steps use these lots in turn
WARMUP_STEPS = 10
WARMUP_DOSSIERS = 2
ROUNDS = 5  # service and baseline alternate this many times
JOURNAL_TABLES = frozenset({"journal_entry", "journal_node", "journal_checkpoint"})
STEP_DAY = dt.date(2025, 11, 21)


# --- the records every step refers to -------------------------------------------------------------


@functools.cache
def input_schema(kind: str) -> Schema:
    return record_schemas(kind)[0]()


def load(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """A request body as the API hands it to the service: loaded by the kind's input schema."""
    data: dict[str, Any] = input_schema(kind).load(body)
    return data


@dataclass(frozen=True, slots=True)
class World:
    """The business and records the benchmarked steps use."""

    business: int
    facility: int
    product: int
    lots: list[int]


def build_world(make_session: sessionmaker[Session]) -> World:
    with make_session() as session:
        business = create_business(
            session,
            ACTOR,
            BusinessIn().load({"name": "Dapur Bench", "nib": "9000000000001", "scale": "micro", "country": "ID"}),
        ).id

        def create(kind: str, body: dict[str, Any]) -> int:
            obj = records.create_record(session, ACTOR, kind, load(kind, body), business_id=business)
            return int(obj.id)

        supplier = create("suppliers", {"name": "Toko Bahan Kue Sinar", "kind": "market", "country": "ID"})
        material = create(
            "materials", {"name": "Gula pasir", "kind": "ingredient", "category": "sugar", "origin": "plant"}
        )
        facility = create("facilities", {"name": "Dapur produksi", "kind": "production", "dedicated_halal": True})
        product = create("products", {"name": "Rendang Ayam", "gtin": "8994471000244", "halal_claim": False})
        lots = [
            create(
                "lots",
                {
                    "material": material,
                    "supplier": supplier,
                    "lot_code": f"GP-{i:04d}",
                    "quantity": 500,
                    "unit": "kg",
                    "received_on": "2025-11-20",
                },
            )
            for i in range(LOTS)
        ]
    return World(business, facility, product, lots)


# --- production steps ---------------------------------------------------------------------------


def step_body(world: World, i: int) -> dict[str, Any]:
    return {
        "name": "Aduk",
        "on": STEP_DAY.isoformat(),
        "facility": world.facility,
        "inputs": [{"lot": world.lots[i % len(world.lots)], "quantity": 1.5, "unit": "kg"}],
    }


def batch_code(prefix: str, i: int) -> str:
    return f"{prefix}-{i:06d}"  # service and baseline codes have the same length


def service_steps(make_session: sessionmaker[Session], world: World, numbers: range) -> float:
    """Record `numbers` steps and their output batches through the service; return the seconds taken."""
    steps = [load("steps", step_body(world, i)) for i in numbers]
    batch = load("batches", {"product": world.product, "lot_code": "X", "produced_on": STEP_DAY.isoformat(), "step": 1})
    batches = [{**batch, "lot_code": batch_code("S", i)} for i in numbers]
    start = time.perf_counter()
    for step_data, batch_data in zip(steps, batches, strict=True):
        with make_session() as session:  # one session per request, as the API does
            step = records.create_record(session, ACTOR, "steps", step_data, business_id=world.business)
        with make_session() as session:
            records.create_record(
                session, ACTOR, "batches", {**batch_data, "step": step.id}, business_id=world.business
            )
    return time.perf_counter() - start


def core_steps(engine: sa.Engine, world: World, numbers: range) -> float:
    """Insert the rows the service stores for `numbers` steps, bare; return the seconds taken."""
    step_t, input_t, batch_t = ProductionStep.__table__, StepInput.__table__, Batch.__table__
    insert_step = sa.insert(step_t).returning(step_t.c.id)
    insert_input, insert_batch = sa.insert(input_t), sa.insert(batch_t)
    rows = [
        (
            {
                "business_id": world.business,
                "ref": None,
                "name": "Aduk",
                "process": None,
                "facility_id": world.facility,
                "equipment": None,
                "performed_on": STEP_DAY,
                "version": 1,
            },
            {
                "position": 0,
                "lot_id": world.lots[i % len(world.lots)],
                "batch_id": None,
                "quantity": Decimal("1.5"),
                "unit": "kg",
            },
            {
                "business_id": world.business,
                "ref": None,
                "product_id": world.product,
                "lot_code": batch_code("C", i),
                "produced_on": STEP_DAY,
                "version": 1,
            },
        )
        for i in numbers
    ]
    start = time.perf_counter()
    for step_row, input_row, batch_row in rows:
        with engine.begin() as connection:
            step_id = connection.execute(insert_step, {**step_row, "created_at": utcnow()}).scalar_one()
            connection.execute(insert_input, {**input_row, "step_id": step_id})
            connection.execute(insert_batch, {**batch_row, "step_id": step_id, "created_at": utcnow()})
    return time.perf_counter() - start


# --- dossiers -----------------------------------------------------------------------------------

Snapshot = dict[str, list[dict[str, Any]]]
_STORED_TABLES = [t for t in Base.metadata.sorted_tables if t.name not in JOURNAL_TABLES]
_REFERENCED = {fk.column.table.name for t in _STORED_TABLES for fk in t.foreign_keys}


def table_counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t.name: int(connection.scalar(sa.select(sa.func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }


def business_rows(engine: sa.Engine, business_id: int) -> Snapshot:
    """Every row (journal aside) belonging to a business: its own, then their dependants, parents first."""
    snapshot: Snapshot = {}
    with engine.connect() as connection:
        for table in _STORED_TABLES:
            if table.name == "business":
                where = table.c.id == business_id
            elif "business_id" in table.c:
                where = table.c.business_id == business_id
            else:
                parents = [fk for fk in table.foreign_keys if fk.column.table.name in snapshot]
                if not parents:
                    continue
                where = sa.or_(*(fk.parent.in_([r["id"] for r in snapshot[fk.column.table.name]]) for fk in parents))
            ordered = sa.select(table).where(where).order_by(*table.primary_key.columns)
            rows = [dict(r._mapping) for r in connection.execute(ordered)]
            if rows:
                snapshot[table.name] = rows
    return snapshot


def copy_rows(connection: sa.Connection, snapshot: Snapshot, nib: str) -> None:
    """Insert `snapshot` again under fresh ids, references remapped, the business under `nib`."""
    new_ids: dict[str, dict[int, int]] = {}
    forward: list[tuple[sa.Table, int, str, str, int]] = []  # a reference to a table inserted later
    for table in _STORED_TABLES:
        rows = snapshot.get(table.name)
        if not rows:
            continue
        params = []
        for row in rows:
            values = {k: v for k, v in row.items() if k != "id"}
            for fk in table.foreign_keys:
                column, parent = fk.parent.name, fk.column.table.name
                if values[column] is None:
                    continue
                if parent in new_ids:
                    values[column] = new_ids[parent].get(values[column], values[column])
                elif parent in snapshot:
                    forward.append((table, row["id"], column, parent, values[column]))
                    values[column] = None
            if table.name == "business":
                values["nib"] = nib
            params.append(values)
        if table.name in _REFERENCED:
            inserted = connection.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True), params)
            new_ids[table.name] = dict(zip((r["id"] for r in rows), inserted.scalars(), strict=True))
        else:
            connection.execute(table.insert(), params)
    for table, old_id, column, parent, old_ref in forward:
        connection.execute(
            table.update()
            .where(table.c.id == new_ids[table.name][old_id])
            .values({column: new_ids[parent].get(old_ref, old_ref)})
        )


class Nibs:
    """Fresh 13-digit NIBs, unique within one database."""

    def __init__(self) -> None:
        self.next = 9_100_000_000_000

    def __call__(self) -> str:
        self.next += 1
        return str(self.next)


def dossier_documents(template: dict[str, Any], nibs: Nibs, count: int) -> list[dict[str, Any]]:
    documents = []
    for _ in range(count):
        document = copy.deepcopy(template)
        document["business"]["nib"] = nibs()
        document["product"]["gtin"] = None
        documents.append(document)
    return documents


def service_dossiers(make_session: sessionmaker[Session], documents: list[dict[str, Any]]) -> tuple[float, list[int]]:
    """Import `documents` through the service; return the seconds taken and the businesses created."""
    created = []
    start = time.perf_counter()
    for document in documents:
        with make_session() as session:
            created.append(dossiers.import_dossier(session, ACTOR, document).business)
    return time.perf_counter() - start, created


def core_dossiers(engine: sa.Engine, snapshot: Snapshot, nibs: list[str]) -> float:
    start = time.perf_counter()
    for nib in nibs:
        with engine.begin() as connection:
            copy_rows(connection, snapshot, nib)
    return time.perf_counter() - start


# --- one database -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figures:
    """What one database measured; rates per second, ratios service/baseline."""

    database: str
    server: str
    steps: int
    service_steps_per_s: float
    core_steps_per_s: float
    steps_ratio: float
    dossiers: int
    service_dossiers_per_s: float
    core_dossiers_per_s: float
    dossiers_ratio: float
    rows_per_dossier: dict[str, int]
    journal_entries_per_dossier: int
    epcis_events: int
    service_events_per_s: float
    core_events_per_s: float
    epcis_ratio: float
    seconds: float


def rounds(total: int, first: int) -> list[range]:
    """`total` numbers from `first` on, cut into ROUNDS consecutive ranges."""
    cuts = [first + total * k // ROUNDS for k in range(ROUNDS + 1)]
    return [range(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def alternate(
    service: Callable[[range], float], core: Callable[[range], float], total: int, first: int
) -> tuple[float, float]:
    """Run both in alternating rounds; return their total seconds."""
    service_s = core_s = 0.0
    for k, part in enumerate(rounds(total, first)):
        if k % 2:  # and alternate which goes first
            service_s += service(part)
            core_s += core(part)
        else:
            core_s += core(part)
            service_s += service(part)
    return service_s, core_s


def bench_epcis(engine: sa.Engine, make_session: sessionmaker[Session], nibs: Nibs, events: int) -> tuple[float, float]:
    """Seconds for one capture of `events` events through the service, and for a Core copy of what it stored."""

    def capture(count: int) -> tuple[float, int]:
        with make_session() as session:
            business = create_business(
                session,
                ACTOR,
                BusinessIn().load({"name": "Dapur EPCIS", "nib": nibs(), "scale": "micro", "country": "ID"}),
            ).id
            producer = Actor(label="bench", role=Role.PRODUCER, business_id=business)
            document = epcis_document(count)
            start = time.perf_counter()
            exchange.capture_epcis(session, producer, document, base_url="https://bench.test")
            return time.perf_counter() - start, business

    capture(100)  # warm-up
    service_s, business = capture(events)
    snapshot = business_rows(engine, business)
    start = time.perf_counter()
    with engine.begin() as connection:
        copy_rows(connection, snapshot, nibs())
    return service_s, time.perf_counter() - start


def bench_database(name: str, url: str, steps: int, dossier_count: int, epcis_events: int) -> Figures:
    began = time.perf_counter()
    engine = make_engine(url)
    try:
        upgrade(engine)
        make_session = sessionmaker(engine, expire_on_commit=False)
        world = build_world(make_session)

        service_steps(make_session, world, range(WARMUP_STEPS))
        core_steps(engine, world, range(WARMUP_STEPS))
        service_s, core_s = alternate(
            lambda part: service_steps(make_session, world, part),
            lambda part: core_steps(engine, world, part),
            steps,
            WARMUP_STEPS,
        )

        template = json.loads(EXAMPLE.read_text(encoding="utf-8"))
        nibs = Nibs()
        before = table_counts(engine)
        _, (business,) = service_dossiers(make_session, dossier_documents(template, nibs, 1))
        after = table_counts(engine)
        snapshot = business_rows(engine, business)
        rows = {table: len(found) for table, found in snapshot.items()}
        written = {t: after[t] - before[t] for t in after if after[t] != before[t] and t not in JOURNAL_TABLES}
        if written != rows:
            raise RuntimeError(f"rows found for the imported business {rows} differ from rows written {written}")
        service_dossiers(make_session, dossier_documents(template, nibs, WARMUP_DOSSIERS - 1))
        core_dossiers(engine, snapshot, [nibs() for _ in range(WARMUP_DOSSIERS)])

        def service_part(part: range) -> float:
            return service_dossiers(make_session, dossier_documents(template, nibs, len(part)))[0]

        dossier_service_s, dossier_core_s = alternate(
            service_part, lambda part: core_dossiers(engine, snapshot, [nibs() for _ in part]), dossier_count, 0
        )

        epcis_service_s, epcis_core_s = bench_epcis(engine, make_session, nibs, epcis_events)

        return Figures(
            database=name,
            server=server_version(engine),
            steps=steps,
            service_steps_per_s=round(steps / service_s, 1),
            core_steps_per_s=round(steps / core_s, 1),
            steps_ratio=round(core_s / service_s, 3),
            dossiers=dossier_count,
            service_dossiers_per_s=round(dossier_count / dossier_service_s, 2),
            core_dossiers_per_s=round(dossier_count / dossier_core_s, 2),
            dossiers_ratio=round(dossier_core_s / dossier_service_s, 3),
            rows_per_dossier=rows,
            journal_entries_per_dossier=after["journal_entry"] - before["journal_entry"],
            epcis_events=epcis_events,
            service_events_per_s=round(epcis_events / epcis_service_s, 1),
            core_events_per_s=round(epcis_events / epcis_core_s, 1),
            epcis_ratio=round(epcis_core_s / epcis_service_s, 3),
            seconds=round(time.perf_counter() - began, 1),
        )
    finally:
        engine.dispose()


def print_table(f: Figures) -> None:
    print(f"\n{f.database} ({f.server}): {f.steps} steps, {f.dossiers} dossiers, {f.seconds} s")
    print(f"  {'':<34}{'service/s':>12}{'core/s':>12}{'ratio':>9}")
    print(
        f"  {'production steps (step + batch)':<34}{f.service_steps_per_s:>12.1f}{f.core_steps_per_s:>12.1f}"
        f"{f.steps_ratio:>8.2f}x"
    )
    print(
        f"  {'dossier imports (rendang-ok)':<34}{f.service_dossiers_per_s:>12.2f}"
        f"{f.core_dossiers_per_s:>12.2f}{f.dossiers_ratio:>8.2f}x"
    )
    print(
        f"  {f'EPCIS capture ({f.epcis_events} events)':<34}{f.service_events_per_s:>12.1f}"
        f"{f.core_events_per_s:>12.1f}{f.epcis_ratio:>8.2f}x"
    )
    print(
        f"  one dossier: {sum(f.rows_per_dossier.values())} rows in {len(f.rows_per_dossier)} tables, "
        f"plus {f.journal_entries_per_dossier} journal entries (service only)"
    )


def main(argv: list[str] | None = None) -> int:
    service.install()  # the before-commit hooks of every write, as the app factory installs them
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--database",
        action="append",
        metavar="URL",
        help="sqlite, sqlite:///new-file or a PostgreSQL server URL; repeat for several",
    )
    parser.add_argument("--steps", type=int, default=300, help="steps per database (default 300)")
    parser.add_argument("--dossiers", type=int, default=20, help="dossier imports per database (default 20)")
    parser.add_argument(
        "--epcis-events", type=int, default=10_000, help="events in the captured EPCIS document (default 10,000)"
    )
    args = parser.parse_args(argv)
    if args.steps < ROUNDS or args.dossiers < ROUNDS:
        parser.error(f"--steps and --dossiers must be at least {ROUNDS}")

    print(
        f"capture benchmark: rates per second; ratio = service rate / bare Core insert rate (python "
        f"{sys.version.split()[0]}, SQLAlchemy {sa.__version__})"
    )
    results: list[Figures] = []
    skipped: list[dict[str, str]] = []
    for target in targets(args.database):
        try:
            with fresh_database(target) as url:
                figures = bench_database(target.name, url, args.steps, args.dossiers, args.epcis_events)
        except Unreachable as exc:
            reason = str(exc)
            shown = sa.make_url(target.url).render_as_string(hide_password=True)
            print(f"\n{target.name}: skipped, cannot use {shown}: {reason}")
            skipped.append({"database": target.name, "url": shown, "reason": reason})
            continue
        results.append(figures)
        print_table(figures)
    print(
        json.dumps(
            {"benchmark": "capture", "results": [asdict(r) for r in results], "skipped": skipped}, sort_keys=True
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
