"""``halal-trace certificates registry import FILE [--source NAME] [--date YYYY-MM-DD] [--json]``: a snapshot of the
BPJPH certificate register (DESIGN section 10)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from api.cli.common import OPERATOR, domain_errors, progress_bar, read_text
from api.db import get_session
from traceability.service import register_import


@click.group("certificates")
def certificates_group() -> None:
    """Halal certificates."""


@certificates_group.group("registry")
def registry_group() -> None:
    """The BPJPH certificate register."""


@registry_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", help="Where the snapshot comes from (default: what a JSON file names, else BPJPH).")
@click.option(
    "--date",
    "snapshot_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day the snapshot was taken (default: what a JSON file names, else today).",
)
@click.option("--json", "as_json", is_flag=True, help='Print {"records", "confirmed", "mismatched", "unknown"}.')
@with_appcontext
def registry_import(path: Path, source: str | None, snapshot_date: dt.datetime | None, as_json: bool) -> None:
    """Check every row of FILE (CSV or JSON) and store it as one snapshot of the register, then reconcile every
    recorded BPJPH certificate with it.

    CSV columns: number,holder_name,holder_nib,scope,issued_on,valid_until,status (scope items separated by ";").
    Bad rows are named with their line and nothing is stored (exit status 1).
    """
    text = read_text(path)
    with progress_bar() as progress:
        report = domain_errors(register_import.import_snapshot)(
            get_session(),
            OPERATOR,
            text,
            source=source,
            snapshot_date=snapshot_date.date() if snapshot_date else None,
            filename=path.name,
            progress=progress,
        )
    for item in report.invalid:
        where = f"line {item['line']}" if "line" in item else f"record {item['record']}"
        click.echo(f"{where}: {item['error']}", err=True)
    if report.invalid:
        click.echo(f"error: {len(report.invalid)} bad row(s); nothing imported.", err=True)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, default=str))
    elif not report.invalid:
        assert report.snapshot is not None
        click.echo(
            f"Imported {report.records} entries as {report.snapshot['source']} {report.snapshot['snapshot_date']}: "
            f"{report.confirmed} recorded certificate(s) confirmed, {len(report.mismatched)} mismatched, "
            f"{len(report.unknown)} unknown to the register."
        )
        for item in report.mismatched + report.unknown:
            click.echo(f"  certificate {item['certificate']} {item['number']}: {'; '.join(item['mismatches'])}")
    if report.invalid:
        sys.exit(1)
