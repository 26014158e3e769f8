"""Hostile input through the JSON API: oversized, deep, malformed or mistyped bodies, text that looks
like SQL or markup, NUL characters, unknown query parameters. Each is refused with a clear 4xx and
writes nothing, or is stored verbatim.

The text-field cases are generated from the marshmallow schemas of :mod:`api.schemas`, so a field
added to a record kind is covered without touching this file.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
import sqlalchemy as sa

from api import guards
from models import JournalEntry
from tests.helpers import MODELS, SCHEMAS, FieldPath, create_bodies, example, free_text, text_fields
from traceability.service.record_kinds import KINDS

# --- the text fields of every record kind, from the schemas -----------------------------------


def set_at(body: dict[str, Any], path: FieldPath, value: Any) -> dict[str, Any]:
    """A copy of `body` with `value` at `path`, making the objects and one-item lists on the way."""
    body = copy.deepcopy(body)
    node: Any = body
    for part, following in zip(path, path[1:], strict=False):
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(part, int):
            while len(node) <= part:
                node.append(copy.deepcopy(empty))
            if not isinstance(node[part], type(empty)):
                node[part] = empty
        elif not isinstance(node.get(part), type(empty)):
            node[part] = empty
        node = node[part]
    if isinstance(path[-1], int):
        node[path[-1] : path[-1] + 1] = [value]
    else:
        node[path[-1]] = value
    return body


def errors_at(errors: dict[str, Any], path: FieldPath) -> Any:
    node: Any = errors
    for part in path:
        node = node[str(part)]
    return node


WRITES = [(kind, f"/api/v1/{kind}") for kind in KINDS] + [("businesses", "/api/v1/businesses")]
FIELD_CASES = [(kind, path) for kind, _ in WRITES for path, _ in text_fields(SCHEMAS[kind])]


def valid_body(filled, kind: str) -> dict[str, Any]:
    if kind == "businesses":
        return {"name": "Keripik Mak Ijah", "nib": "1203250071846", "scale": "micro"}
    return create_bodies(filled.own)[kind]


def writer(kind: str) -> str:
    return "admin" if kind == "businesses" else "producer_a"


def journal_size(session) -> int:
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))


def test_the_generator_finds_every_kind_of_text_field():
    found = {(kind, ".".join(map(str, path))) for kind, path in FIELD_CASES}

    # a top-level field, one in a nested object, one in a list of objects, a list of strings
    assert {
        ("suppliers", "name"),
        ("businesses", "halal_supervisor.name"),
        ("facilities", "tools.0.name"),
        ("products", "flavour_profile.0"),
        ("materials", "evidence.0.says"),
        ("steps", "inputs.0.unit"),
    } <= found
    assert len(found) > 40


# --- 1. oversized bodies -------------------------------------------------------------------------


def test_a_body_over_the_size_limit_is_413_problem_and_nothing_is_written(app, client, filled, session):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    before = journal_size(session)
    body = {**valid_body(filled, "suppliers"), "name": "x" * 5000}

    response = client.post("/api/v1/suppliers", json=body, headers=filled.auth("producer_a"))

    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 413
    assert journal_size(session) == before


def test_the_default_body_limit_is_16_mib(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024


# --- 2. deep, huge and malformed JSON -------------------------------------------------------------

DEEP = 100_000
DEEP_BODIES = {
    "arrays": "[" * DEEP + "]" * DEEP,
    "objects": '{"a":' * DEEP + "1" + "}" * DEEP,
    "in a field": '{"name": ' + "[" * DEEP + "]" * DEEP + ', "kind": "market"}',
}
JSON_WRITES = ["/api/v1/suppliers", "/api/v1/dossiers", "/api/v1/epcis/capture", "/api/v1/tokens"]


@pytest.mark.parametrize("route", JSON_WRITES)
@pytest.mark.parametrize("shape", list(DEEP_BODIES))
def test_json_nested_100000_levels_deep_is_a_400_not_a_crash(client, filled, session, route, shape):
    before = journal_size(session)

    response = client.post(
        route, data=DEEP_BODIES[shape], content_type="application/json", headers=filled.auth("producer_a")
    )

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert f"more than {guards.MAX_DEPTH} levels" in response.json["detail"]
    assert journal_size(session) == before


def test_nesting_up_to_the_limit_still_parses():
    assert guards.loads("[" * guards.MAX_DEPTH + "]" * guards.MAX_DEPTH) is not None
    with pytest.raises(guards.StrictJSONError):
        guards.loads("[" * (guards.MAX_DEPTH + 1) + "]" * (guards.MAX_DEPTH + 1))


def _refusals(client, filled, kind: str, value: str) -> dict[str, Any]:
    """POST a body with `value` in each text field of `kind` in turn; what came back at that field's path."""
    found = {}
    for path, _ in text_fields(SCHEMAS[kind]):
        response = client.post(
            f"/api/v1/{kind}", json=set_at(valid_body(filled, kind), path, value), headers=filled.auth(writer(kind))
        )
        errors = (response.json or {}).get("errors") or {}
        try:
            found[".".join(map(str, path))] = (response.status_code, errors_at(errors, path))
        except (KeyError, TypeError):
            found[".".join(map(str, path))] = (response.status_code, errors)
    return found


