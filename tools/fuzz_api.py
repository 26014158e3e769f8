"""Fuzz the JSON API from its own OpenAPI document with schemathesis, once for every role.

Why this exists: the API is what scripts, marketplaces and the browser forms talk to, and each role sees a
different slice of it. Hand-written tests check the answers we thought of; this sends what the published
schema allows (and what it forbids) to a real server and holds every answer to three rules:

- never a server error (5xx);
- every answer the schema documents matches the documented schema (``response_schema_conformance``);
- every error is ``application/problem+json`` (the custom check in ``tools/fuzz_checks.py``).

What runs: a fresh database (SQLite in a temporary directory, or the PostgreSQL database given by
``--database-url``, which must be empty), migrated and filled with the Batam demo through the ``halal-trace``
CLI, one extra pendamping assigned to nobody, and an API token for each role. ``halal-trace serve`` (gunicorn,
two sync workers) serves it on a free loopback port with rate limits off. Then ``st run`` fuzzes every
operation, all phases (examples, coverage, fuzzing, stateful), once per role: anonymous, producer, pendamping
(assigned), pendamping (assigned to nobody), auditor, admin, coordinator. Each role's run is bounded by a number
of examples per operation and a time budget, with a fixed seed so a CI failure can be replayed.

Usage (from the project root)::

    python tools/fuzz_api.py                          # 50 examples/operation, 90 s per role
    python tools/fuzz_api.py --quick                  # the CI run: 10 examples, 20 s per role
    python tools/fuzz_api.py --roles producer,admin --max-examples 200 --seconds 600 --seed 7

Reports (JUnit XML and a pytest file reproducing any failure) go to ``artifacts/fuzz/<role>/``. The last line
of output is JSON; the exit status is non-zero when any role found a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from serving import free_port, scratch_settings, wait_listening  # noqa: E402 - the benchmarks' server plumbing

BIN = Path(sys.executable).parent
CHECKS = "not_a_server_error,response_schema_conformance,problem_json_errors"
OTHER_PENDAMPING = "pendamping.lain@fuzz.halal-trace.id"
# Demo logins (traceability/service/demo.py) whose tokens the runs use.
ROLE_LOGINS = {
    "producer": "rendang@demo.halal-trace.id",
    "pendamping": "pendamping@demo.halal-trace.id",
    "pendamping_other": OTHER_PENDAMPING,
    "auditor": "auditor@demo.halal-trace.id",
    "admin": "admin@demo.halal-trace.id",
    "coordinator": "plut@demo.halal-trace.id",
}
ROLES = ["anonymous", *ROLE_LOGINS]


def _cli(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([str(BIN / "halal-trace"), *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"halal-trace {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def prepare(env: dict[str, str]) -> dict[str, str | None]:
    """Migrate, load the demo, add a pendamping assigned to nobody; return a token (or None) per role."""
    _cli("db", "upgrade", env=env)
    _cli("demo", env=env)
    _cli(
        "users",
        "create",
        "--email",
        OTHER_PENDAMPING,
        "--role",
        "pendamping",
        "--password",
        "fuzz-pendamping-2025",
        env=env,
    )
    tokens: dict[str, str | None] = {"anonymous": None}
    for role, email in ROLE_LOGINS.items():
        tokens[role] = json.loads(_cli("tokens", "create", "--email", email, "--name", "fuzz", "--json", env=env))[
            "token"
        ]
    return tokens


def _junit_counts(path: Path) -> dict[str, int]:
    """Operations, check failures and errors from schemathesis's JUnit report.

    An exception raised inside schemathesis or hypothesis themselves ("Runtime Error") says nothing about the
    API and is counted apart as a tool error; network errors and timeouts are the server's and count.
    """
    total = {"operations": 0, "failures": 0, "errors": 0, "tool_errors": 0}
    if not path.exists():
        return total
    for case in ET.parse(path).getroot().iter("testcase"):
        total["operations"] += 1
        total["failures"] += len(case.findall("failure"))
        for error in case.findall("error"):
            total["tool_errors" if (error.text or "").startswith("Runtime Error") else "errors"] += 1
    return total


def fuzz_role(role: str, token: str | None, port: int, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    """One bounded schemathesis run as `role`; its counts, its case count and how long it took."""
    reports = ROOT / "artifacts" / "fuzz" / role
    reports.mkdir(parents=True, exist_ok=True)
    command = [
        str(BIN / "st"),
        "run",
        f"http://127.0.0.1:{port}/api/v1/openapi.json",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(args.max_examples),
        "--max-time",
        str(args.seconds),
        "--seed",
        str(args.seed),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--no-color",
        "--report",
        "junit,pytest",
        "--report-junit-path",
        str(reports / "junit.xml"),
        "--report-pytest-path",
        str(reports / "reproduce_test.py"),
        # Revoking the run's own token would only turn the rest of the run into 401s.
        "--exclude-path-regex",
        r"^/api/v1/tokens/",
    ]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    started = time.perf_counter()
    done = subprocess.run(
        command,
        env={**env, "SCHEMATHESIS_HOOKS": "tools.fuzz_checks", "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    (reports / "output.txt").write_text(done.stdout + done.stderr)
    counts = _junit_counts(reports / "junit.xml")
    return {
        "role": role,
        "exit": done.returncode,
        "seconds": round(time.perf_counter() - started, 1),
        "cases": _cases(done.stdout),
        **counts,
    }


def _cases(output: str) -> int | None:
    """The number of test cases schemathesis reports in its summary ("Test cases: N generated, ...")."""
    found = re.search(r"Test cases:\s+(\d+) generated", output)
    return int(found.group(1)) if found else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite in a temp dir)")
    parser.add_argument("--roles", default=",".join(ROLES), help=f"comma-separated, from {', '.join(ROLES)}")
    parser.add_argument("--max-examples", type=int, help="per operation (default 50; 10 with --quick)")
    parser.add_argument("--seconds", type=int, help="time budget per role (default 90; 20 with --quick)")
    parser.add_argument("--seed", type=int, default=20251128)
    parser.add_argument("--quick", action="store_true", help="CI's bounds: 10 examples per operation, 20 s per role")
    args = parser.parse_args(argv)
    args.max_examples = args.max_examples or (10 if args.quick else 50)
    args.seconds = args.seconds or (20 if args.quick else 90)
    roles = [role for role in args.roles.split(",") if role]
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        parser.error(f"unknown roles: {', '.join(unknown)}")

    with tempfile.TemporaryDirectory(prefix="fuzz-api-") as tmp:
        directory = Path(tmp)
        port = free_port()
        env = {**os.environ, **scratch_settings(directory, port, args.database_url), "HALAL_TRACE_SECRET_KEY": "fuzz"}
        started = time.perf_counter()
        tokens = prepare(env)
        setup_s = time.perf_counter() - started
        with open(directory / "server.log", "wb") as log:
            server = subprocess.Popen(
                [str(BIN / "halal-trace"), "serve", "--port", str(port), "--workers", "2"],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_listening(port, server)
                results = [fuzz_role(role, tokens[role], port, args, env) for role in roles]
            finally:
                server.terminate()
                server.wait(timeout=30)
        server_log = (directory / "server.log").read_text(errors="replace")
        (ROOT / "artifacts" / "fuzz" / "server.log").write_text(server_log)
    tracebacks = server_log.count("Traceback (most recent call last)")
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"API fuzzing on {database}: seed {args.seed}, {args.max_examples} examples per operation, "
        f"{args.seconds} s per role (setup {setup_s:.1f} s)"
    )
    print(f"  {'role':<18}{'operations':>11}{'cases':>8}{'failures':>10}{'errors':>8}{'tool errors':>13}{'seconds':>9}")
    for r in results:
        print(
            f"  {r['role']:<18}{r['operations']:>11}{r['cases'] or 0:>8}{r['failures']:>10}{r['errors']:>8}"
            f"{r['tool_errors']:>13}{r['seconds']:>9}"
        )
    if tracebacks:
        print(f"  server log: {tracebacks} tracebacks")
    print(
        json.dumps(
            {
                "database": database,
                "seed": args.seed,
                "max_examples": args.max_examples,
                "seconds_per_role": args.seconds,
                "server_tracebacks": tracebacks,
                "roles": results,
            }
        )
    )
    failed = [r["role"] for r in results if r["failures"] or r["errors"] or not r["operations"]]
    if failed:
        print(f"failures for: {', '.join(failed)} (reports in artifacts/fuzz/)", file=sys.stderr)
    return 1 if failed or tracebacks else 0


if __name__ == "__main__":
    sys.exit(main())
