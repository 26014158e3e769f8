"""Alembic environment: runs on the connection `halal-trace db upgrade` hands over, or on the URL in
``HALAL_TRACE_DATABASE_URL`` when alembic is called directly."""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context

from models import Base

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection: sa.Connection) -> None:
    # render_as_batch lets SQLite alter tables by copying them.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    url = os.environ.get("HALAL_TRACE_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("Set HALAL_TRACE_DATABASE_URL or use `halal-trace db upgrade`.")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, render_as_batch=True, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    from api.db import make_engine  # the same pragmas as the service

    with make_engine(url).connect() as conn:
        _configure_and_run(conn)


run()
