"""``halal-trace serve`` and ``demo``: run the service, and fill it with the Batam demo data."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from gunicorn.app.base import BaseApplication
from huey.consumer import Consumer

from api.app import create_app
from api.cli.common import OPERATOR, domain_errors, emit
from api.db import get_session
from api.jobs import queue
from traceability.service import demo


@click.command("serve")
@click.option("--port", type=int, default=5000, envvar="PORT", show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--workers", type=int, default=2, show_default=True, help="gunicorn sync workers (one per core).")
@click.option("--no-queue", is_flag=True, help="Leave the job queue to `halal-trace worker` processes.")
def serve(port: int, host: str, workers: int, no_queue: bool) -> None:
    """Serve the app with gunicorn (sync workers) and, beside it, one process consuming the job queue."""
    consumers: list[subprocess.Popen[bytes]] = []

    def start_queue(server: Any) -> None:
        # A process of its own, not threads in the master: gunicorn forks workers from the master, and a fork
        # taken while a consumer thread holds a lock (SQLAlchemy's mapper configuration, logging) leaves the
        # worker waiting on it forever.
        # It serves no requests, so it is no web worker whose rate limits count apart (WEB_CONCURRENCY).
        env = {k: v for k, v in os.environ.items() if k != "WEB_CONCURRENCY"}
        consumers.append(subprocess.Popen([sys.executable, "-m", "api.cli", "worker"], env=env))

    def stop_queue(server: Any) -> None:
        for consumer in consumers:
            consumer.terminate()
            try:
                consumer.wait(timeout=10)
            except subprocess.TimeoutExpired:
                consumer.kill()

    def forget_worker(server: Any, worker: Any) -> None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "sync")
            # No access log of gunicorn's own: the app writes one JSON line per request, with its request id.
            self.cfg.set("accesslog", None)
            self.cfg.set("child_exit", forget_worker)
            # Longer than the app's own MAX_URL_BYTES, so the app answers a too-long URL as problem+json.
            self.cfg.set("limit_request_line", 8190)
            if not no_queue:
                self.cfg.set("when_ready", start_queue)  # once, from the master: one consumer for the whole server
                self.cfg.set("on_exit", stop_queue)

        def load(self) -> Any:
            return create_app()

    click.echo(f"Serving on http://{host}:{port}/  (API: http://{host}:{port}/api/v1/openapi.json)")
    metrics_directory()
    # Each worker's app reads this (as gunicorn would) and warns if rate limits are counted per process.
    os.environ["WEB_CONCURRENCY"] = str(workers)
    Server().run()


def metrics_directory() -> Path:
    """Where every worker (and the queue's consumer) writes its metric samples, emptied at each start."""
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    path = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="halal-trace-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):  # samples of an earlier run's processes would add to this run's counters
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    return path


@click.command("worker")
@click.option("--workers", type=int, default=1, show_default=True, help="Threads running jobs.")
@with_appcontext
def worker(workers: int) -> None:
    """Run the job queue's consumer (the journal's periodic seals included) until interrupted."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    Consumer(queue(app), workers=workers, worker_type="thread").run()


@click.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print the logins as JSON.")
@with_appcontext
@domain_errors
def demo_command(as_json: bool) -> None:
    """Load the Batam demo data (once) and print the demo logins."""
    loaded = demo.load(get_session(), OPERATOR)
    if as_json:
        emit({"loaded": loaded.created, "logins": loaded.logins, "businesses": loaded.businesses})
        return
    click.echo("Demo data loaded." if loaded.created else "Demo data was already loaded.")
    base = current_app.config["PUBLIC_BASE_URL"]
    click.echo(f"\nSign in at {base}/login with one of these demo accounts:")
    for login in loaded.logins:
        click.echo(f"  {login['role']:<11} {login['email']:<32} {login['password']:<22} {login['note']}")
