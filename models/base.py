"""Declarative base shared by every model: naming convention and column types."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from traceability import vocabulary as v

# Stable constraint names, so Alembic can alter and drop them later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Column default: the current time, timezone-aware."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """A timezone-aware timestamp on every database: SQLite keeps no offset, so values read back are
    marked UTC (what we always write), and API times are RFC 3339 with their offset."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


def _enum_type(enum_class: type[enum.Enum]) -> sa.Enum:
    # Store values ("self_declare"), not names, in a plain VARCHAR: adding a member needs no migration.
    return sa.Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class Base(DeclarativeBase):
    """Base class of all models."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {
        **{e: _enum_type(e) for e in (getattr(v, name) for name in v.__all__)},
        dt.datetime: UTCDateTime(),
        Decimal: sa.Numeric(18, 6),
        str: sa.String(255),
    }


def table_of(model: type[Base]) -> sa.Table:
    """The table `model` maps, for Core statements (the ORM types ``__table__`` as any selectable)."""
    table = model.__table__
    if not isinstance(table, sa.Table):
        raise TypeError(f"{model.__name__} maps {table!r}, not a table")
    return table


class Versioned:
    """Mixin: an optimistic-lock version counter, so concurrent edits cannot silently overwrite."""

    version: Mapped[int] = mapped_column(default=1)

    if TYPE_CHECKING:
        # Declared by each versioned model: an integer key, and (by the time the directive below runs) its table.
        id: Mapped[int]
        __table__: ClassVar[sa.FromClause]

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class Voidable:
    """Mixin: a record withdrawn by a journaled correction (void) keeps its row and history but leaves every
    current graph; lists leave it out unless asked."""

    voided_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    void_reason: Mapped[str | None] = mapped_column(sa.String(500))
