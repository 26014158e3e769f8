"""The schema comes from Alembic, matches the models, and enforces its constraints on both databases."""

import datetime as dt
import json
import sqlite3

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.orm import Session

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


@pytest.mark.skipif(POSTGRES_URL is not None, reason="SQLite's connection settings")
def test_every_sqlite_connection_gets_the_same_settings(tmp_path):
    from api.db import POSTGRESQL_MAX_PARAMETERS, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}", poolclass=sa.pool.NullPool)
    for _ in range(2):  # a new connection each time
        with engine.connect() as connection:
            pragma = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in _PRAGMAS}
            limit = connection.connection.driver_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            assert pragma == _PRAGMAS
            assert limit == POSTGRESQL_MAX_PARAMETERS
            too_many = ", ".join(["?"] * (POSTGRESQL_MAX_PARAMETERS + 1))
            with pytest.raises(sa.exc.OperationalError, match="too many SQL variables"):
                connection.exec_driver_sql(
                    f"SELECT 1 WHERE 1 IN ({too_many})", tuple(range(POSTGRESQL_MAX_PARAMETERS + 1))
                )
    engine.dispose()


_PRAGMAS = {"foreign_keys": 1, "busy_timeout": 5000, "journal_mode": "wal", "synchronous": 1, "mmap_size": 268435456}


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


# --- 0007: existing rows get canonical identifiers; look-alikes are reported, never merged ------------------


def _rows_before_0007(connection):
    now = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)
    insert = lambda table, **row: connection.execute(  # noqa: E731
        sa.text(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})"), row
    )
    for business, nib in ((1, "1208230044517"), (2, "9120216648390")):
        insert(
            "business",
            id=business,
            name=f"B{business}",
            nib=nib,
            scale="micro",
            country="ID",
            version=1,
            created_at=now,
        )
    for product, business, gtin in ((1, 1, "8993724001588"), (2, 2, "08993724001588"), (3, 2, None)):
        insert(
            "product",
            id=product,
            business_id=business,
            name=f"P{product}",
            gtin=gtin,
            is_beverage=False,
            fermented=False,
            flavour_profile="[]",
            halal_claim=False,
            declared_non_halal=False,
            label_halal_logo=False,
            preservation="[]",
            version=1,
            created_at=now,
        )
    for batch, lot in ((1, "ABC-1"), (2, "abc-1 ")):
        insert(
            "batch",
            id=batch,
            business_id=1,
            product_id=1,
            lot_code=lot,
            produced_on=dt.date(2025, 11, 1),
            non_conforming=False,
            released=False,
            version=1,
            created_at=now,
        )
    for cert, business, number, issuer, status in (
        (1, 1, "ID21110041277360224", "BPJPH", "revoked"),
        (2, 2, "ID21110041277360224\u200b", "bpjph ", "active"),
    ):
        insert(
            "certificate",
            id=cert,
            business_id=business,
            number=number,
            issuer=issuer,
            scheme="regular",
            issued_on=dt.date(2024, 1, 1),
            status=status,
            fraud=False,
            version=1,
            created_at=now,
        )
    decision = {"status": "revoked", "status_since": "2025-01-01", "fraud": True, "status_reason": "palsu"}
    # Written as the old hash chain wrote it (0008 checks that chain before it builds the tree from it).
    from traceability.journal import digest

    fields = [1, now.isoformat(), "auditor", "certificate.status", "certificate:1", digest(decision), "0" * 64]
    insert(
        "journal_entry",
        seq=1,
        at=now.isoformat(),
        actor="auditor",
        business_id=1,
        action="certificate.status",
        subject="certificate:1",
        payload=json.dumps(decision),
        payload_digest=fields[5],
        prev_hash="0" * 64,
        hash=digest(fields),
    )
    connection.execute(sa.text("UPDATE journal_head SET last_seq = 1, last_hash = :h"), {"h": digest(fields)})


def _scratch_engine(tmp_path):
    """An empty database of its own: a SQLite file, or a schema of the PostgreSQL test database."""
    from api.db import make_engine

    if POSTGRES_URL is None:
        return make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    engine = make_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA IF EXISTS migration_0007 CASCADE; CREATE SCHEMA migration_0007"))
    engine.dispose()
    return make_engine(POSTGRES_URL, connect_args={"options": "-csearch_path=migration_0007"})


def test_0007_keys_existing_rows_and_reports_lookalikes_without_merging_them(tmp_path, capfd):
    from api.migrate import upgrade

    engine = _scratch_engine(tmp_path)
    upgrade(engine, "0006_certificate_evidence")
    with engine.begin() as connection:
        _rows_before_0007(connection)

    upgrade(engine)

    report = capfd.readouterr().err
    with engine.connect() as connection:
        products = connection.execute(sa.text("SELECT id, gtin, gtin14 FROM product ORDER BY id")).all()
        batches = connection.execute(sa.text("SELECT id, lot_code, lot_key FROM batch ORDER BY id")).all()
        certificates = connection.execute(
            sa.text("SELECT id, issuer_key, number_key, status, fraud FROM certificate ORDER BY id")
        ).all()
    if POSTGRES_URL is not None:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA migration_0007 CASCADE"))
    engine.dispose()
    # The first holder keeps the GTIN; the look-alike keeps its typed form but resolves nothing; both stay.
    assert [tuple(p) for p in products] == [
        (1, "8993724001588", "08993724001588"),
        (2, "08993724001588", None),
        (3, None, None),
    ]
    assert [tuple(b) for b in batches] == [(1, "ABC-1", "ABC-1"), (2, "abc-1 ", None)]
    # One identity: the look-alike copy takes the decision journaled on the other.
    assert {(c.issuer_key, c.number_key) for c in certificates} == {("BPJPH", "ID21110041277360224")}
    assert [(c.status, bool(c.fraud)) for c in certificates] == [("revoked", True), ("revoked", True)]
    assert "product 2" in report
    assert "product 1 already holds" in report
    assert "batch 2" in report
    assert "certificate 2" in report


