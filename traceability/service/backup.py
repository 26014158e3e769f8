"""Whole-database backup and restore (``halal-trace/backup@1``).

A backup is JSON Lines, one object or array per line, gzip-compressed when its file name ends in ``.gz``:

* a header: ``{"format", "alembic_revision", "created_at", "source", "tables": [{"name", "columns", "rows"}]}``,
  each column as ``{"name", "type"}`` with one of the type tags of :data:`TYPE_TAGS`;
* for every table of the models' metadata, in foreign-key order, a line ``{"table": NAME}`` followed by one
  JSON array per row (values in the header's column order, rows in primary-key order);
* a trailer: ``{"end": "halal-trace/backup@1", "rows": N, "sha256": HEX}``, the SHA-256 of every byte before it.

The checksum sits in a trailer rather than the header so the document is written in one streaming pass (to a
pipe as well as a file); a missing trailer means a truncated file. The tables come from ``Base.metadata``, so a
table added to the models is backed up and restored without any change here.

Values keep their type exactly: dates, times and datetimes as ISO 8601 (with their UTC offset), decimals as
strings, binary as base64, enums as their stored text, JSON columns as their JSON text (so a JSON ``null``
stays distinct from SQL ``NULL``), SQL ``NULL`` as ``null``.

The database holds password hashes and API token hashes, so a backup is as sensitive as the database itself.
The code-signing keys are files outside the database (``HALAL_TRACE_SIGNING_KEY_DIR``) and are not included.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Base
from traceability.errors import ConflictError, InvalidInputError
from traceability.service import unit_of_work

__all__ = [
    "FORMAT",
    "TYPE_TAGS",
    "BackupSummary",
    "TableRestorer",
    "export_all",
    "export_rows",
    "import_all",
    "open_backup",
    "reset_sequences",
    "tables",
]

FORMAT = "halal-trace/backup@1"
#: Rows fetched from a server-side cursor, and rows inserted per statement: memory stays bounded by this.
CHUNK = 1000
#: Rows the migrations themselves insert; an "empty" database holds exactly these, and a restore replaces them.
PRISTINE: dict[str, list[dict[str, Any]]] = {}


@dataclass(frozen=True, slots=True)
class _Codec:
    tag: str
    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]
    #: The type values are read and bound with (the column's own type unless it would reinterpret them).
    raw_type: sa.types.TypeEngine[Any] | None = None


def _same(value: Any) -> Any:
    return value


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_CODECS: dict[str, _Codec] = {
    "boolean": _Codec("boolean", bool, bool),
    "integer": _Codec("integer", int, int),
    "string": _Codec("string", str, str),
    # Enums travel as the text the database stores, so a value no member names any more still comes across.
    "enum": _Codec("enum", str, str, raw_type=sa.String()),
    "datetime": _Codec("datetime", dt.datetime.isoformat, dt.datetime.fromisoformat),
    "date": _Codec("date", dt.date.isoformat, dt.date.fromisoformat),
    "time": _Codec("time", dt.time.isoformat, dt.time.fromisoformat),
    "interval": _Codec(
        "interval",
        lambda v: [v.days, v.seconds, v.microseconds],
        lambda v: dt.timedelta(days=v[0], seconds=v[1], microseconds=v[2]),
    ),
    "numeric": _Codec("numeric", str, Decimal),
    "float": _Codec("float", float, float),
    "json": _Codec("json", _json_text, json.loads),
    "binary": _Codec("binary", lambda v: base64.b64encode(bytes(v)).decode("ascii"), base64.b64decode),
    "uuid": _Codec("uuid", str, uuid.UUID),
}
TYPE_TAGS = tuple(_CODECS)


def _tag(column: sa.Column[Any]) -> str:
    """The codec for a column, from its SQLAlchemy type; an unknown type is refused rather than guessed."""
    # A decorator is judged by itself first (Interval), then by what it stores (a UTC datetime decorator).
    kinds = [column.type]
    if isinstance(column.type, sa.TypeDecorator):
        kinds.append(column.type.impl_instance)
    # Order matters: Enum is a String, DateTime and Float have their own families.
    checks: list[tuple[type[Any], str]] = [
        (sa.Boolean, "boolean"),
        (sa.Enum, "enum"),
        (sa.Integer, "integer"),
        (sa.DateTime, "datetime"),
        (sa.Date, "date"),
        (sa.Time, "time"),
        (sa.Interval, "interval"),
        (sa.Float, "float"),
        (sa.Numeric, "numeric"),
        (sa.JSON, "json"),
        (sa.LargeBinary, "binary"),
        (sa.Uuid, "uuid"),
        (sa.String, "string"),
    ]
    for kind in kinds:
        for family, tag in checks:
            if isinstance(kind, family):
                if tag == "uuid" and not getattr(kind, "as_uuid", True):
                    return "string"
                return tag
    raise TypeError(f"Column {column.table.name}.{column.name} has a type ({column.type!r}) the backup cannot carry.")


def tables() -> list[sa.Table]:
    """Every table of the models, parents before children (cycles broken where a key is ``use_alter``)."""
    return list(Base.metadata.sorted_tables)


def _order(table: sa.Table) -> list[sa.ColumnElement[Any]]:
    return list(table.primary_key.columns) or list(table.columns)


def _describe(table: sa.Table) -> list[dict[str, str]]:
    return [{"name": c.name, "type": _tag(c)} for c in table.columns]


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"


def _revision(connection: sa.Connection) -> str:
    try:
        versions = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    except sa.exc.DBAPIError as exc:
        raise InvalidInputError("The database has no Alembic revision: run `halal-trace db upgrade` first.") from exc
    if not versions:
        raise InvalidInputError("The database has no Alembic revision: run `halal-trace db upgrade` first.")
    return ",".join(sorted(versions))


@dataclass
class BackupSummary:
    """What an export wrote or an import restored."""

    revision: str
    rows: dict[str, int] = field(default_factory=dict)
    sha256: str = ""

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "alembic_revision": self.revision,
            "tables": len(self.rows),
            "rows": self.total,
            "sha256": self.sha256,
        }


def _begin_snapshot(connection: sa.Connection) -> None:
    """Read every table from one snapshot, so the backup is consistent while the service keeps writing."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    elif connection.dialect.name == "sqlite" and not getattr(
        connection.connection.dbapi_connection, "in_transaction", False
    ):
        # pysqlite starts no transaction for reads; an explicit one pins a WAL snapshot until rollback.
        connection.exec_driver_sql("BEGIN")


