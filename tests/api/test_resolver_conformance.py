"""The GS1 Digital Link resolver as an integrator's client sees it (GS1-Conformant Resolver 1.2): CORS, 307 to
the default link with the query passed on, linkType as a CURIE or a full URI, linksets in the shape of GS1's
linkset schema, walk-up to the nearest level, lenient paths (trailing slash, short GTINs), the description file.

And the trust rule under it (issue 15): a Digital Link without ``c`` answers at the lot level and never hands
out the lot's code, which anyone could then print on a fake label.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import jsonschema
import pytest
import sqlalchemy as sa

from models import Batch, Product
from qr import digital_link
from tests.helpers import issue

DATA = Path(__file__).parents[1] / "data" / "digital-link"
LINK_TYPES = {
    t["id"] for t in json.loads((DATA / "gs1voc-1.16-linktypes-certification-halal.json").read_text())["linkTypes"]
}
LINKSET_SCHEMA = json.loads((DATA / "gs1-linkset-schema.json").read_text())
DESCRIPTION_SCHEMA = json.loads((DATA / "gs1-resolver-description-file-schema.json").read_text())
BASE = "https://trace.test"
VOCABULARY_URI = "https://ref.gs1.org/voc/"


def _final(session, filled) -> Batch:
    batch_id = session.scalar(sa.select(sa.func.max(Batch.id)).where(Batch.business_id == filled.world.business_a))
    return session.get(Batch, batch_id)


@pytest.fixture
def label(client, filled, session):
    """A printed label of business A's finished batch: its code, its Digital Link's path and query, GTIN and lot."""
    batch = _final(session, filled)
    issued = issue(client, filled, batch=batch.id)
    link = digital_link.parse(issued["url"])
    path, _, query = issued["url"].removeprefix(BASE).partition("?")
    return {"code": issued["code"], "path": path, "query": query, "gtin": link.gtin, "lot": link.lot, "batch": batch}


def _assert_linkset_shape(body: dict) -> dict:
    """The linkset's shape as GS1's linkset schema requires it (the published schema file first): an anchor URL,
    an item description, link-type keys in the GS1 namespace, each link with href and title, hreflang as ll or
    ll-CC."""
    jsonschema.Draft7Validator(LINKSET_SCHEMA).validate(body)
    assert list(body) == ["linkset"]
    (entry,) = body["linkset"]
    assert re.match(r"^https?://[a-zA-Z0-9./]+", entry["anchor"])
    assert isinstance(entry["itemDescription"], str)
    assert entry["itemDescription"]
    for key, links in entry.items():
        if key in ("anchor", "itemDescription"):
            continue
        assert key.startswith("https://gs1.org/voc/"), key
        assert "gs1:" + key.removeprefix("https://gs1.org/voc/") in LINK_TYPES, key
        for link in links:
            assert set(link) <= {"href", "title", "type", "hreflang", "context"}
            assert link["href"].startswith("https://")
            assert link["title"]
            assert all(re.fullmatch(r"\w{2}(-\w{2})?", tag) for tag in link.get("hreflang", []))
    assert entry["https://gs1.org/voc/defaultLink"]
    return entry


def test_a_plain_request_redirects_to_the_consumer_page_with_the_query_passed_on(client, label):
    answer = client.get(f"{label['path']}?{label['query']}&utm_source=shopee")

    assert answer.status_code == 307
    target = urlsplit(answer.location)
    assert target.path == f"/v/{label['code']}"
    assert dict(parse_qsl(target.query))["utm_source"] == "shopee"
    assert dict(parse_qsl(target.query))["s"] == dict(parse_qsl(label["query"]))["s"]
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert {"Accept", "Accept-Language"} <= {v.strip() for v in answer.headers["Vary"].split(",")}
    assert 'rel="linkset"' in answer.headers["Link"]
    page = client.get(answer.location.removeprefix(BASE), headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert label["code"] in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "written", ["gs1:pip", "https://gs1.org/voc/pip", "https://ref.gs1.org/voc/pip", "http://www.gs1.org/voc/pip"]
)
def test_link_type_as_a_curie_or_a_full_uri(client, label, written):
    answer = client.get(label["path"], query_string={"c": label["code"], "linkType": written})

    assert answer.status_code == 307
    assert answer.location == f"/v/{label['code']}?c={label['code']}"


def test_link_types_and_an_absent_one(client, label):
    base = f"{label['path']}?c={label['code']}"
    certificates = client.get(base + "&linkType=gs1:certificationInfo")
    trace = client.get(base + "&linkType=https://ref.gs1.org/voc/traceability")
    absent = client.get(base + "&linkType=gs1:hasRetailers")

    assert (certificates.status_code, certificates.location) == (
        307,
        f"/api/v1/verify/{label['code']}?c={label['code']}",
    )
    assert trace.status_code == 307
    assert trace.location.endswith(f"?c={label['code']}#ingredients")
    assert absent.status_code == 404
    assert absent.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("how", ["query", "accept", "json"])
def test_the_linkset_has_the_shape_of_gs1s_schema(client, label, how):
    path = f"{label['path']}?c={label['code']}"
    if how == "query":
        answer = client.get(path + "&linkType=linkset")
    else:
        accept = "application/linkset+json" if how == "accept" else "application/json"
        answer = client.get(path, headers={"Accept": accept})

    assert answer.status_code == 200
    assert answer.mimetype == "application/linkset+json"
    entry = _assert_linkset_shape(answer.json)
    assert entry["anchor"] == f"{BASE}{label['path']}?c={label['code']}"
    assert entry["https://gs1.org/voc/defaultLink"][0]["href"] == f"{BASE}/v/{label['code']}"
    # One Link header carrying both links: a client keeping one value per header name still sees each.
    (links,) = answer.headers.getlist("Link")
    assert 'rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"' in links
    assert 'rel="linkset"' in links
    assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_preflight_and_head_are_answered_for_cross_origin_clients(client, label):
    preflight = client.options(
        label["path"], headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
    )
    head = client.head(f"{label['path']}?c={label['code']}")
    described = client.options("/.well-known/gs1resolver")

    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Link" in preflight.headers["Access-Control-Expose-Headers"]
    assert f'<{BASE}{label["path"]}?linkType=linkset>; rel="linkset"' in preflight.headers["Link"]
    assert head.status_code == 307
    assert head.location.startswith("/v/")
    assert described.headers["Access-Control-Allow-Origin"] == "*"


def test_a_trailing_slash_and_short_gtins_resolve_as_the_gtin_14(client, label):
    short = label["gtin"].lstrip("0")  # the GTIN-13 printed under the barcode
    assert len(short) == 13
    for path in (
        f"{label['path']}/?c={label['code']}",
        f"/01/{short}/10/{label['lot']}?c={label['code']}",
        f"/01/{short}/10/{label['lot']}/?c={label['code']}",
    ):
        answer = client.get(path)
        assert (answer.status_code, answer.location) == (
            307,
            f"/v/{label['code']}?c={label['code']}",
        ), path


def test_a_lot_without_its_code_does_not_reveal_the_code(client, label):
    """Issue 15: the GTIN and lot are printed in plain text; the lot's code must not be had from them."""
    plain = client.get(label["path"])
    linkset = client.get(label["path"], headers={"Accept": "application/linkset+json"})
    page = client.get(plain.location.removeprefix(BASE), headers={"Accept-Language": "en"})
    serial = client.get(f"{label['path']}/21/SER1", headers={"Accept": "application/linkset+json"})
    oembed = client.get("/oembed", query_string={"url": BASE + label["path"]})

    assert plain.status_code == 307
    assert plain.location == f"/v/01/{label['gtin']}/10/{label['lot']}"
    for answer in (plain, linkset, page, serial, oembed):
        assert label["code"] not in answer.get_data(as_text=True) + str(answer.headers), answer.request.path
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert label["lot"] in text
    assert "The status of this lot" in text
    assert 'data-state="' in text  # the batch's public status stays public, as on the label's own page
    entry = _assert_linkset_shape(linkset.json)
    assert entry["anchor"] == f"{BASE}{label['path']}"
    assert "https://gs1.org/voc/certificationInfo" not in entry or all(
        "/api/v1/verify/" not in link["href"] for link in entry["https://gs1.org/voc/certificationInfo"]
    )
    assert _assert_linkset_shape(serial.json)["anchor"] == f"{BASE}{label['path']}"  # walked up to the lot
    assert oembed.status_code == 404


