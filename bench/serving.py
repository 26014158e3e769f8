"""A throwaway server for runs that need real HTTP: a free loopback port, the settings of a scratch instance,
gunicorn serving the app, and waiting until it listens. Shared by bench/verify.py, bench/load.py and
tools/fuzz_api.py so all three measure the same kind of server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scratch_settings(directory: Path, port: int, database_url: str | None = None) -> dict[str, str]:
    """``HALAL_TRACE_*`` settings for an instance living in `directory`: its own database (SQLite there unless
    `database_url` names one), keys, QR cache and secret, links pointing at `port`, and no rate limits (every
    request of a run comes from one address)."""
    return {
        "HALAL_TRACE_DATABASE_URL": database_url or f"sqlite:///{directory / 'bench.sqlite'}",
        "HALAL_TRACE_SIGNING_KEY_DIR": str(directory / "keys"),
        "HALAL_TRACE_SECRET_KEY": "bench",
        "HALAL_TRACE_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "HALAL_TRACE_RATELIMIT_ENABLED": "false",
        # As gunicorn's --log-level warning: no line per request on the bench's terminal (each is still formed).
        "HALAL_TRACE_LOG_LEVEL": "WARNING",
        "HALAL_TRACE_QR_CACHE_DIR": str(directory / "qr-cache"),
    }


def start_bench_gunicorn(port: int, workers: int) -> subprocess.Popen[bytes]:
    """gunicorn with sync workers serving bench/verify.py's app: the real one plus the ``/bench/ping`` baseline."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--pythonpath",
            f"{ROOT},{ROOT / 'bench'}",
            "--log-level",
            "warning",
            "verify:wsgi_app()",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )


def wait_listening(port: int, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    """Return once `port` accepts connections; stop the run if the server died or never listened."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start listening")
