"""``recordEvent`` with its re-grade, over HTTP: sequential, then eight concurrent writers.

    python bench/record.py --database postgresql://postgres@127.0.0.1:5432/qc_m
    python bench/record.py --database … --calls 300 --writers 8 --workers 1

Starts ``uvicorn`` (the API, ``--workers`` processes) on loopback and sends ``recordEvent``
mutations to random enterprises of the database (a seed of its own), each with an ``externalId``
unique to this run. Sequential: one call after the other. Concurrent: ``--writers`` clients sending
back to back (closed loop); every event is sent by two writers at about the same time, so the
idempotency on ``externalId`` is raced on every event. Prints p50/p99 (ms) and events/s, then
checks in the database that exactly the sent events exist — none lost, none doubled — and that
both senders of an event got the same event id.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import random
import sys
import time
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE] + [_HERE]

import httpx  # noqa: E402
from _common import parser, percentile  # noqa: E402

# bench/http.py is named like the standard library's package: load it by its path.
_spec = importlib.util.spec_from_file_location("bench_http", os.path.join(_HERE, "http.py"))
assert _spec is not None and _spec.loader is not None
bench_http = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_http)

MUTATION = "mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }"


async def setup(url: str, n: int, seed: int) -> tuple[str, list[str]]:
    """An ADMIN token and ``n`` random enterprise codes."""
    from qcredit.core.disclosure.tokens import create_token
    from qcredit.core.store.db import create_engine, sessionmaker
    from qcredit.core.store.tables import EnterpriseRow
    from sqlalchemy import select

    db = create_engine(url)
    async with sessionmaker(db)() as s:
        token, _ = await create_token(s, role="ADMIN", expires_days=1, label="bench/record.py")
        codes = list((await s.execute(select(EnterpriseRow.code))).scalars())
        await s.commit()
    await db.dispose()
    return token, random.Random(seed).sample(codes, min(n, len(codes)))


def body(code: str, external_id: str, i: int, today: str) -> dict[str, Any]:
    return {
        "query": MUTATION,
        "variables": {
            "i": {
                "enterpriseCode": code,
                "kind": "SUPERVISION_CHECK",
                "occurredOn": today,
                "attributes": {"result": "PASS" if i % 3 else "FAIL"},
                "externalId": external_id,
            }
        },
    }


async def send(client: httpx.AsyncClient, payload: dict[str, Any]) -> tuple[float, str]:
    started = time.perf_counter()
    r = await client.post("/graphql", json=payload)
    took = (time.perf_counter() - started) * 1000
    got = r.json()
    if "errors" in got or r.status_code != 200:
        raise SystemExit(f"recordEvent failed ({r.status_code}): {got}")
    return took, str(got["data"]["recordEvent"]["id"])


async def sequential(client: httpx.AsyncClient, events: list[dict[str, Any]]) -> list[float]:
    return [(await send(client, e))[0] for e in events]


def slowest(took: list[float], events: list[dict[str, Any]], n: int) -> None:
    """The ``n`` slowest sequential calls with their enterprise, to read the tail."""
    ranked = sorted(zip(took, events, strict=True), key=lambda pair: -pair[0])[:n]
    for ms, e in ranked:
        print(f"  {ms:7.1f} ms  {e['variables']['i']['enterpriseCode']}")


async def concurrent(
    client: httpx.AsyncClient, events: list[dict[str, Any]], writers: int
) -> tuple[list[float], dict[str, set[str]], float]:
    """Every event twice, by two different writers; returns latencies, ids per externalId, wall."""
    sends = [e for pair in zip(events, events, strict=True) for e in pair]
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for e in sends:
        queue.put_nowait(e)
    took: list[float] = []
    ids: dict[str, set[str]] = {}

    async def writer() -> None:
        while not queue.empty():
            e = queue.get_nowait()
            ms, event_id = await send(client, e)
            took.append(ms)
            ids.setdefault(e["variables"]["i"]["externalId"], set()).add(event_id)

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(writers)))
    return took, ids, time.perf_counter() - started


async def stored(url: str, prefix: str) -> dict[str, int]:
    """externalId → how many event rows carry it, for this run's events."""
    from qcredit.core.store.db import create_engine
    from qcredit.core.store.tables import EventRow
    from sqlalchemy import func, select

    db = create_engine(url)
    async with db.connect() as conn:
        rows = await conn.execute(
            select(EventRow.external_id, func.count())
            .where(EventRow.external_id.startswith(prefix))
            .group_by(EventRow.external_id)
        )
        out = {str(k): int(n) for k, n in rows}
    await db.dispose()
    return out


def report(name: str, took: list[float], wall: float, events: int) -> None:
    print(
        f"{name}: {len(took)} calls, p50 {percentile(took, 50):.1f} ms, "
        f"p99 {percentile(took, 99):.1f} ms, {events / wall:,.0f} events/s"
    )


async def run(url: str, port: int, args: Any) -> None:
    from qcredit.core import clock

    today = clock.today().isoformat()
    prefix = f"bench-record-{time.time_ns()}-"
    token, codes = await setup(url, args.calls * 2, args.seed)
    seq = [body(codes[i], f"{prefix}s{i}", i, today) for i in range(args.calls)]
    par = [body(codes[args.calls + i], f"{prefix}c{i}", i, today) for i in range(args.calls)]
    limits = httpx.Limits(max_connections=args.writers, max_keepalive_connections=args.writers)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}",
        headers={"Authorization": f"Bearer {token}"},
        limits=limits,
        timeout=120,
    ) as client:
        for _ in range(30):  # wait for the server
            try:
                await client.get("/graphql")
                break
            except httpx.TransportError:
                await asyncio.sleep(0.5)
        for i in range(5):  # warm the process (imports, prepared statements)
            await send(client, body(codes[i], f"{prefix}w{i}", i, today))
        started = time.perf_counter()
        took = await sequential(client, seq)
        report("sequential", took, time.perf_counter() - started, len(seq))
        if args.slowest:
            slowest(took, seq, args.slowest)
        took, ids, wall = await concurrent(client, par, args.writers)
        report(f"{args.writers} concurrent writers (each event sent twice)", took, wall, len(par))
    have = await stored(url, prefix)
    sent = {e["variables"]["i"]["externalId"] for e in seq + par}
    lost = sorted(sent - set(have))
    doubled = sorted(k for k, n in have.items() if n != 1)
    split = sorted(k for k, v in ids.items() if len(v) != 1)
    print(
        f"check: {len(sent)} events sent, {len(set(have) & sent)} stored; lost {len(lost)}, "
        f"doubled {len(doubled)}, answered with two ids {len(split)}"
    )
    if lost or doubled or split:
        raise SystemExit(f"FAILED: lost {lost[:5]}, doubled {doubled[:5]}, split {split[:5]}")


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--calls", type=int, default=300, help="events per phase")
    p.add_argument("--writers", type=int, default=8)
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    p.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    p.add_argument("--slowest", type=int, default=0, help="list the N slowest sequential calls")
    args = p.parse_args()
    port = bench_http.free_port()
    proc = bench_http.serve(args.database, args.workers, port)
    try:
        asyncio.run(run(args.database, port, args))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
