"""``halal-trace trace`` and ``halal-trace export --format epcis|prov|csv``."""

import csv
import io
import json

import pytest

from api.cli import cli
from tests.helpers import EXAMPLES


@pytest.fixture
def batch(app):
    runner = app.test_cli_runner()
    imported = runner.invoke(cli, ["import", str(EXAMPLES / "rendang-ok.json"), "--json"], catch_exceptions=False)
    return runner, json.loads(imported.output)["batches"][-1]


def test_trace_json_prints_one_object_with_nodes_and_edges(batch):
    runner, batch_id = batch

    up = runner.invoke(cli, ["trace", str(batch_id), "--json"], catch_exceptions=False)
    down = runner.invoke(cli, ["trace", str(batch_id), "--direction", "down", "--json"], catch_exceptions=False)

    body = json.loads(up.output)
    assert up.exit_code == 0
    assert {n["type"] for n in body["nodes"]} >= {"batch", "step", "lot", "material"}
    assert body["edges"]
    assert [n["id"] for n in json.loads(down.output)["nodes"]] == [f"batch:{batch_id}"]


def test_trace_of_an_unknown_batch_fails_on_stderr(app):
    result = app.test_cli_runner().invoke(cli, ["trace", "999", "--json"])

    assert result.exit_code == 1
    assert "No batch" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        ("epcis", lambda out: json.loads(out)["type"] == "EPCISDocument"),
        ("prov", lambda out: "wasGeneratedBy" in json.loads(out)),
        (
            "csv",
            lambda out: (
                {"receiving", "transformation_output"} <= {r["event"] for r in csv.DictReader(io.StringIO(out))}
            ),
        ),
    ],
)
def test_export_formats(batch, fmt, check):
    runner, batch_id = batch

    result = runner.invoke(cli, ["export", str(batch_id), "--format", fmt], catch_exceptions=False)

    assert result.exit_code == 0
    assert check(result.output)
