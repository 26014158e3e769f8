"""The material catalogue recognises free text, and reference data overlays are checked."""

import pytest

from traceability.errors import InvalidInputError
from traceability.rules.reference import default_reference, merge_reference, shipped_data


@pytest.mark.parametrize(
    ("name", "key", "inferred"),
    [
        ("Minyak babi", "lard", {"species": "porcine", "risk": "haram"}),
        ("Lard (pork fat)", "lard", {"species": "porcine"}),
        ("Angciu", "angciu", {"risk": "khamr"}),
        ("Arak masak", "arak", {"risk": "khamr"}),
        ("Gelatin sapi halal", "beef-gelatin", {"category": "gelatin", "species": "bovine", "risk": "slaughter"}),
        ("Kaldu ayam bubuk", "chicken-broth", {"origin": "animal", "species": "chicken"}),
        ("Es krim rasa rhum raisin", "rum", {"risk": "khamr"}),
        ("Pengemulsi E471", "emulsifier", {"e_number": "E471", "risk": "source_dependent"}),
        ("Kepiting rajungan", "crab", {"risk": "none"}),
    ],
)
def test_free_text_names_are_recognised_with_what_they_imply(name, key, inferred):
    match = default_reference().recognise(name)

    assert match is not None
    assert match.key == key
    assert {k: match.entry[k] for k in inferred} == inferred


@pytest.mark.parametrize("name", ["Bir pletok", "Bakso sapi", "Hampers lebaran", "Gula pasir", "Susu sapi segar"])
def test_allowed_and_ordinary_names_are_not_mistaken_for_haram(name):
    match = default_reference().recognise(name)

    assert match is None or match.entry["risk"] not in ("haram", "khamr")


def test_an_overlay_replaces_keys_and_merges_materials_by_key():
    merged = merge_reference(
        shipped_data(),
        {
            "version": "local-2",
            "materials": [
                {"key": "lard", "names": ["lemak babi cair"], "species": "porcine", "risk": "haram"},
                {"key": "sake-lees", "names": ["sake kasu"], "risk": "khamr"},
            ],
        },
    )

    keys = [m["key"] for m in merged["materials"]]
    assert merged["version"] == "local-2"
    assert keys.count("lard") == 1
    assert "sake-lees" in keys


@pytest.mark.parametrize(
    "overlay",
    [
        {"colour": "red", "version": "1"},
        {"recognised_foreign_bodies": []},
        {"version": "2", "materials": [{"names": ["x"]}]},
        ["not", "an", "object"],
    ],
)
def test_bad_overlays_are_refused(overlay):
    with pytest.raises(InvalidInputError):
        merge_reference(shipped_data(), overlay)
