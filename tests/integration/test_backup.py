"""Whole-database backup and restore: SQLite -> PostgreSQL -> SQLite without a single difference, and every
refusal (different revision, altered or truncated file, non-empty or unmigrated target) leaves the target as it was.

The PostgreSQL leg runs when ``HALAL_TRACE_TEST_DATABASE_URL`` (or ``HALAL_TRACE_TEST_POSTGRES_ADMIN_URL``, a
URL of a role that may create databases) names a server: the test creates a database of its own there and drops
it afterwards. Without one, the middle leg is SQLite too.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import gzip
import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy.orm import Session

from api import create_app
from api.cli import cli
from api.db import make_engine
from api.migrate import alembic_config, upgrade
from models import ApiToken, Base, Batch, Certificate, Product, User
from models.base import UTCDateTime
from tests.helpers import ASSESSMENT_DAY, EXAMPLE_NAMES, OPERATOR, POSTGRES_URL, example
from traceability.service import accounts, backup, demo, dossiers, reviews
from traceability.service.access import actor_for
from traceability.vocabulary import Role

POSTGRES_ADMIN_URL = os.environ.get("HALAL_TRACE_TEST_POSTGRES_ADMIN_URL") or POSTGRES_URL

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


class Database:
    """An app of its own on one freshly migrated database; every database shares one signing-key directory."""

    def __init__(self, url: str, tmp: Path, *, revision: str | None = "head") -> None:
        self.url = url
        if revision is not None:
            engine = make_engine(url)
            upgrade(engine, revision)
            engine.dispose()
        self.app: Flask = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": url,
                "SECRET_KEY": "test-secret",
                "PUBLIC_BASE_URL": "https://trace.test",
                "ASSESSMENT_AS_OF": ASSESSMENT_DAY,
                "SIGNING_KEY_DIR": str(tmp / "signing-keys"),
                "QUEUE_URL": "memory://",  # a listing's stamp, queued by the verify request, runs at once
                "QUEUE_IMMEDIATE": True,
            }
        )
        self.app.instance_path = str(tmp)

    def cli(self, *args: str) -> Any:
        return self.app.test_cli_runner().invoke(cli, list(args), catch_exceptions=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.app.extensions["db_sessionmaker"]() as session:
            yield session

    def python_rows(self) -> dict[str, list[dict[str, Any]]]:
        """Every row as SQLAlchemy reads it (Decimal, aware datetime, enum member...), independent of the file."""
        with self.app.extensions["db_engine"].connect() as connection:
            return {
                t.name: [
                    dict(r._mapping)
                    for r in connection.execute(sa.select(t).order_by(*(t.primary_key.columns or t.columns)))
                ]
                for t in Base.metadata.sorted_tables
            }

    def close(self) -> None:
        self.app.extensions["db_engine"].dispose()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@contextmanager
def fresh_postgres(suffix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the test server, dropped afterwards."""
    assert POSTGRES_ADMIN_URL is not None
    admin = make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"{admin.url.database}_{suffix}_{os.getpid()}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def read_backup(path: Path) -> tuple[dict[str, Any], dict[str, list[list[Any]]], dict[str, Any]]:
    """Header, rows per table and trailer of a backup file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        lines = [json.loads(line) for line in handle]
    tables: dict[str, list[list[Any]]] = {}
    current = None
    for value in lines[1:-1]:
        if isinstance(value, dict):
            current = tables.setdefault(value["table"], [])
        else:
            assert current is not None
            current.append(value)
    return lines[0], tables, lines[-1]


def differences(left: dict[str, list[Any]], right: dict[str, list[Any]]) -> list[str]:
    """Every table and row where two dumps differ, named."""
    found = [f"table {name} only on one side" for name in sorted(set(left) ^ set(right))]
    for name in sorted(set(left) & set(right)):
        a, b = left[name], right[name]
        if len(a) != len(b):
            found.append(f"{name}: {len(a)} rows against {len(b)}")
        found += [f"{name} row {i}: {x!r} != {y!r}" for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
    return found


def fill(db: Database) -> dict[str, Any]:
    """Demo data, the shared examples in a business of their own, codes, reviews, a certificate decision, a
    listing stamped by a marketplace request, idempotent API writes: every kind of row and journal entry."""
    with db.session() as session:
        demo.load(session, OPERATOR)
        for index, name in enumerate(EXAMPLE_NAMES):
            document = example(name)
            document["business"]["nib"] = f"771000000000{index}"
            document["business"]["name"] += " (contoh)"
            document["product"]["gtin"] = None  # GTINs are unique across businesses
            dossiers.import_dossier(session, OPERATOR, document)
        batches = session.scalars(sa.select(Batch.id).order_by(Batch.id)).all()
        producer = session.scalar(sa.select(User).where(User.email == "keripik@demo.halal-trace.id"))
        auditor = session.scalar(sa.select(User).where(User.role == Role.AUDITOR))
        assert producer is not None
        assert auditor is not None
        product = session.scalar(sa.select(Product).where(Product.business_id == producer.business_id))
        assert product is not None
        first_batch = session.scalar(sa.select(Batch.id).where(Batch.product_id == product.id).order_by(Batch.id))
        review = reviews.submit(session, actor_for(session, producer), product.id, batch_id=first_batch)
        reviews.decide(
            session, actor_for(session, auditor), review.id, approve=True, reason="Semua bahan bersertifikat."
        )
        other = session.scalar(sa.select(Product).where(Product.id != product.id).order_by(Product.id))
        assert other is not None
        other_producer = session.scalar(
            sa.select(User).where(User.business_id == other.business_id, User.role == Role.PRODUCER)
        )
        assert other_producer is not None
        rejected = reviews.submit(session, actor_for(session, other_producer), other.id)
        reviews.decide(session, actor_for(session, auditor), rejected.id, approve=False, reason="Gelatin tanpa SH.")
        _, producer_token = accounts.create_token(session, OPERATOR, user=producer, name="backup test")
        _, auditor_token = accounts.create_token(session, OPERATOR, user=auditor, name="backup test")
        certificate = session.scalar(sa.select(Certificate.id).order_by(Certificate.id.desc()))
        producer_product = product.id
        coded = [batches[-1], batches[-2], review.batch_id]  # the last of them approved: "verified"
    issued = [
        json.loads(line)
        for batch in coded
        for line in db.cli("codes", "issue", str(batch), "--count", "2", "--json").output.splitlines()
    ]
    assert db.cli("codes", "revoke", issued[1]["code"]).exit_code == 0
    client = db.app.test_client()
    changed = client.post(
        f"/api/v1/certificates/{certificate}/status",
        json={"status": "suspended", "effective": "2025-11-01", "reason": "Audit lapangan."},
        headers={"Authorization": f"Bearer {auditor_token}", "Idempotency-Key": "suspend-1"},
    )
    assert changed.status_code == 200, changed.json
    listing = client.post(
        f"/api/v1/products/{producer_product}/listings",
        json={"url": "https://shopee.co.id/rendang"},
        headers={"Authorization": f"Bearer {producer_token}", "Idempotency-Key": "listing-1"},
    )
    assert listing.status_code == 201, listing.json
    return {"codes": issued, "producer_token": producer_token}


def verify_answer(db: Database, url: str) -> tuple[int, Any]:
    parts = urlsplit(url)
    code = parts.path.rsplit("/", 1)[-1] if "/v/" in parts.path else parse_qs(parts.query)["c"][0]
    signature = parse_qs(parts.query)["s"][0]
    answer = db.app.test_client().get(
        f"/api/v1/verify/{code}", query_string={"s": signature}, headers={"Origin": "https://shopee.co.id"}
    )
    return answer.status_code, answer.json


def journal_report(db: Database) -> dict[str, Any]:
    result = db.cli("journal", "verify", "--json")
    report: dict[str, Any] = json.loads(result.output)
    return report


def test_sqlite_to_postgresql_to_sqlite_loses_nothing(tmp_path: Path) -> None:
    source = Database(sqlite_url(tmp_path / "source.sqlite"), tmp_path)
    filled = fill(source)
    before = {c["code"]: verify_answer(source, c["url"]) for c in filled["codes"]}
    first, second, third = tmp_path / "first.jsonl.gz", tmp_path / "second.jsonl", tmp_path / "third.jsonl"
    assert source.cli("export", "--all", "--out", str(first)).exit_code == 0

    with contextlib_middle(tmp_path) as middle_url:
        middle = Database(middle_url, tmp_path)
        restored = middle.cli("import", "--all", str(first), "--json")
        assert restored.exit_code == 0, restored.output
        assert middle.cli("export", "--all", "--out", str(second)).exit_code == 0
        middle_rows = middle.python_rows()
        middle_journal = journal_report(middle)
        middle_verify = {c["code"]: verify_answer(middle, c["url"]) for c in filled["codes"]}
        middle_supplier = middle.app.test_client().post(
            "/api/v1/suppliers",
            json={"name": "Pasar Tos 3000", "kind": "market", "country": "ID"},
            headers={"Authorization": f"Bearer {filled['producer_token']}"},
        )
        middle.close()

    last = Database(sqlite_url(tmp_path / "last.sqlite"), tmp_path)
    assert last.cli("import", "--all", str(second)).exit_code == 0
    assert last.cli("export", "--all", "--out", str(third)).exit_code == 0

    header, rows_1, trailer = read_backup(first)
    middle_header, rows_2, _ = read_backup(second)
    assert middle_header["source"] == ("postgresql" if POSTGRES_ADMIN_URL else "sqlite")
    _, rows_3, _ = read_backup(third)
    # Every table of the models, with what the fill put in them.
    assert [t["name"] for t in header["tables"]] == [t.name for t in Base.metadata.sorted_tables]
    assert header["format"] == "halal-trace/backup@1"
    assert header["source"] == "sqlite"
    assert header["alembic_revision"] == json.loads(restored.output)["alembic_revision"]
    assert trailer["rows"] == json.loads(restored.output)["rows"] == sum(len(r) for r in rows_1.values()) > 500
    for table in (
        "journal_entry",
        "verification_code",
        "review_event",
        "assessment",
        "idempotency_record",
        "api_token",
        "product_listing",
        "programme_participant",
        "certificate_scope",
    ):
        assert rows_1[table], table
    assert differences(rows_1, rows_2) == []
    assert differences(rows_1, rows_3) == []
    # The same rows as SQLAlchemy reads them: decimals, aware datetimes, enums, booleans, JSON.
    source_rows = source.python_rows()
    assert source_rows == middle_rows
    assert source_rows == last.python_rows()
    # The journal came across byte for byte and still verifies.
    entries = len(rows_1["journal_entry"])
    report = journal_report(source)
    assert (report["ok"], report["entries"], report["first_broken"], report["reason"]) == (True, entries, None, None)
    assert middle_journal == journal_report(last) == journal_report(source)
    # The public answers for printed codes are the same, including the revoked one.
    assert middle_verify == before
    assert {c["code"]: verify_answer(last, c["url"]) for c in filled["codes"]} == before
    assert sorted(status for status, _ in before.values()) == [200] * 6
    assert {body["state"] for _, body in before.values()} >= {"revoked", "verified"}
    # A restored database takes new records: sequences continue after the restored keys, tokens still work.
    largest_supplier = max(row[0] for row in rows_1["supplier"])
    assert middle_supplier.status_code == 201, middle_supplier.json
    assert middle_supplier.json is not None
    assert middle_supplier.json["id"] == largest_supplier + 1
    created = last.app.test_client().post(
        "/api/v1/suppliers",
        json={"name": "Pasar Tos 3000", "kind": "market", "country": "ID"},
        headers={"Authorization": f"Bearer {filled['producer_token']}"},
    )
    assert created.status_code == 201, created.json
    assert created.json is not None
    assert created.json["id"] == largest_supplier + 1
    assert journal_report(last)["ok"]
    assert journal_report(last)["entries"] > entries
    source.close()
    last.close()


@contextmanager
def contextlib_middle(tmp_path: Path) -> Iterator[str]:
    """The middle database: PostgreSQL when the test run has a server, else SQLite."""
    if POSTGRES_ADMIN_URL:
        with fresh_postgres("restore") as url:
            yield url
    else:
        yield sqlite_url(tmp_path / "middle.sqlite")


# --- refusals: nothing is written -----------------------------------------------------------------------------


@pytest.fixture
def small_backup(tmp_path: Path) -> Path:
    """A backup of one imported dossier and a user with a token."""
    source = Database(sqlite_url(tmp_path / "small.sqlite"), tmp_path)
    with source.session() as session:
        dossiers.import_dossier(session, OPERATOR, example("rendang-ok"))
        user, _ = accounts.create_user(
            session,
            OPERATOR,
            email="bundo@rendang.id",
            role=Role.PRODUCER,
            business_nib="1208230044517",
            password="sangat-rahasia-1",
        )
        accounts.create_token(session, OPERATOR, user=user)
    path = tmp_path / "small.jsonl"
    assert source.cli("export", "--all", "--out", str(path)).exit_code == 0
    source.close()
    return path


def pristine(db: Database) -> bool:
    """Whether the database holds only what its migrations put there."""
    rows = db.python_rows()
    return not any(rows.values())


def resign(lines: list[str]) -> list[str]:
    """Recompute the trailer of an edited backup, as a forger would."""
    body = lines[:-1]
    sha = hashlib.sha256("".join(body).encode("utf-8")).hexdigest()
    trailer = json.loads(lines[-1])
    return [*body, json.dumps({**trailer, "sha256": sha}, separators=(",", ":")) + "\n"]


def test_a_non_empty_target_is_refused(tmp_path: Path, small_backup: Path) -> None:
    target = Database(sqlite_url(tmp_path / "target.sqlite"), tmp_path)
    with target.session() as session:
        accounts.create_user(session, OPERATOR, email="admin@x.id", role=Role.ADMIN, password="sangat-rahasia-1")
    before = target.python_rows()

    result = target.cli("import", "--all", str(small_backup))

    assert result.exit_code == 1
    assert "not empty" in result.stderr
    assert "user_account" in result.stderr
    assert target.python_rows() == before
    target.close()


def test_a_backup_of_another_revision_is_refused(tmp_path: Path, small_backup: Path) -> None:
    target = Database(sqlite_url(tmp_path / "old.sqlite"), tmp_path, revision="0002")

    result = target.cli("import", "--all", str(small_backup), "--json")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"'{HEAD}'" in result.stderr  # the backup's revision: the newest migration
    assert "'0002'" in result.stderr
    with target.app.extensions["db_engine"].connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM business")) == 0
    target.close()


def test_an_unmigrated_target_is_refused(tmp_path: Path, small_backup: Path) -> None:
    target = Database(sqlite_url(tmp_path / "bare.sqlite"), tmp_path, revision=None)

    result = target.cli("import", "--all", str(small_backup))

    assert result.exit_code == 1
    assert "db upgrade" in result.stderr
    assert sa.inspect(target.app.extensions["db_engine"]).get_table_names() == []
    target.close()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda lines: [line.replace("Rendang", "Rendang Babi") for line in lines], "SHA-256 does not match"),
        (lambda lines: lines[:-1], "truncated"),
        (lambda lines: lines[:-5] + lines[-1:], "SHA-256 does not match"),
        (lambda lines: ['{"format":"halal-trace/dossier@1"}\n', *lines[1:]], "not a halal-trace/backup@1"),
    ],
)
def test_an_altered_or_truncated_backup_is_refused(tmp_path: Path, small_backup: Path, edit: Any, message: str) -> None:
    lines = small_backup.read_text(encoding="utf-8").splitlines(keepends=True)
    altered = tmp_path / "altered.jsonl"
    altered.write_text("".join(edit(lines)), encoding="utf-8")
    target = Database(sqlite_url(tmp_path / "target.sqlite"), tmp_path)

    result = target.cli("import", "--all", str(altered))

    assert result.exit_code == 1
    assert message in result.stderr
    assert pristine(target)
    target.close()


def test_a_restore_that_fails_late_leaves_nothing_behind(tmp_path: Path, small_backup: Path) -> None:
    # A re-signed file whose last api_token row names a user that does not exist: caught only at that insert,
    # after every earlier table was written (on PostgreSQL when the run has a server).
    lines = small_backup.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index('{"table":"api_token"}\n')
    row = json.loads(lines[start + 1])
    row[1] = 999
    lines[start + 1] = json.dumps(row, separators=(",", ":")) + "\n"
    broken = tmp_path / "broken.jsonl"
    broken.write_text("".join(resign(lines)), encoding="utf-8")
    with contextlib_middle(tmp_path) as url:
        target = Database(url, tmp_path)

        result = target.cli("import", "--all", str(broken))

        assert result.exit_code == 1
        assert "api_token" in result.stderr
        assert "constraint" in result.stderr
        assert pristine(target)
        target.close()


def test_the_backup_file_is_private_and_stdout_gives_the_same_rows(tmp_path: Path, small_backup: Path) -> None:
    target = Database(sqlite_url(tmp_path / "target.sqlite"), tmp_path)
    assert target.cli("import", "--all", str(small_backup)).exit_code == 0

    printed = target.cli("export", "--all")

    assert small_backup.stat().st_mode & 0o777 == 0o600
    assert not list(tmp_path.glob("*.partial"))
    printed_path = tmp_path / "printed.jsonl"
    printed_path.write_text(printed.stdout, encoding="utf-8")
    assert differences(read_backup(small_backup)[1], read_backup(printed_path)[1]) == []
    with target.session() as session:  # the password and token hashes came across: the account still works
        user = accounts.authenticate_password(session, "bundo@rendang.id", "sangat-rahasia-1")
        assert user.email == "bundo@rendang.id"
        assert session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1
    target.close()


def test_cli_forms_stay_apart(tmp_path: Path, small_backup: Path) -> None:
    db = Database(sqlite_url(tmp_path / "cli.sqlite"), tmp_path)
    assert db.cli("import", "--all", str(small_backup)).exit_code == 0
    with db.session() as session:
        batch = session.scalar(sa.select(Batch.id))

    with_batch = db.cli("export", "--all", str(batch))
    with_format = db.cli("export", "--all", "--format", "epcis")
    nothing = db.cli("export")
    out_without_all = db.cli("export", str(batch), "--out", str(tmp_path / "x.json"))
    dossier = db.cli("export", str(batch))
    dossier_as_backup = db.cli("import", "--all", str(Path(__file__).parents[1] / "data/examples/rendang-ok.json"))

    assert [r.exit_code for r in (with_batch, with_format, nothing, out_without_all)] == [1, 1, 1, 1]
    assert "BATCH_ID" in nothing.stderr
    assert "--out" in out_without_all.stderr
    assert json.loads(dossier.output)["format"] == "halal-trace/dossier@1"
    assert dossier_as_backup.exit_code == 1
    assert "not a halal-trace/backup@1" in dossier_as_backup.stderr
    assert "signing" in db.cli("export", "--help").output.lower()
    assert "password hashes" in db.cli("export", "--help").output
    db.close()


# --- every type the columns may hold, on whichever database the run has ----------------------------------------


class Colour(enum.Enum):
    RED = "merah"
    GREEN = "hijau"


SAMPLE = sa.Table(
    "backup_sample",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("day", sa.Date),
    sa.Column("at", UTCDateTime()),
    sa.Column("amount", sa.Numeric(18, 6)),
    sa.Column("ratio", sa.Float),
    sa.Column("flag", sa.Boolean),
    sa.Column(
        "colour",
        sa.Enum(Colour, native_enum=False, length=16, values_callable=lambda members: [m.value for m in members]),
    ),
    sa.Column("doc", sa.JSON),
    sa.Column("blob", sa.LargeBinary),
    sa.Column("uid", sa.Uuid),
    sa.Column("clock", sa.Time),
    sa.Column("span", sa.Interval),
    sa.Column("note", sa.Text),
)
SAMPLE_ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "day": dt.date(2025, 11, 24),
        "at": dt.datetime(2025, 11, 24, 8, 30, 0, 123456, tzinfo=dt.UTC),
        "amount": decimal.Decimal("1234567.123456"),
        "ratio": 0.1,
        "flag": True,
        "colour": Colour.GREEN,
        "doc": {"b": [1, 2.5, None], "a": "é"},
        "blob": bytes(range(256)),
        "uid": uuid.UUID(int=7),
        "clock": dt.time(23, 59, 59, 999999),
        "span": dt.timedelta(days=2, seconds=5, microseconds=1),
        "note": "x\ny",
    },
    {
        "id": 2,
        "day": None,
        "at": None,
        "amount": decimal.Decimal("-0.000001"),
        "ratio": None,
        "flag": False,
        "colour": None,
        "doc": sa.JSON.NULL,
        "blob": b"",
        "uid": None,
        "clock": None,
        "span": None,
        "note": "",
    },
    {
        "id": 3,
        "day": None,
        "at": None,
        "amount": None,
        "ratio": None,
        "flag": None,
        "colour": None,
        "doc": sa.null(),
        "blob": None,
        "uid": None,
        "clock": None,
        "span": None,
        "note": None,
    },
]


def test_every_column_type_survives_exactly(tmp_path: Path) -> None:
    urls = {"from": sqlite_url(tmp_path / "from.sqlite"), "to": sqlite_url(tmp_path / "to.sqlite")}
    with contextlib_middle(tmp_path) as other:
        if POSTGRES_ADMIN_URL:
            urls["to"] = other
        engines = {k: make_engine(u) for k, u in urls.items()}
        for engine in engines.values():
            SAMPLE.metadata.create_all(engine)
        with engines["from"].begin() as connection:
            connection.execute(SAMPLE.insert(), SAMPLE_ROWS)
        lines: list[Any] = []
        with engines["from"].connect() as connection:
            count = backup.export_rows(connection, SAMPLE, lambda v: lines.append(json.loads(json.dumps(v))))
        with engines["to"].begin() as connection:
            restorer = backup.TableRestorer(connection, SAMPLE, [])
            for number, values in enumerate(lines, start=1):
                restorer.add(number, values)
            restorer.finish()

        def read(engine: sa.Engine) -> list[tuple[Any, ...]]:
            with engine.connect() as connection:
                doc_is_null = SAMPLE.c.doc.is_(None).label("doc_is_sql_null")
                return [tuple(r) for r in connection.execute(sa.select(SAMPLE, doc_is_null).order_by(SAMPLE.c.id))]

        original, copied = read(engines["from"]), read(engines["to"])
        for engine in engines.values():
            engine.dispose()

    assert count == 3
    assert copied == original
    assert lines[0][2] == "2025-11-24T08:30:00.123456+00:00"
    assert lines[0][3] == "1234567.123456"
    assert lines[0][6] == "hijau"
    assert base64.b64decode(lines[0][8]) == bytes(range(256))
    assert [line[7] for line in lines] == ['{"b":[1,2.5,null],"a":"é"}', "null", None]  # JSON null is not SQL NULL
    assert [row[-1] for row in copied] == [False, False, True]
    assert copied[0][1:4] == (dt.date(2025, 11, 24), SAMPLE_ROWS[0]["at"], decimal.Decimal("1234567.123456"))
    assert isinstance(copied[0][6], Colour)
    assert copied[0][8] == bytes(range(256))
