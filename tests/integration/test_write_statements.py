"""Writes cost a fixed number of statements, whatever the size of what they write or of what is stored.

An import, a capture and a production step each read in bulk: the number of queries must not grow with the
records a document holds, nor with the batches a business already has. PostgreSQL batches the INSERTs of a
flush into one statement per table (``insertmanyvalues``), so there the whole count is flat. SQLite cannot say
which new row id belongs to which object of a multi-row INSERT, so SQLAlchemy inserts ORM objects one by one
there: in-process calls, not round trips; on SQLite the reads (every statement but INSERT) are held flat.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from models import MaterialLot, Product
from tests.helpers import OPERATOR, SAMBAL, counting, epcis_document, grown_dossier, record_schema
from traceability.service import dossiers, exchange, records
from traceability.service.access import Actor
from traceability.service.businesses import create_business
from traceability.vocabulary import Role


def _counted(app: Flask, write: Callable[[Session], Any]) -> list[str]:
    """The statements `write` runs in a new session, as one request does (nothing in its identity map)."""
    with app.extensions["db_sessionmaker"]() as session, counting(app) as statements:
        write(session)
    return statements


def _flat(app: Flask, small: list[str], large: list[str]) -> None:
    if app.extensions["db_engine"].dialect.name == "postgresql":
        assert len(large) == len(small), _difference(small, large)
    reads_small = [s for s in small if not s.lstrip().upper().startswith("INSERT")]
    reads_large = [s for s in large if not s.lstrip().upper().startswith("INSERT")]
    assert len(reads_large) == len(reads_small), _difference(reads_small, reads_large)


def _difference(small: list[str], large: list[str]) -> str:
    """The statements the larger write ran more often: what grew, for the failure message."""
    counts: dict[str, int] = {}
    for statement in large:
        counts[statement[:100]] = counts.get(statement[:100], 0) + 1
    for statement in small:
        counts[statement[:100]] = counts.get(statement[:100], 0) - 1
    return json.dumps({s: n for s, n in counts.items() if n}, indent=1)


def test_a_dossier_import_costs_the_same_statements_for_4_or_52_batches(app):
    small, large = grown_dossier(SAMBAL, 0, "1000000000001"), grown_dossier(SAMBAL, 12, "1000000000002")
    assert len(large["batches"]) == 13 * len(small["batches"])

    few = _counted(app, lambda s: dossiers.import_dossier(s, OPERATOR, small))
    many = _counted(app, lambda s: dossiers.import_dossier(s, OPERATOR, large))

    _flat(app, few, many)
    assert len([s for s in many if not s.lstrip().upper().startswith("INSERT")]) <= 60


def _producer(session: Session, nib: str) -> Actor:
    business = create_business(session, OPERATOR, {"name": "Dapur Kue", "nib": nib, "scale": "micro", "country": "ID"})
    session.commit()
    return Actor(label="producer", role=Role.PRODUCER, business_id=business.id)


def test_an_epcis_capture_costs_the_same_statements_for_20_or_200_events(app, session):
    first, second = _producer(session, "1000000000003"), _producer(session, "1000000000004")

    def capture(actor: Actor, events: int) -> Callable[[Session], Any]:
        return lambda s: exchange.capture_epcis(s, actor, epcis_document(events), base_url="https://trace.test")

    few = _counted(app, capture(first, 20))
    many = _counted(app, capture(second, 200))

    _flat(app, few, many)


def _step_and_batch(business: int, product: int, lot: int, code: str) -> Callable[[Session], Any]:
    step_body = record_schema("steps")().load(
        {"name": "Masak", "on": "2025-11-20", "inputs": [{"lot": lot, "quantity": 2, "unit": "kg"}]}
    )

    def write(session: Session) -> None:
        actor = Actor(label="producer", role=Role.PRODUCER, business_id=business)
        step = records.create_record(session, actor, "steps", step_body)
        batch_body = record_schema("batches")().load(
            {"product": product, "lot_code": code, "produced_on": "2025-11-20", "step": step.id}
        )
        records.create_record(session, actor, "batches", batch_body)

    return write


def test_a_production_step_costs_the_same_statements_in_a_small_or_a_large_business(app, session):
    sizes = {}
    for nib, runs in (("1000000000005", 0), ("1000000000006", 12)):
        imported = dossiers.import_dossier(session, OPERATOR, grown_dossier(SAMBAL, runs, nib))
        session.commit()
        product = session.get_one(Product, imported.product)
        lot = session.scalars(sa.select(MaterialLot.id).where(MaterialLot.business_id == imported.business)).first()
        assert lot is not None
        sizes[runs] = _counted(app, _step_and_batch(imported.business, product.id, lot, f"BARU-{runs}"))

    _flat(app, sizes[0], sizes[12])
