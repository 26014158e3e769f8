"""Text that looks like markup, SQL or a spreadsheet formula, typed into every free-text field of a
business's records, is shown as text wherever it appears: every page, the public surface, the JSON
exports and every CSV the service writes.

The fields come from the API's marshmallow schemas (tests/api/test_input_abuse.py), so a new field
is covered without touching this file.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from tests.helpers import OPERATOR, free_text
from traceability.formats.csv_cells import FORMULA_STARTS
from traceability.service import reviews
from traceability.service.record_kinds import KINDS

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>{{7*7}}'
SHORT = "<i>{{7*7}}</i>"
RAW = ("<script>alert(1)</script>", "<img src=x onerror", "<i>{{7*7}}</i>")
ESCAPED = (
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "&lt;i&gt;{{7*7}}&lt;/i&gt;",
    "\\u003ci\\u003e{{7*7}}\\u003c/i\\u003e",
)


def _fill(client, filled, value_for) -> None:
    """Write `value_for(limit)` into every free-text field of business A and of one record of each kind."""
    auth = filled.auth("producer_a")
    for kind in KINDS:
        body = {name: value_for(limit) for name, limit in free_text(kind)}
        # refs name records inside a dossier, where a lot and a batch may not share one
        body["ref"] = f"{kind}{body['ref']}"
        response = client.patch(f"/api/v1/{kind}/{filled.own[kind]}", json=body, headers=auth)
        assert response.status_code == 200, (kind, response.json)
    body = {name: value_for(limit) for name, limit in free_text("businesses")}
    response = client.patch(f"/api/v1/businesses/{filled.world.business_a}", json=body, headers=auth)
    assert response.status_code == 200, response.json


def _hostile(limit: int) -> str:
    return XSS if len(XSS) <= limit else SHORT


@pytest.fixture
def hostile(client, filled, session):
    """Business A with markup in every text field, a verification code and a submitted review."""
    _fill(client, filled, _hostile)
    code = client.post(
        f"/api/v1/batches/{filled.own['batches']}/codes", json={}, headers=filled.auth("producer_a")
    ).json[0]
    review = reviews.submit(session, OPERATOR, filled.product_a, batch_id=filled.own["batches"])
    programme = client.post(
        "/api/v1/programmes",
        headers=filled.auth("coordinator"),
        json={"name": XSS, "organiser": XSS, "starts_on": "2025-08-04"},
    )
    assert programme.status_code == 201, programme.json
    return {"code": code, "review": review.id}


PAGES = {
    "producer_a": ["/producer", "/journal/products/{product}", "/producer/lots/new", "/producer/steps/new"],
    "pendamping_a": ["/pendamping", "/pendamping/businesses/{business}"],
    "auditor": ["/auditor", "/auditor/reviews/{review}", "/journal/products/{product}"],
    "coordinator": ["/coordinator", "/coordinator?stuck_days=0"],
}


def _assert_shown_as_text(body: str, where: str) -> None:
    for raw in RAW:
        assert raw not in body, (where, raw)
    assert any(escaped in body for escaped in ESCAPED), f"{where} does not show the text at all"


@pytest.mark.parametrize("role", list(PAGES))
def test_every_page_shows_markup_as_text(client, filled, sign_in, hostile, role):
    signed = sign_in(role)
    ids = {"product": filled.product_a, "business": filled.world.business_a, "review": hostile["review"]}

    for template in PAGES[role]:
        path = template.format(**ids)
        response = signed.get(path)
        assert response.status_code == 200, path
        _assert_shown_as_text(response.get_data(as_text=True), path)


def test_the_review_drawing_and_its_tooltips_hold_no_live_markup(client, filled, sign_in, hostile):
    html = sign_in("auditor").get(f"/auditor/reviews/{hostile['review']}").get_data(as_text=True)
    drawing = html[html.index("<svg") : html.index("</svg>")]
    details = html[html.index('id="node-details">') + len('id="node-details">') :]
    details = details[: details.index("</script>")]

    assert "<script" not in drawing
    assert "&lt;script&gt;" in drawing  # a node label or tooltip carries the hostile name, escaped
    assert "</" not in details  # the JSON inside <script> cannot close the element
    assert XSS in _strings(json.loads(details))  # and still reads back as the text


def test_the_public_surface_shows_markup_as_text(client, filled, hostile):
    code = hostile["code"]["code"]
    pages = {path: client.get(path) for path in (f"/v/{code}", f"/embed/{code}", f"/badge/{code}.svg")}
    oembed = client.get(f"/oembed?url=https://trace.test/v/{code}")
    verify = client.get(f"/api/v1/verify/{code}")

    for path, response in pages.items():
        assert response.status_code == 200, path
        for raw in RAW:
            assert raw not in response.get_data(as_text=True), (path, raw)
    _assert_shown_as_text(pages[f"/v/{code}"].get_data(as_text=True), "/v")
    _assert_shown_as_text(pages[f"/embed/{code}"].get_data(as_text=True), "/embed")
    assert XSS in oembed.json["title"]  # JSON carries the text verbatim...
    assert "<script" not in oembed.json["html"]  # ...and the HTML snippet escapes it
    assert XSS in _strings(verify.json)


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("export", ["epcis", "prov", "trace"])
def test_json_exports_carry_the_text_verbatim(client, filled, hostile, export):
    response = client.get(f"/api/v1/batches/{filled.own['batches']}/{export}", headers=filled.auth("auditor"))

    assert response.status_code == 200
    assert any(XSS in s for s in _strings(json.loads(response.data)))


# --- CSV formula injection ---------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def _formula(limit: int) -> str:
    return "=cmd|' /C calc'!A0" if limit >= 20 else "=1+1"


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _csv_exports(client, filled, sign_in) -> dict[str, str]:
    auditor, coordinator = filled.auth("auditor"), filled.auth("coordinator")
    return {
        "trace": client.get(f"/api/v1/batches/{filled.own['batches']}/trace.csv", headers=auditor).get_data(
            as_text=True
        ),
        "dashboard": client.get(
            f"/api/v1/programmes/{filled.world.programme}/dashboard.csv", headers=coordinator
        ).get_data(as_text=True),
        "template": sign_in("producer_a").get("/producer/import/template.csv").get_data(as_text=True),
    }


@pytest.mark.parametrize("formula", FORMULAS)
def test_no_csv_the_service_writes_starts_a_cell_with_a_formula(client, filled, sign_in, formula):
    _fill(client, filled, lambda limit: formula if len(formula) <= limit else "=1")

    exports = _csv_exports(client, filled, sign_in)

    for name, text in exports.items():
        cells = _cells(text)
        assert cells, name
        assert [c for c in cells if c.startswith(FORMULA_STARTS)] == [], name
    # the text itself is kept, after the apostrophe that makes a spreadsheet show it as text
    assert f"'{formula}" in _cells(exports["trace"])
    assert f"'{formula}" in _cells(exports["dashboard"])


def test_plain_negative_numbers_and_dates_are_left_alone():
    from traceability.formats.csv_cells import cell

    assert (cell(-2), cell(1.5), cell("2025-11-24"), cell("Rendang")) == (-2, 1.5, "2025-11-24", "Rendang")
    assert cell("-2") == "'-2"  # text that a spreadsheet would evaluate is neutralised
