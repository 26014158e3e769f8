"""Bulk inserts (COPY on PostgreSQL, the driver's executemany on SQLite) store exactly what a Core INSERT stores."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Business, JournalEntry, table_of
from traceability.service.bulk import insert_rows
from traceability.vocabulary import BusinessScale

_BUSINESS = table_of(Business)
_JOURNAL = table_of(JournalEntry)
_AT = dt.datetime(2026, 11, 30, 23, 59, 58, 123456, tzinfo=dt.UTC)


def _business(nib: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "nib": nib,
        "name": 'Kedai Ibu Sri, "Tab"\there\\ and a line\nbreak',  # COPY's own escapes
        "scale": BusinessScale.MICRO,
        "annual_turnover_idr": None,
        "owner": "Srí Wáhyuni",
        "country": "ID",
        "version": 1,
        "created_at": _AT,
        "supervisor_muslim": True,
        "supervisor_trained_on": dt.date(2026, 1, 2),
    }
    return {**row, **extra}


def _stored(session: Session, nib: str) -> dict[str, Any]:
    row = session.execute(sa.select(_BUSINESS).where(_BUSINESS.c.nib == nib)).mappings().one()
    return {k: v for k, v in row.items() if k != "id"}


def test_a_bulk_insert_stores_what_a_core_insert_stores(session: Session) -> None:
    session.execute(_BUSINESS.insert(), [_business("1111111111111")])
    insert_rows(session, _BUSINESS, [_business("2222222222222"), _business("3333333333333", annual_turnover_idr=7)])
    core, bulk = _stored(session, "1111111111111"), _stored(session, "2222222222222")
    assert {**core, "nib": None} == {**bulk, "nib": None}
    assert bulk["scale"] is BusinessScale.MICRO
    assert bulk["owner"] == "Srí Wáhyuni"
    assert _stored(session, "3333333333333")["annual_turnover_idr"] == 7


def test_json_goes_in_as_the_json_column_would_write_it(session: Session) -> None:
    payload = {"a": [1, 2.5, None, True], "kata": "halal ✓", "nested": {"x": "\\\t\n"}}
    common = {"at": "2026-12-01T00:00:00+00:00", "actor": "t", "action": "x", "payload_digest": "0" * 64}
    session.execute(_JOURNAL.insert(), [{**common, "subject": "core", "payload": payload}])
    insert_rows(session, _JOURNAL, [{**common, "subject": "bulk", "payload": payload}])
    text = sa.cast(_JOURNAL.c.payload, sa.Text)
    stored: dict[str, str] = dict(
        session.execute(sa.select(_JOURNAL.c.subject, text).where(_JOURNAL.c.action == "x")).all()
    )
    assert stored["core"] == stored["bulk"]
    seqs = session.scalars(sa.select(_JOURNAL.c.seq).where(_JOURNAL.c.action == "x").order_by(_JOURNAL.c.seq)).all()
    assert len(seqs) == 2
    assert seqs[0] < seqs[1]


def test_a_refused_row_refuses_the_whole_insert_and_nothing_is_kept(session: Session) -> None:
    before = session.scalar(sa.select(sa.func.count()).select_from(_BUSINESS))
    try:
        with session.begin_nested():
            insert_rows(session, _BUSINESS, [_business("4444444444444"), _business("123")])  # nib_13_digits
    except sa.exc.DBAPIError:
        pass
    else:
        raise AssertionError("the check constraint was not enforced")
    assert session.scalar(sa.select(sa.func.count()).select_from(_BUSINESS)) == before


def test_pending_orm_changes_are_flushed_first(session: Session) -> None:
    session.add(Business(nib="5555555555555", name="Lebih dulu", scale=BusinessScale.MICRO))
    insert_rows(session, _BUSINESS, [_business("6666666666666")])
    first = session.scalar(sa.select(_BUSINESS.c.id).where(_BUSINESS.c.nib == "5555555555555"))
    later = session.scalar(sa.select(_BUSINESS.c.id).where(_BUSINESS.c.nib == "6666666666666"))
    assert first is not None
    assert later is not None
    assert first < later
