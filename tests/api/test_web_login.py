"""Password login for the web: CSRF-protected form, hashed passwords, session cookie, logout."""

import re

import pytest

from api.app import API_BLUEPRINTS
from tests.helpers import OPERATOR
from traceability.service import accounts
from traceability.vocabulary import Role


@pytest.fixture
def auditor(session, monkeypatch):
    monkeypatch.setattr(accounts, "PASSWORD_METHOD", "scrypt")  # the production method
    user, _ = accounts.create_user(
        session, OPERATOR, email="Auditor@BPJPH.test", role=Role.AUDITOR, password="kata-sandi-rahasia"
    )
    return user


def _csrf(client):
    page = client.get("/login")
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_login_form_signs_in_and_the_api_accepts_the_session_for_reads(client, auditor):
    response = client.post(
        "/login", data={"email": "auditor@bpjph.test", "password": "kata-sandi-rahasia", "csrf_token": _csrf(client)}
    )

    assert response.status_code == 302
    assert client.get("/api/v1/me").json["email"] == "auditor@bpjph.test"
    assert "auditor@bpjph.test" in client.get("/").get_data(as_text=True)


def test_passwords_are_stored_hashed(auditor):
    assert auditor.password_hash.startswith("scrypt:")
    assert "kata-sandi-rahasia" not in auditor.password_hash


@pytest.mark.parametrize(
    ("email", "password"), [("auditor@bpjph.test", "wrong-password"), ("nobody@bpjph.test", "kata-sandi-rahasia")]
)
def test_wrong_credentials_are_refused_alike(client, auditor, email, password):
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": _csrf(client)})

    assert response.status_code == 401
    assert "Email atau kata sandi salah" in response.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401


def test_login_without_csrf_token_is_refused(client, auditor):
    response = client.post("/login", data={"email": "auditor@bpjph.test", "password": "kata-sandi-rahasia"})

    assert response.status_code in (200, 400)
    assert client.get("/api/v1/me").status_code == 401


def test_a_session_cookie_cannot_write_through_the_api(client, auditor):
    client.post(
        "/login", data={"email": "auditor@bpjph.test", "password": "kata-sandi-rahasia", "csrf_token": _csrf(client)}
    )

    response = client.post("/api/v1/tokens", json={"name": "x"})

    assert response.status_code == 401


def test_the_blueprints_exempt_from_csrf_are_exactly_those_under_api(app):
    # Exemption goes by blueprint, the read-only rule for session cookies by path: both must mean the same API.
    exempt = {blueprint.name for blueprint in API_BLUEPRINTS}
    writes = {"POST", "PUT", "PATCH", "DELETE"}

    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0]
        if rule.methods & writes:
            assert (blueprint in exempt) == rule.rule.startswith("/api/"), rule.rule
        else:
            assert blueprint not in exempt or rule.rule.startswith("/api/"), rule.rule


def test_logout_ends_the_session(client, auditor):
    client.post(
        "/login", data={"email": "auditor@bpjph.test", "password": "kata-sandi-rahasia", "csrf_token": _csrf(client)}
    )
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)

    response = client.post("/logout", data={"csrf_token": token})

    assert response.status_code == 302
    assert client.get("/api/v1/me").status_code == 401


def test_login_redirects_only_to_same_site_paths(client, auditor):
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": "auditor@bpjph.test", "password": "kata-sandi-rahasia", "csrf_token": _csrf(client)},
    )

    assert response.headers["Location"] == "/"


def test_static_files_are_served(client):
    response = client.get("/static/site.css")

    assert response.status_code == 200
    assert response.mimetype == "text/css"
    response.close()
