"""Profile: where one public request spends its time, with pyinstrument, in process (no server, no wrk).

Why this exists: bench/verify.py says how fast the public paths are relative to a trivial endpoint; this says why.
It builds the same data as bench/verify.py (one dossier, N codes for its packed batch, SQLite), then drives each
path through the Flask test client for a number of requests on random codes, and prints per path the mean time
per request, its ratio to the trivial endpoint in the same run, and pyinstrument's call tree cut to its top frames.

Usage (from the project root)::

    python bench/profile_verify.py                 # 300 codes, 300 requests per path
    python bench/profile_verify.py --requests 100 --depth 25

The last line of output is JSON (mean ms per request by path).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from serving import free_port, scratch_settings  # noqa: E402
from verify import prepare, wsgi_app  # noqa: E402

PATHS = {
    "trivial JSON (/bench/ping)": ("/bench/ping?c=%s", False),
    "verify JSON": ("/api/v1/verify/%s", False),
    "consumer page": ("/v/%s", False),
    "verify JSON (304)": ("/api/v1/verify/%s", True),
    "consumer page (304)": ("/v/%s", True),
}


def main(argv: list[str] | None = None) -> int:
    from pyinstrument import Profiler

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--codes", type=int, default=300)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--depth", type=int, default=30, help="lines of each call tree to print")
    args = parser.parse_args(argv)
    means: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="profile-verify-") as tmp:
        directory = Path(tmp)
        os.environ.update(scratch_settings(directory, free_port()))
        codes = prepare(directory, args.codes)
        client = wsgi_app().test_client()
        for name, (pattern, revalidate) in PATHS.items():
            # A revalidation carries a tag a client got earlier; any other request is a scan of a random code, as
            # wrk makes them (most are a code's first scan since the last seal: nothing kept for it yet).
            tags = (
                {code: client.get(pattern % code).headers.get("ETag", "") for code in codes[:50]} if revalidate else {}
            )
            picks = [random.choice(list(tags) if revalidate else codes) for _ in range(args.requests)]
            for code in picks[:20]:  # warm-up: templates, statement caches
                client.get(pattern % code)
            profiler = Profiler(interval=0.0005)
            started = time.perf_counter()
            profiler.start()
            for code in picks:
                headers = {"If-None-Match": tags[code]} if revalidate else {}
                response = client.get(pattern % code, headers=headers)
                assert response.status_code == (304 if revalidate else 200), (name, response.status_code)
            profiler.stop()
            means[name] = (time.perf_counter() - started) / args.requests * 1000
            tree = profiler.output_text(unicode=False, color=False, show_all=False).splitlines()
            print(f"== {name}: {means[name]:.2f} ms a request")
            print("\n".join(line for line in tree[: args.depth + 8] if line.strip()))
    base = means["trivial JSON (/bench/ping)"]
    for name, mean in means.items():
        print(f"  {name:<28}{mean:>8.2f} ms  {base / mean:>6.2f}x of trivial")
    print(json.dumps({name: round(mean, 3) for name, mean in means.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
