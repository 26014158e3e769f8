"""The production shape, end to end: deploy/nginx/halal-trace.conf with a self-signed certificate in front of
``halal-trace serve``, and what must hold through it: HSTS, Secure cookies, the real client address for rate
limits (a forged X-Forwarded-For changes nothing) and the public base URL in every link (never the Host header).

Skipped when nginx is not installed, unless ``HALAL_TRACE_TEST_NGINX`` is set (CI sets it: there it must run).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import free_port, issue

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
LIMIT = 4


def _wait(port: int, process: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"nothing listens on {port}:\n{log.read_text()}")


def site_config(upstream: int, http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """The shipped site file with only its ports and certificate paths changed."""
    text = (ROOT / "deploy/nginx/halal-trace.conf").read_text()
    text = text.replace("server 127.0.0.1:5000;", f"server 127.0.0.1:{upstream};")
    text = re.sub(r"listen \[::\]:\d+[^;]*;\n", "", text)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    text = text.replace("/etc/ssl/certs/trace.example.id.pem", str(cert))
    text = text.replace("/etc/ssl/private/trace.example.id.key", str(key))
    assert f"127.0.0.1:{upstream}" in text, "the shipped file changed shape"
    assert f"127.0.0.1:{https_port} ssl" in text, "the shipped file changed shape"
    assert str(cert) in text, "the shipped file changed shape"
    return text


@pytest.fixture
def proxied(app, filled, client, tmp_path: Path) -> Iterator[dict]:
    if NGINX is None:
        if os.environ.get("HALAL_TRACE_TEST_NGINX"):
            pytest.fail("HALAL_TRACE_TEST_NGINX is set but nginx is not installed")
        pytest.skip("nginx is not installed")
    code = issue(client, filled)["code"]
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=trace.test",
         "-addext", "subjectAltName=DNS:trace.test,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    upstream, http_port, https_port = free_port(), free_port(), free_port()
    base = f"https://trace.test:{https_port}"
    env = dict(
        os.environ,
        HALAL_TRACE_DATABASE_URL=app.config["DATABASE_URL"],
        HALAL_TRACE_SECRET_KEY="proxy-test",
        HALAL_TRACE_PUBLIC_BASE_URL=base,
        HALAL_TRACE_TRUSTED_PROXIES="1",
        HALAL_TRACE_PUBLIC_RATE_LIMIT=f"{LIMIT} per minute",
        HALAL_TRACE_SIGNING_KEY_DIR=str(Path(app.instance_path) / "signing-keys"),
    )
    env.pop("WEB_CONCURRENCY", None)
    prefix = tmp_path / "nginx"
    for folder in ("logs", "temp"):
        (prefix / folder).mkdir(parents=True)
    (prefix / "site.conf").write_text(site_config(upstream, http_port, https_port, cert, key))
    user = "user root;\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log;\n"
        "events { worker_connections 64; }\n"
        "http {\n"
        f"  access_log {prefix}/logs/access.log;\n"
        f"  client_body_temp_path {prefix}/temp/body; proxy_temp_path {prefix}/temp/proxy;\n"
        f"  fastcgi_temp_path {prefix}/temp/fastcgi; uwsgi_temp_path {prefix}/temp/uwsgi;\n"
        f"  scgi_temp_path {prefix}/temp/scgi;\n"
        f"  include {prefix}/site.conf;\n"
        "}\n"
    )
    app_log, proxy_log = tmp_path / "serve.log", tmp_path / "nginx.log"
    with app_log.open("wb") as app_sink, proxy_log.open("wb") as proxy_sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--workers", "1", "--port", str(upstream), "--no-queue"],
            cwd=ROOT, env=env, stdout=app_sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
        proxy = subprocess.Popen(
            [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
            stdout=proxy_sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait(upstream, server, app_log)
            _wait(https_port, proxy, proxy_log)
            context = ssl.create_default_context(cafile=str(cert))
            yield {"code": code, "base": base, "http": http_port, "https": https_port, "tls": context}
        finally:
            proxy.terminate()
            server.terminate()
            proxy.wait(timeout=30)
            server.wait(timeout=30)


def get(setup: dict, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPSConnection("127.0.0.1", setup["https"], context=setup["tls"], timeout=30)
    connection.request("GET", path, headers={"Host": f"trace.test:{setup['https']}", **(headers or {})})
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def test_plain_http_redirects_to_https(proxied):
    connection = http.client.HTTPConnection("127.0.0.1", proxied["http"], timeout=30)
    connection.request("GET", "/login", headers={"Host": "trace.test"})
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 301
    assert response.getheader("Location") == "https://trace.test/login"


def test_https_through_the_proxy_sends_hsts_and_secure_cookies(proxied):
    response = get(proxied, "/login")

    assert response.status == 200
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
    cookies = response.headers.get_all("Set-Cookie") or []
    assert cookies, "the login page sets its session cookie (CSRF)"
    for cookie in cookies:
        assert "; Secure" in cookie
        assert "; HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
    assert re.fullmatch(r"[0-9a-f]{32}", response.getheader("X-Request-ID") or "")  # nginx's $request_id


def test_rate_limits_count_the_address_nginx_saw_not_a_forged_header(proxied):
    statuses = [
        get(proxied, f"/api/v1/verify/{proxied['code']}", {"X-Forwarded-For": f"198.51.100.{n}"}).status
        for n in range(LIMIT + 3)
    ]
    # Each request claims another address; the app counts them all under the proxy's view of the client.
    assert statuses == [200] * LIMIT + [429] * 3


def test_links_use_the_public_base_url_whatever_the_host_header(proxied):
    response = get(proxied, f"/v/{proxied['code']}", {"Host": "evil.example"})

    assert response.status == 200
    text = response.body.decode()
    assert "evil.example" not in text
    linkset = get(proxied, f"/v/{proxied['code']}?linkType=all", {"Host": "evil.example"})
    assert "evil.example" not in linkset.body.decode()
    assert f"{proxied['base']}/" in linkset.body.decode()
    assert get(proxied, "/readyz").status == 200
