"""The ``halal-trace`` command line (DESIGN section 10). ``--json`` prints one JSON object on stdout;
errors go to stderr with a non-zero exit."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from api import migrate
from api.app import create_app
from api.db import get_engine, get_session
from models import Batch, User
from traceability.errors import InvalidInputError, NotFoundError, TraceabilityError
from traceability.formats import trace_csv
from traceability.formats.dossier import load_dossier
from traceability.rules.engine import OUTPUT_KEYS, assess
from traceability.rules.reference import Reference, merge_reference, shipped_data
from traceability.service import accounts, assessments, backup, demo, dossiers, exchange, journal, provenance
from traceability.service.access import Actor
from traceability.vocabulary import Role

F = TypeVar("F", bound=Callable[..., Any])
OPERATOR = Actor.operator("cli")


def _emit(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=None, default=str))


def domain_errors(func: F) -> F:
    """Report refusals of the domain on stderr, with field messages, and exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TraceabilityError as exc:
            click.echo(f"error: {exc.message}", err=True)
            if exc.errors:
                click.echo(json.dumps(exc.errors, ensure_ascii=False, indent=2, default=str), err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


@click.group(
    cls=FlaskGroup, create_app=create_app, add_default_commands=False, add_version_option=False, load_dotenv=False
)
def cli() -> None:
    """halal-trace: halal supply-chain traceability for UMKM."""


@cli.group()
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


@cli.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print the logins as JSON.")
@with_appcontext
@domain_errors
def demo_command(as_json: bool) -> None:
    """Load the Batam demo data (once) and print the demo logins."""
    loaded = demo.load(get_session(), OPERATOR)
    if as_json:
        _emit({"loaded": loaded.created, "logins": loaded.logins, "businesses": loaded.businesses})
        return
    click.echo("Demo data loaded." if loaded.created else "Demo data was already loaded.")
    base = current_app.config["PUBLIC_BASE_URL"]
    click.echo(f"\nSign in at {base}/login with one of these demo accounts:")
    for login in loaded.logins:
        click.echo(f"  {login['role']:<11} {login['email']:<32} {login['password']:<22} {login['note']}")


@cli.command("serve")
@click.option("--port", type=int, default=5000, envvar="PORT", show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--workers", type=int, default=2, show_default=True, help="gunicorn sync workers (one per core).")
def serve(port: int, host: str, workers: int) -> None:
    """Serve the app with gunicorn (sync workers)."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "sync")
            self.cfg.set("accesslog", "-")
            # Longer than the app's own MAX_URL_BYTES, so the app answers a too-long URL as problem+json.
            self.cfg.set("limit_request_line", 8190)

        def load(self) -> Any:
            return create_app()

    click.echo(f"Serving on http://{host}:{port}/  (API: http://{host}:{port}/api/v1/openapi.json)")
    # Each worker's app reads this (as gunicorn would) and warns if rate limits are counted per process.
    os.environ["WEB_CONCURRENCY"] = str(workers)
    Server().run()


@cli.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--business", "nib", help="NIB of the producer's business, or of the business a pendamping follows.")
@click.option("--password", help="At least 10 characters; a random one is generated and printed if omitted.")
@click.option("--name", default="")
@with_appcontext
@domain_errors
def users_create(email: str, role: str, nib: str | None, password: str | None, name: str) -> None:
    """Create a user."""
    user, secret = accounts.create_user(
        get_session(), OPERATOR, email=email, role=Role(role), business_nib=nib, password=password, name=name
    )
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")
    if password is None:
        click.echo(f"Password: {secret}")


@users.command("unlock")
@click.option("--email", required=True)
@with_appcontext
@domain_errors
def users_unlock(email: str) -> None:
    """Lift a sign-in lockout (after too many wrong passwords) and clear the failure count."""
    user = accounts.unlock_user(get_session(), OPERATOR, email)
    click.echo(f"Unlocked {user.email} (id {user.id}).")


@cli.group()
def tokens() -> None:
    """API tokens."""


@tokens.command("create")
@click.option("--email", required=True)
@click.option("--name", default="cli")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@domain_errors
def tokens_create(email: str, name: str, as_json: bool) -> None:
    """Create an API token for a user; it is shown once."""
    session = get_session()
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFoundError(f"No user with email {email}.")
    _, token = accounts.create_token(session, OPERATOR, user=user, name=name)
    if as_json:
        _emit({"token": token})
    else:
        click.echo(token)


@cli.command("import")
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
            _emit(summary.as_json())
        else:
            click.echo(
                f"Restored {summary.total} rows in {len(summary.rows)} tables "
                f"(revision {summary.revision}, sha256 {summary.sha256})."
            )
        return
    result = dossiers.import_dossier(get_session(), OPERATOR, _load_json(dossier, "dossier"))
    data = {"business": result.business, "product": result.product, "batches": result.batches}
    if as_json:
        _emit(data)
    else:
        click.echo(
            f"Imported product {result.product} into business {result.business}; "
            f"batches {', '.join(map(str, result.batches))}."
        )


@cli.command("export")
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


@cli.group("journal")
def journal_group() -> None:
    """The append-only journal."""


@journal_group.command("verify")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def journal_verify(as_json: bool) -> None:
    """Check every entry's hash and link; exit 1 if the chain is broken."""
    report = journal.verify(get_session())
    if as_json:
        _emit(
            {"ok": report.ok, "entries": report.entries, "first_broken": report.first_broken, "reason": report.reason}
        )
    elif report.ok:
        click.echo(f"Journal intact: {report.entries} entries.")
    else:
        click.echo(f"Journal broken at entry {report.first_broken}: {report.reason}.")
    if not report.ok:
        sys.exit(1)


def _load_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInputError(f"{path} is not a JSON {what}: {exc}") from exc


@cli.command("assess")
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
    doc = load_dossier(_load_json(dossier, "dossier"))
    ref = Reference(merge_reference(shipped_data(), _load_json(reference, "object"))) if reference else None
    full = assess(doc, reference=ref, as_of=as_of.date() if as_of else None)
    result = {key: full[key] for key in OUTPUT_KEYS}
    if as_json:
        _emit(result)
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


@cli.group("assessments")
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
        _emit({"refreshed": total})
    else:
        click.echo(f"Recomputed {total} assessments.")


from api.codes_cli import codes as codes_group  # noqa: E402 - its commands use the helpers above

cli.add_command(codes_group)
from api.trace_cli import trace_command  # noqa: E402  (it reuses domain_errors from here)

cli.add_command(trace_command)
from api.registry_cli import registry_group  # noqa: E402

cli.add_command(registry_group)


def main() -> None:
    """Entry point of the ``halal-trace`` console script."""
    cli(prog_name="halal-trace")


if __name__ == "__main__":
    main()
