"""Dossier import and export through the API."""

import sqlalchemy as sa

from models import Product
from tests.helpers import example


def test_producer_imports_a_dossier_and_exports_it_back(client, world):
    document = example("rendang-ok")

    imported = client.post("/api/v1/dossiers", json=document, headers=world.auth("producer_a"))
    exported = client.get(imported.headers["Location"], headers=world.auth("producer_a"))

    assert imported.status_code == 201
    assert imported.json["business"] == world.business_a
    document.pop("as_of")
    # The export carries every field the document had (and spells out the defaults it left out).
    assert exported.json["product"] | document["product"] == exported.json["product"]
    assert exported.json["lots"][0] == document["lots"][0]
    assert exported.json["steps"] == document["steps"]


def test_errors_name_the_nested_field_and_nothing_is_stored(client, world, session):
    document = example("rendang-ok")
    document["certificates"][1]["covers"] = ["m-nothing"]

    response = client.post("/api/v1/dossiers", json=document, headers=world.auth("producer_a"))

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json["errors"] == {"certificates": {"1": {"covers": {"0": ["Unknown material 'm-nothing'."]}}}}
    assert session.scalar(sa.select(sa.func.count()).select_from(Product)) == 0


def test_a_dossier_must_be_a_json_object(client, world):
    response = client.post("/api/v1/dossiers", json=[1, 2], headers=world.auth("producer_a"))

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
