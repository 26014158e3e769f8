"""Fixtures: a freshly migrated database per test, on SQLite or (with HALAL_TRACE_TEST_DATABASE_URL) PostgreSQL.

The schema always comes from the Alembic migrations, as in production. SQLite tests copy a migrated
template file; PostgreSQL tests truncate every table between tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from api import create_app
from api.db import make_engine
from api.migrate import upgrade
from tests.helpers import (
    ASSESSMENT_DAY,
    POSTGRES_URL,
    Filled,
    World,
    build_filled,
    build_world,
    pg_restore,
    pg_snapshot,
    reset_postgres,
    restore,
    snapshot,
)
from traceability.service import accounts


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt costs ~90 ms a hash by design; tests that make many users use a cheap method."""
    monkeypatch.setattr(accounts, "PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head once per test run: a SQLite file to copy, or the PostgreSQL URL."""
    if POSTGRES_URL:
        engine = make_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(engine)
        engine.dispose()
        return POSTGRES_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return str(path)


@pytest.fixture(scope="session")
def shared_engine(migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """One engine for the whole run: SQLAlchemy caches compiled statements per engine."""
    if POSTGRES_URL:
        engine = make_engine(migrated_template)
    else:
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'halal-trace.sqlite'}")
    yield engine
    engine.dispose()


@pytest.fixture
def database_url(shared_engine: sa.Engine, migrated_template: str) -> str:
    """A migrated, empty database for this test alone (behind the shared engine)."""
    shared_engine.dispose()
    if POSTGRES_URL:
        reset_postgres(migrated_template)
    else:
        restore(shared_engine, migrated_template)
    return shared_engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def shared_app(shared_engine: sa.Engine, migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One app for the run: building the OpenAPI description costs ~0.2 s an app, the data is reset per test."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": shared_engine.url.render_as_string(hide_password=False),
            "DB_ENGINE": shared_engine,
            "SECRET_KEY": "test-secret",
            "PUBLIC_BASE_URL": "https://trace.test",
            "ASSESSMENT_AS_OF": ASSESSMENT_DAY,  # the examples' own date, so deadline rules hold still
        }
    )
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    return app


@pytest.fixture
def app(shared_app: Flask, database_url: str) -> Iterator[Flask]:
    """The app, on a freshly reset database, with its settings and rate-limit counters as new."""
    saved = dict(shared_app.config)
    for limiter in shared_app.extensions.get("limiter", ()):
        limiter.reset()
    yield shared_app
    shared_app.config.clear()
    shared_app.config.update(saved)
    shared_app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def fresh_queue(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """The app's queue on a file of this test's own; forgotten afterwards (the app is shared)."""
    app.config["QUEUE_URL"] = f"sqlite:///{tmp_path / 'queue.sqlite'}"
    app.extensions.pop("queue", None)
    yield app
    app.extensions.pop("queue", None)
    app.extensions.pop("queue_tasks", None)


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session on the test database, for arranging data and checking it."""
    with app.extensions["db_sessionmaker"]() as session:
        yield session


@pytest.fixture
def run(app: Flask) -> Any:
    """Run the command line in the app: ``run("registry", "import", path, "--json")`` gives click's result."""
    from api.cli import cli

    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


@pytest.fixture(scope="session")
def filled_template(
    shared_app: Flask, shared_engine: sa.Engine, migrated_template: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, Filled]:
    """Build the filled database once (imports and assessments of two dossiers cost ~0.4 s) and put a
    copy back for each test: a file copy on SQLite, a row snapshot on PostgreSQL."""
    if POSTGRES_URL:
        reset_postgres(migrated_template)
    else:
        restore(shared_engine, migrated_template)
    with shared_app.extensions["db_sessionmaker"]() as session:
        data = build_filled(session)
    if POSTGRES_URL:
        return pg_snapshot(shared_engine), data
    return snapshot(shared_engine, tmp_path_factory.mktemp("filled") / "filled.sqlite"), data


@pytest.fixture
def filled(app: Flask, session: Session, filled_template: tuple[Any, Filled]) -> Filled:
    """The two businesses of `world`, each filled from an example dossier, on a fresh copy of the database."""
    saved, data = filled_template
    session.close()
    if POSTGRES_URL:
        pg_restore(app.extensions["db_engine"], saved)
    else:
        restore(app.extensions["db_engine"], saved)
    return data


@pytest.fixture
def jobs_at_once(app: Flask) -> Iterator[Flask]:
    """The app's queue in memory, running each job as it is queued (what a worker does a moment later)."""
    app.config.update(QUEUE_URL="memory://", QUEUE_IMMEDIATE=True)
    app.extensions.pop("queue", None)
    yield app
    app.extensions.pop("queue", None)
    app.extensions.pop("queue_tasks", None)
