"""``halal-trace codes``: issue, offline verify with a saved JWKS, label sheets, key rotation."""

from __future__ import annotations

import json

import pypdfium2
import sqlalchemy as sa

from api.cli import cli
from models import Batch
from tests.helpers import qr_texts


def _run(app, *args):
    return app.test_cli_runner().invoke(cli, list(args), catch_exceptions=False)


def test_issue_verify_offline_and_print_labels(app, filled, session, tmp_path, client):
    issued = json.loads(_run(app, "codes", "issue", str(filled.own["batches"]), "--json").output)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(client.get("/.well-known/jwks.json").get_data(as_text=True))

    good = _run(app, "codes", "verify", issued["url"], "--jwks", str(jwks), "--json")
    forged = _run(
        app,
        "codes",
        "verify",
        issued["url"][:-2] + ("AA" if not issued["url"].endswith("AA") else "BB"),
        "--jwks",
        str(jwks),
        "--json",
    )
    labels = _run(
        app, "codes", "labels", str(filled.own["batches"]), "--out", str(tmp_path / "l.pdf"), "--per-batch", "3"
    )

    assert set(issued) >= {"code", "url", "batch"}
    assert issued["batch"] == filled.own["batches"]
    assert good.exit_code == 0
    assert json.loads(good.output)["valid"] is True
    assert json.loads(good.output)["code"] == issued["code"]
    assert forged.exit_code == 1
    assert json.loads(forged.output)["valid"] is False
    assert labels.exit_code == 0
    page = pypdfium2.PdfDocument((tmp_path / "l.pdf").read_bytes())[0].render(scale=150 / 72).to_pil()
    assert qr_texts(page) == [issued["url"]] * 3


def test_rotation_from_the_cli_signs_new_codes_with_the_new_key(app, filled, session):
    before = json.loads(_run(app, "codes", "issue", str(filled.own["batches"]), "--json").output)

    rotated = _run(app, "codes", "rotate-key")
    after = json.loads(_run(app, "codes", "issue", str(filled.own["batches"]), "--json").output)

    assert rotated.exit_code == 0
    assert before["key_id"] != after["key_id"]
    for url in (before["url"], after["url"]):
        assert _run(app, "codes", "verify", url, "--json").exit_code == 0


def test_issuing_for_an_unknown_batch_fails_on_stderr(app, filled, session):
    missing = (session.scalar(sa.select(sa.func.max(Batch.id))) or 0) + 1

    result = _run(app, "codes", "issue", str(missing), "--json")

    assert result.exit_code == 1
    assert "No batch" in result.stderr
    assert result.stdout == ""