# One case per kind, every field inside it: one database reset each, not one per field.
@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_a_very_long_string_in_any_text_field_is_422_naming_that_field(client, filled, session, kind):
    before = journal_size(session)

    found = _refusals(client, filled, kind, "x" * 100_000)

    assert found
    # 422, with the message at the field's own path (a list of messages, not the whole error tree)
    assert {path: got for path, got in found.items() if got[0] != 422 or not isinstance(got[1], list)} == {}
    assert journal_size(session) == before


def test_a_dossier_with_200000_suppliers_is_one_short_refusal(client, filled, session):
    document = {"format": "halal-trace/dossier@1", "suppliers": [{"id": f"s{i}"} for i in range(200_000)]}
    before = journal_size(session)

    response = client.post("/api/v1/dossiers", json=document, headers=filled.auth("producer_a"))

    assert response.status_code == 422
    assert "suppliers" in response.json["errors"]
    assert len(response.data) < 100_000  # one message for the list, not 200,000
    assert journal_size(session) == before


RECEIPT = {
    "type": "ObjectEvent",
    "action": "ADD",
    "bizStep": "receiving",
    "eventTime": "2025-01-01T00:00:00Z",
    "eventTimeZoneOffset": "+07:00",
}
HUGE_LISTS = {
    "step inputs": (
        "/api/v1/steps",
        lambda filled: {**create_bodies(filled.own)["steps"], "inputs": [{"lot": filled.own["lots"]}] * 200_000},
        ("inputs",),
    ),
    "EPCIS events": (
        "/api/v1/epcis/capture",
        lambda filled: {
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "@context": [],
            "epcisBody": {"eventList": [RECEIPT] * 100_000},
        },
        ("epcisBody", "eventList"),
    ),
}


@pytest.mark.parametrize("case", list(HUGE_LISTS))
def test_a_huge_list_in_a_record_or_an_epcis_document_is_one_short_refusal(client, filled, session, case):
    route, body, path = HUGE_LISTS[case]
    before = journal_size(session)

    response = client.post(route, json=body(filled), headers=filled.auth("producer_a"))

    assert response.status_code == 422
    assert "at most" in str(errors_at(response.json["errors"], path))
    assert len(response.data) < 10_000
    assert journal_size(session) == before


MALFORMED = {
    "not JSON": b"name=Toko&kind=market",
    "truncated": b'{"name": "Toko", "kind": ',
    "byte order mark": b'\xef\xbb\xbf{"name": "Toko", "kind": "market"}',
    "NaN": b'{"name": "Toko", "kind": "market", "x": NaN}',
    "Infinity": b'{"name": "Toko", "kind": "market", "x": -Infinity}',
    "duplicate keys": b'{"name": "Toko", "kind": "market", "name": "Other"}',
    "not UTF-8": b'{"name": "Toko \xff", "kind": "market"}',
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_json_is_a_400_problem_and_nothing_is_written(client, filled, session, case):
    before = journal_size(session)

    response = client.post(
        "/api/v1/suppliers", data=MALFORMED[case], content_type="application/json", headers=filled.auth("producer_a")
    )

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json["errors"]["body"]
    assert journal_size(session) == before


# --- 3. content types ---------------------------------------------------------------------------


def _json_writes(app) -> list[tuple[str, str]]:
    """Every POST, PUT and PATCH route of the JSON API whose body is JSON, from the URL map."""
    return sorted(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods
        if method in ("POST", "PUT", "PATCH")
        and rule.rule.startswith("/api/")
        and guards.BODY_TYPES.get(rule.endpoint, guards.JSON_TYPES) == guards.JSON_TYPES
    )


def _ids(rule: str) -> str:
    return re.sub(r"<(?:int:)?[a-z_]+_id>", "1", rule).replace("<string:code>", "abc")


@pytest.mark.parametrize("how", ["text/plain", "form", "no content type"])
def test_every_json_write_refuses_another_content_type_with_415(app, client, filled, session, how):
    before = journal_size(session)
    body = json.dumps({"name": "Toko"})
    answers = {}
    for rule, method in _json_writes(app):
        if how == "form":
            response = client.open(_ids(rule), method=method, data={"name": "Toko"}, headers=filled.auth("producer_a"))
        else:
            headers = {**filled.auth("producer_a"), **({"Content-Type": how} if how == "text/plain" else {})}
            response = client.open(_ids(rule), method=method, data=body, headers=headers)
        answers[(rule, method)] = (response.status_code, response.mimetype)

    assert len(answers) > 20
    assert {k: v for k, v in answers.items() if v != (415, "application/problem+json")} == {}
    assert journal_size(session) == before


def test_epcis_capture_also_takes_json_ld_but_nothing_else(client, filled):
    document = json.dumps({"type": "EPCISDocument", "schemaVersion": "2.0", "epcisBody": {"eventList": []}})

    as_ld = client.post(
        "/api/v1/epcis/capture", data=document, content_type="application/ld+json", headers=filled.auth("producer_a")
    )
    as_text = client.post(
        "/api/v1/epcis/capture", data=document, content_type="text/plain", headers=filled.auth("producer_a")
    )

    assert as_ld.status_code != 415
    assert as_text.status_code == 415


# --- 4. text that looks like SQL or markup, and NUL -----------------------------------------------

PAYLOADS = [
    "'; DROP TABLE supplier;--",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}}",
    "\u202egnp.exe",
    '=HYPERLINK("http://x")',
    "Robert'); --",
]
SHORT = "<i>{{7*7}}</i>"  # for fields too short for the payloads (a unit has 20 characters)


