"""Migration 0004 gives businesses registered before it their search words."""

import pytest
import sqlalchemy as sa

from tests.helpers import POSTGRES_URL


@pytest.mark.skipif(POSTGRES_URL is not None, reason="migrates its own SQLite file step by step")
def test_businesses_registered_before_the_migration_are_searchable(tmp_path):
    from api.db import make_engine
    from api.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    upgrade(engine, "0002")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO business (name, nib, scale, country, version, created_at) "
                "VALUES ('Rendang Bundo Nurlela', '1208230044517', 'small', 'ID', 1, "
                "'2025-01-01 00:00:00')"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        tokens = set(connection.execute(sa.text("SELECT token FROM business_search_token")).scalars())
    engine.dispose()

    assert tokens == {"rendang bundo nurlela", "bundo nurlela", "nurlela", "1208230044517"}
