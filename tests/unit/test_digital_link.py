"""The Digital Link parser and generator against GS1's own vectors (tests/data/digital-link/, Apache-2.0)."""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

import pytest

from qr import digital_link
from qr.digital_link import DigitalLinkError

VECTORS = json.loads((Path(__file__).parents[1] / "data" / "digital-link" / "dl-uri-test-vectors.json").read_text())
# This resolver knows the GTIN (01) as primary key only; vectors about other keys (SSCC, GDTI, GIAI...) are out
# of its scope, as are those that switch on non-default parser options.
OTHER_KEYS = re.compile(r"/(00|253|255|401|402|414|417|8003|8004|8006|8010|8013|8017|8018)/")


def _in_scope(uri: str) -> bool:
    return "/01/" in uri and not OTHER_KEYS.search(uri)


PARSE = [v for v in VECTORS["parseDLuri"] if not v["options"] and (_in_scope(v["uri"]) or not v["should_succeed"])]
GENERATE = [
    v
    for v in VECTORS["generateDLuri"]
    if not v["options"] and not re.search(r"\((00|253|8010|8017)\)", v["ai_element_string"])
]


@pytest.mark.parametrize("vector", PARSE, ids=lambda v: f"line{v['src_line']}")
def test_parse_vectors(vector):
    if vector["should_succeed"]:
        assert digital_link.parse(vector["uri"]).element_string() == vector["expected_element_string"]
    else:
        with pytest.raises(DigitalLinkError):
            digital_link.parse(vector["uri"])


@pytest.mark.parametrize("vector", GENERATE, ids=lambda v: f"line{v['src_line']}")
def test_generate_vectors(vector):
    elements = re.findall(r"\((\d+)\)([^(]*)", vector["ai_element_string"])
    if vector["should_succeed"]:
        assert digital_link.generate(vector["stem"], elements) == vector["expected_uri"]
    else:
        with pytest.raises(DigitalLinkError):
            digital_link.generate(vector["stem"], elements)


@pytest.mark.parametrize("vector", VECTORS["URIunescape"], ids=lambda v: f"line{v['src_line']}")
def test_unescape_vectors(vector):
    expected = [
        codecs.decode(vector[k], "unicode_escape")
        for k in ("expected_as_path_component", "expected_as_query_component")
    ]
    got = [digital_link.unescape(vector["input"]), digital_link.unescape(vector["input"], query=True)]
    assert got == expected


@pytest.mark.parametrize("vector", VECTORS["URIescape"], ids=lambda v: f"line{v['src_line']}")
def test_escape_vectors(vector):
    value, as_path, as_query = vector["args"]
    assert (digital_link.escape(value), digital_link.escape(value, query=True)) == (as_path, as_query)


def test_the_vectors_in_scope_are_most_of_them():
    assert len(PARSE) >= 75
    assert len(GENERATE) >= 15


def test_build_refuses_a_wrong_check_digit_and_round_trips_a_lot():
    with pytest.raises(DigitalLinkError):
        digital_link.build("https://t.example", "8994471000238", "L1")
    url = digital_link.build("https://t.example", "8994471000237", "RB/25-11*A")

    link = digital_link.parse(url)

    assert (link.gtin, link.lot) == ("08994471000237", "RB/25-11*A")
