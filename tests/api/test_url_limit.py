"""A URL too long for the service is refused by the app itself, in the API's error format."""


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
