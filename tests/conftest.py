"""Fixtures: a freshly migrated database per test, on SQLite or (with HALAL_TRACE_TEST_DATABASE_URL) PostgreSQL.

The schema always comes from the Alembic migrations, as in production. SQLite tests copy a migrated
template file; PostgreSQL tests truncate every table between tests.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
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
from models import Base
from traceability.journal import GENESIS
from traceability.service import accounts, businesses, programmes
from traceability.service.access import Actor
from traceability.vocabulary import ProgrammeMode, Role

EXAMPLES = Path(__file__).parent / "data" / "examples"
EXAMPLE_NAMES = ["rendang-ok", "kue-lapis-gelatin", "otak-otak-shared-line"]
POSTGRES_URL = os.environ.get("HALAL_TRACE_TEST_DATABASE_URL")
OPERATOR = Actor.operator("test")
ASSESSMENT_DAY = "2025-11-24"


def example(name: str) -> dict[str, Any]:
    """A shared example dossier, as parsed JSON."""
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return data


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


def _all_tables() -> str:
    return ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)


def reset_postgres(url: str) -> None:
    """Empty every table, as a fresh migration leaves it (the journal head row included)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {_all_tables()} RESTART IDENTITY CASCADE"))
        connection.execute(
            sa.text("INSERT INTO journal_head (id, last_seq, last_hash) VALUES (1, 0, :g)"), {"g": GENESIS}
        )
    engine.dispose()


def pg_snapshot(engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (PostgreSQL test data is small), to put back with :func:`pg_restore`."""
    with engine.connect() as connection:
        return {
            t.name: [dict(r._mapping) for r in connection.execute(sa.select(t))] for t in Base.metadata.sorted_tables
        }


def pg_restore(engine: sa.Engine, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Replace the database's rows with a snapshot, sequences included (much faster than rebuilding it)."""
    tables = Base.metadata.sorted_tables
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {_all_tables()} RESTART IDENTITY CASCADE"))
        connection.execute(sa.text("SET LOCAL session_replication_role = replica"))  # product <-> certificate keys
        for table in tables:
            if rows[table.name]:
                connection.execute(table.insert(), rows[table.name])
            if "id" in table.c and table.c.id.autoincrement is not False:
                connection.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
                    )
                )


@pytest.fixture(scope="session")
def shared_engine(migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """One engine for the whole run: SQLAlchemy caches compiled statements per engine."""
    if POSTGRES_URL:
        engine = make_engine(migrated_template)
    else:
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'halal-trace.sqlite'}")
    yield engine
    engine.dispose()


def restore(engine: sa.Engine, template: str) -> None:
    """Put a SQLite template file behind `engine` (closing its connections first)."""
    engine.dispose()
    target = Path(str(engine.url.database))
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, target)


def snapshot(engine: sa.Engine, destination: Path) -> str:
    """Copy the database behind `engine` to a template file (SQLite)."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    shutil.copyfile(str(engine.url.database), destination)
    return str(destination)


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
def session(app: Flask) -> Iterator[Session]:
    """A session on the test database, for arranging data and checking it."""
    with app.extensions["db_sessionmaker"]() as session:
        yield session


@dataclass
class World:
    """Two businesses and a user with a token for every role the authorisation table names."""

    business_a: int
    business_b: int
    programme: int = 0  # run by the coordinator, with business A in it
    tokens: dict[str, str] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        """Headers that authenticate as `who` (anonymous sends none)."""
        return {} if who == "anonymous" else {"Authorization": f"Bearer {self.tokens[who]}"}


BUSINESS_A = {"name": "Rendang Bundo", "nib": "1208230044517", "scale": "small", "annual_turnover_idr": 900_000_000}
BUSINESS_B = {"name": "Otak-Otak Cik Ani", "nib": "9120216648390", "scale": "micro", "annual_turnover_idr": 200_000_000}
ROLES = ["anonymous", "producer_a", "producer_b", "pendamping_a", "pendamping_other", "auditor", "admin", "coordinator"]
# Each signed-in person of the world: their role and the NIB of the business they belong to or follow.
PEOPLE: dict[str, tuple[Role, str | None]] = {
    "producer_a": (Role.PRODUCER, str(BUSINESS_A["nib"])),
    "producer_b": (Role.PRODUCER, str(BUSINESS_B["nib"])),
    "pendamping_a": (Role.PENDAMPING, str(BUSINESS_A["nib"])),
    "pendamping_other": (Role.PENDAMPING, None),
    "auditor": (Role.AUDITOR, None),
    "admin": (Role.ADMIN, None),
    "coordinator": (Role.COORDINATOR, None),
}


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def build_world(session: Session) -> World:
    """Create the two businesses and a user with a token for every role."""
    a = businesses.create_business(session, OPERATOR, BUSINESS_A)
    b = businesses.create_business(session, OPERATOR, BUSINESS_B)
    world = World(business_a=a.id, business_b=b.id)
    for who, (role, nib) in PEOPLE.items():
        user, _ = accounts.create_user(
            session, OPERATOR, email=f"{who}@test.id", role=role, business_nib=nib, password="correct horse battery"
        )
        _, token = accounts.create_token(session, OPERATOR, user=user)
        world.users[who], world.tokens[who] = user.id, token
    programme = programmes.create_programme(
        session,
        OPERATOR,
        {
            "name": "Pendampingan Halal PLUT Batam",
            "organiser": "PLUT Batam",
            "starts_on": dt.date(2025, 8, 4),
            "coordinator": world.users["coordinator"],
        },
    )
    programmes.add_participant(
        session, OPERATOR, programme.id, a.id, ProgrammeMode.IN_PERSON, world.users["pendamping_a"]
    )
    world.programme = programme.id
    return world
