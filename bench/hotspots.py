"""Where one query's time goes, in-process: cProfile over N requests, statements per request.

    python bench/hotspots.py --database postgresql://postgres@127.0.0.1:5432/qc_m --query one
    python bench/hotspots.py --query page --requests 50 --sort cumulative --top 40

The app is called as an ASGI application directly (no socket, no HTTP client in the profile),
with the response cache off unless ``--cache``, as bench/http.py's ADMIN caller (``--anonymous``
for a public one). It prints the mean wall and CPU milliseconds per request, the SQL statements
per request (counted at the driver's cursor), and the profile's top entries; ``--dump FILE``
keeps the raw profile for snakeviz or pstats.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import json
import os
import pstats
import sys
import time
from collections import Counter
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import parser


def load_http() -> Any:
    """bench/http.py, read by path: it is named like the standard library's ``http``."""
    import importlib.util

    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("bench_http", os.path.join(here, "http.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def queries(http: Any, code: str) -> dict[str, dict[str, Any]]:
    return {
        "one": {"query": http.ONE, "variables": {"code": code}},
        "page": {"query": http.PAGE},
        "floor": {"query": "{ __typename }"},
        "name": {
            "query": "query($code: String!) { enterprise(code: $code) { code name } }",
            "variables": {"code": code},
        },
    }


async def call(app: Any, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """One POST /graphql through the ASGI interface; the status and the body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--query", choices=["one", "page", "floor", "name"], default="one")
    p.add_argument("--requests", type=int, default=300)
    p.add_argument("--code", help="the enterprise (default: bench/http.py's choice)")
    p.add_argument("--anonymous", action="store_true", help="send no token (a public caller)")
    p.add_argument("--cache", action="store_true", help="leave the response cache on")
    p.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--dump", help="write the raw profile here")
    p.add_argument(
        "--no-profile", action="store_true", help="time the requests only, without cProfile"
    )
    args = p.parse_args()
    if not args.cache:
        os.environ["QCREDIT_RESPONSE_CACHE"] = "0"
    os.environ["QCREDIT_RATE_LIMIT_PER_MINUTE"] = "0"
    os.environ["QCREDIT_MAX_COST"] = "1000000"
    os.environ["QCREDIT_MIGRATE_ON_START"] = "false"
    os.environ["QCREDIT_DATABASE_URL"] = args.database

    http = load_http()
    token, code, *_ = asyncio.run(http.setup(args.database))
    code = args.code or code
    body = json.dumps(queries(http, code)[args.query]).encode()
    headers = [] if args.anonymous else [(b"authorization", f"Bearer {token}".encode())]

    async def go() -> None:
        from qcredit.api.app import create_app
        from sqlalchemy import event

        app = create_app()
        statements: Counter[str] = Counter()
        async with app.router.lifespan_context(app):
            engine = app.state.db_engine

            @event.listens_for(engine.sync_engine, "before_cursor_execute")
            def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
                statements[statement.split(None, 1)[0].upper()] += 1

            for _ in range(20):  # warm: compiled statements, prepared statements, plans
                status, out = await call(app, body, headers)
                if status != 200 or b'"errors"' in out:
                    raise SystemExit(f"query failed ({status}): {out[:500]!r}")
            statements.clear()
            profile = cProfile.Profile()
            if args.no_profile:
                # Five rounds; the quickest and the median, less what else the machine runs.
                rounds = []
                for _ in range(5):
                    cpu = time.process_time()
                    for _ in range(args.requests):
                        await call(app, body, headers)
                    rounds.append((time.process_time() - cpu) * 1000 / args.requests)
                rounds.sort()
                print(
                    f"{args.query}: {args.requests} requests x 5 rounds, CPU per request: "
                    f"best {rounds[0]:.2f} ms, median {rounds[2]:.2f} ms, response {len(out)} "
                    "bytes"
                )
                n = args.requests * 5
                per = ", ".join(f"{k} {v / n:g}" for k, v in statements.most_common())
                print(f"SQL statements per request: {per or 'none'}")
                return
            wall, cpu = time.perf_counter(), time.process_time()
            profile.enable()
            for _ in range(args.requests):
                await call(app, body, headers)
            profile.disable()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        n = args.requests
        print(
            f"{args.query}: {n} requests, wall {wall * 1000 / n:.2f} ms/req, "
            f"CPU {cpu * 1000 / n:.2f} ms/req (under cProfile), "
            f"response {len(out)} bytes"
        )
        per = ", ".join(f"{k} {v / n:g}" for k, v in statements.most_common())
        print(f"SQL statements per request: {per or 'none'}")
        if args.dump:
            profile.dump_stats(args.dump)
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats(args.sort).print_stats(args.top)
        print(text.getvalue())

    asyncio.run(go())


if __name__ == "__main__":
    main()
