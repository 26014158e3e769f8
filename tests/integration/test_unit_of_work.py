"""Use cases made of use cases (a spreadsheet import) stay one transaction: all stored, or nothing; rows enlisted
from outside the service layer (an Idempotency-Key) share the fate of the next write."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import IdempotencyRecord, JournalEntry, Supplier
from tests.helpers import OPERATOR
from traceability.service import records, unit_of_work
from traceability.service.unit_of_work import enlist, writing


def test_a_failure_after_nested_writes_rolls_all_of_them_back(session, world):
    before = session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))

    def import_three_rows() -> None:
        with writing(session):
            for name in ("PT Satu", "PT Dua"):
                records.create_record(
                    session, OPERATOR, "suppliers", {"name": name, "kind": "manufacturer"}, business_id=world.business_a
                )
            raise RuntimeError("the third row failed")

    with pytest.raises(RuntimeError):
        import_three_rows()

    assert session.scalar(sa.select(sa.func.count()).select_from(Supplier)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == before


def test_nested_writes_commit_once_with_the_outer_block(session, world):
    with writing(session):
        records.create_record(
            session, OPERATOR, "suppliers", {"name": "PT Satu", "kind": "manufacturer"}, business_id=world.business_a
        )
        assert session.info.get("writing") is True

    assert "writing" not in session.info
    assert session.scalar(sa.select(sa.func.count()).select_from(Supplier)) == 1


def test_a_write_is_refused_while_no_before_commit_hooks_are_installed(session, world, monkeypatch):
    monkeypatch.setattr(unit_of_work, "_before_commit", None)  # as in a script that never called service.install()

    with pytest.raises(RuntimeError, match="install"):
        records.create_record(
            session, OPERATOR, "suppliers", {"name": "PT Satu", "kind": "manufacturer"}, business_id=world.business_a
        )

    assert session.scalar(sa.select(sa.func.count()).select_from(Supplier)) == 0


def test_an_enlisted_row_commits_with_the_next_write(session, world):
    key = IdempotencyRecord(user_id=world.users["producer_a"], key="k-1", fingerprint="f" * 64)
    enlist(session, key)
    assert sa.inspect(key).transient  # nothing stored until a write happens

    records.create_record(
        session, OPERATOR, "suppliers", {"name": "PT Satu", "kind": "manufacturer"}, business_id=world.business_a
    )

    assert sa.inspect(key).persistent
    assert session.scalar(sa.select(sa.func.count()).select_from(IdempotencyRecord)) == 1


def test_an_enlisted_row_vanishes_with_a_failed_write(session, world):
    enlist(session, IdempotencyRecord(user_id=world.users["producer_a"], key="k-1", fingerprint="f" * 64))

    def failing_write() -> None:
        with writing(session):
            records.create_record(
                session,
                OPERATOR,
                "suppliers",
                {"name": "PT Satu", "kind": "manufacturer"},
                business_id=world.business_a,
            )
            raise RuntimeError("the write failed")

    with pytest.raises(RuntimeError):
        failing_write()

    assert session.scalar(sa.select(sa.func.count()).select_from(IdempotencyRecord)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Supplier)) == 0