def test_the_gtin_alone_walks_up_to_the_product(client, label, session):
    product = session.get(Product, label["batch"].product_id)
    plain = client.get(f"/01/{label['gtin']}")
    serial_only = client.get(f"/01/{label['gtin']}/21/SER1", headers={"Accept": "application/linkset+json"})
    unknown_lot = client.get(f"/01/{label['gtin']}/10/NOSUCHLOT", headers={"Accept": "application/linkset+json"})
    page = client.get(f"/v/01/{label['gtin']}", headers={"Accept-Language": "id"})

    assert (plain.status_code, plain.location) == (307, f"/v/01/{label['gtin']}")
    for answer in (serial_only, unknown_lot):
        assert answer.status_code == 200
        assert _assert_linkset_shape(answer.json)["anchor"] == f"{BASE}/01/{label['gtin']}"
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert product.name in text
    assert "Status halal ditetapkan per lot" in text
    assert label["code"] not in text
    assert label["lot"] not in text
    assert client.get("/01/09506000134352").status_code == 404  # a GTIN nobody here holds


def test_the_description_file_uses_the_1_2_fields_and_the_current_namespace(client):
    described = client.get("/.well-known/gs1resolver")
    body = described.json

    assert described.headers["Access-Control-Allow-Origin"] == "*"
    assert body["resolverRoot"] == BASE
    assert body["supportedPrimaryKeys"] == ["01"]
    assert body["supportedLinkType"] == [{"namespace": VOCABULARY_URI, "prefix": "gs1:"}]
    assert body["linkTypeDefaultCanBeLinkset"] is False
    assert body["jsonLdContextLocation"].startswith("https://ref.gs1.org/standards/resolver/")
    # The 1.0 names the Resolver CE example still uses (tests/data/digital-link/resolver-ce-gs1resolver.json).
    old = json.loads((DATA / "resolver-ce-gs1resolver.json").read_text())
    retired = {
        "linkTypeDefaultCanBeAll",
        "supportsLanguageVariants",
        "supportsSemanticInterpretation",
        "activeLinkTypes",
    }
    assert retired <= set(old)
    assert not retired & set(body)


