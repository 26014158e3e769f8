"""Exporting a dossier costs a fixed number of statements, whatever the number of records it holds."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.helpers import OPERATOR, SAMBAL, counting, grown_dossier
from traceability.service import dossiers


def _export_statements(app: Flask, product: int, batches: list[int] | None = None) -> tuple[int, dict[str, Any]]:
    """Export in a new session, as a request does: nothing is in its identity map yet."""
    with app.extensions["db_sessionmaker"]() as session, counting(app) as statements:
        document = dossiers.export_dossier(session, OPERATOR, product, batches=batches)
    return len(statements), document


@pytest.mark.parametrize("chosen", [False, True], ids=["every batch", "the last batches"])
def test_export_statements_do_not_grow_with_the_dossier(app, session, chosen):
    small = dossiers.import_dossier(session, OPERATOR, grown_dossier(SAMBAL, 0, "1000000000001"))
    large = dossiers.import_dossier(session, OPERATOR, grown_dossier(SAMBAL, 12, "1000000000002"))

    few, small_doc = _export_statements(app, small.product, small.batches[-2:] if chosen else None)
    many, large_doc = _export_statements(app, large.product, large.batches[-2:] if chosen else None)

    if not chosen:
        assert len(large_doc["batches"]) == 13 * len(small_doc["batches"])
        assert len(large_doc["storage"]) == 13 * len(small_doc["storage"]) > 0
    assert "m-garam-laut" in {m["id"] for m in large_doc["materials"]}
    assert many == few
    assert few <= 30
