"""The journal's public face: the newest checkpoint, the kept history with the log's keys, RFC 9162 proofs over
HTTP, and the verify JSON naming the entries behind a code's status with proofs a marketplace can check."""

import base64

import pytest
import sqlalchemy as sa

from models import JournalEntry
from tests.helpers import issue, log_keys
from traceability import checkpoints, merkle
from traceability.service import journal


@pytest.fixture
def sealed(app, client, filled, session):
    code = issue(client, filled)
    journal.seal(session, log_keys(app))
    return code


def _hex(items):
    return [bytes.fromhex(h) for h in items]


def test_the_newest_checkpoint_is_a_signed_note_anyone_can_check(app, client, sealed):
    answer = client.get("/.well-known/halal-trace/checkpoint")
    keys = log_keys(app)

    note = checkpoints.verify(answer.get_data(as_text=True), keys.origin, keys.public)
    assert answer.mimetype == "text/plain"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert note.checkpoint.origin == "trace.test/journal"
    again = client.get("/.well-known/halal-trace/checkpoint", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304


def test_the_history_gives_every_checkpoint_and_the_keys_to_check_them(app, client, session, sealed):
    journal.seal(session, log_keys(app))  # nothing new: no second checkpoint
    body = client.get("/.well-known/halal-trace/checkpoints").json
    keys = [checkpoints.parse_verifier_key(k) for k in body["verifier_keys"]]

    assert [c["size"] for c in body["checkpoints"]] == [journal.tree_size(session)]
    checkpoints.verify(body["checkpoints"][0]["note"], keys[0][0], [key for _, _, key in keys])
    assert client.get("/.well-known/halal-trace/checkpoints?after=x").status_code == 422
    assert (
        client.get(f"/.well-known/halal-trace/checkpoints?after={body['checkpoints'][0]['size']}").json["checkpoints"]
        == []
    )


def test_inclusion_proofs_lead_every_entry_to_the_signed_root(app, client, session, sealed):
    size = journal.tree_size(session)
    root = base64.b64decode(client.get("/.well-known/halal-trace/checkpoint").get_data(as_text=True).split("\n")[2])
    for entry in session.scalars(sa.select(JournalEntry).order_by(JournalEntry.seq)):
        proof = client.get(f"/api/v1/journal/proofs/inclusion?seq={entry.seq}").json
        assert (proof["size"], proof["index"], bytes.fromhex(proof["root"])) == (size, entry.leaf_index, root)
        assert bytes.fromhex(proof["leaf_hash"]) == journal.fields_of(entry).leaf()
        merkle.verify_inclusion(proof["index"], size, journal.fields_of(entry).leaf(), _hex(proof["hashes"]), root)


def test_consistency_proofs_show_the_log_only_grew(app, client, session, sealed, filled):
    first = journal.tree_size(session)
    issue(client, filled)
    journal.seal(session, log_keys(app))

    proof = client.get(f"/api/v1/journal/proofs/consistency?from={first}").json
    older = client.get(f"/api/v1/journal/proofs/inclusion?seq=1&size={first}").json

    assert proof["from"] == first
    assert proof["size"] == journal.tree_size(session) > first
    assert proof["from_root"] == older["root"]
    merkle.verify_consistency(
        first, proof["size"], bytes.fromhex(proof["from_root"]), bytes.fromhex(proof["root"]), _hex(proof["hashes"])
    )


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("inclusion?seq=1&size=999999", 422),
        ("inclusion?seq=999999", 404),
        ("inclusion?seq=x", 422),
        ("inclusion?seq=1&colour=red", 400),
        ("consistency?from=5&to=4", 422),
        ("consistency?from=-1", 422),
    ],
)
def test_bad_proof_requests_are_problems(client, sealed, query, status):
    answer = client.get(f"/api/v1/journal/proofs/{query}")

    assert answer.status_code == status
    assert answer.mimetype == "application/problem+json"


def _assert_proven(section):
    """Every entry of a verify JSON's journal section leads to its signed root."""
    for entry in section["entries"]:
        merkle.verify_inclusion(
            entry["index"],
            section["size"],
            bytes.fromhex(entry["leaf_hash"]),
            _hex(entry["hashes"]),
            bytes.fromhex(section["root"]),
        )


def test_the_verify_json_names_the_entries_behind_the_status_with_their_proofs(client, sealed):
    body = client.get(f"/api/v1/verify/{sealed['code']}").json["journal"]

    actions = {e["action"] for e in body["entries"]}
    assert "code.issue" in actions
    assert {e["subject"] for e in body["entries"]} <= {f"code:{sealed['code']}", f"batch:{sealed['batch']}"}
    _assert_proven(body)


def test_codes_of_one_batch_show_the_same_proofs_as_a_section_computed_afresh(app, client, session, filled):
    """The batch's entries are proven once per checkpoint for all its codes (a memo by tree size and leaf): every
    code's section still equals one computed with no memo, and every proof leads to the signed root."""
    first = issue(client, filled, count=3)
    journal.seal(session, log_keys(app))
    subjects = [f"code:{first['code']}", f"batch:{first['batch']}"]
    early = client.get(f"/api/v1/verify/{first['code']}").json["journal"]  # the memo holds this tree's proofs
    assert early == journal.entries_with_proofs(session, subjects)
    later = issue(client, filled, count=2)  # more entries, a larger tree: the memo's older proofs no longer apply
    journal.seal(session, log_keys(app))
    for code in (first["code"], later["code"]):
        shown = client.get(f"/api/v1/verify/{code}").json["journal"]
        assert shown == journal.entries_with_proofs(session, [f"code:{code}", f"batch:{first['batch']}"])
        assert shown["size"] > early["size"]
        _assert_proven(shown)
    _assert_proven(early)


def test_a_proof_reads_its_nodes_by_the_primary_key_not_by_scanning_the_tree(app, session):
    """The nodes of a proof are found by their key: a scan of journal_node made every scan of a code cost the
    size of the whole log."""
    connection = session.connection()
    values = {f"{name}{k}": k for k in range(3) for name in ("l", "i")}
    query = journal._nodes_query(3).params(values).compile(connection, compile_kwargs={"literal_binds": True})
    if connection.dialect.name == "sqlite":
        details = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}")]
        assert not any(d.startswith("SCAN journal_node") for d in details), details
        assert any("USING INDEX" in d or "USING PRIMARY KEY" in d for d in details), details
    else:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a tiny table: can an index serve it at all?
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {query}"))
        assert "Seq Scan" not in plan, plan
