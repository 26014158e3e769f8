"""Reading a BPJPH register file, and reconciling a recorded certificate with its entry (pure, no database)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from traceability.formats.bpjph_register import canonical_number, parse_register
from traceability.reconciliation import Claim, Entry, Outcome, names_match, reconcile
from traceability.vocabulary import RegisterStatus

HEADER = "number,holder_name,holder_nib,scope,issued_on,valid_until,status\n"
DAY = dt.date(2026, 11, 12)


def test_a_csv_register_is_read_into_one_entry_per_certificate():
    parsed = parse_register(
        HEADER + "ID21110041277360224,PT Batam Nabati Lestari,8120213377841,Minyak goreng sawit; Minyak goreng kemasan,"
        "2024-02-19,,active\n"
        + "id 2111 0000123450724,PT Barelang Potong Hewan,,Daging sapi segar,08-07-2024,08/07/2028,Dicabut\n"
    )

    assert parsed.invalid == []
    assert [(e["number"], e["line"], e["status"]) for e in parsed.entries] == [
        ("ID21110041277360224", 2, RegisterStatus.ACTIVE),
        ("ID21110000123450724", 3, RegisterStatus.REVOKED),
    ]
    assert parsed.entries[0]["scope"] == ["Minyak goreng sawit", "Minyak goreng kemasan"]
    assert (parsed.entries[1]["issued_on"], parsed.entries[1]["valid_until"]) == (
        dt.date(2024, 7, 8),
        dt.date(2028, 7, 8),
    )
    assert parsed.entries[1]["holder_nib"] is None


def test_the_registers_own_export_headers_and_one_row_per_product_fold_into_one_entry():
    text = (
        "Nomor Sertifikat,Nama Pelaku Usaha,NIB,Nama Produk,Tanggal Terbit,Status\n"
        "ID21110081226401025,Sambal Lado Uni Evi,1209240053627,Sambal Lado Teri,2025-10-14,Aktif\n"
        "ID21110081226401025,Sambal Lado Uni Evi,1209240053627,Sambal Lado Ijo,2025-10-14,Aktif\n"
    )

    parsed = parse_register(text)

    assert parsed.invalid == []
    assert len(parsed.entries) == 1
    assert parsed.entries[0]["scope"] == ["Sambal Lado Teri", "Sambal Lado Ijo"]
    assert parsed.rows == 2


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (",PT A,,,2024-01-01,,active", "number: missing"),
        ("ID1,,,,2024-01-01,,active", "holder_name: missing"),
        ("ID1,PT A,12345,,2024-01-01,,active", "holder_nib"),
        ("ID1,PT A,,,2024-13-01,,active", "issued_on"),
        ("ID1,PT A,,,2024-01-01,2023-01-01,active", "valid_until: before issued_on"),
        ("ID1,PT A,,,2024-01-01,,gone", "status: 'gone' is not one of"),
        ("ID1,PT A,,,2024-01-01,active", "6 fields, the header has 7"),
    ],
)
def test_a_bad_row_is_named_with_its_line(row, error):
    parsed = parse_register(HEADER + "ID9,PT B,,,2024-01-01,,active\n" + row + "\n")

    assert len(parsed.invalid) == 1
    assert parsed.invalid[0]["line"] == 3
    assert error in parsed.invalid[0]["error"]
    assert parsed.invalid[0]["problem"]  # what a page words in its own language


def test_a_number_repeated_with_another_holder_is_refused_on_its_second_line():
    parsed = parse_register(HEADER + "ID1,PT A,,x,2024-01-01,,active\nID1,PT B,,y,2024-01-01,,active\n")

    assert parsed.invalid == [
        {
            "line": 3,
            "error": "number: ID1 already on line 2 with another holder_name",
            "problem": "repeated",
            "column": "number",
            "detail": {"number": "ID1", "first": 2, "differ": ["holder_name"]},
        }
    ]


def test_a_header_without_the_required_columns_is_refused():
    parsed = parse_register("nomor,nama\nID1,PT A\n")

    assert parsed.entries == []
    assert parsed.invalid[0]["line"] == 1
    assert "missing column(s) number, holder_name, issued_on, status" in parsed.invalid[0]["error"]


def test_a_json_register_names_its_source_date_and_bad_records_by_position():
    text = json.dumps(
        {
            "source": "BPJPH SIHALAL",
            "snapshot_date": "2026-11-12",
            "records": [
                {
                    "number": "ID1",
                    "holder_name": "PT A",
                    "scope": ["x", "y"],
                    "issued_on": "2024-01-01",
                    "status": "active",
                },
                {"number": "ID2", "holder_name": "PT B", "issued_on": "soon", "status": "active"},
                "not a record",
            ],
        }
    )

    parsed = parse_register(text, filename="snapshot.json")

    assert (parsed.source, parsed.snapshot_date) == ("BPJPH SIHALAL", dt.date(2026, 11, 12))
    assert [e["number"] for e in parsed.entries] == ["ID1"]
    assert parsed.entries[0]["scope"] == ["x", "y"]
    assert [i["record"] for i in parsed.invalid] == [2, 3]


def test_canonical_numbers_ignore_spacing_invisible_characters_and_case():
    assert canonical_number("ID2111\u200b0077341520925") == canonical_number(" id21110077341520925\n")


def _entry(**changes):
    values = {
        "number": "ID21110041277360224",
        "holder_name": "PT Batam Nabati Lestari",
        "holder_nib": "8120213377841",
        "scope": ("Minyak goreng sawit",),
        "issued_on": dt.date(2024, 2, 19),
        "valid_until": None,
        "status": RegisterStatus.ACTIVE,
    }
    return Entry(**{**values, **changes})


CLAIM = Claim("ID21110041277360224", "PT Batam Nabati Lestari", "8120213377841", ("Minyak goreng sawit",))


def test_a_match_on_number_holder_and_scope_confirms():
    assert reconcile(CLAIM, _entry(), DAY).outcome is Outcome.CONFIRMED


def test_the_holder_matches_on_nib_or_on_the_name_without_its_legal_form():
    renamed = _entry(holder_name="PT Nabati Batam Baru")
    by_name = Claim(CLAIM.number, "BATAM NABATI LESTARI, PT.", None, CLAIM.covers)

    assert reconcile(CLAIM, renamed, DAY).confirmed
    assert reconcile(by_name, _entry(holder_nib=None), DAY).confirmed
    assert names_match("CV Garam Bintan Jaya", "Garam Bintan Jaya")
    assert not names_match("CV Garam Bintan Jaya", "CV Garam Bintan")


@pytest.mark.parametrize(
    ("entry", "claim", "outcome", "mismatch"),
    [
        (None, CLAIM, Outcome.UNKNOWN, "number: ID21110041277360224 is not in the register"),
        (
            _entry(holder_nib="9999999999999", holder_name="PT Lain"),
            CLAIM,
            Outcome.MISMATCHED,
            "holder: the register names PT Lain (NIB 9999999999999)",
        ),
        (
            _entry(scope=("Gula pasir",)),
            CLAIM,
            Outcome.MISMATCHED,
            "scope: Minyak goreng sawit is not in the register entry",
        ),
        (_entry(status=RegisterStatus.REVOKED), CLAIM, Outcome.REVOKED, "status: revoked in the register"),
        (_entry(status=RegisterStatus.SUSPENDED), CLAIM, Outcome.SUSPENDED, "status: suspended in the register"),
        (_entry(status=RegisterStatus.EXPIRED), CLAIM, Outcome.EXPIRED, "status: expired in the register"),
        (
            _entry(valid_until=dt.date(2026, 1, 1)),
            CLAIM,
            Outcome.EXPIRED,
            "status: expired on 2026-01-01 in the register",
        ),
    ],
)
def test_what_does_not_hold_is_named(entry, claim, outcome, mismatch):
    result = reconcile(claim, entry, DAY)

    assert result.outcome is outcome
    assert mismatch in result.mismatches


def test_scope_words_may_be_more_or_less_specific_and_an_entry_without_scope_is_not_checked():
    halus = Claim(CLAIM.number, CLAIM.holder_name, CLAIM.holder_nib, ("Minyak goreng sawit kemasan 2 L",))

    assert reconcile(halus, _entry(), DAY).confirmed
    assert reconcile(
        Claim(CLAIM.number, CLAIM.holder_name, CLAIM.holder_nib, ("Tepung",)), _entry(scope=()), DAY
    ).confirmed
