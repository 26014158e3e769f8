"""Small holes in public and cross-business answers, each tried as the caller who would use it: a width or a
reference written with a superscript digit, a supplier tracing who bought from it, requests spread over
public routes."""

from __future__ import annotations

import sqlalchemy as sa

from models import MaterialLot
from tests.api.test_provenance import _sell_b_batch_to_a
from tests.helpers import issue


def test_oembed_with_a_superscript_width_is_a_400(client, filled):
    url = issue(client, filled)["url"]

    for width in ("\u00b2", "\u0661\u0662", "12a", "9" * 40):
        response = client.get("/oembed", query_string={"url": url, "maxwidth": width})
        assert response.status_code == 400, width
        assert response.mimetype == "application/problem+json"
    assert client.get("/oembed", query_string={"url": url, "maxwidth": "200"}).json["width"] == 200


def test_a_downstream_trace_and_impact_do_not_name_the_buyer(client, filled, session):
    a_batch, _, b_batch = _sell_b_batch_to_a(client, filled, session)
    lot = session.scalar(sa.select(MaterialLot).where(MaterialLot.business_id == filled.world.business_b))

    down = client.get(f"/api/v1/batches/{b_batch}/trace?direction=down", headers=filled.auth("producer_b"))
    impact = client.get(f"/api/v1/lots/{lot.id}/impact", headers=filled.auth("producer_b"))
    auditor = client.get(f"/api/v1/batches/{b_batch}/trace?direction=down", headers=filled.auth("auditor")).json

    buyer = {"Rendang Bundo", "1208230044517"}
    for answer in (down, impact):
        assert answer.status_code == 200
        text = answer.get_data(as_text=True)
        assert not [word for word in buyer if word in text], text[:500]
    assert f"batch:{a_batch}" in {n["id"] for n in down.json["nodes"]}
    assert any(n.get("business_name", "").startswith("Rendang Bundo") for n in auditor["nodes"])


def test_the_public_limit_counts_a_client_across_every_public_route(client, filled, app):
    code = issue(client, filled)["code"]
    app.config["PUBLIC_RATE_LIMIT"] = "3 per minute"
    routes = [f"/api/v1/verify/{code}", f"/badge/{code}.svg", f"/embed/{code}", f"/api/v1/codes/{code}/qr.svg"]

    answers = [client.get(route).status_code for route in routes]

    assert answers == [200, 200, 200, 429]
