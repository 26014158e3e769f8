"""Databases for the benchmarks: a temporary SQLite file, or a fresh PostgreSQL database created and
dropped around the run, so figures never depend on leftovers."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from api.db import make_engine

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True, slots=True)
class Target:
    """One database to benchmark: its dialect name and the URL the benchmark was given."""

    name: str
    url: str


def targets(given: list[str] | None) -> list[Target]:
    if given:
        return [Target("sqlite" if url.startswith("sqlite") else "postgresql", url) for url in given]
    postgres = os.environ.get("HALAL_TRACE_BENCH_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    return [Target("sqlite", "sqlite"), Target("postgresql", postgres)]


class Unreachable(Exception):
    """The PostgreSQL server cannot be used: the benchmark skips it."""


@contextmanager
def fresh_database(target: Target) -> Iterator[str]:
    """Yield the URL of a new, empty database for `target`, removed afterwards unless asked to keep it."""
    if target.name == "sqlite":
        if target.url not in ("sqlite", "sqlite://"):
            path = Path(sa.make_url(target.url).database or "")
            if not path.name or path.exists():
                raise SystemExit(f"{target.url}: give a new SQLite file, or `sqlite` for a temporary one.")
            yield target.url
            return
        with tempfile.TemporaryDirectory(prefix="halal-trace-bench-") as directory:
            yield f"sqlite:///{Path(directory) / 'bench.sqlite'}"
        return
    admin = make_engine(
        target.url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"connect_timeout": 5}
    )
    name = f"bench_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        raise Unreachable(str(exc.orig or exc).strip().splitlines()[0]) from exc
    try:
        url = sa.make_url(target.url).set(database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            force = " WITH (FORCE)" if (admin.dialect.server_version_info or (0,)) >= (13,) else ""
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"{force}')
        admin.dispose()


def server_version(engine: sa.Engine) -> str:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return "SQLite " + str(connection.exec_driver_sql("SELECT sqlite_version()").scalar())
        return "PostgreSQL " + str(connection.exec_driver_sql("SHOW server_version").scalar()).split()[0]
