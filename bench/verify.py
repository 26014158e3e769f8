"""Benchmark: the public verification surface under load, as ratios to a trivial JSON endpoint.

Why this exists: the verify JSON, the consumer page and the QR image are what every scan and every
marketplace poll hits. Each is a few indexed reads (code, batch, product, business, assessment,
certificates, ingredient lots) plus rendering; the PNG also costs a QR encode on a cache miss. This
says what that costs relative to the cheapest thing the same server can answer, measured in the same
run, so the figure means something on any machine: "0.25x" means a quarter of the trivial endpoint's
throughput.

What runs: a fresh SQLite database in a temporary directory, migrated, with one dossier
(tests/data/examples/rendang-ok.json) and N codes (10,000 by default) for its packed batch, the first 1,000
issued through the service and the rest copied set-based as the service would write them (:func:`copy_codes`),
then the journal sealed as the server's queue seals it; then gunicorn with sync workers, one per core, serving
the real app plus one extra route, ``/bench/ping``, that returns a constant JSON object (the baseline). wrk
(Debian package ``wrk``) drives each endpoint for a fixed duration on loopback with one thread and 8
connections, picking a random code per request. Rate limiting is switched off for the run. wrk shares the cores
with the server, so these are whole-machine figures.

The ``(304)`` rows revalidate: each request carries the ETag a client got on an earlier visit (an edge cache
revalidating), so the server answers 304 without building a body.

Usage (from the project root)::

    python bench/verify.py                 # 10,000 codes, 10 s per endpoint
    python bench/verify.py --quick         # 1,000 codes, 3 s per endpoint (CI smoke run)
    python bench/verify.py --codes 1000000 # the 10^6-code size (about 7 min to set up)

The last line of output is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from serving import free_port, scratch_settings, start_bench_gunicorn, wait_listening  # noqa: E402

EXAMPLE = ROOT / "tests" / "data" / "examples" / "rendang-ok.json"
LUA = """
local codes = {}
for line in io.lines(os.getenv("BENCH_CODES")) do codes[#codes + 1] = line end
local pattern = os.getenv("BENCH_PATH")
math.randomseed(os.time())
request = function()
  return wrk.format("GET", string.format(pattern, codes[math.random(#codes)]))
end
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout
  io.write(string.format('BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d}\\n',
                         summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), bad))
end
"""
ENDPOINTS = {  # name -> path pattern (%s = a random code)
    "trivial JSON (/bench/ping)": "/bench/ping?c=%s",
    "verify JSON": "/api/v1/verify/%s",
    "consumer page": "/v/%s",
    "verify JSON (304)": "/api/v1/verify/%s",
    "consumer page (304)": "/v/%s",
    "QR PNG (first draw)": "/api/v1/codes/%s/qr.png",
    "QR PNG (drawn at issue)": "/api/v1/codes/%s/qr.png",
}
#: A revalidation: the request carries the ETag the client (or an edge cache) holds, from BENCH_TAGS ("code etag").
REVALIDATE_LUA = """
local tags = {}
for line in io.lines(os.getenv("BENCH_TAGS")) do
  local code, tag = line:match("^(%S+) (.+)$")
  tags[#tags + 1] = {code, tag}
end
request = function()
  local pick = tags[math.random(#tags)]
  return wrk.format("GET", string.format(pattern, pick[1]), {["If-None-Match"] = pick[2]})
end
"""
# Codes issued through the API have their images drawn then; these codes stand for them.
DRAWN_AT_ISSUE = 200


def wsgi_app() -> Any:
    """The app gunicorn serves: the real one, plus the constant baseline endpoint."""
    from flask import jsonify

    from api.app import create_app

    app = create_app()
    app.add_url_rule("/bench/ping", "bench_ping", lambda: jsonify({"ok": True}))
    return app


#: Codes issued through the service before the rest are copied set-based (:func:`copy_codes`).
THROUGH_SERVICE = 1000


def prepare(directory: Path, count: int) -> list[str]:
    """Migrate a SQLite database in `directory`, import one dossier and give its last batch `count` codes: the
    first :data:`THROUGH_SERVICE` issued through the service, the rest copied with :func:`copy_codes`."""
    from api import qr_cache
    from api.app import create_app
    from api.db import get_engine, get_session
    from api.migrate import upgrade
    from api.signing import journal_keys, seal
    from qr.codes import new_code
    from traceability.service import dossiers, journal, verification
    from traceability.service.access import Actor

    app = create_app()
    actor = Actor.operator("bench")
    with app.test_request_context():
        upgrade(get_engine())
        imported = dossiers.import_dossier(get_session(), actor, json.loads(EXAMPLE.read_text()))
        batch = imported.batches[-1]
        issued: list[tuple[str, str]] = []
        while len(issued) < min(count, THROUGH_SERVICE):
            made = verification.issue_codes(
                get_session(), actor, batch, seal=seal, new_code=new_code, count=min(1000, count - len(issued))
            )
            issued += [(c.code, c.url) for c in made]
        issued += copy_codes(get_session(), actor, batch, count - len(issued))
        qr_cache.warm(url for _, url in issued[:DRAWN_AT_ISSUE])
        journal.seal(get_session(), journal_keys())  # as the server's queue does within seconds: proofs to show
    codes = [code for code, _ in issued]
    (directory / "codes.txt").write_text("\n".join(codes[DRAWN_AT_ISSUE:]) + "\n")
    (directory / "drawn.txt").write_text("\n".join(codes[:DRAWN_AT_ISSUE]) + "\n")
    return codes


def copy_codes(session: Any, actor: Any, batch_id: int, count: int, chunk: int = 20_000) -> list[tuple[str, str]]:
    """`count` more live codes for a batch that has one, written set-based: each signed as the service signs it,
    with the public answer the service would build (its batch's view with the code's own fields, as
    ``verification.build_views`` makes it for a batch's live codes) and its ``code.issue`` journal entry.

    Issuing through the service costs ~2 ms a code (ORM rows, the answers rebuilt per call): a million would take
    over half an hour. tests/integration/test_bench_codes.py holds these rows equal to the service's own rebuild.
    Returns ``(code, url)`` of each."""
    import dataclasses
    import datetime as dt

    import sqlalchemy as sa

    from api.signing import seal
    from models import Batch, Product, PublicAnswer, VerificationCode, table_of
    from qr.codes import new_code
    from traceability.service import journal, verification
    from traceability.service.bulk import insert_rows

    if count <= 0:
        return []
    batch = session.get(Batch, batch_id)
    product = session.get(Product, batch.product_id)
    template_code = session.scalar(
        sa.select(VerificationCode.code).where(
            VerificationCode.batch_id == batch_id, VerificationCode.revoked_at.is_(None)
        )
    )
    template = verification.build_views(session, [template_code])[0]
    made: list[tuple[str, str]] = []
    for start in range(0, count, chunk):
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        drafts = [
            verification.CodeDraft(
                new_code(), batch.id, product.id, int(now.timestamp()), product.gtin14, batch.lot_code
            )
            for _ in range(min(chunk, count - start))
        ]
        sealed = [seal(draft) for draft in drafts]
        insert_rows(
            session,
            table_of(VerificationCode),
            [
                {
                    "code": draft.code,
                    "business_id": batch.business_id,
                    "batch_id": batch.id,
                    "url": url,
                    "signature": signature,
                    "key_id": kid,
                    "issued_at": now,
                }
                for draft, (url, kid, signature) in zip(drafts, sealed, strict=True)
            ],
        )
        ids = dict(
            session.execute(
                sa.select(VerificationCode.code, VerificationCode.id).where(
                    VerificationCode.batch_id == batch.id, VerificationCode.issued_at == now
                )
            ).all()
        )
        answers = []
        for draft, (url, _kid, _signature) in zip(drafts, sealed, strict=True):
            view = dataclasses.replace(template, code=draft.code, issued_at=now, url=url)
            text = view.as_json()
            answers.append(
                {
                    "code": draft.code,
                    "code_id": ids[draft.code],
                    "batch_id": batch.id,
                    "state": view.state,
                    "body": text,
                    "etag": view.digest(text),
                    "built_at": now,
                }
            )
        insert_rows(session, table_of(PublicAnswer), answers)
        journal.append_many(
            session,
            actor,
            [
                journal.Change(
                    "code.issue",
                    f"code:{draft.code}",
                    {"batch": batch.id, "url": url, "key_id": kid},
                    batch.business_id,
                )
                for draft, (url, kid, _signature) in zip(drafts, sealed, strict=True)
            ],
        )
        session.commit()
        made += [(draft.code, url) for draft, (url, _kid, _signature) in zip(drafts, sealed, strict=True)]
    return made


def fetch_tags(port: int, path: str, directory: Path, name: str, limit: int = 300) -> str:
    """The ETag of `path` for the first `limit` codes, as a client holds it after one visit; returns the file name."""
    import urllib.request

    lines = []
    for code in (directory / "codes.txt").read_text().split()[:limit]:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path % code}", timeout=30) as response:
            lines.append(f"{code} {response.headers['ETag']}")
    (directory / name).write_text("\n".join(lines) + "\n")
    return name


def run_wrk(
    port: int, path: str, directory: Path, seconds: int, codes: str = "codes.txt", request_lua: str = ""
) -> dict[str, float]:
    """wrk for `seconds` on `path` (``%s`` = a random code); `request_lua` may redefine ``request``."""
    script = directory / "random_code.lua"
    script.write_text(LUA + request_lua)
    env = {**os.environ, "BENCH_CODES": str(directory / codes), "BENCH_PATH": path}
    out = subprocess.run(
        ["wrk", "-t1", "-c8", f"-d{seconds}s", "-s", str(script), f"http://127.0.0.1:{port}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    data = json.loads(line.removeprefix("BENCH "))
    return {
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "p50_ms": data["p50_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
        "errors": data["errors"],
        "requests": data["requests"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--codes", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per endpoint")
    parser.add_argument("--quick", action="store_true", help="1,000 codes and 3 s per endpoint")
    args = parser.parse_args(argv)
    if args.quick:
        args.codes, args.seconds = 1000, 3
    if args.codes <= DRAWN_AT_ISSUE:
        parser.error(f"--codes must be above {DRAWN_AT_ISSUE}: that many stand for codes drawn at issue")
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        directory = Path(tmp)
        port = free_port()
        os.environ.update(scratch_settings(directory, port))
        started = time.perf_counter()
        prepare(directory, args.codes)
        setup_s = time.perf_counter() - started
        server = start_bench_gunicorn(port, workers)
        try:
            wait_listening(port, server)
            for path in ENDPOINTS.values():  # warm-up: every worker's imports, templates, connections
                run_wrk(port, path, directory, 1)
            results = {}
            for name, path in ENDPOINTS.items():
                lua = ""
                if name.endswith("(304)"):  # the tags just before the run: the journal's seals move the JSON's
                    tags = fetch_tags(port, path, directory, "tags.txt")
                    os.environ["BENCH_TAGS"] = str(directory / tags)
                    lua = REVALIDATE_LUA
                codes = "drawn.txt" if name == "QR PNG (drawn at issue)" else "codes.txt"
                results[name] = run_wrk(port, path, directory, args.seconds, codes, lua)
        finally:
            server.terminate()
            server.wait(timeout=30)
    base = results["trivial JSON (/bench/ping)"]
    print(
        f"verify benchmark: {args.codes} codes on SQLite, gunicorn sync x{workers}, wrk -t1 -c8 "
        f"-d{args.seconds}s per endpoint (setup {setup_s:.1f} s)"
    )
    print(f"  {'endpoint':<28}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'req/s ratio':>13}{'p99 ratio':>11}{'errors':>8}")
    for name, r in results.items():
        r["rps_ratio"], r["p99_ratio"] = r["rps"] / base["rps"], r["p99_ms"] / max(base["p99_ms"], 1e-3)
        print(
            f"  {name:<28}{r['rps']:>10.0f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['rps_ratio']:>12.2f}x"
            f"{r['p99_ratio']:>10.2f}x"
            f"{r['errors']:>8.0f}"
        )
    print(
        json.dumps(
            {
                "codes": args.codes,
                "workers": workers,
                "seconds": args.seconds,
                "results": {k: {m: round(v, 3) for m, v in r.items()} for k, r in results.items()},
            }
        )
    )
    return 1 if any(r["errors"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
