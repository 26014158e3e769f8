"""``halal-trace journal``: the append-only journal as a transparency log (seal, checkpoint, verify)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from api.cli.common import domain_errors, emit
from api.db import get_session
from api.signing import journal_keys
from traceability import checkpoints
from traceability.errors import InvalidInputError
from traceability.service import journal


@click.group("journal")
def journal_group() -> None:
    """The append-only journal: a Merkle tree with signed checkpoints."""


@journal_group.command("seal")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@domain_errors
def journal_seal(as_json: bool) -> None:
    """Put every new entry in the tree and sign a checkpoint of it."""
    size, root, new = journal.seal(get_session(), journal_keys())
    if as_json:
        emit({"size": size, "root": root.hex()})
    else:
        click.echo(f"Tree of {size} entries, root {root.hex()}{'' if new else ' (already checkpointed)'}.")


@journal_group.command("checkpoint")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def journal_checkpoint(as_json: bool) -> None:
    """Print the newest signed checkpoint (the note text; with --json, an object holding it)."""
    newest = journal.newest_checkpoint(get_session())
    if newest is None:
        click.echo("error: no checkpoint has been signed yet: run `halal-trace journal seal`.", err=True)
        sys.exit(1)
    if as_json:
        emit({"size": newest.size, "root": newest.root, "note": newest.note, "created_at": newest.created_at})
    else:
        click.echo(newest.note, nl=False)


@journal_group.command("verify")
@click.option(
    "--checkpoint",
    "files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A checkpoint saved earlier (a signed note, cosigned or not); repeat for several.",
)
@click.option(
    "--witness",
    "witness_keys",
    multiple=True,
    help="A witness verifier key (name+hash+base64) whose cosignatures to check.",
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@domain_errors
def journal_verify(files: tuple[Path, ...], witness_keys: tuple[str, ...], as_json: bool) -> None:
    """Check every entry against the tree and the tree against every kept and given checkpoint; exit 1 if not."""
    witnesses = {}
    for text in witness_keys:
        try:
            name, _, key = checkpoints.parse_verifier_key(text)
        except checkpoints.NoteError as exc:
            raise InvalidInputError(f"--witness {text!r}: {exc}") from None
        witnesses[name] = key
    given = []
    for path in files:
        try:
            given.append((str(path), path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            given.append((str(path), ""))
    report = journal.verify(get_session(), journal_keys(), given, witnesses=witnesses)
    if as_json:
        emit(report.as_json())
    elif report.ok:
        click.echo(
            f"Journal intact: {report.entries} entries, tree of {report.size} ({report.pending} not yet sealed), "
            f"{len(report.checkpoints)} checkpoint(s) given and consistent."
        )
    else:
        if report.first_broken is not None:
            click.echo(f"Journal broken at entry {report.first_broken}: {report.reason}.")
        else:
            click.echo(f"Journal inconsistent: {report.reason}.")
        if report.first_inconsistent:
            click.echo(f"First inconsistent checkpoint: {report.first_inconsistent}.")
    if not report.ok:
        sys.exit(1)
