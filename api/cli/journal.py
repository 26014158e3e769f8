"""``halal-trace journal``: the append-only journal."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from api.cli.common import emit
from api.db import get_session
from traceability.service import journal


@click.group("journal")
def journal_group() -> None:
    """The append-only journal."""


@journal_group.command("verify")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def journal_verify(as_json: bool) -> None:
    """Check every entry's hash and link; exit 1 if the chain is broken."""
    report = journal.verify(get_session())
    if as_json:
        emit({"ok": report.ok, "entries": report.entries, "first_broken": report.first_broken, "reason": report.reason})
    elif report.ok:
        click.echo(f"Journal intact: {report.entries} entries.")
    else:
        click.echo(f"Journal broken at entry {report.first_broken}: {report.reason}.")
    if not report.ok:
        sys.exit(1)