@pytest.mark.parametrize("kind", list(KINDS))
def test_sql_and_markup_in_every_text_field_are_stored_and_returned_verbatim(client, filled, session, kind):
    url = f"/api/v1/{kind}/{filled.own[kind]}"
    model = MODELS[kind]
    rows = session.scalar(sa.select(sa.func.count()).select_from(model))
    text = free_text(kind)
    assert text, kind
    for payload in PAYLOADS:
        body = {name: payload if len(payload) <= limit else SHORT for name, limit in text}

        changed = client.patch(url, json=body, headers=filled.auth("producer_a"))
        read = client.get(url, headers=filled.auth("producer_a"))

        assert changed.status_code == 200, (payload, changed.json)
        assert {name: read.json[name] for name, _ in text} == body
    assert session.scalar(sa.select(sa.func.count()).select_from(model)) == rows  # the SQL did nothing


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_a_nul_character_in_any_text_field_is_422_naming_that_field(client, filled, session, kind):
    # PostgreSQL cannot store NUL in text: refused up front on both databases, never a 500.
    before = journal_size(session)

    found = _refusals(client, filled, kind, "Toko\u0000Sinar")

    assert found
    assert {path: got for path, got in found.items() if got[0] != 422 or "NUL" not in str(got[1])} == {}
    assert journal_size(session) == before


def test_a_nul_character_in_a_patch_a_dossier_or_a_query_is_refused(client, filled, session):
    before = journal_size(session)
    auth = filled.auth("producer_a")

    patched = client.patch(f"/api/v1/suppliers/{filled.own['suppliers']}", json={"name": "a\u0000"}, headers=auth)
    dossier = client.post(
        "/api/v1/dossiers", json={"format": "halal-trace/dossier@1", "business": {"name": "x\u0000"}}, headers=auth
    )
    query = client.get("/api/v1/businesses?q=Rendang%00", headers=filled.auth("admin"))
    path = client.get("/v/ABC%00DEF")

    assert (patched.status_code, dossier.status_code, query.status_code, path.status_code) == (422, 422, 400, 400)
    assert dossier.json["errors"] == {"business": {"name": ["Text may not contain the NUL character (\\u0000)."]}}
    assert journal_size(session) == before


# --- 7. unknown query parameters ----------------------------------------------------------------


def _api_reads(app) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and rule.rule.startswith("/api/v1")
        and rule.endpoint not in guards.LENIENT_QUERY
        and rule.endpoint != "api-docs.openapi_json"
    )


def test_every_json_api_route_refuses_an_unknown_query_parameter_naming_it(app, client, filled):
    answers = {}
    for rule in _api_reads(app):
        response = client.get(_ids(rule) + "?pagesize=3", headers=filled.auth("admin"))
        answers[rule] = (response.status_code, (response.json or {}).get("errors"))

    assert len(answers) > 25
    assert {r: a for r, a in answers.items() if a != (400, {"pagesize": ["Unknown query parameter."]})} == {}


def test_declared_query_parameters_still_work(client, filled):
    response = client.get("/api/v1/suppliers?page=1&per_page=1", headers=filled.auth("producer_a"))

    assert response.status_code == 200
    assert len(response.json["items"]) == 1