def test_the_description_file_validates_against_gs1s_published_schema(client):
    """GS1's resolver test suite checks ``/.well-known/gs1resolver`` against the description-file schema 1.2.0
    (its ``rdFile`` test); the schema checks formats here too, so a resolver root that is no URI fails."""
    validator = jsonschema.Draft7Validator(DESCRIPTION_SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    body = client.get("/.well-known/gs1resolver").json

    validator.validate(body)
    # The same validator refuses what the schema forbids, so the check above can fail.
    for broken in (
        {k: v for k, v in body.items() if k != "resolverRoot"},
        body | {"supportedPrimaryKeys": ["99"]},
        body | {"resolverRoot": "not a uri"},
        body | {"supportedLinkType": [{"namespace": VOCABULARY_URI, "prefix": "gs1"}]},
        body | {"linkTypeDefaultCanBeLinkset": "false"},
    ):
        assert not validator.is_valid(broken), broken


DECOMPRESSIONS = [
    v
    for v in json.loads((DATA / "digital-link-js-test-vectors.json").read_text())["compression"]
    if v["op"] == "decompress" and not v.get("useShortNames")
]


@pytest.mark.parametrize("vector", DECOMPRESSIONS, ids=[v["input"] for v in DECOMPRESSIONS])
def test_compressed_digital_links_decode_as_digital_link_js_does(vector):
    assert digital_link.decompress(vector["input"]) == vector["expected"]


def test_a_compressed_label_link_resolves_as_the_uncompressed_one(client, label):
    from gs1 import compress_gs1_digital_link  # the compressor serves the test only (LIBRARIES.md §5)

    plain = f"{BASE}{label['path']}"
    packed = compress_gs1_digital_link(plain, False, BASE).removeprefix(BASE)
    assert re.fullmatch(r"/[A-Za-z0-9_-]+", packed)

    lot = client.get(packed)
    code = client.get(f"{packed}?c={label['code']}")
    linkset = client.get(packed, headers={"Accept": "application/linkset+json"})
    garbage = client.get("/ZZZZZZZZZZZZZZZZZZZZ")
    resolver_ce = client.get("/ARFKk4XB0CDKWcnpq")  # a GTIN nobody here holds (Resolver CE's own case)

    assert (lot.status_code, lot.location) == (307, f"/v/01/{label['gtin']}/10/{label['lot']}")
    assert (code.status_code, code.location) == (307, f"/v/{label['code']}?c={label['code']}")
    assert lot.headers["Access-Control-Allow-Origin"] == "*"
    assert _assert_linkset_shape(linkset.json)["anchor"] == plain  # the anchor is the uncompressed link (2.3)
    assert garbage.status_code == 404
    assert resolver_ce.status_code == 404


def test_at_the_public_address_a_redirect_goes_to_the_very_url_the_linkset_names(client, label):
    """GS1's resolver test suite compares each redirect's Location with the linkset's href for that link type."""
    at_public = {"base_url": BASE}
    linkset = client.get(f"{label['path']}?linkType=linkset", **at_public).json["linkset"][0]

    for link_type in ("gs1:defaultLink", "gs1:pip", "gs1:traceability", "gs1:certificationInfo"):
        wanted = "" if link_type == "gs1:defaultLink" else f"?linkType={link_type}"
        answer = client.get(label["path"] + wanted, **at_public)
        href = linkset["https://gs1.org/voc/" + link_type.removeprefix("gs1:")][0]["href"]
        assert (answer.status_code, answer.location) == (307, href), link_type
    # Under another name (a test server, a second domain) the visitor stays on it: a path.
    assert client.get(label["path"]).location.startswith("/v/")