def export_all(session: Session, out: IO[str], *, now: dt.datetime | None = None) -> BackupSummary:
    """Write the whole database to `out` as a ``halal-trace/backup@1`` document, streaming table by table."""
    session.rollback()  # a fresh transaction, so the snapshot starts here
    connection = session.connection()
    try:
        _begin_snapshot(connection)
        summary = BackupSummary(revision=_revision(connection))
        every = tables()
        described = [
            {
                "name": t.name,
                "columns": _describe(t),
                "rows": connection.scalar(sa.select(sa.func.count()).select_from(t)) or 0,
            }
            for t in every
        ]
        digest = hashlib.sha256()

        def emit(value: Any) -> None:
            text = _line(value)
            digest.update(text.encode("utf-8"))
            out.write(text)

        emit(
            {
                "format": FORMAT,
                "alembic_revision": summary.revision,
                "created_at": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
                "source": connection.dialect.name,
                "tables": described,
            }
        )
        for table, description in zip(every, described, strict=True):
            emit({"table": table.name})
            summary.rows[table.name] = count = export_rows(connection, table, emit)
            if count != description["rows"]:
                raise RuntimeError(f"{table.name}: counted {description['rows']} rows but read {count}.")
        summary.sha256 = digest.hexdigest()
        out.write(_line({"end": FORMAT, "rows": summary.total, "sha256": summary.sha256}))
        return summary
    finally:
        session.rollback()


def export_rows(connection: sa.Connection, table: sa.Table, emit: Callable[[Any], None]) -> int:
    """Emit every row of `table` in key order as a list of encoded values, fetching CHUNK rows at a time."""
    codecs = [_CODECS[_tag(c)] for c in table.columns]
    selected: list[sa.ColumnElement[Any]] = [
        sa.type_coerce(c, codec.raw_type) if codec.raw_type is not None else c
        for c, codec in zip(table.columns, codecs, strict=True)
    ]
    # A JSON column reads SQL NULL and JSON null both as None; ask the database which one it holds.
    json_positions = [i for i, codec in enumerate(codecs) if codec.tag == "json"]
    selected += [table.columns[i].is_(None) for i in json_positions]
    query = sa.select(*selected).order_by(*_order(table)).execution_options(yield_per=CHUNK)
    width = len(table.columns)
    count = 0
    for row in connection.execute(query):
        sql_null = dict(zip(json_positions, row[width:], strict=True))
        values = []
        for i, (value, codec) in enumerate(zip(row[:width], codecs, strict=True)):
            if codec.tag == "json":
                values.append(None if sql_null[i] else codec.encode(value))
            else:
                values.append(None if value is None else codec.encode(value))
        emit(values)
        count += 1
    return count


