"""Login sessions: the page after login stays on this site, and a session ends on the server at logout and at a
password change (a saved cookie opens nothing afterwards, neither pages nor the API)."""

from __future__ import annotations

import pytest

from tests.helpers import PASSWORD, csrf_of


def _login(client, role="producer_a", next_=None, password=PASSWORD):
    token = csrf_of(client.get("/login").get_data(as_text=True))
    url = "/login" if next_ is None else "/login?next=" + next_
    return client.post(url, data={"email": f"{role}@test.id", "password": password, "csrf_token": token})


@pytest.mark.parametrize(
    "next_",
    [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d%0aSet-Cookie:x=1",
        "//evil.example",
        "/\\evil.example",
        "%5C%5Cevil.example",
        "https://evil.example/producer",
        "http:evil.example",
        "javascript:alert(1)",
        "/%20/evil.example",
        "/%E3%80%80/evil.example",
    ],
)
def test_a_next_that_leaves_the_site_lands_on_the_home_page(client, filled, next_):
    response = _login(client, next_=next_)

    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/", location


def test_a_next_on_this_site_is_followed(client, filled):
    assert _login(client, next_="/producer/lots%3Fq%3Dgula").headers["Location"] == "/producer/lots?q=gula"
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/producer").get_data(as_text=True))})
    assert _login(client, next_="http://localhost/producer").headers["Location"] == "/producer"


def _saved_cookie(client):
    return client.get_cookie("session").value


def _with_cookie(app, value):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def test_a_saved_session_cookie_opens_nothing_after_logout(app, client, filled):
    _login(client)
    saved = _saved_cookie(client)
    assert _with_cookie(app, saved).get("/producer").status_code == 200

    token = csrf_of(client.get("/producer").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302

    replay = _with_cookie(app, saved)
    assert replay.get("/producer").status_code == 302  # to the login page
    assert replay.get("/api/v1/lots").status_code == 401


def test_a_password_change_ends_every_other_session_but_the_changers(app, client, filled):
    _login(client)
    elsewhere = app.test_client()
    _login(elsewhere)
    assert elsewhere.get("/api/v1/lots").status_code == 200

    token = csrf_of(client.get("/account/password").get_data(as_text=True))
    new = "a much better passphrase"
    changed = client.post("/account/password", data={"csrf_token": token, "old": PASSWORD, "new": new, "again": new})

    assert changed.status_code == 302
    assert client.get("/producer").status_code == 200
    assert elsewhere.get("/producer").status_code == 302
    assert elsewhere.get("/api/v1/lots").status_code == 401
