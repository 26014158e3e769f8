"""A witness (tools/witness.py) cosigns the journal's checkpoints over HTTP, refuses a rewritten history, and the
operator's ``journal verify --witness`` checks what it cosigned."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.signing import journal_keys
from tests.helpers import EXAMPLES
from traceability import checkpoints
from traceability.checkpoints import Checkpoint
from traceability.witness import ForkError, witness

_spec = importlib.util.spec_from_file_location("witness_tool", Path(__file__).parents[2] / "tools" / "witness.py")
assert _spec is not None
assert _spec.loader is not None
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)


@pytest.fixture
def observe(client, tmp_path):
    """Run the witness tool as cron would, over the app's HTTP answers; its exit code."""

    def fetch(path: str) -> bytes:
        response = client.get(path)
        assert response.status_code == 200, response.data
        return response.data

    def go() -> int:
        pinned = [
            a
            for key in client.get("/.well-known/halal-trace/checkpoints").json["verifier_keys"]
            for a in ("--log-key", key)
        ]
        args = ["observe", "--url", "https://trace.test", *pinned, "--name", "witness.test"]
        return tool.main([*args, "--key", str(tmp_path / "w.pem"), "--state", str(tmp_path / "seen")], fetch=fetch)

    return go


def test_the_witness_cosigns_each_extension_and_the_operator_checks_it(run, tmp_path, observe, capsys):
    witness_key = tool.keygen("witness.test", tmp_path / "w.pem")
    assert oct((tmp_path / "w.pem").stat().st_mode)[-3:] == "600"
    run("codes", "rotate-key")  # a ring of several keys: the witness pins them all
    run("import", str(EXAMPLES / "rendang-ok.json"))
    run("journal", "seal")

    assert observe() == 0
    first = (tmp_path / "seen" / "latest.note").read_text()
    run("import", str(EXAMPLES / "kue-lapis-gelatin.json"))  # more entries: the tree grows
    run("journal", "seal")
    assert observe() == 0
    second = (tmp_path / "seen" / "latest.note").read_text()
    assert checkpoints.parse(second).checkpoint.size > checkpoints.parse(first).checkpoint.size

    capsys.readouterr()
    saved = tmp_path / "cosigned.note"
    saved.write_text(second)
    report = json.loads(run("journal", "verify", "--checkpoint", str(saved), "--witness", witness_key, "--json").output)
    assert report["ok"] is True
    assert report["checkpoints"][-1]["cosigned_by"] == ["witness.test"]


def test_the_witness_refuses_a_log_that_was_cut_back(app, run, tmp_path, observe, capsys):
    tool.keygen("witness.test", tmp_path / "w.pem")
    run("import", str(EXAMPLES / "rendang-ok.json"))
    run("journal", "seal")
    with app.app_context():
        keys = journal_keys()
    assert keys.signing is not None
    size = int(run("journal", "checkpoint").output.split("\n")[1])
    # What the witness cosigned before: the same log key signing a longer tree than the log now shows.
    seen = checkpoints.sign(Checkpoint(keys.origin, size + 1, b"\x07" * 32), keys.origin, keys.signing)
    (tmp_path / "seen").mkdir()
    (tmp_path / "seen" / "latest.note").write_text(seen)

    assert observe() == 2
    assert "cut back" in capsys.readouterr().err
    assert (tmp_path / "seen" / "latest.note").read_text() == seen  # nothing cosigned, nothing overwritten


def test_a_failing_consistency_proof_is_a_fork_and_a_foreign_signature_is_refused():
    log, me = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    key = [checkpoints.verifier_key("log.test", log.public_key())]
    old = checkpoints.sign(Checkpoint("log.test", 2, b"\x01" * 32), "log.test", log)
    new = checkpoints.sign(Checkpoint("log.test", 3, b"\x02" * 32), "log.test", log)

    with pytest.raises(ForkError, match="does not extend"):
        witness(new, key, previous=old, proof=lambda m, n: [b"\x03" * 32], name="w", private=me, timestamp=1)
    impostor = [checkpoints.verifier_key("log.test", me.public_key())]
    with pytest.raises(checkpoints.NoteError, match="no signature"):
        witness(new, impostor, previous=None, proof=lambda m, n: [], name="w", private=me, timestamp=1)
