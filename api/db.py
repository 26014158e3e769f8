"""The database engines of an app and one session per request.

Writes and the producers' own reads go to the primary (``DATABASE_URL``). The routes named read-only with
:func:`read_from_replica` (the public answers and the exports) take their session from ``READ_DATABASE_URL``
instead when one is set: a PostgreSQL streaming replica, a little behind the primary, that refuses any write.
Without it every session is the primary's.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, g, has_request_context, request
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **options: Any) -> sa.Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout so it refuses what PostgreSQL refuses."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = sa.create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


POSTGRESQL_MAX_PARAMETERS = 65535
"""Bound parameters PostgreSQL's protocol takes in one statement (a 16-bit count)."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Make each SQLite connection refuse what PostgreSQL refuses, and read as fast as the file allows.

    Foreign keys are enforced and statements take at most PostgreSQL's number of parameters, so a statement
    that would fail in production fails in the SQLite tests too. The first 256 MiB of the file are mapped
    into memory: a public read of a large registry then costs no read() calls (about a quarter less time per
    answer at 10^6 codes).
    """
    dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, POSTGRESQL_MAX_PARAMETERS)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.close()


def init_app(app: Flask) -> None:
    """Create the engine for `app`; nothing is created at import time and no table ever by the app."""
    engine = app.config["DB_ENGINE"] or make_engine(app.config["DATABASE_URL"], **app.config["ENGINE_OPTIONS"])
    info = {
        # Above this many affected batches, a change leaves reassessment to the queue (or the next read).
        "propagation_inline_limit": app.config["PROPAGATION_INLINE_LIMIT"],
        # A fixed evaluation date for stored assessments (reproducible demos and tests); else today.
        "assessment_as_of": _date(app.config["ASSESSMENT_AS_OF"]),
    }
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(engine, expire_on_commit=False, info=info)
    read_url = app.config["READ_DATABASE_URL"]
    if read_url:
        read_engine = make_engine(read_url, **app.config["ENGINE_OPTIONS"])
        app.extensions["db_read_engine"] = read_engine
        app.extensions["db_read_sessionmaker"] = sessionmaker(read_engine, expire_on_commit=False, info=info)
    else:
        app.extensions["db_read_engine"] = engine
        app.extensions["db_read_sessionmaker"] = app.extensions["db_sessionmaker"]
    app.extensions["db_read_routes"] = set()
    app.teardown_appcontext(close_session)


def read_from_replica(app: Flask, *routes: Blueprint | str) -> None:
    """Serve the GET requests of these blueprints (or endpoints, by name) from the read database.

    Only routes that never write belong here, and only those whose readers can bear the replica's lag of a
    moment: a producer reading what it just wrote reads the primary.
    """
    names: set[str] = app.extensions["db_read_routes"]
    names.update(route if isinstance(route, str) else route.name for route in routes)


def _date(value: str | dt.date | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def get_engine() -> sa.Engine:
    engine: sa.Engine = current_app.extensions["db_engine"]
    return engine


def reads_replica() -> bool:
    """Whether this request is a GET of a route :func:`read_from_replica` named."""
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return False
    names: set[str] = current_app.extensions["db_read_routes"]
    return request.endpoint in names or (request.blueprint is not None and request.blueprint in names)


def read_connection() -> sa.Connection:
    """This request's Core connection for a public read (the replica's on a replica route), opened on first use:
    the hottest reads take a plain connection and skip the ORM's session. A session opened later in the same
    request works on this connection, so a request holds one pooled connection."""
    if "db_connection" not in g:
        engine = "db_read_engine" if reads_replica() else "db_engine"
        g.db_connection = current_app.extensions[engine].connect()
    connection: sa.Connection = g.db_connection
    return connection


def get_session() -> Session:
    """Return this request's session, opening it on first use: the read database's for a route that reads from
    the replica, else the primary's (always so outside a request: jobs and the command line)."""
    if "db_session" not in g:
        maker = current_app.extensions["db_read_sessionmaker" if reads_replica() else "db_sessionmaker"]
        connection: sa.Connection | None = g.get("db_connection")
        if connection is None:
            g.db_session = maker()
        else:
            # The reads so far were reads only: end their transaction, so the session's own commits are real
            # commits and not a savepoint inside a transaction nobody commits.
            connection.rollback()
            g.db_session = maker(bind=connection)
    session: Session = g.db_session
    return session


def close_session(exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
    connection = g.pop("db_connection", None)
    if connection is not None:
        connection.close()
