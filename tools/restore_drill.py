"""The restore drill an operator runs (and CI runs on every change), with the operator's own commands.

1. Seal the source's journal and save its newest signed checkpoint to a file, as a witness or auditor would.
2. ``halal-trace export --all --out backup.jsonl.gz``.
3. A new, empty database: ``halal-trace db upgrade``, then ``halal-trace import --all backup.jsonl.gz``.
4. ``halal-trace journal verify --checkpoint saved.note`` on the copy: every entry, the tree, and consistency
   with the checkpoint saved before the backup; and the copy's public answer for a printed code equals the
   source's.

With ``--encrypt`` the backup and the signing keys leave the host as one archive encrypted with age to a
recipient key (``tar | age -r``), and the restore reads only what ``age -d`` gives back from that copy, keys
included: the drill then proves that the off-host copy alone is enough, and that it holds no plain text.

    python tools/restore_drill.py --demo                       # SQLite files in a temporary folder
    python tools/restore_drill.py --source URL --target URL    # e.g. the production database and an empty one
    python tools/restore_drill.py --demo --encrypt             # through an age-encrypted off-host copy

``--demo`` fills the source with the demo data first. The target must be empty (the restore refuses otherwise).
Prints one JSON object of what it did and checked; exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def halal_trace(database: str, keys: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI against `database`, as an operator's shell would; fails loudly on a non-zero exit."""
    env = dict(
        os.environ,
        HALAL_TRACE_DATABASE_URL=database,
        HALAL_TRACE_SIGNING_KEY_DIR=str(keys),
        HALAL_TRACE_LOG_FORMAT="text",
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0 and args[:2] != ("journal", "verify"):
        raise SystemExit(f"halal-trace {' '.join(args)} failed ({done.returncode}):\n{done.stderr}{done.stdout}")
    return done


def _first(database: str, column: Any) -> Any:
    import sqlalchemy as sa

    from api.db import make_engine

    engine = make_engine(database)
    with engine.connect() as conn:
        found = conn.scalar(sa.select(column).order_by(column).limit(1))
    engine.dispose()
    return found


def public_answer(database: str, keys: Path, code: str) -> Any:
    """The verify JSON of `code`, through the app on `database`."""
    os.environ.update(HALAL_TRACE_DATABASE_URL=database, HALAL_TRACE_SIGNING_KEY_DIR=str(keys))
    from api import create_app

    app = create_app({"LOG_FORMAT": None, "RATELIMIT_ENABLED": False})
    with app.app_context():
        answer = app.test_client().get(f"/api/v1/verify/{code}").get_json()
        app.extensions["db_engine"].dispose()
    return answer


def run(*command: str, stdin: Any = None, stdout: Any = None) -> None:
    """Run an operator's shell tool (tar, age), failing loudly."""
    done = subprocess.run(command, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")


def off_host(work: Path, backup_file: Path, keys: Path) -> tuple[Path, Path, dict[str, Any]]:
    """Encrypt the backup and the keys into one archive, then unpack it elsewhere as a restore host would.

    Returns the backup file and the keys folder as unpacked from the encrypted copy, and what was checked.
    """
    identity = work / "backup-identity.txt"  # kept by the operators, never beside the backups
    run("age-keygen", "-o", str(identity))
    recipient = subprocess.run(
        ["age-keygen", "-y", str(identity)], capture_output=True, text=True, check=True
    ).stdout.strip()
    copy = work / "off-host" / "halal-trace-backup.tar.age"
    copy.parent.mkdir()
    tar = subprocess.Popen(["tar", "-C", str(work), "-cf", "-", backup_file.name, keys.name], stdout=subprocess.PIPE)
    run("age", "-r", recipient, "-o", str(copy), stdin=tar.stdout)
    if tar.wait() != 0:
        raise SystemExit("tar of the backup and the keys failed")
    restore_host = work / "restore-host"
    restore_host.mkdir()
    plain = restore_host / "backup.tar"
    with plain.open("wb") as out:
        run("age", "-d", "-i", str(identity), str(copy), stdout=out)
    run("tar", "-C", str(restore_host), "-xf", str(plain))
    plain.unlink()
    sealed = copy.read_bytes()
    # The base64 body of every private key (PEM lines between the BEGIN and END lines).
    secrets = [
        line.encode()
        for path in keys.glob("*.pem")
        for line in path.read_text().splitlines()
        if line and not line.startswith("-----")
    ]
    checks = {
        "encrypted_copy_is_age": sealed.startswith(b"age-encryption.org/v1"),
        "encrypted_copy_hides_keys": bool(secrets) and not any(secret in sealed for secret in secrets),
        "keys_restored": sorted(p.name for p in (restore_host / keys.name).iterdir())
        == sorted(p.name for p in keys.iterdir()),
    }
    return restore_host / backup_file.name, restore_host / keys.name, {"bytes": len(sealed), "checks": checks}


def drill(source: str, target: str, work: Path, *, demo: bool, encrypt: bool = False) -> dict[str, Any]:
    keys = work / "signing-keys"
    if demo:
        halal_trace(source, keys, "db", "upgrade")
        halal_trace(source, keys, "demo")
    from models import Batch, VerificationCode

    code = _first(source, VerificationCode.code)
    if code is None:  # a printed code whose public answer must survive the restore
        batch = _first(source, Batch.id)
        code = json.loads(halal_trace(source, keys, "codes", "issue", str(batch), "--json").stdout)["code"]
    sealed = json.loads(halal_trace(source, keys, "journal", "seal", "--json").stdout)
    saved = work / "checkpoint.note"
    saved.write_text(halal_trace(source, keys, "journal", "checkpoint").stdout)
    backup_file = work / "backup.jsonl.gz"
    halal_trace(source, keys, "export", "--all", "--out", str(backup_file))
    restored_keys, restore_file, encrypted = keys, backup_file, None
    if encrypt:
        restore_file, restored_keys, encrypted = off_host(work, backup_file, keys)
    halal_trace(target, restored_keys, "db", "upgrade")
    restored = json.loads(halal_trace(target, restored_keys, "import", "--all", str(restore_file), "--json").stdout)
    verified = halal_trace(target, restored_keys, "journal", "verify", "--checkpoint", str(saved), "--json")
    report = json.loads(verified.stdout) if verified.stdout.strip() else {"ok": False, "error": verified.stderr}
    before, after = public_answer(source, keys, code), public_answer(target, restored_keys, code)
    checks = {
        "journal_verify_ok": verified.returncode == 0 and bool(report.get("ok")),
        "entries_restored": int(report.get("entries") or 0) >= sealed["size"],
        "public_answer_unchanged": bool(before) and before == after,
        **(encrypted["checks"] if encrypted else {}),
    }
    return {
        "ok": all(checks.values()),
        "checks": checks,
        "checkpoint": {"size": sealed["size"], "root": sealed["root"]},
        "code": code,
        "backup_bytes": backup_file.stat().st_size,
        "encrypted_bytes": encrypted["bytes"] if encrypted else None,
        "rows": restored.get("rows"),
        "tables": restored.get("tables"),
        "journal": report,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", help="database to back up (default with --demo: a new SQLite file)")
    parser.add_argument("--target", help="empty database to restore into (default: a new SQLite file)")
    parser.add_argument("--demo", action="store_true", help="fill the source with the demo data first")
    parser.add_argument(
        "--encrypt", action="store_true", help="restore through an age-encrypted off-host copy of backup and keys"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="halal-trace-drill-") as folder:
        work = Path(folder)
        source = args.source or (f"sqlite:///{work / 'source.sqlite'}" if args.demo else None)
        if source is None:
            parser.error("give --source, or --demo")
        target = args.target or f"sqlite:///{work / 'restored.sqlite'}"
        result = drill(source, target, work, demo=args.demo, encrypt=args.encrypt)
    print(json.dumps(result, indent=2, default=str))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
