"""Web security: headers on every kind of response, cookie flags, login rate limit and account lockout."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from api import create_app, limits
from api.cli import cli
from api.config import cookie_settings
from models import JournalEntry, User
from tests.helpers import OPERATOR, issue
from traceability.service import accounts
from traceability.vocabulary import Role

PASSWORD = "kata-sandi-rahasia"
ROOT = Path(__file__).resolve().parents[2]
EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _csrf(client, path="/login"):
    page = client.get(path)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)


def _login(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": _csrf(client)})


@pytest.fixture
def auditor(session):
    user, _ = accounts.create_user(session, OPERATOR, email="auditor@bpjph.test", role=Role.AUDITOR, password=PASSWORD)
    return user


# --- headers ------------------------------------------------------------------------------------


def _pages(client, filled):
    """One response of each kind a browser or a client meets."""
    code = issue(client, filled)["code"]
    pages = {
        "login": client.get("/login"),
        "home": client.get("/"),
        "api json": client.get("/api/v1/lots", headers=filled.auth("producer_a")),
        "api problem": client.get("/api/v1/lots/999999", headers=filled.auth("producer_a")),
        "unauthenticated page": client.get("/producer"),
        "static css": client.get("/static/site.css"),
        "consumer page": client.get(f"/v/{code}"),
        "badge svg": client.get(f"/badge/{code}.svg"),
        "verify json": client.get(f"/api/v1/verify/{code}"),
        "openapi": client.get("/api/v1/openapi.json"),
        "embed": client.get(f"/embed/{code}"),
    }
    for response in pages.values():
        response.get_data()
        response.close()  # a static file is streamed from an open file
    return pages


def test_every_kind_of_response_carries_the_security_headers(client, filled):
    pages = _pages(client, filled)

    for kind, response in pages.items():
        assert response.status_code < 500, kind
        for name, value in COMMON.items():
            assert response.headers.get(name) == value, (kind, name)
        assert "camera=()" in response.headers["Permissions-Policy"], kind
        assert "microphone=()" in response.headers["Permissions-Policy"], kind
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp, kind
        assert "unsafe-eval" not in csp, kind
        if kind == "embed":  # marketplaces frame the card
            assert csp == EXPECTED_CSP.replace("frame-ancestors 'none'", "frame-ancestors *")
            assert "X-Frame-Options" not in response.headers
        else:
            assert csp == EXPECTED_CSP, kind
            assert response.headers["X-Frame-Options"] == "DENY", kind
        assert "Strict-Transport-Security" not in response.headers, kind  # plain http


def test_pages_carry_no_inline_script_or_style(client, filled, session):
    # What the policy forbids must not be in the markup to begin with (the e2e test checks a real browser).
    client.post(
        "/login", data={"email": "producer_a@test.id", "password": "correct horse battery", "csrf_token": _csrf(client)}
    )
    pages = [p for k, p in _pages(client, filled).items() if p.mimetype == "text/html"]
    pages += [client.get("/producer"), client.get("/producer/lots/new")]
    for page in pages:
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert not re.search(r"<style", html), page.request.path
        assert not re.search(r"\sstyle=", html), page.request.path
        assert not re.search(r"\son[a-z]+=", html), page.request.path
        for tag in re.findall(r"<script[^>]*>", html):
            assert 'src="/static/' in tag or 'type="application/json"' in tag, (page.request.path, tag)


@pytest.mark.parametrize("template", sorted(p.name for p in (ROOT / "api" / "templates").iterdir()))
def test_no_template_has_inline_script_style_or_handlers(template):
    source = (ROOT / "api" / "templates" / template).read_text(encoding="utf-8")

    assert "<style" not in source
    assert not re.search(r"\sstyle=", source)
    assert not re.search(r"\son[a-z]+=", source)
    assert "javascript:" not in source
    for tag in re.findall(r"<script[^>]*>", source):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    # Without a trusted proxy, a forwarded scheme is anyone's claim and changes nothing.
    forged = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers

    secure = client.get("/login", base_url="https://trace.test")

    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.fixture
def proxied_app(app):
    """A second app behind one trusted reverse proxy, on the same database."""
    settings = {k: app.config[k] for k in ("DATABASE_URL", "DB_ENGINE", "SECRET_KEY", "PUBLIC_BASE_URL")}
    proxied = create_app({**settings, "TESTING": True, "TRUSTED_PROXIES": 1, "LOGIN_RATE_LIMIT": "2 per minute"})
    proxied.instance_path = app.instance_path
    return proxied


def test_behind_a_trusted_proxy_the_forwarded_scheme_and_client_address_count(proxied_app, auditor):
    client = proxied_app.test_client()

    https = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    plain = client.get("/login", headers={"X-Forwarded-Proto": "http"})

    assert https.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in plain.headers

    # The login limit counts per client address, the one the proxy saw.
    def attempt(address):
        return client.post(
            "/login",
            data={"email": "nobody@bpjph.test", "password": "x" * 12, "csrf_token": _csrf(client)},
            headers={"X-Forwarded-For": address},
        ).status_code

    first = [attempt("203.0.113.7") for _ in range(3)]
    other = attempt("198.51.100.9")
    assert first == [401, 401, 429]
    assert other == 401


# --- cookies ------------------------------------------------------------------------------------


def test_session_cookie_is_httponly_lax_and_secure_on_an_https_site(client, auditor):
    response = _login(client, "auditor@bpjph.test")

    assert response.status_code == 302
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie  # the tests' PUBLIC_BASE_URL is https


@pytest.mark.parametrize(
    ("base", "explicit", "env", "secure"),
    [
        ("https://halal.example.id", None, None, True),
        ("http://127.0.0.1:5000", None, None, False),  # a local run over plain http keeps its logins
        ("https://halal.example.id", False, None, False),  # explicitly off (e.g. TLS ends elsewhere and tests)
        ("http://127.0.0.1:5000", None, "true", True),  # HALAL_TRACE_SESSION_COOKIE_SECURE=true
        ("https://halal.example.id", None, "false", False),
    ],
)
def test_cookie_secure_follows_the_public_url_unless_set(monkeypatch, tmp_path, base, explicit, env, secure):
    if env is None:
        monkeypatch.delenv("HALAL_TRACE_SESSION_COOKIE_SECURE", raising=False)
    else:
        monkeypatch.setenv("HALAL_TRACE_SESSION_COOKIE_SECURE", env)
    settings = {"PUBLIC_BASE_URL": base, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"}
    if explicit is not None:
        settings["SESSION_COOKIE_SECURE"] = explicit

    app = create_app(settings)

    assert app.config["SESSION_COOKIE_SECURE"] is secure
    assert app.config["REMEMBER_COOKIE_SECURE"] is secure
    assert app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["REMEMBER_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert cookie_settings(app.config, settings)["SESSION_COOKIE_SECURE"] is secure


# --- login rate limit ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("id-ID,id;q=0.9", "Terlalu banyak percobaan masuk dari alamat ini"),
        ("en-US,en;q=0.9", "Too many sign-in attempts from this address"),
    ],
)
def test_login_is_rate_limited_per_address_with_a_readable_page(client, app, auditor, language, text):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    token = _csrf(client)
    answers = [
        client.post(
            "/login",
            data={"email": "nobody@bpjph.test", "password": "x" * 12, "csrf_token": token},
            headers={"Accept-Language": language},
        )
        for _ in range(4)
    ]

    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    refused = answers[-1]
    assert refused.mimetype == "text/html"
    assert text in refused.get_data(as_text=True)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Content-Security-Policy"] == EXPECTED_CSP
    # Even the right password waits: the limit is on attempts from the address, before any check.
    again = _login(client, "auditor@bpjph.test")
    assert again.status_code == 429
    # Reading the form is not an attempt.
    assert client.get("/login").status_code == 200


def test_public_api_429_is_a_problem_document_with_retry_after(client, filled, app):
    code = issue(client, filled)["code"]
    app.config["PUBLIC_RATE_LIMIT"] = "1 per minute"

    client.get(f"/api/v1/verify/{code}")
    refused = client.get(f"/api/v1/verify/{code}")

    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.json["status"] == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_login_and_public_limits_share_one_limiter(app):
    assert limits.limiter_of(app) in app.extensions["limiter"]
    assert len(app.extensions["limiter"]) == 1


def test_memory_storage_with_several_workers_is_warned_about(app, caplog):
    with caplog.at_level(logging.WARNING):
        assert limits.warn_if_per_process(app, 2) is True
        assert limits.warn_if_per_process(app, 1) is False
    assert "HALAL_TRACE_RATELIMIT_STORAGE_URI" in caplog.text
    app.config["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379/0"
    assert limits.warn_if_per_process(app, 4) is False
    app.config.update(RATELIMIT_STORAGE_URI="memory://", RATELIMIT_ENABLED=False)  # benchmarks switch limits off
    assert limits.warn_if_per_process(app, 4) is False


# --- lockout ------------------------------------------------------------------------------------


def _user(session, email="auditor@bpjph.test"):
    session.expire_all()
    return session.scalar(sa.select(User).where(User.email == email))


def _journal(session, action):
    return session.scalars(sa.select(JournalEntry).where(JournalEntry.action == action)).all()


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, app, auditor, session):
    wrong = [_login(client, "auditor@bpjph.test", "wrong-password").status_code for _ in range(5)]
    locked = _login(client, "auditor@bpjph.test")
    unknown = _login(client, "nobody@bpjph.test")

    assert wrong == [401] * 5
    assert locked.status_code == unknown.status_code == 401
    # Same words whether locked, wrong or unknown: nothing tells which accounts exist or are locked.
    message = re.search(r'<p class="error".*?</p>', locked.get_data(as_text=True)).group(0)
    assert message == re.search(r'<p class="error".*?</p>', unknown.get_data(as_text=True)).group(0)
    assert client.get("/api/v1/me").status_code == 401
    user = _user(session)
    assert user.locked_until is not None
    lock = _journal(session, "user.lock")
    assert [(e.subject, e.actor) for e in lock] == [(f"user:{auditor.id}", "sign-in")]


def test_the_lock_expires_and_a_success_resets_the_count(client, app, auditor, session):
    app.config["LOGIN_LOCKOUT_MINUTES"] = 0.001  # 60 ms
    app.config["LOGIN_RATE_LIMIT"] = "100 per minute"  # more tries than one address may make
    for _ in range(5):
        _login(client, "auditor@bpjph.test", "wrong-password")
    assert _user(session).locked_until is not None

    time.sleep(0.1)
    for _ in range(4):
        _login(client, "auditor@bpjph.test", "wrong-password")
    assert _user(session).failed_logins == 4
    assert _login(client, "auditor@bpjph.test").status_code == 302

    user = _user(session)
    assert (user.failed_logins, user.locked_until) == (0, None)
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    # Counting starts again from zero: four more wrong ones do not lock.
    for _ in range(4):
        _login(client, "auditor@bpjph.test", "wrong-password")
    assert _login(client, "auditor@bpjph.test").status_code == 302


def test_lockout_settings_are_honoured(client, app, auditor, session):
    app.config["LOGIN_MAX_FAILURES"] = 2
    for _ in range(2):
        _login(client, "auditor@bpjph.test", "wrong-password")

    assert _login(client, "auditor@bpjph.test").status_code == 401
    user = _user(session)
    minutes = (user.locked_until - user.created_at).total_seconds() / 60
    assert 14 < minutes < 16  # the default 15 minutes


def test_every_refusal_costs_one_password_hash(session, auditor, monkeypatch):
    # Comparable time without a timed assertion: the unknown, wrong, and locked cases all hash once.
    calls = []
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: calls.append(h) or check_password_hash(h, p))
    for email, password in (
        [("nobody@bpjph.test", PASSWORD)]
        + [("auditor@bpjph.test", "nope-nope-nope")] * 5
        + [("auditor@bpjph.test", PASSWORD)]
    ):
        with pytest.raises(accounts.AuthenticationError, match="^Wrong email or password.$"):
            accounts.authenticate_password(session, email, password)
    assert len(calls) == 7
    assert calls[0] == accounts._dummy_hash()


def test_admin_unlocks_from_the_command_line(app, client, auditor, session):
    for _ in range(5):
        _login(client, "auditor@bpjph.test", "wrong-password")
    runner = app.test_cli_runner()

    done = runner.invoke(cli, ["users", "unlock", "--email", "Auditor@BPJPH.test"])
    unknown = runner.invoke(cli, ["users", "unlock", "--email", "nobody@bpjph.test"])

    assert done.exit_code == 0, done.output
    assert "Unlocked auditor@bpjph.test" in done.output
    assert unknown.exit_code == 1
    assert "No user with email nobody@bpjph.test" in unknown.output
    assert _login(client, "auditor@bpjph.test").status_code == 302
    unlock = _journal(session, "user.unlock")
    assert [(e.subject, e.actor) for e in unlock] == [(f"user:{auditor.id}", "cli")]
    assert unlock[0].payload["was_locked_until"] is not None


def test_only_an_admin_or_the_operator_unlocks(session, auditor):
    from traceability.errors import PermissionDeniedError
    from traceability.service.access import actor_for

    with pytest.raises(PermissionDeniedError):
        accounts.unlock_user(session, actor_for(session, auditor), "auditor@bpjph.test")
