"""The journal as a transparency log: entries sealed into a Merkle tree under signed checkpoints, and every way of
rewriting history behind the service's back caught by `journal verify --checkpoint` given an older checkpoint."""

import json

import pytest
import sqlalchemy as sa

from api.cli import cli
from api.signing import journal_keys
from models import JournalCheckpoint, JournalEntry, JournalNode, Supplier
from tests.helpers import OPERATOR, example
from traceability import checkpoints, merkle
from traceability.journal import digest
from traceability.service import dossiers, journal, records


def behind_the_back(session, *statements):
    """Change the database on a connection of its own, as someone with database access would."""
    session.rollback()
    with session.get_bind().begin() as connection:
        for statement in statements:
            connection.execute(sa.text(statement) if isinstance(statement, str) else statement)


@pytest.fixture
def keys(app):
    with app.app_context():
        return journal_keys()


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def stored(session, world, keys):
    dossiers.import_dossier(session, OPERATOR, example("rendang-ok"))
    journal.seal(session, keys)
    supplier = session.scalar(sa.select(Supplier).where(Supplier.ref == "sup-rph"))
    records.update_record(session, OPERATOR, "suppliers", supplier.id, {"name": "RPH Tanjung Uncang"})
    journal.seal(session, keys)
    return session.scalar(sa.select(sa.func.count()).select_from(JournalEntry))


@pytest.fixture
def saved(stored, session, tmp_path):
    """The newest checkpoint as a witness saved it, in a file."""
    path = tmp_path / "checkpoint.txt"
    path.write_text(journal.newest_checkpoint(session).note)
    return path


def test_an_untouched_log_verifies_against_its_checkpoints(session, stored, keys, saved):
    report = journal.verify(session, keys, [("saved", saved.read_text())])

    assert report.ok, report.reason
    assert (report.entries, report.size, report.pending) == (stored, stored, 0)
    assert [c.as_json()["ok"] for c in report.checkpoints] == [True]
    assert session.scalar(sa.select(sa.func.count()).select_from(JournalCheckpoint)) == 2


def test_sealing_is_idempotent_and_signs_the_tree_root(session, stored, keys):
    size, root, new = journal.seal(session, keys)

    note = checkpoints.verify(journal.newest_checkpoint(session).note, keys.origin, keys.public)
    leaves = [journal.fields_of(e).leaf() for e in session.scalars(sa.select(JournalEntry).order_by("leaf_index"))]
    assert (size, new) == (stored, False)
    assert note.checkpoint == checkpoints.Checkpoint(keys.origin, size, root)
    assert root == merkle.MemoryTree(leaves).root()


def test_entries_wait_unsealed_until_the_sealer_runs(session, stored, keys):
    supplier = session.scalar(sa.select(Supplier).where(Supplier.ref == "sup-rph"))
    records.update_record(session, OPERATOR, "suppliers", supplier.id, {"name": "RPH Batam"})

    before = journal.verify(session, keys)
    journal.seal(session, keys)
    after = journal.verify(session, keys)

    assert (before.ok, before.entries, before.size, before.pending) == (True, stored + 1, stored, 1)
    assert (after.ok, after.size, after.pending) == (True, stored + 1, 0)


def test_corrections_are_new_entries_and_history_keeps_the_old_value(session, stored):
    supplier = session.scalar(sa.select(Supplier).where(Supplier.ref == "sup-rph"))

    history = session.scalars(
        sa.select(JournalEntry).where(JournalEntry.subject == f"supplier:{supplier.id}").order_by(JournalEntry.seq)
    ).all()

    assert [e.action for e in history] == ["create", "update"]
    assert history[0].payload["name"] == "PT Barelang Potong Hewan (RPH Tanjung Uncang)"
    assert history[1].payload["name"] == "RPH Tanjung Uncang"


def _resealed_from(session, keys):
    """What a forger with database access and the signing key does: recompute every leaf, node and checkpoint."""
    session.rollback()
    with session.get_bind().begin() as connection:
        connection.execute(sa.delete(JournalNode))
        connection.execute(sa.delete(JournalCheckpoint))
        connection.execute(sa.update(JournalEntry).values(leaf_index=None))
    journal.seal(session, keys)


TAMPERING = {
    "edited payload": ['UPDATE journal_entry SET payload = \'{"name": "forged"}\' WHERE seq = 5'],
    "edited payload and digest": [
        sa.update(JournalEntry)
        .where(JournalEntry.seq == 5)
        .values(payload={"name": "forged"}, payload_digest=digest({"name": "forged"}))
    ],
    "edited time": ["UPDATE journal_entry SET at = '2020-01-01T00:00:00.000000+00:00' WHERE seq = 7"],
    "edited business_id": ["UPDATE journal_entry SET business_id = 2 WHERE seq = 1"],
    "edited actor_id": ["UPDATE journal_entry SET actor_id = 1 WHERE seq = 7"],
    "deleted middle": ["DELETE FROM journal_entry WHERE seq = 7"],
    "truncated tail": ["DELETE FROM journal_entry WHERE seq = (SELECT max(seq) FROM journal_entry)"],
}


@pytest.mark.parametrize("statements", TAMPERING.values(), ids=TAMPERING.keys())
def test_editing_rows_behind_the_services_back_is_caught(session, stored, saved, run, statements):
    behind_the_back(session, *statements)

    result = run("journal", "verify", "--checkpoint", str(saved), "--json")

    report = json.loads(result.output)
    assert result.exit_code == 1
    assert report["ok"] is False
    assert report["first_broken"] is not None or report["first_inconsistent"] == str(saved)


