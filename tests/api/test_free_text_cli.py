"""Free-text material names are classified by the catalogue inside the engine: the offline
``halal-trace assess`` judges a material recorded by name only, clean, misspelled or in mixed languages."""

from __future__ import annotations

import json

from click.testing import CliRunner

from api.cli.assess import assess_command
from tests.helpers import example

EXEMPT, HARAM = "exempt (KMA 1360)", "haram"
#: name as typed -> (what it must be judged as, the rule that speaks, or the catalogue entry named)
NAMES = {
    "Cabai merah segar": (EXEMPT, None),
    "cabe rawit": (EXEMPT, None),
    "Bawang merah": (EXEMPT, None),
    "bawang puteh": (EXEMPT, None),
    "Jahe merah segar": (EXEMPT, None),
    "Kunir": (EXEMPT, None),
    "sereh": (EXEMPT, None),
    "Daun jeruk purut": (EXEMPT, None),
    "Fresh red chilli": (EXEMPT, None),
    "Garlic": (EXEMPT, None),
    "Tomat": (EXEMPT, None),
    "Ikan tenggiri segar": (EXEMPT, None),
    "Udang segar": (EXEMPT, None),
    "Beras": (EXEMPT, None),
    "Santan segar": (EXEMPT, None),
    "Lengkuas (laos)": (EXEMPT, None),
    "Angciu": (HARAM, "angciu"),
    "arak masak": (HARAM, "arak"),
    "mirin": (HARAM, "mirin atau minuman keras"),
    "Minyak babi": (HARAM, "minyak babi"),
    "gelatin babi": (HARAM, "gelatin babi"),
    "Ang ciu merah": (HARAM, "arak beras"),
    "Chinese cooking wine": (HARAM, "arak shaoxing"),
    "Pork lard": (HARAM, "minyak babi"),
    "minyak babbi": (HARAM, "minyak babi"),
    "Gelatine babi": (HARAM, "gelatin babi"),
    "Lap cheong": (HARAM, "daging babi"),
    "Kecap manis": ("needs_evidence", "ING-04"),
    "Saus tiram": ("needs_evidence", "ING-04"),
    "Oyster sauce": ("needs_evidence", "ING-04"),
    "Tepung terigu": ("needs_evidence", "ING-04"),
    "Susu kental manis": ("needs_evidence", "ING-04"),
    "Gula pasir": ("needs_evidence", "ING-04"),
    "Whipping cream": ("needs_evidence", "ING-04"),
    "Saus cabe": ("needs_evidence", "ING-04"),
    "Renet anak sapi": ("needs_evidence", "ING-02"),
    "Calf rennet": ("needs_evidence", "ING-02"),
    "Kaldu ayam bubuk": ("needs_evidence", "ING-02"),
    "Chicken stock powder": ("needs_evidence", "ING-02"),
    "Daging ayam": ("needs_evidence", "ING-02"),
    "micin": ("needs_evidence", "MIC-02"),
    "Ekstrak ragi": ("needs_evidence", "MIC-02"),
    "Pengemulsi E471": ("needs_evidence", "ADD-01"),
}
#: Haram names are haram whatever the other fields say.
MISLEADING = {"origin": "plant", "category": "spice", "state": "fresh", "positive_list": True, "is_khamr": False}


def _dossier(tmp_path):
    document = example("rendang-ok")
    step = next(s for s in document["steps"] if s["id"] == "step-masak")
    for index, (name, (kind, _)) in enumerate(NAMES.items()):
        fields = MISLEADING if kind == HARAM else {"origin": "unknown"}
        document["materials"].append({"id": f"m-x{index}", "name": name, "kind": "ingredient", **fields})
        document["lots"].append(
            {
                "id": f"lot-x{index}",
                "material": f"m-x{index}",
                "supplier": "sup-pasar-jodoh",
                "certificate": None,
                "lot_code": f"X-{index}",
                "quantity": 1,
                "unit": "kg",
                "received_on": "2025-11-10",
            }
        )
        step["inputs"].append(f"lot-x{index}")
    path = tmp_path / "free-text.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_offline_assess_classifies_free_text_names(tmp_path):
    result = CliRunner().invoke(assess_command, [str(_dossier(tmp_path)), "--json"])

    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    findings: dict[str, list[dict]] = {}
    for finding in body["findings"]:
        findings.setdefault(finding["subject"], []).append(finding)
    assert len(NAMES) >= 30
    for index, (name, (kind, expected)) in enumerate(NAMES.items()):
        found = findings.get(f"material:m-x{index}", [])
        if kind == EXEMPT:
            assert found == [], name
            continue
        assert len(found) == 1, (name, found)  # one gap, one finding
        (finding,) = found
        if kind == HARAM:
            assert finding["rule"] in ("ING-01", "ALC-01"), name
            assert (finding["severity"], finding["class"]) == ("violation", "haram"), name
            assert f"(dikenali katalog sebagai {expected})" in finding["message"]["id"], name
        else:
            assert (finding["rule"], finding["severity"], finding["class"]) == (expected, kind, "evidence"), name
    assert (body["status"], body["status_reason"]) == ("not_halal", "haram_material")
