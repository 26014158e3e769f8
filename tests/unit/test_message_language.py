"""A finding's Indonesian message is Indonesian all through: the values put into it (why a certificate does not
hold, a business's scale, a date) are worded in Indonesian too, never the English or a code."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

from traceability.formats.dossier import load_dossier
from traceability.rules.catalogue import found_words
from traceability.rules.engine import assess

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
ENGLISH = ("revoked", "suspended", "expired", "recorded", "supplier", "scope", "medium", "small", "register")


def rendang():
    return load_dossier(json.loads((EXAMPLES / "rendang-ok.json").read_text()))


def messages(doc, rule: str) -> list[dict[str, str]]:
    result = assess(doc, as_of=dt.date(2025, 11, 20))
    return [f["message"] for f in result["findings"] if f["rule"] == rule]


def test_a_revoked_supplier_certificate_is_said_in_indonesian():
    doc = copy.deepcopy(rendang())
    oil = next(c for c in doc["certificates"] if "m-minyak" in c["covers"])
    oil.update(status="revoked", status_since=dt.date(2025, 1, 15))

    (message,) = messages(doc, "CERT-01")

    assert "dicabut sejak 15 Jan 2025, sebelum lot ini dipakai" in message["id"]
    assert "revoked from 15 Jan 2025" in message["en"]
    assert not any(word in message["id"] for word in ENGLISH), message["id"]


def test_a_missing_supervisor_and_a_scale_are_said_in_indonesian():
    doc = copy.deepcopy(rendang())
    doc["business"]["halal_supervisor"] = None
    expected = {"id": "Penyelia halal belum dicatat.", "en": "Halal supervisor is not recorded."}
    assert messages(doc, "SUP-01") == [expected]

    doc = copy.deepcopy(rendang())
    doc["business"]["scale"] = "medium"
    doc["business"]["halal_supervisor"]["trained_on"] = None
    (message,) = messages(doc, "SUP-02")
    assert message["id"].startswith("Usaha menengah ")
    assert message["en"].startswith("A medium business")


def test_what_the_register_found_is_said_in_indonesian():
    assert found_words("number: ID123 is not in the register") == {
        "id": "nomor ID123 tidak ada di daftar BPJPH",
        "en": "number: ID123 is not in the register",
    }
    assert found_words("holder: the register names PT Rasa (NIB 1209230062418)")["id"] == (
        "daftar BPJPH mencatat pemegang lain: PT Rasa (NIB 1209230062418)"
    )
    assert found_words("scope: Tepung is not in the register entry")["id"] == (
        "Tepung tidak termasuk cakupannya di daftar BPJPH"
    )


def test_what_a_shared_line_shares_is_said_in_indonesian():
    doc = load_dossier(json.loads((EXAMPLES / "otak-otak-shared-line.json").read_text()))
    line = next(f for f in doc["facilities"] if f["id"] == "fac-panggangan")
    line.update(shared_cleaning=True, shared_tool_storage=True)

    (message,) = messages(doc, "FAC-02")

    assert "sarana pembersihan atau perawatan dan tempat penyimpanan alat" in message["id"]
    assert "cleaning or maintenance means and tool storage" in message["en"]
    assert not any(word in message["id"] for word in (*ENGLISH, "cleaning", "tool", " and ")), message["id"]


def test_a_missing_audit_and_review_are_said_in_indonesian():
    doc = copy.deepcopy(rendang())
    doc["business"]["sjph"].update(last_internal_audit_on=None, last_management_review_on=None)

    (message,) = messages(doc, "SJPH-02")

    assert message["id"] == "Tidak ada audit internal maupun kaji ulang manajemen dalam 12 bulan terakhir."
    assert message["en"] == "No internal audit or management review in the last 12 months."