@pytest.mark.parametrize("seq", [5, 7])
def test_a_changed_entry_is_named(session, stored, keys, seq):
    behind_the_back(session, f"UPDATE journal_entry SET actor_id = 1 WHERE seq = {seq}")

    report = journal.verify(session, keys)

    assert (report.ok, report.first_broken) == (False, seq)
    assert report.reason == "the entry does not match its leaf in the tree"


def test_deleting_the_tail_with_the_tree_and_checkpoints_cut_back_is_caught_by_an_older_checkpoint(
    session, stored, keys, saved, run
):
    behind_the_back(session, sa.delete(JournalEntry).where(JournalEntry.leaf_index >= stored - 3))
    _resealed_from(session, keys)

    alone = journal.verify(session, keys)
    result = run("journal", "verify", "--checkpoint", str(saved), "--json")

    report = json.loads(result.output)
    assert alone.ok  # consistent in itself: only a checkpoint kept elsewhere shows what was lost
    assert (result.exit_code, report["first_inconsistent"]) == (1, str(saved))
    assert "log holds" in report["checkpoints"][0]["reason"]


def test_a_full_consistent_rewrite_is_caught_by_an_older_checkpoint(session, stored, keys, saved, run):
    behind_the_back(
        session,
        sa.update(JournalEntry)
        .where(JournalEntry.seq == 3)
        .values(payload={"name": "forged"}, payload_digest=digest({"name": "forged"})),
    )
    _resealed_from(session, keys)

    alone = journal.verify(session, keys)
    result = run("journal", "verify", "--checkpoint", str(saved), "--json")

    report = json.loads(result.output)
    assert alone.ok  # every hash and signature recomputed: nothing inside the database disagrees
    assert (result.exit_code, report["first_inconsistent"]) == (1, str(saved))
    assert "no longer give its root" in report["checkpoints"][0]["reason"]


def test_verify_names_the_first_inconsistent_of_several_checkpoints(session, stored, keys, tmp_path, run):
    notes = [row.note for row in journal.history(session)]
    files = []
    for i, note in enumerate(notes):
        files.append(tmp_path / f"c{i}.txt")
        files[-1].write_text(note)
    behind_the_back(session, sa.delete(JournalEntry).where(JournalEntry.leaf_index == stored - 1))
    _resealed_from(session, keys)

    report = json.loads(run("journal", "verify", *sum((["--checkpoint", str(f)] for f in files), []), "--json").output)

    assert [c["ok"] for c in report["checkpoints"]] == [True, False]
    assert report["first_inconsistent"] == str(files[1])


def test_a_forged_or_foreign_checkpoint_is_refused(session, stored, keys, saved, tmp_path, run):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    point = checkpoints.parse(saved.read_text()).checkpoint
    forged = tmp_path / "forged.txt"
    forged.write_text(checkpoints.sign(point, keys.origin, Ed25519PrivateKey.generate()))
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("not a note")

    report = json.loads(
        run("journal", "verify", "--checkpoint", str(forged), "--checkpoint", str(garbage), "--json").output
    )

    assert [c["ok"] for c in report["checkpoints"]] == [False, False]
    assert report["first_inconsistent"] == str(forged)


def test_a_cosigned_checkpoint_verifies_and_names_its_witness(session, stored, keys, saved, tmp_path, run):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    witness = Ed25519PrivateKey.generate()
    cosigned = tmp_path / "cosigned.txt"
    cosigned.write_text(checkpoints.cosign(saved.read_text(), "witness.example/bpjph", witness, 1764640000))
    vkey = checkpoints.verifier_key("witness.example/bpjph", witness.public_key(), checkpoints.COSIGNATURE)

    report = json.loads(run("journal", "verify", "--checkpoint", str(cosigned), "--witness", vkey, "--json").output)

    assert report["ok"] is True
    assert report["checkpoints"][0]["cosigned_by"] == ["witness.example/bpjph"]


def test_page_views_check_from_the_last_verified_checkpoint(session, stored, keys):
    first, trusted = journal.check_recent(session, keys, None)
    supplier = session.scalar(sa.select(Supplier).where(Supplier.ref == "sup-rph"))
    records.update_record(session, OPERATOR, "suppliers", supplier.id, {"name": "RPH Batam"})
    journal.seal(session, keys)
    # An old entry edited behind the back: the incremental check does not reread it (the full one does).
    behind_the_back(session, "UPDATE journal_entry SET at = 'x' WHERE seq = 2")

    second, trusted_next = journal.check_recent(session, keys, trusted)

    assert first.ok
    assert second.ok
    assert (trusted[0], trusted_next[0], second.entries) == (stored, stored + 1, stored + 1)
    assert not journal.verify(session, keys).ok


def test_page_views_catch_a_change_to_entries_sealed_since(session, stored, keys):
    _, trusted = journal.check_recent(session, keys, None)
    supplier = session.scalar(sa.select(Supplier).where(Supplier.ref == "sup-rph"))
    records.update_record(session, OPERATOR, "suppliers", supplier.id, {"name": "RPH Batam"})
    journal.seal(session, keys)
    behind_the_back(session, f"UPDATE journal_entry SET actor_id = 1 WHERE leaf_index = {stored}")

    report, trusted_next = journal.check_recent(session, keys, trusted)

    assert not report.ok
    assert trusted_next is None
