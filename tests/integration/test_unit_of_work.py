"""Use cases made of use cases (a spreadsheet import) stay one transaction: all stored, or nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import JournalEntry, Supplier
from tests.helpers import OPERATOR
from traceability.service import records
from traceability.service.unit_of_work import writing


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
