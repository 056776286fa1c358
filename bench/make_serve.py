"""Seconds from ``make serve`` to a serving API (the issue's "≤ 10 s after install").

    rm -f qcredit.db && python bench/make_serve.py --port 8765

Starts ``make serve`` in its own process group (the install step is already done: ``make setup``),
polls ``/graphql`` with a ``{__typename}`` query until it answers 200, prints the seconds, and stops
the whole group (make, the demo, uvicorn).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

# bench/http.py would shadow the standard library's http package that urllib imports.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]

import urllib.error  # noqa: E402
import urllib.request  # noqa: E402

QUERY = b'{"query": "{ __typename }"}'


def answers(url: str) -> bool:
    request = urllib.request.Request(
        url, data=QUERY, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--timeout", type=float, default=120)
    args = p.parse_args()
    url = f"http://127.0.0.1:{args.port}/graphql"
    started = time.perf_counter()
    make = subprocess.Popen(
        ["make", "serve", f"PORT={args.port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while not answers(url):
            if make.poll() is not None:
                raise SystemExit(f"make serve ended with status {make.returncode}")
            if time.perf_counter() - started > args.timeout:
                raise SystemExit(f"no answer from {url} in {args.timeout:.0f}s")
            time.sleep(0.1)
        print(f"make serve: {url} answered after {time.perf_counter() - started:.1f}s")
    finally:
        os.killpg(make.pid, signal.SIGTERM)
        make.wait(timeout=30)


if __name__ == "__main__":
    main()
