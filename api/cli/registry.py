"""``halal-trace registry import FILE.csv [--skip-invalid] [--json]``: the city's UMKM list (DESIGN section 10)."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from api.cli.common import OPERATOR, domain_errors
from api.db import get_session
from traceability.service import registry


@click.group("registry")
def registry_group() -> None:
    """The city's register of UMKM."""


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when it is a terminal (drawn once the rows to write are known);
    nothing in scripts and pipes."""
    if not sys.stderr.isatty():
        yield None
        return
    with contextlib.ExitStack() as stack:
        bars: list[Any] = []

        def advance(written: int, total: int) -> None:
            if not bars:
                bars.append(stack.enter_context(click.progressbar(length=total, label="Importing", file=sys.stderr)))
            bars[0].update(written)

        yield advance


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
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        click.echo(f"error: {path} is not UTF-8 text.", err=True)
        sys.exit(1)
    with _progress() as progress:
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
