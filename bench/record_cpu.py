"""``recordEvent`` in-process: CPU milliseconds a call and SQL statements a call.

    python bench/record_cpu.py --database postgresql://postgres@127.0.0.1:5432/qc_m --calls 200

The app is called as an ASGI application directly (no socket, no HTTP client, no uvicorn), as
bench/hotspots.py does for reads, with the ADMIN token of bench/http.py. Each call records a
complaint for a random one of the first 3,000 enterprises, with its re-grade, under an
``externalId`` of its own. Twenty warm-up calls come first. Printed: CPU and wall milliseconds a
call, and the statements a call by kind, counted by the engine's ``before_cursor_execute``
listeners. Those hear the driver's statements as well (core/store/driver.py). The CPU figure is
steadier than bench/record.py's latencies on a shared machine, so use it to compare two
commits run one after the other.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import random
import sys
import time
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE] + [_HERE]

from _common import parser  # noqa: E402

RECORD = "mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }"


async def run(database: str, calls: int) -> None:
    import hotspots  # bench/hotspots.py: the ASGI call

    # hotspots puts this directory first on the path; behind the standard library again, so
    # ``http.client`` is not bench/http.py.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE] + [_HERE]
    from qcredit.api.app import create_app
    from sqlalchemy import event, text

    http = hotspots.load_http()
    token, *_ = await http.setup(database)
    app = create_app()
    statements: collections.Counter[str] = collections.Counter()
    async with app.router.lifespan_context(app):
        engine = app.state.db_engine
        async with engine.connect() as c:
            found = await c.execute(text("SELECT code FROM enterprises ORDER BY id LIMIT 3000"))
            codes = [r[0] for r in found]

        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements[statement.split(None, 1)[0].upper()] += 1

        draw = random.Random(7)
        headers = [(b"authorization", f"Bearer {token}".encode())]
        run_id = time.time_ns()

        def body(i: int) -> bytes:
            record = {
                "enterpriseCode": draw.choice(codes),
                "kind": "COMPLAINT",
                "occurredOn": "2026-11-20",
                "attributes": {},
                "externalId": f"bench-record-cpu-{run_id}-{i}",
            }
            return json.dumps({"query": RECORD, "variables": {"i": record}}).encode()

        for i in range(20):
            status, out = await hotspots.call(app, body(i), headers)
            if status != 200 or b'"errors"' in out:
                raise SystemExit(f"recordEvent failed ({status}): {out[:500]!r}")
        statements.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        for i in range(calls):
            await hotspots.call(app, body(1000 + i), headers)
        cpu_ms = (time.process_time() - cpu) * 1000 / calls
        wall_ms = (time.perf_counter() - wall) * 1000 / calls
        kinds = ", ".join(f"{k} {v / calls:.1f}" for k, v in statements.most_common())
        print(f"recordEvent: CPU {cpu_ms:.2f} ms/call, wall {wall_ms:.2f} ms/call", end="; ")
        print(f"statements/call {kinds}")


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--calls", type=int, default=200)
    args = p.parse_args()
    os.environ["QCREDIT_RATE_LIMIT_PER_MINUTE"] = "0"
    os.environ["QCREDIT_MIGRATE_ON_START"] = "false"
    os.environ["QCREDIT_DATABASE_URL"] = args.database
    asyncio.run(run(args.database, args.calls))


if __name__ == "__main__":
    main()
