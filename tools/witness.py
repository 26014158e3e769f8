"""A journal witness: fetch a halal-trace log's newest checkpoint, check it extends the last one cosigned, cosign.

    python tools/witness.py keygen --name witness.example.org --out witness.pem
        # prints the witness's verifier key, to give to the log's operators
    python tools/witness.py observe --url https://trace.example.id --log-key 'trace.example.id/journal+…' \\
        --name witness.example.org --key witness.pem --state ./seen
        # run from cron: writes seen/latest.note (the cosigned checkpoint) and prints it

The log's verifier keys are pinned once, one --log-key each (``/.well-known/halal-trace/checkpoints`` lists them;
compare them out of band); a rotated ring keeps every older key.
``observe`` exits 2 and writes nothing if the log forked or was cut back: keep the two notes it names as the proof.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from traceability import checkpoints  # noqa: E402
from traceability.checkpoints import NoteError  # noqa: E402
from traceability.witness import ForkError, witness  # noqa: E402

Fetch = Callable[[str], bytes]


def http_fetch(base: str) -> Fetch:
    def fetch(path: str) -> bytes:
        with urllib.request.urlopen(base.rstrip("/") + path, timeout=30) as response:  # noqa: S310 (the log's URL)
            return bytes(response.read())

    return fetch


def keygen(name: str, out: Path) -> str:
    """Make the witness's Ed25519 key (a PEM file, mode 0600) and return its cosignature verifier key."""
    private = Ed25519PrivateKey.generate()
    out.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    out.chmod(0o600)
    return checkpoints.verifier_key(name, private.public_key(), checkpoints.COSIGNATURE)


def observe(fetch: Fetch, log_keys: list[str], name: str, private: Ed25519PrivateKey, state: Path) -> str:
    """Cosign the log's newest checkpoint if it extends `state`/latest.note; save and return the cosigned note."""
    state.mkdir(parents=True, exist_ok=True)
    latest = state / "latest.note"
    previous = latest.read_text() if latest.exists() else None
    text = fetch("/.well-known/halal-trace/checkpoint").decode()

    def proof(first: int, second: int) -> list[bytes]:
        answer = json.loads(fetch(f"/api/v1/journal/proofs/consistency?from={first}&to={second}"))
        return [bytes.fromhex(h) for h in answer["hashes"]]

    cosigned = witness(
        text, log_keys, previous=previous, proof=proof, name=name, private=private, timestamp=int(time.time())
    )
    size = checkpoints.parse(cosigned).checkpoint.size
    (state / f"{size}.note").write_text(cosigned)
    latest.write_text(cosigned)
    return cosigned


def main(argv: list[str] | None = None, fetch: Fetch | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("keygen", help="make the witness's key and print its verifier key")
    made.add_argument("--name", required=True)
    made.add_argument("--out", type=Path, required=True)
    seen = commands.add_parser("observe", help="check and cosign the log's newest checkpoint")
    seen.add_argument("--url", required=True, help="the log's public address")
    seen.add_argument(
        "--log-key", action="append", required=True, help="a log verifier key (name+hash+base64); repeat for each"
    )
    seen.add_argument("--name", required=True, help="the witness's key name")
    seen.add_argument("--key", type=Path, required=True, help="the witness's private key (PEM)")
    seen.add_argument("--state", type=Path, required=True, help="folder of cosigned notes")
    args = parser.parse_args(argv)
    if args.command == "keygen":
        print(keygen(args.name, args.out))
        return 0
    private = serialization.load_pem_private_key(args.key.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        parser.error("--key must be an Ed25519 private key")
    try:
        print(observe(fetch or http_fetch(args.url), args.log_key, args.name, private, args.state), end="")
    except ForkError as exc:
        print(f"REFUSED: {exc}\nThe last note cosigned is {args.state / 'latest.note'}.", file=sys.stderr)
        return 2
    except NoteError as exc:
        print(f"REFUSED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
