"""``halal-trace registry import FILE.csv [--skip-invalid] [--json]``: the city's UMKM list (DESIGN section 10)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from api.cli.common import OPERATOR, domain_errors, progress_bar, read_text
from api.db import get_session
from traceability.service import registry


@click.group("registry")
def registry_group() -> None:
    """The city's register of UMKM."""


@registry_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the good rows even if some rows are bad.")
@click.option("--json", "as_json", is_flag=True, help='Print {"imported", "updated", "invalid"} as JSON.')
@with_appcontext
def registry_import(path: Path, skip_invalid: bool, as_json: bool) -> None:
    """Check every row of FILE.csv and import it, updating businesses already registered (by NIB).

    Columns: nib,name,owner,address,kelurahan,kecamatan,city,phone,scale,kbli. Bad rows are named with
    their line; without --skip-invalid nothing is imported when any row is bad (exit status 1).
    """
    text = read_text(path)
    with progress_bar() as progress:
        report = domain_errors(registry.import_registry)(
            get_session(), OPERATOR, text, skip_invalid=skip_invalid, progress=progress
        )
    for item in report.invalid:
        click.echo(f"line {item['line']}: {item['error']}", err=True)
    refused = bool(report.invalid) and not skip_invalid
    if refused:
        click.echo(
            f"error: {len(report.invalid)} bad row(s); nothing imported (use --skip-invalid to import the good rows).",
            err=True,
        )
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    elif not refused:
        click.echo(f"Imported {report.imported}, updated {report.updated}, skipped {len(report.invalid)} bad row(s).")
    if refused:
        sys.exit(1)
