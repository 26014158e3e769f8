"""Exporting a dossier costs a fixed number of statements, whatever the number of records it holds; what the
assessment judges is the exported file as it reads back."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from models import Batch, Product
from tests.helpers import OPERATOR, SAMBAL, counting, grown_dossier
from traceability.formats.dossier import load_dossier
from traceability.service import demo, dossiers


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


def test_the_assessments_dossier_is_the_export_as_it_reads_back(session):
    """The assessment skips the round trip through JSON: its values must be exactly what loading the file gives,
    or a graph digest (and every approval made on it) would change with the path taken."""
    demo.load(session, OPERATOR)
    compared = 0
    for product in session.scalars(sa.select(Product.id).order_by(Product.id)):
        made = list(session.scalars(sa.select(Batch.id).where(Batch.product_id == product).order_by(Batch.id)))
        for chosen in (None, made[-1:]):
            exported = dossiers.export_dossier(session, OPERATOR, product, batches=chosen)
            assert dossiers.dossier_values(session, OPERATOR, product, batches=chosen) == load_dossier(exported)
            compared += 1
    assert compared == 12  # the six demo products, whole and by their last batch
