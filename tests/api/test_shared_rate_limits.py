"""Rate limits across real gunicorn workers: exact with Redis storage, per worker with memory://.

Two sync workers serve the real app on a free port, with a small limit on the public verify API.
With ``redis://`` storage (``HALAL_TRACE_TEST_REDIS_URL``), the two workers share one counter, so exactly
the limit gets through; with ``memory://`` each worker counts alone, which is why production needs Redis.
The test is skipped only when ``HALAL_TRACE_TEST_REDIS_URL`` is unset; an unreachable Redis fails it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers import free_port, issue

REDIS_URL = os.environ.get("HALAL_TRACE_TEST_REDIS_URL")
LIMIT = 6
REQUESTS = 24
ROOT = Path(__file__).resolve().parents[2]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return int(exc.code)


def serve_and_count(app, code: str, storage: str, prefix: str, tmp_path: Path) -> tuple[list[int], Counter, str]:
    """Start gunicorn (2 sync workers) with `storage`, send REQUESTS verify calls from 8 clients at once.

    Returns the statuses, the number of answers each worker gave (from the access log) and the error log.
    """
    port = free_port()
    log = tmp_path / f"gunicorn-{prefix}.log"
    env = dict(
        os.environ,
        HALAL_TRACE_DATABASE_URL=app.config["DATABASE_URL"],
        HALAL_TRACE_SECRET_KEY="shared-limit-test",
        HALAL_TRACE_PUBLIC_BASE_URL=app.config["PUBLIC_BASE_URL"],
        HALAL_TRACE_PUBLIC_RATE_LIMIT=f"{LIMIT} per minute",
        HALAL_TRACE_RATELIMIT_STORAGE_URI=storage,
        HALAL_TRACE_RATELIMIT_KEY_PREFIX=prefix,
        WEB_CONCURRENCY="2",
    )
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                "2",
                "-k",
                "sync",
                "-b",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "-",
                "--access-logformat",
                "access %(p)s %(s)s %(U)s",
                "api.app:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for_both_workers(port, server, log)
            url = f"http://127.0.0.1:{port}/api/v1/verify/{code}"
            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(lambda _: _status(url), range(REQUESTS)))
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = log.read_text()
    workers = Counter(
        line.split()[1]
        for line in text.splitlines()
        if line.startswith("access ") and line.endswith(f"/api/v1/verify/{code}")
    )
    return statuses, workers, text


def _wait_for_both_workers(port: int, server: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        if log.read_text().count("Booting worker") >= 2:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                if _status(f"http://127.0.0.1:{port}/login") == 200:
                    time.sleep(1.0)  # both workers have built their app (each logs the memory:// warning)
                    return
            except OSError:
                pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not start:\n{log.read_text()}")


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        pytest.skip("HALAL_TRACE_TEST_REDIS_URL is not set")
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    assert client.ping(), f"Redis at {REDIS_URL} does not answer"  # set but unreachable: fail, never skip
    client.close()
    return REDIS_URL


def _clean(url: str, prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"*{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()
    return len(keys)


def test_redis_storage_makes_the_limit_exact_across_workers(app, client, filled, tmp_path, redis_url):
    code = issue(client, filled)["code"]
    prefix = f"ht-test-{uuid.uuid4().hex[:12]}"
    try:
        statuses, workers, log = serve_and_count(app, code, redis_url, prefix, tmp_path)
        stored = _clean(redis_url, prefix)
    finally:
        _clean(redis_url, prefix)

    assert Counter(statuses) == {200: LIMIT, 429: REQUESTS - LIMIT}
    assert len(workers) == 2, workers  # both workers answered, and together let through the limit once
    assert sum(workers.values()) == REQUESTS
    assert stored >= 1  # the counters were in Redis, under this test's prefix
    assert "memory:// storage" not in log


def test_memory_storage_counts_per_worker(app, client, filled, tmp_path):
    code = issue(client, filled)["code"]

    statuses, workers, log = serve_and_count(app, code, "memory://", "mem", tmp_path)

    # Each worker lets the limit through on its own: the client gets up to LIMIT x workers.
    assert len(workers) == 2, workers
    assert statuses.count(200) == sum(min(LIMIT, n) for n in workers.values())
    assert statuses.count(200) > LIMIT
    assert log.count("Rate limits use memory:// storage with 2 workers") == 2  # one warning per worker


def test_serve_with_two_workers_warns_about_memory_storage(app, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    env = dict(
        os.environ,
        HALAL_TRACE_DATABASE_URL=app.config["DATABASE_URL"],
        HALAL_TRACE_SECRET_KEY="serve-test",
        HALAL_TRACE_RATELIMIT_STORAGE_URI="memory://",
    )
    env.pop("WEB_CONCURRENCY", None)
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-c", "from api.cli import main; main()", "serve", "--workers", "2", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for_both_workers(port, server, log)
        finally:
            server.terminate()
            server.wait(timeout=30)

    assert log.read_text().count("Rate limits use memory:// storage with 2 workers") == 2
