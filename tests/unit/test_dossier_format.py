"""The dossier format without a database: shape, references, cycles."""

import pytest

from tests.helpers import EXAMPLE_NAMES, example
from traceability.formats.dossier import DossierError, dump_dossier, load_dossier


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_examples_load_and_dump_to_the_same_document(name):
    loaded = load_dossier(example(name))

    assert load_dossier(dump_dossier(loaded)) == loaded


def test_defaults_fill_optional_fields():
    document = example("rendang-ok")
    del document["materials"][0]["evidence"]
    del document["business"]["country"]

    loaded = load_dossier(document)

    assert loaded["materials"][0]["evidence"] == []
    assert loaded["business"]["country"] == "ID"


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            lambda d: d["batches"][0].update(step="step-kemas"),
            {
                "batches": {0: {"step": ["Step 'step-kemas' does not list this batch in its outputs."]}},
                "steps": {0: {"outputs": {0: ["Batch 'b-bumbu' names another step as its maker."]}}},
            },
        ),
        (lambda d: d["lots"].append(dict(d["lots"][0])), {"lots": {13: {"id": ["Duplicate id 'lot-daging'."]}}}),
        (
            lambda d: d["materials"][0].update(made_with=["m-daging"]),
            {"materials": {0: {"made_with": {0: ["A material cannot be made with itself."]}}}},
        ),
        (
            lambda d: d["facilities"][0].update(owner="sup-nobody"),
            {"facilities": {0: {"owner": ["Unknown supplier 'sup-nobody'."]}}},
        ),
        (
            lambda d: d["steps"][1]["inputs"].append("lot-nothing"),
            {"steps": {1: {"inputs": {5: ["Unknown lot or batch 'lot-nothing'."]}}}},
        ),
    ],
)
def test_broken_references_are_reported_where_they_are(change, errors):
    document = example("rendang-ok")
    change(document)

    with pytest.raises(DossierError) as refused:
        load_dossier(document)

    assert refused.value.errors == errors


def test_a_cycle_of_steps_is_refused():
    document = example("rendang-ok")
    document["steps"][0]["inputs"].append("b-rendang")

    with pytest.raises(DossierError) as refused:
        load_dossier(document)

    assert "cycle" in refused.value.errors["steps"][0]
    assert "b-rendang" in refused.value.errors["steps"][0]


@pytest.mark.parametrize("document", [None, [], "dossier", 3])
def test_a_dossier_is_an_object(document):
    with pytest.raises(DossierError):
        load_dossier(document)
