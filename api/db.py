"""The database engine of an app and one session per request."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **options: Any) -> sa.Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout so it refuses what PostgreSQL refuses."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = sa.create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    """Create the engine for `app`; nothing is created at import time and no table ever by the app."""
    engine = app.config["DB_ENGINE"] or make_engine(app.config["DATABASE_URL"], **app.config["ENGINE_OPTIONS"])
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(
        engine,
        expire_on_commit=False,
        # Above this many affected batches, a change leaves reassessment to the queue (or the next read).
        info={
            "propagation_inline_limit": app.config["PROPAGATION_INLINE_LIMIT"],
            # A fixed evaluation date for stored assessments (reproducible demos and tests); else today.
            "assessment_as_of": _date(app.config["ASSESSMENT_AS_OF"]),
        },
    )
    app.teardown_appcontext(close_session)


def _date(value: str | dt.date | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def get_engine() -> sa.Engine:
    engine: sa.Engine = current_app.extensions["db_engine"]
    return engine


def get_session() -> Session:
    """Return this request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
    session: Session = g.db_session
    return session


def close_session(exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
