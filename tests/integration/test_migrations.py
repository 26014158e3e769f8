"""The schema comes from Alembic, matches the models, and enforces its constraints on both databases."""

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models import Base, Business, MaterialLot
from tests.helpers import OPERATOR, POSTGRES_URL
from traceability.service import businesses


def test_migrations_match_the_models(app):
    with app.extensions["db_engine"].connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)

    assert differences == []


def test_foreign_keys_are_enforced(session):
    session.add(MaterialLot(business_id=1, material_id=999, supplier_id=999, lot_code="X", received_on=dt.date.today()))

    with pytest.raises(sa.exc.IntegrityError):
        session.flush()


def test_check_constraints_are_named_and_enforced(session):
    session.add(Business(name="X", nib="123", scale="micro"))

    with pytest.raises(sa.exc.IntegrityError, match="nib_13_digits"):
        session.flush()


@pytest.mark.skipif(POSTGRES_URL is not None, reason="the downgrade test uses its own SQLite file")
def test_downgrade_to_base_and_back(tmp_path):
    from api.db import make_engine
    from api.migrate import downgrade, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}")
    upgrade(engine)
    downgrade(engine, "base")
    assert sa.inspect(engine).get_table_names() == ["alembic_version"]
    upgrade(engine)
    assert "journal_entry" in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_the_app_never_creates_tables(tmp_path):
    from api import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite'}", "SECRET_KEY": "x"})
    app.test_client().get("/api/v1/openapi.json")

    assert sa.inspect(app.extensions["db_engine"]).get_table_names() == []
    app.extensions["db_engine"].dispose()


def test_unique_nib_is_a_conflict(session):
    businesses.create_business(session, OPERATOR, {"name": "A", "nib": "1208230044517", "scale": "micro"})

    from traceability.errors import ConflictError

    with pytest.raises(ConflictError) as refused:
        businesses.create_business(session, OPERATOR, {"name": "B", "nib": "1208230044517", "scale": "micro"})
    assert "nib" in refused.value.errors