def open_backup(path: Path, mode: Literal["rt", "wt"] = "rt", *, compress: bool | None = None) -> IO[str]:
    """Open a backup file as text, gzip when it is compressed (`compress`, else its name, when writing; its
    first bytes when reading)."""
    if mode == "wt":
        if compress if compress is not None else path.suffix == ".gz":
            return gzip.open(path, "wt", encoding="utf-8", newline="\n")
        return path.open("w", encoding="utf-8", newline="\n")
    with path.open("rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
    if compressed:
        return gzip.open(path, "rt", encoding="utf-8", newline="\n")
    return path.open("r", encoding="utf-8", newline="\n")


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        with open_backup(path) as handle:
            yield from enumerate(handle, start=1)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{path} cannot be read as a backup: {exc}") from exc


def _parse(number: int, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"Line {number} of the backup is not JSON: {exc}") from exc


def _check_integrity(path: Path) -> tuple[dict[str, Any], str]:
    """First pass: the header's format, the trailer and the checksum, before anything is written."""
    digest = hashlib.sha256()
    header: Any = None
    trailer: Any = None
    for number, text in _lines(path):
        if trailer is not None:
            raise InvalidInputError(f"Line {number} of the backup follows its end line.")
        if number == 1:
            try:
                header = json.loads(text)
            except json.JSONDecodeError:
                header = None
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise InvalidInputError(f"{path} is not a {FORMAT} document.")
        if text.startswith('{"end":'):
            trailer = _parse(number, text)
            continue
        digest.update(text.encode("utf-8"))
    if header is None:
        raise InvalidInputError(f"{path} is empty.")
    if not isinstance(trailer, dict) or trailer.get("end") != FORMAT:
        raise InvalidInputError("The backup has no end line: the file is truncated.")
    if trailer.get("sha256") != digest.hexdigest():
        raise InvalidInputError("The backup's SHA-256 does not match its content: the file was altered or damaged.")
    return dict(header), digest.hexdigest()


def _check_schema(header: dict[str, Any], target_revision: str) -> list[sa.Table]:
    """The backup must describe exactly the tables and columns of this database's revision."""
    if header.get("alembic_revision") != target_revision:
        raise InvalidInputError(
            f"The backup is of Alembic revision {header.get('alembic_revision')!r} but the database is at "
            f"{target_revision!r}: restore into a database migrated to the backup's revision."
        )
    every = tables()
    described = header.get("tables")
    if not isinstance(described, list) or [d.get("name") for d in described] != [t.name for t in every]:
        raise InvalidInputError("The backup's tables differ from this version's models.")
    for table, description in zip(every, described, strict=True):
        if description.get("columns") != _describe(table):
            raise InvalidInputError(f"The backup's columns of {table.name} differ from this version's models.")
    return every


def _check_empty(connection: sa.Connection, every: list[sa.Table]) -> None:
    """Refuse a target holding anything but what its migrations inserted, naming the tables that have rows."""
    filled = [
        table.name
        for table in every
        if [dict(r._mapping) for r in connection.execute(sa.select(table).order_by(*_order(table)).limit(2))]
        != PRISTINE.get(table.name, [])
    ]
    if filled:
        raise ConflictError(
            f"The target database is not empty (rows in {', '.join(filled)}): restore only into "
            "a freshly migrated database."
        )


def _deferred(table: sa.Table, position: dict[str, int]) -> list[str]:
    """Columns referring to this table or a later one (a cycle or self-reference): filled in after all inserts."""
    return [
        c.name
        for c in table.columns
        if any(position.get(fk.column.table.name, -1) >= position[table.name] for fk in c.foreign_keys)
    ]


class TableRestorer:
    """Inserts one table's rows in chunks, keeping the values of deferred foreign keys for later."""

    def __init__(self, connection: sa.Connection, table: sa.Table, deferred: list[str]) -> None:
        self.connection, self.table = connection, table
        self.names = [c.name for c in table.columns]
        self.codecs = [_CODECS[_tag(c)] for c in table.columns]
        self.deferred = deferred
        self.keys = [c.name for c in table.primary_key.columns]
        for name in deferred:
            if not table.columns[name].nullable:
                raise InvalidInputError(f"{table.name}.{name} closes a foreign-key cycle but is NOT NULL.")
        # Bind parameters of the codec's raw type (enum text) rather than the column's own.
        self.statement = sa.insert(table).values(
            {
                name: sa.bindparam(name, type_=codec.raw_type if codec.raw_type is not None else column.type)
                for name, codec, column in zip(self.names, self.codecs, table.columns, strict=True)
            }
        )
        self.buffer: list[dict[str, Any]] = []
        self.later: list[dict[str, Any]] = []
        self.count = 0

    def add(self, number: int, values: list[Any]) -> None:
        if len(values) != len(self.names):
            raise InvalidInputError(
                f"Line {number} of the backup has {len(values)} values; "
                f"{self.table.name} has {len(self.names)} columns."
            )
        row: dict[str, Any] = {}
        try:
            for name, codec, value in zip(self.names, self.codecs, values, strict=True):
                if value is None:
                    # A JSON column writes Python None as JSON null; SQL NULL must be asked for.
                    row[name] = sa.null() if codec.tag == "json" else None
                else:
                    row[name] = codec.decode(value)
        except (TypeError, ValueError, IndexError, ArithmeticError) as exc:
            raise InvalidInputError(
                f"Line {number} of the backup has a bad value for {self.table.name}: {exc}"
            ) from exc
        if self.deferred and any(row[name] is not None for name in self.deferred):
            self.later.append({**{f"k_{k}": row[k] for k in self.keys}, **{name: row[name] for name in self.deferred}})
            for name in self.deferred:
                row[name] = None
        self.buffer.append(row)
        self.count += 1
        if len(self.buffer) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self._execute(self.statement, self.buffer)
            self.buffer = []

    def _execute(self, statement: sa.Executable, rows: list[dict[str, Any]]) -> None:
        try:
            self.connection.execute(statement, rows)
        except sa.exc.IntegrityError as exc:
            # The whole restore is rolled back by the caller's transaction.
            raise InvalidInputError(
                f"Rows of {self.table.name} in the backup break a constraint of this "
                f"database: {str(exc.orig).splitlines()[0]}"
            ) from exc

    def finish(self) -> int:
        self.flush()
        return self.count

    def apply_deferred(self) -> None:
        """Fill in the foreign keys that pointed forward, once every row they may name exists."""
        if not self.later:
            return
        statement = (
            sa.update(self.table)
            .where(*(self.table.columns[k] == sa.bindparam(f"k_{k}") for k in self.keys))
            .values({name: sa.bindparam(name) for name in self.deferred})
        )
        for start in range(0, len(self.later), CHUNK):
            self._execute(statement, self.later[start : start + CHUNK])


def import_all(session: Session, path: Path) -> BackupSummary:
    """Restore a backup into an empty database of the same revision, in one transaction: all of it or nothing.

    Primary keys are kept; afterwards every sequence behind an integer key restarts above the largest key, so
    new records do not collide. Nothing is journaled: the journal arrives exactly as it was written.
    """
    header, sha256 = _check_integrity(path)
    with unit_of_work.writing(session):
        connection = session.connection()
        summary = BackupSummary(revision=_revision(connection), sha256=sha256)
        every = _check_schema(header, summary.revision)
        _check_empty(connection, every)
        for name in PRISTINE:
            connection.execute(sa.delete(Base.metadata.tables[name]))
        position = {t.name: i for i, t in enumerate(every)}
        pending = iter(every)
        restorers: list[TableRestorer] = []
        for number, text in _lines(path):
            if number == 1 or text.startswith('{"end":'):
                continue
            value = _parse(number, text)
            if isinstance(value, list):
                if not restorers:
                    raise InvalidInputError(f"Line {number} of the backup is a row before any table line.")
                restorers[-1].add(number, value)
                continue
            if not isinstance(value, dict) or "table" not in value:
                raise InvalidInputError(f"Line {number} of the backup is neither a table line nor a row.")
            table = next(pending, None)
            if table is None or value["table"] != table.name:
                raise InvalidInputError(f"Line {number} of the backup starts table {value['table']!r} out of order.")
            if restorers:
                restorers[-1].finish()
            restorers.append(TableRestorer(connection, table, _deferred(table, position)))
        if restorers:
            restorers[-1].finish()
        summary.rows = {r.table.name: r.count for r in restorers}
        for description in header["tables"]:
            found = summary.rows.get(description["name"], 0)
            if found != description.get("rows"):
                raise InvalidInputError(
                    f"The backup announces {description.get('rows')} rows of {description['name']} but holds {found}."
                )
        for restorer in restorers:
            restorer.apply_deferred()
        reset_sequences(connection)
    return summary


def reset_sequences(connection: sa.Connection) -> None:
    """Restart every sequence behind an integer key just above the largest key stored.

    SQLite needs nothing: a rowid key continues from the largest one, and AUTOINCREMENT's counter moves up
    with explicit keys too.
    """
    if connection.dialect.name != "postgresql":
        return
    preparer = connection.dialect.identifier_preparer
    for table in tables():
        column = table.autoincrement_column
        if column is None:
            continue
        sequence = connection.scalar(
            sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": preparer.format_table(table), "column": column.name},
        )
        if sequence is None:
            continue
        connection.execute(
            sa.select(sa.func.setval(sequence, sa.func.coalesce(sa.func.max(column), 0) + 1, False)).select_from(table)
        )
