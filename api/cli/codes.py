"""``halal-trace codes``: issue, verify offline, print label sheets, rotate the signing key."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from api.cli.common import OPERATOR, domain_errors
from api.db import get_session
from api.label_sheets import label_sheet
from api.signing import key_directory, key_ring, seal
from qr import codes as qr_codes
from qr.signing import KeyRing, PublicKeys, SignatureError
from traceability.service import verification


@click.group("codes")
def codes() -> None:
    """Verification codes and QR labels."""


@codes.command("issue")
@click.argument("batch_id", type=int)
@click.option("--count", type=int, default=1, show_default=True)
@click.option("--revoke-previous", is_flag=True, help="Re-issue: revoke the batch's earlier codes.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
@domain_errors
def issue(batch_id: int, count: int, revoke_previous: bool, as_json: bool) -> None:
    """Issue signed codes for BATCH_ID."""
    issued = verification.issue_codes(
        get_session(),
        OPERATOR,
        batch_id,
        seal=seal,
        new_code=qr_codes.new_code,
        count=count,
        revoke_previous=revoke_previous,
    )
    for record in issued:
        data = {"code": record.code, "url": record.url, "batch": record.batch_id, "key_id": record.key_id}
        click.echo(json.dumps(data) if as_json else f"{record.code}  {record.url}")


@codes.command("revoke")
@click.argument("code")
@with_appcontext
@domain_errors
def revoke(code: str) -> None:
    """Revoke CODE (journaled)."""
    verification.revoke_code(get_session(), OPERATOR, code)
    click.echo(f"Revoked {code}.")


@codes.command("verify")
@click.argument("url")
@click.option(
    "--jwks",
    "jwks_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A saved /.well-known/jwks.json; default: this installation's key directory.",
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def verify(url: str, jwks_file: Path | None, as_json: bool) -> None:
    """Check a printed URL offline with public keys only; exit 1 if it is not genuine."""
    if jwks_file is not None:
        keys = PublicKeys.from_jwks(json.loads(jwks_file.read_text(encoding="utf-8")))
    else:
        keys = PublicKeys(key_ring().keys)  # public halves only: the check never touches a private key
    try:
        signed = qr_codes.verify_url(url, keys)
    except SignatureError as exc:
        result = {"valid": False, "reason": str(exc)}
    else:
        result = {
            "valid": True,
            "code": signed.claims.code,
            "batch": signed.claims.batch,
            "product": signed.claims.product,
            "issued_at": signed.claims.issued_at,
            "key_id": signed.kid,
            "gtin": signed.gtin,
            "lot": signed.lot,
        }
    click.echo(
        json.dumps(result) if as_json else ("genuine" if result["valid"] else f"NOT genuine: {result['reason']}")
    )
    if not result["valid"]:
        sys.exit(1)


@codes.command("labels")
@click.argument("batch_ids", nargs=-1, type=int, required=True)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--per-batch", type=int, default=24, show_default=True)
@with_appcontext
@domain_errors
def labels_command(batch_ids: tuple[int, ...], out: Path, per_batch: int) -> None:
    """Write A4 label sheets for BATCH_IDs (each batch's newest active code) to --out."""
    pdf = label_sheet(get_session(), OPERATOR, list(batch_ids), per_batch)
    out.write_bytes(pdf)
    click.echo(f"Wrote {len(batch_ids) * per_batch} labels to {out}.")


@codes.command("rotate-key")
@with_appcontext
def rotate_key() -> None:
    """Add a new signing key and sign with it from now on; older public keys stay listed."""
    ring = KeyRing.rotate(key_directory())
    click.echo(f"Signing with key {ring.active}; {len(ring.keys)} keys listed.")
