"""Exporting a dossier costs a fixed number of statements, whatever the number of records it holds."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask import Flask

from tests.helpers import OPERATOR, counting
from traceability.service import dossiers
from traceability.service.demo import DEMO_DIR

# The demo dossier with the most kinds of record: storage, transport, a product certificate and composition.
SAMBAL = json.loads((DEMO_DIR / "sambal-lado.json").read_text(encoding="utf-8"))


def _grown(document: dict[str, Any], runs: int, nib: str) -> dict[str, Any]:
    """The dossier with `runs` more production runs: every lot, step and batch again under new ids, stored
    and carried like the first; and a material the salt is made with, so "made with" is followed too."""
    grown = copy.deepcopy(document)
    grown["business"]["nib"] = nib
    grown["product"]["gtin"] = None
    base = copy.deepcopy(grown["materials"][0])
    grown["materials"].append({**base, "id": "m-garam-laut", "name": "Garam laut", "made_with": []})
    next(m for m in grown["materials"] if m["id"] == "m-garam")["made_with"] = ["m-garam-laut"]
    for run in range(1, runs + 1):
        renamed = {r["id"]: f"{r['id']}-{run}" for r in document["lots"] + document["steps"] + document["batches"]}
        grown["lots"] += [
            {**lot, "id": renamed[lot["id"]], "lot_code": f"{lot['lot_code']}-{run}"} for lot in document["lots"]
        ]
        grown["steps"] += [
            {
                **step,
                "id": renamed[step["id"]],
                "inputs": [renamed[i] for i in step["inputs"]],
                "outputs": [renamed[o] for o in step["outputs"]],
            }
            for step in document["steps"]
        ]
        grown["batches"] += [
            {**b, "id": renamed[b["id"]], "step": renamed[b["step"]], "lot_code": f"{b['lot_code']}-{run}"}
            for b in document["batches"]
        ]
        grown["storage"] += [{**st, "holds": [renamed[h] for h in st["holds"]]} for st in document["storage"]]
        grown["transport"] += [{**tr, "carries": [renamed[c] for c in tr["carries"]]} for tr in document["transport"]]
    return grown


def _export_statements(app: Flask, product: int, batches: list[int] | None = None) -> tuple[int, dict[str, Any]]:
    """Export in a new session, as a request does: nothing is in its identity map yet."""
    with app.extensions["db_sessionmaker"]() as session, counting(app) as statements:
        document = dossiers.export_dossier(session, OPERATOR, product, batches=batches)
    return len(statements), document


@pytest.mark.parametrize("chosen", [False, True], ids=["every batch", "the last batches"])
def test_export_statements_do_not_grow_with_the_dossier(app, session, chosen):
    small = dossiers.import_dossier(session, OPERATOR, _grown(SAMBAL, 0, "1000000000001"))
    large = dossiers.import_dossier(session, OPERATOR, _grown(SAMBAL, 12, "1000000000002"))

    few, small_doc = _export_statements(app, small.product, small.batches[-2:] if chosen else None)
    many, large_doc = _export_statements(app, large.product, large.batches[-2:] if chosen else None)

    if not chosen:
        assert len(large_doc["batches"]) == 13 * len(small_doc["batches"])
        assert len(large_doc["storage"]) == 13 * len(small_doc["storage"]) > 0
    assert "m-garam-laut" in {m["id"] for m in large_doc["materials"]}
    assert many == few
    assert few <= 30
