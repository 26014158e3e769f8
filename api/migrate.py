"""Running the Alembic migrations from the service's own command line."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.orm import Session

from traceability.service import public_views

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the database at `engine` up to `revision`; at the head, build the public answers codes lack."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)
        if revision == "head":
            # With the service's own builder, in the same transaction: the schema and the answers come together.
            with Session(bind=connection) as session:
                public_views.backfill(session)
                session.flush()


def downgrade(engine: sa.Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)
