"""Load run: a bounded wrk run against the verify API and the consumer page together, with worker memory.

Why this exists: a code on a pack is scanned by many phones and polled by marketplaces at once. The question
here is not top speed (bench/verify.py measures that per endpoint) but whether a sustained mix stays clean:
no error responses or socket errors over the whole run, a recorded p99, and workers whose memory does not
climb while they serve. Memory is each gunicorn worker's resident set (VmRSS) after a warm-up and again at
the end of the run; a leak per request would show as growth proportional to the requests served.

What runs: the same database as bench/verify.py (one dossier, N codes issued), gunicorn with sync workers,
one per core, serving the real app plus ``/bench/ping`` (the baseline). wrk drives, on loopback, one thread and
8 connections for the set duration, alternating the verify JSON (``/api/v1/verify/<code>``) and the consumer
page (``/v/<code>``) for random codes. Rate limiting is off (every request comes from one address). A short run
against ``/bench/ping`` gives the ratio.

Usage (from the project root)::

    python bench/load.py                 # 60 s (the CI run)
    python bench/load.py --seconds 10    # a quick look

The last line of output is JSON; the exit status is non-zero on any error response or socket error.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from serving import free_port, scratch_settings, start_bench_gunicorn, wait_listening  # noqa: E402
from verify import prepare, run_wrk  # noqa: E402 - the same data as the verify benchmark

# Replaces the single-path request function of bench/verify.py's script: the two public URLs, alternately.
LUA_MIX = """
local codes = {}
for line in io.lines(os.getenv("BENCH_CODES")) do codes[#codes + 1] = line end
local paths = {"/api/v1/verify/%s", "/v/%s"}
local n = 0
math.randomseed(os.time())
request = function()
  n = n + 1
  return wrk.format("GET", string.format(paths[n % 2 + 1], codes[math.random(#codes)]))
end
"""


def worker_rss_kib(master: int) -> dict[int, int]:
    """VmRSS of each gunicorn worker (the master's children), in KiB."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes: dict[int, int] = {}
    for pid in map(int, children):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes[pid] = int(line.split()[1])
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--codes", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        directory = Path(tmp)
        port = free_port()
        os.environ.update(scratch_settings(directory, port))
        # Every issued code, whether its QR image was drawn or not: scans hit both kinds.
        (directory / "all.txt").write_text("\n".join(prepare(directory, args.codes)) + "\n")
        server = start_bench_gunicorn(port, workers)
        try:
            wait_listening(port, server)
            run_wrk(port, "/api/v1/verify/%s", directory, 2, "all.txt")  # warm-up: imports, templates, connections
            run_wrk(port, "/v/%s", directory, 2, "all.txt")
            base = run_wrk(port, "/bench/ping?c=%s", directory, 5, "all.txt")
            before = worker_rss_kib(server.pid)
            started = time.perf_counter()
            mixed = run_wrk(port, "/mixed/%s", directory, args.seconds, "all.txt", request_lua=LUA_MIX)
            elapsed = time.perf_counter() - started
            after = worker_rss_kib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
    growth = {pid: after.get(pid, 0) - size for pid, size in before.items()}
    print(
        f"load run: {args.seconds} s, wrk -t1 -c8 on loopback, verify JSON and consumer page alternating, "
        f"{args.codes} codes on SQLite, gunicorn sync x{workers} (wall {elapsed:.0f} s)"
    )
    print(
        f"  requests {mixed['requests']:.0f}  ({mixed['rps']:.0f} req/s, {mixed['rps'] / base['rps']:.2f}x of "
        f"a trivial endpoint at {base['rps']:.0f} req/s)"
    )
    print(f"  latency p50 {mixed['p50_ms']:.1f} ms  p99 {mixed['p99_ms']:.1f} ms  errors {mixed['errors']:.0f}")
    print(
        "  worker RSS before -> after: "
        + ", ".join(f"{before[pid] / 1024:.1f} -> {after.get(pid, 0) / 1024:.1f} MiB" for pid in sorted(before))
    )
    if set(after) != set(before):
        print("  a worker was replaced during the run", file=sys.stderr)
    print(
        json.dumps(
            {
                "seconds": args.seconds,
                "workers": workers,
                "mixed": {k: round(v, 3) for k, v in mixed.items()},
                "baseline_rps": round(base["rps"], 1),
                "rps_ratio": round(mixed["rps"] / base["rps"], 3),
                "rss_kib_before": list(before.values()),
                "rss_kib_after": list(after.values()),
                "rss_growth_kib": list(growth.values()),
            }
        )
    )
    return 1 if mixed["errors"] or set(after) != set(before) else 0


if __name__ == "__main__":
    sys.exit(main())
