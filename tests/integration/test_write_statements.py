"""Capture and import cost a fixed number of statements, whatever the number of records they write.

One exception, on SQLite alone: the ORM inserts a record whose key the database makes one row at a time there,
because SQLite does not promise the order of a multi-row INSERT's RETURNING (SQLAlchemy's documented fallback).
Those are the records linked to each other as objects (lots, steps, batches, their inputs and verdicts). No
other statement may grow: no SELECT per row, no UPDATE per row, and the EPCIS repository's rows and the journal
go in one statement per table on both databases.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from flask import Flask

from tests.helpers import OPERATOR, POSTGRES_URL, SAMBAL, counting, epcis_document, grown_dossier
from traceability.service import dossiers, exchange
from traceability.service.access import Actor
from traceability.vocabulary import Role

# The tables whose rows the ORM inserts one by one on SQLite (see above).
ROW_BY_ROW_ON_SQLITE = {
    "assessment",
    "batch",
    "material_lot",
    "production_step",
    "step_input",
    "storage",
    "storage_item",
    "transport",
    "transport_item",
}


def _kinds(statements: list[str]) -> Counter[str]:
    """Statements by their verb and table: ``INSERT INTO batch``, ``SELECT … FROM batch``, ``UPDATE …``."""
    kinds: Counter[str] = Counter()
    for statement in statements:
        words = statement.split()
        verb = words[0].upper()
        table = words[2] if verb == "INSERT" else words[1] if verb in ("UPDATE", "DELETE") else ""
        if verb in ("SELECT", "WITH"):
            upper = [w.upper() for w in words]
            table = words[upper.index("FROM") + 1] if "FROM" in upper else ""
        kinds[verb + " " + table.strip('()"')] += 1
    return kinds


def _grown(small: Counter[str], large: Counter[str]) -> dict[str, tuple[int, int]]:
    """The kinds of statement the larger write ran more often, but for SQLite's row-by-row INSERTs."""
    allowed = set() if POSTGRES_URL else {f"INSERT {table}" for table in ROW_BY_ROW_ON_SQLITE}
    return {kind: (small[kind], large[kind]) for kind in large if large[kind] > small[kind] and kind not in allowed}


def _statements(app: Flask, write: Callable[..., object]) -> list[str]:
    """What one write runs in a new session, as a request does (nothing in its identity map yet)."""
    with app.extensions["db_sessionmaker"]() as session, counting(app) as statements:
        write(session)
    return statements


def test_a_dossier_import_runs_as_many_statements_for_seven_runs_as_for_one(app):
    one = _statements(app, lambda s: dossiers.import_dossier(s, OPERATOR, grown_dossier(SAMBAL, 0, "1000000000001")))
    seven = _statements(app, lambda s: dossiers.import_dossier(s, OPERATOR, grown_dossier(SAMBAL, 6, "1000000000002")))

    small, large = _kinds(one), _kinds(seven)
    assert _grown(small, large) == {}
    if POSTGRES_URL:
        assert len(seven) == len(one)
    else:  # the larger import did write seven times the batches
        assert large["INSERT batch"] == 7 * small["INSERT batch"] > 0


# Under 500 events: a query naming many rows (which eventIDs are stored already) names 500 at a time.
@pytest.mark.parametrize("events", [120, 480])
def test_an_epcis_capture_runs_as_many_statements_for_many_events_as_for_few(app, world, events):
    producer = Actor(label="test", role=Role.PRODUCER, business_id=world.business_a)

    def capture(first: int, count: int) -> Callable[..., object]:
        return lambda s: exchange.capture_epcis(s, producer, epcis_document(count, first), base_url="https://t.test")

    _statements(app, capture(0, 2))  # the master data (product, material, supplier, facility) is stored now
    few = _statements(app, capture(1, 20))
    many = _statements(app, capture(100, events))

    small, large = _kinds(few), _kinds(many)
    assert _grown(small, large) == {}
    if not POSTGRES_URL:  # (on PostgreSQL the repository's rows are streamed by COPY, beside the statements)
        assert small["INSERT epcis_event"] == large["INSERT epcis_event"] == 1
    assert large["INSERT batch"] == (events // 2 if not POSTGRES_URL else small["INSERT batch"])
    if POSTGRES_URL:
        assert len(many) == len(few)
