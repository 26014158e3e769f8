"""The material catalogue recognises free text, and reference data overlays are checked."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from traceability.errors import InvalidInputError
from traceability.rules.reference import _squeezed, default_reference, merge_reference, normalise, shipped_data


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


def _scan(name: str) -> tuple[str, str] | None:
    """The plain definition the phrase table must agree with: every synonym searched in the name as whole words;
    a haram one wins wherever it stands, else the first place, the longest phrase there, the catalogue's order."""
    reference = default_reference()
    text = normalise(name)
    for allowed in reference["names"]["whitelist"]:
        text = f" {text} ".replace(f" {normalise(allowed)} ", " ").strip()
    text = f" {_squeezed(text)} "
    synonyms = [(_squeezed(normalise(n)), e) for e in reference["materials"] for n in e["names"]]
    found = [
        (text.index(f" {p} "), -len(p), rank, p, e) for rank, (p, e) in enumerate(synonyms) if p and f" {p} " in text
    ]
    if not found:
        return None
    haram = [f for f in found if f[4].get("risk") in ("haram", "khamr")]
    *_, phrase, entry = min(haram or found, key=lambda f: f[:3])
    return entry["key"], phrase


_WORDS = sorted(
    {w for e in shipped_data()["materials"] for n in e["names"] for w in normalise(n).split()}
    | {w for a in shipped_data()["names"]["whitelist"] for w in normalise(a).split()}
    | {"segar", "botol", "kecil", "rasa", "ada", "dan", "isi", "asli", "babbi", "gelatinn"}
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=6))
def test_recognition_agrees_with_searching_every_synonym(words):
    name = " ".join(words)
    match = default_reference().recognise(name)

    assert ((match.key, match.matched) if match else None) == _scan(name)
