"""Web page tests sign in through the login form, like a person."""

from __future__ import annotations

import pytest

from tests.helpers import PASSWORD, csrf_of


@pytest.fixture
def sign_in(client):
    """Sign `role` in with the login form; the client keeps the session cookie."""

    def go(role: str):
        token = csrf_of(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"email": f"{role}@test.id", "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return client

    return go
