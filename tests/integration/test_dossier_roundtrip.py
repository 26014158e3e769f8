"""Dossiers go in and come back out without loss, and bad ones change nothing."""

import copy

import pytest
import sqlalchemy as sa

from models import Batch, Business, JournalEntry, MaterialLot, Product, Supplier
from tests.helpers import EXAMPLE_NAMES, OPERATOR, example
from traceability.errors import ConflictError, InvalidInputError
from traceability.formats.dossier import load_dossier
from traceability.service import dossiers


def _without_as_of(document):
    # as_of is an evaluation parameter, not a stored fact: it is the one field export leaves out.
    return {k: v for k, v in load_dossier(document).items() if k != "as_of"}


def _counts(session):
    return {
        m.__name__: session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (Business, Supplier, MaterialLot, Product, Batch, JournalEntry)
    }


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_shared_examples_round_trip_without_loss(session, name):
    original = example(name)

    result = dossiers.import_dossier(session, OPERATOR, original)
    exported = dossiers.export_dossier(session, OPERATOR, result.product)

    assert _without_as_of(exported) == _without_as_of(original)
    assert len(result.batches) == len(original["batches"])


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_export_then_import_elsewhere_gives_the_same_dossier(session, name):
    first = dossiers.import_dossier(session, OPERATOR, example(name))
    exported = dossiers.export_dossier(session, OPERATOR, first.product)
    moved = copy.deepcopy(exported)
    moved["business"]["nib"] = "1111111111111"
    if moved["product"]["gtin"]:
        moved["product"]["gtin"] = None
        exported["product"]["gtin"] = None

    second = dossiers.import_dossier(session, OPERATOR, moved)
    again = dossiers.export_dossier(session, OPERATOR, second.product)

    again["business"]["nib"] = exported["business"]["nib"]
    assert again == exported


def test_reimport_reuses_identical_master_data_and_refuses_a_second_product(session):
    dossiers.import_dossier(session, OPERATOR, example("rendang-ok"))
    before = _counts(session)

    with pytest.raises(ConflictError) as refused:
        dossiers.import_dossier(session, OPERATOR, example("rendang-ok"))

    assert "product" in refused.value.errors
    assert _counts(session) == before


def test_changed_supplier_under_the_same_id_is_a_conflict_naming_the_field(session):
    dossiers.import_dossier(session, OPERATOR, example("rendang-ok"))
    second = example("rendang-ok")
    second["product"]["id"] = "p-rendang-ayam"
    second["product"]["gtin"] = None
    second["suppliers"][0]["name"] = "Another RPH"
    before = _counts(session)

    with pytest.raises(ConflictError) as refused:
        dossiers.import_dossier(session, OPERATOR, second)

    assert refused.value.errors == {"suppliers": {0: {"id": [refused.value.errors["suppliers"][0]["id"][0]]}}}
    assert _counts(session) == before


def test_second_product_shares_identical_suppliers_and_lots(session):
    dossiers.import_dossier(session, OPERATOR, example("rendang-ok"))
    second = example("rendang-ok")
    second["product"].update(id="p-rendang-2", gtin=None, name="Rendang Paru")
    for step in second["steps"]:
        step["id"] += "-2"
        step["outputs"] = [o + "-2" for o in step["outputs"]]
        step["inputs"] = [i + "-2" if i.startswith("b-") else i for i in step["inputs"]]
    for batch in second["batches"]:
        batch["id"] += "-2"
        batch["step"] += "-2"
        batch["lot_code"] += "-2"
    suppliers_before = _counts(session)["Supplier"]

    result = dossiers.import_dossier(session, OPERATOR, second)

    assert _counts(session)["Supplier"] == suppliers_before
    assert len(result.batches) == 3


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["lots"][0].update(material="m-missing"), ("lots", 0, "material")),
        (lambda d: d["suppliers"][1].update(colour="red"), ("suppliers", 1, "colour")),
        (lambda d: d["materials"][0].update(origin="moon"), ("materials", 0, "origin")),
        (lambda d: d["business"].update(nib="12345"), ("business", "nib")),
        (lambda d: d["product"].update(gtin="8994471000238"), ("product", "gtin")),
        (lambda d: d["steps"][0]["inputs"].append("b-rendang"), ("steps",)),
        (lambda d: d.update(format="halal-trace/dossier@2"), ("format",)),
    ],
)
def test_invalid_dossiers_are_refused_naming_the_field_and_change_nothing(session, change, path):
    document = example("rendang-ok")
    change(document)
    before = _counts(session)

    with pytest.raises(InvalidInputError) as refused:
        dossiers.import_dossier(session, OPERATOR, document)

    node = refused.value.errors
    for key in path:
        node = node[key]
    assert node
    assert _counts(session) == before
