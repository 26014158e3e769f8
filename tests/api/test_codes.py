"""Verification codes end to end over HTTP: issue, QR images, consumer page, resolver, marketplace, revocation."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from models import Batch, Certificate, JournalEntry, MaterialLot, Product
from qr import codes
from qr.signing import KeyRing, PublicKeys
from tests.helpers import approve, issue, qr_texts


def share_kitchen_with_pork(client, filled):
    """Record that the spice kitchen is used alternately for a pork dish: a violation upstream of every batch."""
    response = client.patch(
        f"/api/v1/facilities/{filled.own['facilities']}",
        headers=filled.auth("producer_a"),
        json={"shared_with": [{"product": "Babi panggang", "halal": False, "alternate_use": True}]},
    )
    assert response.status_code == 200, response.json


def final_batch(session, filled):
    """The packed rendang: its ingredients, some certified, come through two earlier batches."""
    return session.scalar(sa.select(sa.func.max(Batch.id)).where(Batch.business_id == filled.world.business_a))


def decode(png: bytes) -> list[str]:
    return qr_texts(Image.open(io.BytesIO(png)))


def test_issued_code_is_a_signed_digital_link_that_decodes_from_its_png_and_svg(client, filled, session, app):
    issued = issue(client, filled)
    batch = session.get(Batch, filled.own["batches"])
    product = session.get(Product, batch.product_id)

    assert issued["url"].startswith(f"https://trace.test/01/0{product.gtin}/10/{batch.lot_code}?c={issued['code']}&s=")
    assert len(issued["code"]) == 16  # 80 random bits
    with app.app_context():
        from api.signing import key_ring

        signed = codes.verify_url(issued["url"], PublicKeys.from_jwks(key_ring().jwks()))
    assert (signed.claims.batch, signed.claims.product) == (batch.id, product.id)
    png = client.get(f"/api/v1/codes/{issued['code']}/qr.png")
    assert png.mimetype == "image/png"
    assert decode(png.data) == [issued["url"]]
    svg = client.get(f"/api/v1/codes/{issued['code']}/qr.svg")
    assert svg.mimetype == "image/svg+xml"
    assert b"<svg" in svg.data


def test_a_product_without_gtin_gets_a_short_v_url(client, filled, session):
    batch = session.get(Batch, filled.own["batches"])
    session.get(Product, batch.product_id).gtin = None
    session.commit()

    issued = issue(client, filled)

    assert issued["url"].startswith(f"https://trace.test/v/{issued['code']}?s=")


def test_consumer_page_speaks_indonesian_by_default_and_english_on_request(client, filled):
    issued = issue(client, filled)

    page_id = client.get(f"/v/{issued['code']}").get_data(as_text=True)
    page_en = client.get(f"/v/{issued['code']}", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    switched = client.get(f"/v/{issued['code']}?lang=en").get_data(as_text=True)

    assert "Menunggu verifikasi" in page_id
    assert "Pending verification" in page_en
    assert page_en == switched
    for page in (page_id, page_en):
        assert "Rendang Bundo" in page
        assert "RBN-251117-B" in page
        assert "<script" not in page
        assert "http://" not in page.replace("http://www.w3.org", "")


def _status_everywhere(client, code):
    page = client.get(f"/v/{code}?lang=en").get_data(as_text=True)
    badge = client.get(f"/badge/{code}.svg?lang=en").get_data(as_text=True)
    state = client.get(f"/api/v1/verify/{code}").json["state"]
    embed = client.get(f"/embed/{code}?lang=en").get_data(as_text=True)
    words = {
        "verified": "Halal verified",
        "pending": "Pending verification",
        "not_halal": "Not halal",
        "revoked": "Code revoked",
    }
    assert words[state] in page
    assert words[state] in badge
    assert words[state] in embed
    return state


def test_revoking_an_upstream_certificate_flips_page_badge_and_json(client, filled, session):
    final = final_batch(session, filled)
    issued = issue(client, filled, batch=final)
    approve(session, final)
    assert _status_everywhere(client, issued["code"]) == "verified"
    lot = session.scalar(
        sa.select(MaterialLot).where(
            MaterialLot.business_id == filled.world.business_a, MaterialLot.certificate_id.is_not(None)
        )
    )
    cert = session.get(Certificate, lot.certificate_id)
    before = client.get(f"/api/v1/verify/{issued['code']}")

    response = client.patch(
        f"/api/v1/certificates/{cert.id}",
        json={"status": "revoked", "status_since": "2024-01-01"},
        headers={**filled.auth("producer_a"), "If-Match": f'"v{cert.version}"'},
    )

    assert response.status_code == 200, response.json
    # The change reassessed the batch in its own transaction: the revoked certificate is a violation, and a
    # certificate question, not a haram one: the public reads "pending" with the reason.
    assert _status_everywhere(client, issued["code"]) == "pending"
    after = client.get(f"/api/v1/verify/{issued['code']}", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.json["verdict"] == "violation"
    assert after.json["status_reason"] == "certificate_inactive"
    assert "dicabut sejak" in after.json["status_text"]["id"]


def test_not_halal_and_revoked_code_are_shown_as_such_and_revocation_is_journaled(client, filled, session):
    issued = issue(client, filled)
    share_kitchen_with_pork(client, filled)
    assert _status_everywhere(client, issued["code"]) == "not_halal"

    response = client.post(f"/api/v1/codes/{issued['code']}/revoke", headers=filled.auth("auditor"))

    assert response.status_code == 200
    assert response.json["revoked_at"]
    assert _status_everywhere(client, issued["code"]) == "revoked"
    assert session.scalar(
        sa.select(JournalEntry).where(
            JournalEntry.action == "code.revoke", JournalEntry.subject == f"code:{issued['code']}"
        )
    )


def test_reissue_revokes_the_old_codes(client, filled):
    first = issue(client, filled)

    second = issue(client, filled, revoke_previous=True)

    assert client.get(f"/api/v1/verify/{first['code']}").json["state"] == "revoked"
    assert client.get(f"/api/v1/verify/{second['code']}").json["state"] == "pending"


def _tampered(url: str) -> list[str]:
    signature = url.rsplit(".", 1)[1]
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    batch_part = url.split("&s=")[1].split(".")[1]
    return [
        url.rsplit(".", 1)[0] + "." + flipped,  # forged signature
        url.replace(f".{batch_part}.", f".{int(batch_part) + 1}.", 1),
    ]  # altered claim


def test_a_tampered_or_wrong_key_code_is_refused_online_and_offline(client, filled, app, tmp_path):
    issued = issue(client, filled)
    with app.app_context():
        from api.signing import key_ring

        keys = PublicKeys.from_jwks(key_ring().jwks())
    stranger = KeyRing.open(tmp_path / "other")
    signed = codes.read_url(issued["url"])
    kid, signature = stranger.sign(signed.claims)
    wrong_key = codes.signed_url("https://trace.test", signed.claims, kid, signature, gtin=signed.gtin, lot=signed.lot)

    for bad in [*_tampered(issued["url"]), wrong_key]:
        with pytest.raises(codes.SignatureError):
            codes.verify_url(bad, keys)
        path = bad.removeprefix("https://trace.test")
        page = client.get(path)
        assert page.status_code == 400
        assert "Kode tidak asli" in page.get_data(as_text=True)
        token = bad.split("&s=")[1]
        refused = client.get(f"/api/v1/verify/{issued['code']}", query_string={"s": token})
        assert refused.status_code == 422
        assert "s" in refused.json["errors"]
    assert client.get(issued["url"], follow_redirects=True).status_code == 200


def test_rotation_keeps_old_codes_valid_and_lists_both_keys(client, filled, app):
    old = issue(client, filled)
    with app.app_context():
        from api.signing import key_ring

        KeyRing.rotate(key_ring().directory)

    new = issue(client, filled)
    jwks = client.get("/.well-known/jwks.json").json

    keys = PublicKeys.from_jwks(jwks)
    assert old["key_id"] != new["key_id"]
    assert {old["key_id"], new["key_id"]} <= set(keys.keys)
    for issued in (old, new):
        codes.verify_url(issued["url"], keys)
        assert client.get(issued["url"], follow_redirects=True).status_code == 200


def test_resolver_follows_gs1_link_types_and_linkset(client, filled, session):
    issued = issue(client, filled, batch=final_batch(session, filled))
    path = issued["url"].removeprefix("https://trace.test").split("?")[0]

    named = f"{path}?c={issued['code']}"
    pip = client.get(named + "&linkType=gs1:pip")
    cert = client.get(named + "&linkType=gs1:certificationInfo")
    trace = client.get(f"/v/{issued['code']}?linkType=gs1:traceability")
    retailers = client.get(named + "&linkType=gs1:hasRetailers")
    unknown = client.get(named + "&linktype=gs1:safetyInfo")
    linkset = client.get(named + "&linkType=linkset")
    negotiated = client.get(f"/v/{issued['code']}", headers={"Accept": "application/linkset+json"})

    # The query string is passed on (GS1 resolver 2.12), less the resolver's own linkType.
    assert (pip.status_code, pip.location) == (307, f"/v/{issued['code']}?c={issued['code']}")
    assert (cert.status_code, cert.location) == (
        307,
        f"/api/v1/verify/{issued['code']}?c={issued['code']}",
    )
    assert trace.status_code == 307
    assert trace.location.endswith("#ingredients")
    assert retailers.status_code == 404
    assert unknown.status_code == 404
    assert linkset.mimetype == negotiated.mimetype == "application/linkset+json"
    entry = linkset.json["linkset"][0]
    assert entry["anchor"].endswith(f"{path}?c={issued['code']}")
    assert "https://gs1.org/voc/pip" in entry
    plain = client.get(named)  # no linkType: the default link, the consumer page
    assert (plain.status_code, plain.location) == (307, f"/v/{issued['code']}?c={issued['code']}")
    assert client.get(f"/v/{issued['code']}").status_code == 200  # the default link's own page


def test_resolver_refuses_what_is_no_digital_link(client, filled):
    issue(client, filled)

    assert client.get("/01/08994471000238/10/RBN-251117-B").status_code == 400  # check digit
    assert client.get("/01/08994471000237/badrequest").status_code == 400  # CE expectation
    # A lot nobody recorded walks up to the product (GS1 resolver 2.5.9); a GTIN nobody holds is 404.
    assert client.get("/01/08994471000237/10/NOPE").location == "/v/01/08994471000237"
    assert client.get("/01/09506000134352/10/NOPE").status_code == 404
    assert client.get("/v/notacodeatall").status_code == 404
    described = client.get("/.well-known/gs1resolver").json
    assert described["resolverRoot"] == "https://trace.test"
    assert described["supportedPrimaryKeys"] == ["01"]


def test_verify_json_is_cors_open_cacheable_and_conditional(client, filled):
    issued = issue(client, filled)

    first = client.get(f"/api/v1/verify/{issued['code']}")
    again = client.get(f"/api/v1/verify/{issued['code']}", headers={"If-None-Match": first.headers["ETag"]})

    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert "public" in first.headers["Cache-Control"]
    assert first.headers["ETag"]
    assert again.status_code == 304
    body = first.json
    assert body["state"] == "pending"
    assert body["product"] == "Rendang Daging Sapi"
    assert {i["supplier"] for i in body["ingredients"]}
    assert body["consumer_url"].endswith(issued["code"])


def test_oembed_and_embed_for_both_url_forms(client, filled):
    issued = issue(client, filled)

    for url in (f"https://trace.test/v/{issued['code']}", issued["url"]):
        answer = client.get("/oembed", query_string={"url": url})
        assert answer.status_code == 200
        assert answer.json["type"] == "rich"
        assert f"/embed/{issued['code']}" in answer.json["html"]
    assert client.get("/oembed", query_string={"url": "https://elsewhere.example/v/x"}).status_code == 404
    embed = client.get(f"/embed/{issued['code']}")
    assert embed.status_code == 200
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]


def test_public_routes_are_rate_limited_with_a_problem_document(client, filled, app):
    issued = issue(client, filled)
    app.config["PUBLIC_RATE_LIMIT"] = "2 per minute"

    answers = [client.get(f"/api/v1/verify/{issued['code']}") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].mimetype == "application/problem+json"


def test_label_sheet_codes_decode_to_the_urls_that_land_on_the_consumer_page(client, filled, session):
    import pypdfium2

    first = issue(client, filled)
    other_batch = session.scalars(
        sa.select(Batch.id).where(Batch.business_id == filled.world.business_a).order_by(Batch.id)
    ).all()[1]
    second = issue(client, filled, batch=other_batch)

    pdf = client.get(
        "/api/v1/batches/labels.pdf",
        query_string={"batch": [filled.own["batches"], other_batch], "per_batch": 12},
        headers=filled.auth("producer_a"),
    )

    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    page = pypdfium2.PdfDocument(pdf.data)[0].render(scale=150 / 72).to_pil()
    found = qr_texts(page)
    assert sorted(found) == sorted([first["url"]] * 12 + [second["url"]] * 12)
    landed = client.get(found[0], follow_redirects=True)
    assert landed.status_code == 200
    assert "Rendang Daging Sapi" in landed.get_data(as_text=True)


def test_bad_issue_input_names_the_field_and_changes_nothing(client, filled, session):
    response = client.post(
        f"/api/v1/batches/{filled.own['batches']}/codes", json={"count": 0}, headers=filled.auth("producer_a")
    )

    assert response.status_code == 422
    assert "count" in response.json["errors"]
    assert client.get(f"/api/v1/batches/{filled.own['batches']}/codes", headers=filled.auth("producer_a")).json == []


def test_jwks_lists_ed25519_keys_only_public(client):
    keys = client.get("/.well-known/jwks.json").json["keys"]

    assert keys
    assert all(k["kty"] == "OKP" and k["crv"] == "Ed25519" and "d" not in k for k in keys)
    assert json.dumps(keys).count('"kid"') == len(keys)


def test_resolver_ce_expectations_that_apply_here(client, filled, session):
    """The GS1 Resolver CE cases (tests/data/digital-link/, Apache-2.0) this resolver shares: a plain request
    (GTIN alone, with a serial, with a lot) is a 307 to the default link, bad paths are 400, an absent link type
    is 404. It differs on purpose in holding one link per type (never 300), and in its default links: ours are
    its own consumer pages, of the product or of the lot (the GTIN and lot are asked of a batch it knows)."""
    from pathlib import Path

    cases = json.loads(
        (Path(__file__).parents[1] / "data" / "digital-link" / "resolver-behaviour-expectations.json").read_text()
    )["cases"]
    final = final_batch(session, filled)
    issue(client, filled, batch=final)
    batch = session.get(Batch, final)
    gtin = f"0{session.get(Product, batch.product_id).gtin}"
    ours = f"/01/{gtin}"
    applicable = [
        c
        for c in cases
        if c["request"].startswith("GET /01/09506000134376")
        and (c["expect_status"] in (400, 404) or ("?" not in c["request"] and c["expect_status"] == 307))
    ]

    for case in applicable:
        rest = case["request"].removeprefix("GET /01/09506000134376")
        if case["expect_status"] == 400:  # a malformed path is refused as such
            path = f"{ours}{rest}"
        elif rest.startswith("/10/"):
            path = f"{ours}/10/{batch.lot_code}"
        else:
            path = f"{ours}{rest}" if case["expect_status"] == 307 else f"{ours}/10/{batch.lot_code}{rest}"
        answer = client.get(path)
        assert answer.status_code == case["expect_status"], (case, path)
        if answer.status_code == 307:
            level = f"/10/{batch.lot_code}" if "/10/" in path else ""
            assert answer.location == f"/v/01/{gtin}{level}", (case, path)
    assert len(applicable) >= 5


def test_issuing_with_an_idempotency_key_twice_gives_the_same_code(client, filled):
    headers = {**filled.auth("producer_a"), "Idempotency-Key": "labels-2025-11-18"}
    url = f"/api/v1/batches/{filled.own['batches']}/codes"

    first = client.post(url, json={}, headers=headers)
    second = client.post(url, json={}, headers=headers)

    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert len(client.get(url, headers=filled.auth("producer_a")).json) == 1


def test_exempt_ingredients_say_so_instead_of_lacking_a_certificate(client, filled, session):
    issued = issue(client, filled)  # the spice batch: fresh spices from the market, all on the KMA 1360 list

    page = client.get(f"/v/{issued['code']}").get_data(as_text=True)
    ingredients = client.get(f"/api/v1/verify/{issued['code']}").json["ingredients"]

    assert "tidak wajib bersertifikat (KMA 1360)" in page
    assert all(i["exempt"] and i["certificate"] is None for i in ingredients)


def test_qr_images_are_drawn_once_and_shared_through_the_disk_cache(client, filled, app, monkeypatch):
    issued = issue(client, filled)  # issuing draws the images ahead of the first scan
    directory = Path(app.instance_path) / "qr-cache"
    url = issued["url"]
    drawn = [directory / f"{hashlib.sha256(f'{kind}:{url}'.encode()).hexdigest()}.{kind}" for kind in ("png", "svg")]

    def must_not_draw(*args, **kwargs):
        raise AssertionError("drawn again")

    monkeypatch.setattr("api.qr_cache.RENDER", {"png": must_not_draw, "svg": must_not_draw})
    png = client.get(f"/api/v1/codes/{issued['code']}/qr.png")

    assert png.status_code == 200
    assert decode(png.data) == [issued["url"]]
    assert all(path.exists() for path in drawn)


def test_a_lot_code_outside_gs1_characters_gets_the_short_url_not_an_error(client, filled, session):
    batch = session.get(Batch, filled.own["batches"])
    batch.lot_code = "Lot 12 (pagi)"
    session.commit()

    issued = issue(client, filled)

    assert issued["url"].startswith(f"https://trace.test/v/{issued['code']}?s=")
