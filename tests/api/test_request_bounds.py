"""Bounds on what a request may carry: URL length, ids and quantities the database can hold."""

import pytest


def test_an_overlong_url_is_a_414_problem(client, world):
    response = client.get("/api/v1/businesses?q=" + "a" * 5000, headers=world.auth("auditor"))
    assert response.status_code == 414
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 414


def test_a_long_but_allowed_url_reaches_its_route(client):
    # Marketplaces append long tracking parameters; under the limit the route itself answers.
    response = client.get("/api/v1/verify/UNKNOWNCODE?utm_content=" + "a" * 3000)
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_an_id_beyond_the_database_integer_is_simply_not_found(client, world):
    # 2**31 fits SQLite's integers but not PostgreSQL's: it must never reach the database.
    response = client.get(f"/api/v1/reviews/{2**31}", headers=world.auth("auditor"))
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "url", ["/api/v1/businesses?region=%00Batam", "/api/v1/businesses?q=a%00b", "/api/v1/verify/ABC%00DEF"]
)
def test_a_nul_character_in_the_url_is_a_400_problem(client, world, url):
    response = client.get(url, headers=world.auth("admin"))
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "NUL" in response.get_json()["detail"]


def test_a_label_sheet_for_a_batch_id_beyond_any_database_is_a_422(client, world):
    response = client.get("/api/v1/batches/labels.pdf?batch=36893488147419103231", headers=world.auth("producer_a"))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "batch" in response.get_json()["errors"]["query"]
