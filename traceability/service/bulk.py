"""Storing many rows of one table at once, as fast as the database takes them, inside the caller's transaction.

An import of a city's registry writes tens of thousands of businesses, ten times as many search words and one
journal entry per business. Through SQLAlchemy each row costs its parameter processing, and on PostgreSQL an
``executemany`` becomes paged multi-row INSERTs that the server parses again page after page. PostgreSQL's
``COPY … FROM STDIN`` streams the rows instead, and on SQLite the driver's own ``executemany`` of one prepared
statement is the fastest way in. Either way the values pass through each column type's bind processor first, so
what is stored is exactly what an ORM or Core INSERT would have stored (enum names, JSON text, timestamps).

Nothing is returned: callers that need the new keys read them back by a unique column in one query.

Reading many keys back is the other half: one ``IN`` list per statement would pass PostgreSQL's limit of
65,535 bound parameters when a change reaches a city's worth of records, so :func:`scalars_in` and
:func:`rows_in` look keys up :data:`IN_CHUNK` at a time (SQLite is held to the same limit, so the tests
on it fail where PostgreSQL would).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, Session

__all__ = ["IN_CHUNK", "chunks", "insert_rows", "rows_in", "scalars_in"]

IN_CHUNK = 5000
"""Keys per ``IN`` list: far below the parameter limit, large enough that a statement's round trip is amortised."""

_Key = TypeVar("_Key", int, str)
_Query = sa.Select[*tuple[Any, ...]]
_Column = sa.ColumnElement[Any] | QueryableAttribute[Any]


def chunks(keys: Iterable[_Key], size: int = IN_CHUNK) -> Iterator[list[_Key]]:
    """The distinct `keys` in order, `size` at a time."""
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def scalars_in(session: Session, query: _Query, column: _Column, keys: Iterable[Any]) -> set[Any]:
    """The first column of `query` over the rows whose `column` is one of `keys`, a chunk of keys a statement."""
    found: set[Any] = set()
    for chunk in chunks(keys):
        found.update(session.scalars(query.where(column.in_(chunk))))
    return found


def rows_in(session: Session, query: _Query, column: _Column, keys: Iterable[Any]) -> list[Any]:
    """The rows of `query` whose `column` is one of `keys`, a chunk of keys a statement (in chunk order)."""
    return [row for chunk in chunks(keys) for row in session.execute(query.where(column.in_(chunk)))]


def _processors(table: sa.Table, names: Sequence[str], dialect: sa.Dialect) -> list[Callable[[Any], Any] | None]:
    return [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]


def _converted(
    rows: Sequence[Mapping[str, Any]], names: Sequence[str], processors: Sequence[Callable[[Any], Any] | None]
) -> list[tuple[Any, ...]]:
    if not any(processors):
        return [tuple(row[name] for name in names) for row in rows]
    pairs = list(zip(names, processors, strict=True))
    return [
        tuple(row[name] if process is None or row[name] is None else process(row[name]) for name, process in pairs)
        for row in rows
    ]


def insert_rows(session: Session, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (mappings with the same keys; omitted columns take their defaults) into `table`.

    Pending ORM changes are flushed first, so the rows land after them, as a Core INSERT in their place would.
    """
    if not rows:
        return
    names = list(rows[0])
    if session.new or session.dirty or session.deleted:
        session.flush()
    connection = session.connection()
    dialect = connection.dialect
    copying = dialect.name == "postgresql" and dialect.driver == "psycopg"
    if not copying and dialect.paramstyle != "qmark":  # another driver: the ordinary Core executemany
        connection.execute(table.insert(), list(rows))
        return
    values = _converted(rows, names, _processors(table, names, dialect))
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    target = dialect.identifier_preparer.format_table(table)
    if copying:
        driver = connection.connection.driver_connection
        assert driver is not None  # a checked-out connection always has one
        statement = f"COPY {target} ({columns}) FROM STDIN"
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in values:
                    copy.write_row(row)
        except dialect.loaded_dbapi.Error as error:  # as SQLAlchemy would raise it: IntegrityError and the rest
            raise sa.exc.DBAPIError.instance(statement, None, error, dialect.loaded_dbapi.Error) from error
        return
    marks = ", ".join("?" for _ in names)
    connection.exec_driver_sql(f"INSERT INTO {target} ({columns}) VALUES ({marks})", values)
