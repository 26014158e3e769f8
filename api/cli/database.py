"""``halal-trace db``, ``import`` and ``export``: the schema, and records in and out (a dossier, an exchange format,
or the whole database as a backup)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from api import migrate
from api.cli.common import OPERATOR, domain_errors, emit, load_json
from api.db import get_engine, get_session
from models import Batch
from traceability.errors import InvalidInputError, NotFoundError
from traceability.formats import trace_csv
from traceability.service import backup, dossiers, exchange, provenance


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply the migrations up to REVISION."""
    migrate.upgrade(get_engine(), revision)
    click.echo(f"Database at {get_engine().url.render_as_string(hide_password=True)} is up to date.")


@db.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Undo migrations down to REVISION ("base" empties the database)."""
    migrate.downgrade(get_engine(), revision)
    click.echo(f"Database downgraded to {revision}.")


@click.command("import")
@click.argument("dossier", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="DOSSIER|FILE")
@click.option(
    "--all",
    "whole",
    is_flag=True,
    help="FILE is a whole-database backup (halal-trace/backup@1, plain or .gz): restore it into this "
    "empty, freshly migrated database of the same Alembic revision, all or nothing.",
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@domain_errors
def import_command(dossier: Path, whole: bool, as_json: bool) -> None:
    """Import a dossier file, all or nothing; or, with --all, restore a whole-database backup.

    A restore keeps every primary key, brings the journal across unchanged (``journal verify`` passes on the
    copy) and restarts id sequences above the restored rows. Copy the signing-key directory
    (HALAL_TRACE_SIGNING_KEY_DIR) separately: keys are files, not rows, and issued codes need them.
    """
    if whole:
        summary = backup.import_all(get_session(), dossier)
        if as_json:
            emit(summary.as_json())
        else:
            click.echo(
                f"Restored {summary.total} rows in {len(summary.rows)} tables "
                f"(revision {summary.revision}, sha256 {summary.sha256})."
            )
        return
    result = dossiers.import_dossier(get_session(), OPERATOR, load_json(dossier, "dossier"))
    data = {"business": result.business, "product": result.product, "batches": result.batches}
    if as_json:
        emit(data)
    else:
        click.echo(
            f"Imported product {result.product} into business {result.business}; "
            f"batches {', '.join(map(str, result.batches))}."
        )


@click.command("export")
@click.argument("batch_id", type=int, required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["dossier", "epcis", "prov", "csv"]),
    help="Format of a batch export.  [default: dossier]",
)
@click.option(
    "--all",
    "whole",
    is_flag=True,
    help="Back up the whole database instead of one batch (halal-trace/backup@1, JSON Lines).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --all: write the backup to this file (gzip when it ends in .gz, mode 0600) instead of stdout.",
)
@with_appcontext
@domain_errors
def export_command(batch_id: int | None, fmt: str | None, whole: bool, out: Path | None) -> None:
    """Print a batch's records in an exchange format (dossier of its product, EPCIS, PROV or trace CSV);
    or, with --all, back up the whole database.

    The backup holds password hashes and API token hashes: keep it as safe as the database itself. It does
    not hold the code-signing keys, which are files (HALAL_TRACE_SIGNING_KEY_DIR): back them up separately.
    """
    if whole:
        if batch_id is not None or fmt is not None:
            raise InvalidInputError("--all backs up the whole database: give no BATCH_ID and no --format.")
        _export_all(out)
        return
    if batch_id is None:
        raise InvalidInputError("Give a BATCH_ID, or --all for a whole-database backup.")
    if out is not None:
        raise InvalidInputError("--out is for --all; a batch export is printed on stdout.")
    fmt = fmt or "dossier"
    session = get_session()
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError(f"No batch {batch_id}.")
    base = current_app.config["PUBLIC_BASE_URL"]
    if fmt == "csv":
        click.echo(trace_csv.dump(provenance.upstream_graph(session, OPERATOR, batch_id)), nl=False)
        return
    document = {
        "dossier": lambda: dossiers.export_dossier(session, OPERATOR, batch.product_id),
        "epcis": lambda: exchange.export_epcis(session, OPERATOR, batch_id, base_url=base),
        "prov": lambda: exchange.export_prov(session, OPERATOR, batch_id, base_url=base),
    }[fmt]()
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


def _export_all(out: Path | None) -> None:
    """Stream the backup to stdout, or to a private file that appears only once it is complete."""
    if out is None:
        backup.export_all(get_session(), sys.stdout)
        return
    partial = out.with_name(out.name + ".partial")
    partial.touch(mode=0o600)
    partial.chmod(0o600)
    try:
        with backup.open_backup(partial, "wt", compress=out.suffix == ".gz") as handle:
            summary = backup.export_all(get_session(), handle)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(out)
    click.echo(
        f"Wrote {summary.total} rows of {len(summary.rows)} tables to {out} (sha256 {summary.sha256}).", err=True
    )
