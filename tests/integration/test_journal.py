"""The journal: every write appends a chained entry; tampering behind the service's back is caught."""

import pytest
import sqlalchemy as sa

from models import JournalEntry, JournalHead, Supplier
from tests.helpers import OPERATOR, example
from traceability.service import dossiers, journal, records


def behind_the_back(session, statement):
    """Change the database on a connection of its own, as someone with database access would."""
    session.rollback()
    with session.get_bind().begin() as connection:
        connection.execute(sa.text(statement) if isinstance(statement, str) else statement)


@pytest.fixture
def stored(session, world):
    dossiers.import_dossier(session, OPERATOR, example("rendang-ok"))
    supplier = session.scalar(sa.select(Supplier).where(Supplier.ref == "sup-rph"))
    records.update_record(session, OPERATOR, "suppliers", supplier.id, {"name": "RPH Tanjung Uncang"})
    return session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))


def test_an_untouched_chain_verifies(session, stored):
    report = journal.verify(session)

    assert report.ok
    assert report.entries == stored


def test_corrections_are_new_entries_and_history_keeps_the_old_value(session, stored):
    supplier = session.scalar(sa.select(Supplier).where(Supplier.ref == "sup-rph"))

    history = session.scalars(
        sa.select(JournalEntry).where(JournalEntry.subject == f"supplier:{supplier.id}").order_by(JournalEntry.seq)
    ).all()

    assert [e.action for e in history] == ["create", "update"]
    assert history[0].payload["name"] == "PT Barelang Potong Hewan (RPH Tanjung Uncang)"
    assert history[1].payload["name"] == "RPH Tanjung Uncang"


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ("UPDATE journal_entry SET actor = 'user:99' WHERE seq = 7", "stored hash does not match the entry"),
        (
            "UPDATE journal_entry SET payload_digest = '" + "a" * 64 + "' WHERE seq = 7",
            "payload does not match its digest",
        ),
        ("DELETE FROM journal_entry WHERE seq = 7", "sequence jumps from 6 to 8"),
    ],
)
def test_editing_a_row_behind_the_services_back_is_caught_at_that_row(session, stored, tamper, reason):
    behind_the_back(session, tamper)

    report = journal.verify(session)

    assert not report.ok
    assert report.first_broken in (7, 8)
    assert report.reason == reason


def test_rewriting_a_payload_is_caught(session, stored):
    behind_the_back(session, sa.update(JournalEntry).where(JournalEntry.seq == 5).values(payload={"name": "forged"}))

    report = journal.verify(session)

    assert (report.ok, report.first_broken) == (False, 5)


def test_truncating_the_tail_is_caught(session, stored):
    behind_the_back(session, sa.delete(JournalEntry).where(JournalEntry.seq == stored))

    report = journal.verify(session)

    assert not report.ok
    assert report.first_broken == stored


def test_the_head_names_the_last_entry(session, stored):
    head = session.get(JournalHead, 1)
    last = session.scalar(sa.select(JournalEntry).order_by(JournalEntry.seq.desc()))

    assert (head.last_seq, head.last_hash) == (last.seq, last.hash)
