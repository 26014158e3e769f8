"""The shipped deployment files say only what the service understands: every setting in the environment template
is one the service reads, and every command a systemd unit runs is a command the CLI has."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from api import create_app
from api.cli import cli
from api.config import PREFIX

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "deploy/systemd").glob("*.service"))


def template_settings() -> dict[str, str]:
    found = {}
    for line in (ROOT / "deploy/halal-trace.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            found[name.strip()] = value.strip()
    return found


def test_every_setting_in_the_environment_template_is_one_the_service_reads():
    settings = template_settings()
    known = create_app({"TESTING": True, "SECRET_KEY": "x", "LOG_FORMAT": None}).config

    assert settings, "the template sets nothing"
    for name in settings:
        assert name.startswith(f"{PREFIX}_"), name
        assert name.removeprefix(f"{PREFIX}_") in known, f"{name} is no setting of the service"
    # What production cannot do without.
    for needed in ("DATABASE_URL", "SECRET_KEY", "PUBLIC_BASE_URL", "TRUSTED_PROXIES", "QUEUE_URL", "METRICS_TOKEN"):
        assert f"{PREFIX}_{needed}" in settings


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_each_systemd_unit_runs_a_command_the_cli_has(unit: Path):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(unit)
    service = parser["Service"]
    assert service["EnvironmentFile"] == "/etc/halal-trace/halal-trace.env"
    assert service["User"] == "halal-trace"
    for key in ("ExecStartPre", "ExecStart"):
        if key not in service:
            continue
        program, *args = shlex.split(service[key])
        assert program == "/opt/halal-trace/.venv/bin/halal-trace"
        # The same words, with --help: click refuses an unknown command or option before running anything.
        result = CliRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0, (service[key], result.output)


def test_the_web_unit_leaves_the_queue_to_the_worker_unit():
    web = (ROOT / "deploy/systemd/halal-trace-web.service").read_text()
    worker = (ROOT / "deploy/systemd/halal-trace-worker.service").read_text()
    assert "--no-queue" in web
    assert "halal-trace worker" in worker
