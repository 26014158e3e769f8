"""CSV cells that a spreadsheet would run as formulas get an apostrophe; everything else is left alone."""

import pytest

from traceability.formats.csv_cells import FORMULA_STARTS, cell, record, row


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil","click")', '\'=HYPERLINK("http://evil","click")'),
        ("+62 812 555", "'+62 812 555"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
    ],
)
def test_text_a_spreadsheet_reads_as_a_formula_gets_an_apostrophe(value, expected):
    assert cell(value) == expected


@pytest.mark.parametrize("value", ["Rendang Bundo", "a=b", "", "'already quoted", "ÉCLAIR"])
def test_other_text_is_unchanged(value):
    assert cell(value) == value


@pytest.mark.parametrize("value", [-5, -2.5, 0, None, True])
def test_values_that_are_not_text_are_unchanged(value):
    assert cell(value) is value


def test_formula_starts_are_the_owasp_list():
    assert FORMULA_STARTS == ("=", "+", "-", "@", "\t", "\r")


def test_row_and_record_quote_each_cell():
    assert row(["=1", "ok", -1]) == ["'=1", "ok", -1]
    assert record({"name": "@x", "quantity": -1, "unit": None}) == {"name": "'@x", "quantity": -1, "unit": None}


def test_compatibility_forms_and_leading_spacing_are_neutralised_too():
    for text in ("\uff1dHYPERLINK(1)", "\ufe62SUM(1)", " =1+1", "\n=1+1", "\u200b=1", "\u00a0@SUM(1)"):
        assert cell(text) == "'" + text, repr(text)
    assert cell("Gula 1 kg") == "Gula 1 kg"