def test_public_pages_and_the_verify_api_ignore_extra_parameters(client, filled):
    code = client.post(
        f"/api/v1/batches/{filled.own['batches']}/codes", json={}, headers=filled.auth("producer_a")
    ).json[0]
    extra = "utm_source=tokopedia&utm_medium=qr&fbclid=x"

    answers = [
        client.get(f"/api/v1/verify/{code['code']}?{extra}"),
        client.get(f"/v/{code['code']}?{extra}"),
        client.get(f"/badge/{code['code']}.svg?{extra}"),
        client.get(f"/embed/{code['code']}?{extra}"),
    ]

    assert [a.status_code for a in answers] == [200, 200, 200, 200]


# --- 6. malformed Digital Link paths --------------------------------------------------------------

GTIN = "09506000134352"  # a GS1 example GTIN with a correct check digit
MALFORMED_LINKS = {
    "check digit": "/01/09506000134353/10/AB1",
    "GTIN too short": "/01/0950600013435/10/AB1",
    "GTIN not digits": "/01/0950600013435X/10/AB1",
    "lot outside the GS1 set": f"/01/{GTIN}/10/AB%23C",
    "lot too long": f"/01/{GTIN}/10/{'A' * 21}",
    "unknown AI": f"/01/{GTIN}/99/AB1",
    "AIs out of order": f"/01/{GTIN}/21/S1/10/AB1",
    "unknown AI in the query": f"/01/{GTIN}/10/AB1?9999=1",
    "bad percent-escape": f"/01/{GTIN}/10/AB%ZZ",
    "cut percent-escape": f"/01/{GTIN}/10/AB%2",
    "escaped NUL": f"/01/{GTIN}/10/AB%00",
    "overlong path": f"/01/{GTIN}/10/AB1" + "/22/X" * 300,
}


@pytest.mark.parametrize("case", list(MALFORMED_LINKS))
def test_a_malformed_digital_link_is_400_problem_for_api_clients(client, case):
    response = client.get(MALFORMED_LINKS[case], headers={"Accept": "application/json"})

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json["errors"]["path"] or response.json["detail"]


@pytest.mark.parametrize("case", list(MALFORMED_LINKS))
def test_a_malformed_digital_link_is_a_readable_400_page_for_browsers(client, case):
    response = client.get(MALFORMED_LINKS[case], headers={"Accept": "text/html", "Accept-Language": "en"})

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Not a valid product link" in response.get_data(as_text=True)


def test_a_well_formed_but_unknown_digital_link_stays_404(client):
    response = client.get(f"/01/{GTIN}/10/NOSUCHLOT", headers={"Accept": "application/json"})

    assert response.status_code == 404


# --- found on the way: refs shared by a lot and a batch -------------------------------------------


@pytest.mark.parametrize("taken", ["lot's ref", "lot-<id>"])
def test_a_batch_may_not_take_a_lot_ref_which_would_make_step_inputs_ambiguous(client, filled, session, taken):
    # Otherwise every later assessment of the product fails ("The dossier is not valid").
    lot = client.get(f"/api/v1/lots/{filled.own['lots']}", headers=filled.auth("producer_a")).json
    ref = lot["ref"] if taken == "lot's ref" else f"lot-{lot['id']}"
    before = journal_size(session)

    response = client.patch(
        f"/api/v1/batches/{filled.own['batches']}", json={"ref": ref}, headers=filled.auth("producer_a")
    )
    after = journal_size(session)
    later = client.patch(
        f"/api/v1/batches/{filled.own['batches']}", json={"lot_code": "RBN-NEW"}, headers=filled.auth("producer_a")
    )

    assert response.status_code == 409
    assert "ref" in response.json["errors"]
    assert after == before
    assert later.status_code == 200


@pytest.mark.parametrize("taken", ["product's ref", "product-<id>"])
def test_a_material_may_not_take_a_product_ref_which_would_make_certificate_cover_ambiguous(
    client, filled, session, taken
):
    product = client.get(f"/api/v1/products/{filled.own['products']}", headers=filled.auth("producer_a")).json
    ref = product["ref"] if taken == "product's ref" else f"product-{product['id']}"
    before = journal_size(session)

    response = client.patch(
        f"/api/v1/materials/{filled.own['materials']}", json={"ref": ref}, headers=filled.auth("producer_a")
    )

    assert response.status_code == 409
    assert "certificate covers" in response.json["errors"]["ref"][0]
    assert journal_size(session) == before
    exported = client.get(f"/api/v1/products/{filled.own['products']}/dossier", headers=filled.auth("producer_a"))
    assert exported.status_code == 200


def test_a_dossier_whose_material_shares_the_product_id_is_refused_naming_it(client, world, session):
    dossier = example("rendang-ok")
    dossier["materials"][0]["id"] = dossier["product"]["id"]

    response = client.post("/api/v1/dossiers", json=dossier, headers=world.auth("producer_a"))

    assert response.status_code == 422
    assert "also the product" in response.json["errors"]["materials"]["0"]["id"][0]
