"""The ``halal-trace`` command line: the forms of DESIGN section 10 and their JSON outputs."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.cli import cli
from models import JournalEntry, ProgrammeParticipant
from tests.helpers import EXAMPLES, OPERATOR, POSTGRES_URL
from traceability.service import programmes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_import_then_export_a_dossier(run):
    imported = run("import", str(EXAMPLES / "otak-otak-shared-line.json"), "--json")
    ids = json.loads(imported.output)

    exported = run("export", str(ids["batches"][-1]), "--format", "dossier")

    assert imported.exit_code == 0
    assert set(ids) == {"business", "product", "batches"}
    document = json.loads(exported.output)
    assert document["format"] == "halal-trace/dossier@1"
    assert document["product"]["name"] == "Otak-Otak Ikan Tenggiri"


def test_import_of_an_invalid_dossier_fails_on_stderr_naming_the_field(run, tmp_path, session):
    bad = json.loads((EXAMPLES / "rendang-ok.json").read_text())
    bad["lots"][0]["supplier"] = "sup-nowhere"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))

    result = run("import", str(path), "--json")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert "sup-nowhere" in result.stderr
    assert session.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == 0


def test_users_and_tokens(run, app):
    run("import", str(EXAMPLES / "rendang-ok.json"))

    created = run(
        "users",
        "create",
        "--email",
        "bundo@rendang.id",
        "--role",
        "producer",
        "--business",
        "1208230044517",
        "--password",
        "sangat-rahasia-1",
    )
    token = json.loads(run("tokens", "create", "--email", "bundo@rendang.id", "--json").output)["token"]

    assert created.exit_code == 0
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json["email"] == "bundo@rendang.id"


def test_users_create_prints_a_generated_password_once(run):
    result = run("users", "create", "--email", "auditor@bpjph.test", "--role", "auditor")

    assert result.exit_code == 0
    assert "Password: " in result.output


def test_a_producer_needs_a_business(run):
    result = run("users", "create", "--email", "x@y.id", "--role", "producer")

    assert result.exit_code == 1
    assert "NIB" in result.stderr


def test_journal_verify_reports_json_and_fails_when_broken(run, session):
    run("import", str(EXAMPLES / "rendang-ok.json"))
    sealed = json.loads(run("journal", "seal", "--json").output)
    intact = json.loads(run("journal", "verify", "--json").output)
    with session.get_bind().begin() as connection:
        connection.execute(sa.text("UPDATE journal_entry SET action = 'delete' WHERE seq = 3"))

    broken = run("journal", "verify", "--json")

    assert set(sealed) == {"size", "root"}
    assert (intact["ok"], intact["first_broken"], intact["size"], intact["root"]) == (
        True,
        None,
        sealed["size"],
        sealed["root"],
    )
    assert {"ok", "entries", "first_broken", "checkpoints"} <= set(intact)
    assert broken.exit_code == 1
    assert json.loads(broken.output)["first_broken"] == 3


def test_journal_checkpoint_prints_the_signed_note(run):
    run("import", str(EXAMPLES / "rendang-ok.json"))
    run("journal", "seal")

    note = run("journal", "checkpoint").output
    as_json = json.loads(run("journal", "checkpoint", "--json").output)

    origin, size, root = note.split("\n")[:3]
    assert origin == "trace.test/journal"
    assert int(size) == as_json["size"]
    assert bytes.fromhex(as_json["root"]) == base64.b64decode(root)
    assert "\n\n\u2014 trace.test/journal " in note
    assert as_json["note"] == note


def test_demo_loads_once_and_prints_logins(run, session):
    first = run("demo", "--json")
    second = run("demo", "--json")

    loaded, again = json.loads(first.output), json.loads(second.output)
    assert loaded["loaded"] is True
    assert again["loaded"] is False
    roles = {login["role"] for login in loaded["logins"]}
    assert roles == {"admin", "auditor", "pendamping", "producer", "coordinator"}
    assert len(loaded["businesses"]) >= 5
    assert loaded["logins"] == again["logins"]
    ((programme, participants),) = programmes.list_programmes(session, OPERATOR)  # the PLUT cohort, once
    assert (programme.name, participants) == ("Pendampingan Halal PLUT Batam 2025", len(loaded["businesses"]))
    modes = set(session.scalars(sa.select(ProgrammeParticipant.mode)))
    assert {m.value for m in modes} == {"in_person", "online"}


@pytest.mark.skipif(POSTGRES_URL is not None, reason="runs its own SQLite file")
def test_the_console_command_runs_from_a_fresh_database(tmp_path):
    env = {**os.environ, "HALAL_TRACE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}", "PYTHONPATH": str(ROOT)}

    def halal_trace(*args):
        return subprocess.run(
            [sys.executable, "-m", "api.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    upgraded = halal_trace("db", "upgrade")
    imported = halal_trace("import", str(EXAMPLES / "kue-lapis-gelatin.json"), "--json")
    verified = halal_trace("journal", "verify", "--json")

    assert upgraded.returncode == 0, upgraded.stderr
    assert json.loads(imported.stdout)["batches"]
    assert json.loads(verified.stdout)["ok"] is True
