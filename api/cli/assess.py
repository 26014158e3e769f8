"""``halal-trace assess`` (a dossier file, offline) and ``assessments refresh`` (the stored ones)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask.cli import with_appcontext

from api.cli.common import domain_errors, emit, load_json
from api.db import get_session
from traceability.formats.dossier import load_dossier
from traceability.rules.engine import OUTPUT_KEYS, assess
from traceability.rules.reference import Reference, merge_reference, shipped_data
from traceability.service import assessments


@click.command("assess")
@click.argument("dossier", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Evaluation date (YYYY-MM-DD).")
@click.option(
    "--reference",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Reference data overlay (JSON) for this assessment only.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the assessment as JSON (DESIGN section 6).")
@domain_errors
def assess_command(dossier: Path, as_of: dt.datetime | None, reference: Path | None, as_json: bool) -> None:
    """Assess a dossier file offline: no server, no database."""
    doc = load_dossier(load_json(dossier, "dossier"))
    ref = Reference(merge_reference(shipped_data(), load_json(reference, "object"))) if reference else None
    full = assess(doc, reference=ref, as_of=as_of.date() if as_of else None)
    result = {key: full[key] for key in OUTPUT_KEYS}
    if as_json:
        emit(result)
        return
    click.echo(
        f"{result['product']['name']}: verdict {result['verdict']}, status {result['status']} "
        f"({result['ruleset']}, as of {result['as_of']})"
    )
    for finding in result["findings"]:
        click.echo(f"  {finding['rule']:<8} {finding['severity']:<15} {finding['message']['en']}")
    eligible = result["self_declare"]["eligible"]
    click.echo(f"Self-declare: {'eligible' if eligible else 'not eligible'}")
    for finding in result["self_declare"]["findings"]:
        click.echo(f"  {finding['rule']:<8} {finding['severity']:<15} {finding['message']['en']}")


@click.group("assessments")
def assessments_group() -> None:
    """Stored assessments."""


@assessments_group.command("refresh")
@click.option("--limit", type=int, default=1000, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def assessments_refresh(limit: int, as_json: bool) -> None:
    """Recompute stale assessments (what a large change left queued)."""
    total = 0
    while (done := assessments.refresh_stale(get_session(), limit=limit)) > 0:
        total += done
    if as_json:
        emit({"refreshed": total})
    else:
        click.echo(f"Recomputed {total} assessments.")