@pytest.fixture
def fresh_engine(tmp_path):
    """An empty database of its own: a SQLite file, or a PostgreSQL database next to the test one."""
    from api.db import make_engine

    if POSTGRES_URL is None:
        engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
        yield engine
        engine.dispose()
        return
    url = sa.make_url(POSTGRES_URL)
    name = f"{url.database}_migration"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _old_chain(engine, count, *, break_at=None):
    """Entries written the way the hash chain wrote them, with its head row."""
    from traceability.journal import digest

    prev = "0" * 64
    with engine.begin() as connection:
        for seq in range(1, count + 1):
            payload = {"n": seq}
            at = f"2025-11-{seq % 28 + 1:02d}T08:00:00.000000+00:00"
            fields = [seq, at, "user:1", "create", f"lot:{seq}", digest(payload), prev]
            h = digest(fields)
            if seq == break_at:
                payload = {"n": -1}
            connection.execute(
                sa.text(
                    "INSERT INTO journal_entry (seq, at, actor, actor_id, business_id, action, subject, payload,"
                    " payload_digest, prev_hash, hash) VALUES (:seq, :at, 'user:1', NULL, NULL, 'create', :subject,"
                    " :payload, :digest, :prev, :hash)"
                ),
                {
                    "seq": seq,
                    "at": at,
                    "subject": f"lot:{seq}",
                    "payload": json.dumps(payload),
                    "digest": fields[5],
                    "prev": prev,
                    "hash": h,
                },
            )
            prev = h
        connection.execute(sa.text("UPDATE journal_head SET last_seq = :s, last_hash = :h"), {"s": count, "h": prev})


def test_the_old_hash_chain_migrates_into_the_tree_and_verifies(app, fresh_engine):
    from api.migrate import upgrade
    from api.signing import journal_keys
    from models import JournalEntry
    from traceability.service import journal

    upgrade(fresh_engine, "0006_certificate_evidence")
    _old_chain(fresh_engine, 37)
    upgrade(fresh_engine)

    with app.app_context():
        keys = journal_keys()
    with Session(fresh_engine) as session:
        placed = session.scalars(sa.select(JournalEntry.leaf_index).order_by(JournalEntry.seq)).all()
        size, root, _ = journal.seal(session, keys)
        report = journal.verify(session, keys)
        journal.append(session, OPERATOR, "create", "lot:99", {"n": 99})
        session.commit()
        new_seq = session.scalar(sa.select(JournalEntry.seq).where(JournalEntry.subject == "lot:99"))

    assert placed == list(range(37))
    assert (size, report.ok, report.entries, report.size) == (37, True, 37, 37)
    assert new_seq == 38  # the database's sequence starts above the migrated entries


def test_a_broken_old_chain_stops_the_upgrade(fresh_engine):
    from api.migrate import upgrade

    upgrade(fresh_engine, "0006_certificate_evidence")
    _old_chain(fresh_engine, 5, break_at=3)

    with pytest.raises(RuntimeError, match="broken at entry 3"):
        upgrade(fresh_engine)


def test_0019_files_the_stored_events_for_the_new_query_parameters(tmp_path):
    from api.migrate import upgrade
    from models import EpcisEvent

    engine = _scratch_engine(tmp_path)
    upgrade(engine, "0018_decision_facts")
    report = {"type": "gs1:Temperature", "value": 4.5, "uom": "CEL"}
    body = {"type": "ObjectEvent", "eventID": "urn:uuid:1", "eventTime": "2024-03-01T08:00:00Z",
            "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:0614141073467:PO-1"}],
            "quantityList": [{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": 200,
                              "uom": "KGM"}],
            "sensorElementList": [{"sensorReport": [report]}]}  # fmt: skip
    with Session(engine) as session:
        business = Business(name="Rendang Bundo", nib="1208230044517", scale="small")
        session.add(business)
        session.flush()
        session.add(EpcisEvent(business_id=business.id, event_id="urn:uuid:1", event_type="ObjectEvent",
                               event_time=dt.datetime(2024, 3, 1, tzinfo=dt.UTC), body=body, context={}))  # fmt: skip
        session.commit()

    upgrade(engine)

    with engine.connect() as connection:
        typed = connection.execute(sa.text("SELECT role, qualifier, value FROM epcis_event_epc ORDER BY role")).all()
        numbers = connection.execute(sa.text("SELECT field, uom, number FROM epcis_event_number ORDER BY field")).all()
    if POSTGRES_URL is not None:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA migration_0007 CASCADE"))
    engine.dispose()
    assert [tuple(row) for row in typed] == [
        ("bizTx", "po", "urn:epcglobal:cbv:bt:0614141073467:PO-1"),
        ("s:type", None, "Temperature"),
    ]
    assert sorted(tuple(row) for row in numbers) == [("quantity", "KGM", 200.0), ("value", "CEL", 4.5)]
