"""The ``halal-trace`` command line (DESIGN section 10). ``--json`` prints one JSON object on stdout;
errors go to stderr with a non-zero exit.

Each subject's commands are a module of this package; they share :mod:`api.cli.common` and import no other.
The root group here gathers every one of them.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from api.app import create_app
from api.cli import accounts, assess, certificates, codes, database, journal, registry, serving, trace


@click.group(
    cls=FlaskGroup, create_app=create_app, add_default_commands=False, add_version_option=False, load_dotenv=False
)
def cli() -> None:
    """halal-trace: halal supply-chain traceability for UMKM."""


for command in (
    database.db,
    serving.demo_command,
    serving.serve,
    serving.worker,
    accounts.users,
    accounts.tokens,
    accounts.invite_command,
    database.import_command,
    database.export_command,
    journal.journal_group,
    assess.assess_command,
    assess.assessments_group,
    codes.codes,
    trace.trace_command,
    registry.registry_group,
    certificates.certificates_group,
):
    cli.add_command(command)


def main() -> None:
    """Entry point of the ``halal-trace`` console script."""
    cli(prog_name="halal-trace")
