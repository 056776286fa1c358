"""Reads under a stream of writes: eight readers of random enterprises, one writer.

    python bench/mixed.py --database postgresql://postgres@127.0.0.1:5432/qc_m --seconds 30

Eight readers ask for one enterprise at a time with its assessments and its number of events,
the enterprise drawn by a Zipf law over every enterprise of the database (rank = id order,
exponent ``--zipf``, 1.0 by default: a few enterprises are asked for often, most rarely). One
writer records an event (``recordEvent`` with its re-grade) every 100 ms for an enterprise
drawn the same way. The qcredit API runs as one uvicorn worker with its response cache on (the
default); the same readers then ask PostGraphile v4 (one node process, ``npx postgraphile@4``)
for the same enterprises in its own schema, under the same write stream (sent to qcredit, which
owns the ledger). Reported: requests/s, read p50/p99, the response cache's hit rate, and the
ratio of the two read rates.

No stale answer: after each write the writer reads the enterprise fresh (a document no cached
entry has) and keeps its event count; every read of a written enterprise that started after the
write was answered is checked against that count, and the number of stale answers is printed
(it must be 0).

The readers speak HTTP/1.1 over raw asyncio streams (keep-alive, one connection each), so the
client costs little next to either server on a two-core machine.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE] + [_HERE]

from _common import parser, percentile  # noqa: E402

ONE = """query($code: String!) { enterprise(code: $code) { code name regionCode
  assessments { policy { id } level score asOf subjectType
  reasons { rule article text } whyNotBetter { rule article text }
  supervision { kind text article minPerYear color }
  publicity { audience allowed needsReview text article } } } }"""
PG_ONE = """query($code: String!) { enterprisByCode(code: $code) { code name regionCode
  assessmentsByEnterpriseId { nodes { policyId level score asOf subjectType payload } } } }"""
RECORD = """mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }"""


class Connection:
    """One keep-alive HTTP/1.1 connection posting JSON (Content-Length bodies only)."""

    def __init__(self, host: str, port: int, path: str, headers: dict[str, str]) -> None:
        self.host, self.port, self.path = host, port, path
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.cache_hits = 0  # answers the server says came from its response cache

    async def post(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        data = json.dumps(body).encode()
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\n{self.extra}Content-Length: {len(data)}\r\n\r\n"
        )
        self.writer.write(head.encode() + data)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *lines = raw.decode("latin-1").split("\r\n")
        fields = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines if ln)}
        if "content-length" not in fields:
            raise RuntimeError(f"no Content-Length in the answer ({status_line})")
        payload = await self.reader.readexactly(int(fields["content-length"]))
        if not status_line.split()[1].startswith("2"):
            raise RuntimeError(f"{status_line}: {payload[:200]!r}")
        self.cache_hits += "cache;desc=hit" in fields.get("server-timing", "")
        answer: dict[str, Any] = json.loads(payload)
        if answer.get("errors"):
            raise RuntimeError(f"errors: {answer['errors']}")
        return answer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class Zipf:
    """Draws indexes 0..n-1 with probability proportional to 1 / (index + 1) ** s."""

    def __init__(self, n: int, s: float, rng: random.Random) -> None:
        self.cumulative = list(itertools.accumulate(1 / (k + 1) ** s for k in range(n)))
        self.rng = rng

    def draw(self) -> int:
        return bisect.bisect(self.cumulative, self.rng.random() * self.cumulative[-1])


@dataclass
class Write:
    sent: float
    fresh_at: float = float("inf")  # when the fresh read after it returned
    answer: str = ""  # that fresh read's data


@dataclass
class Written:
    """What the writer knows, per enterprise: for each write, when it was sent, and the answer
    of a fresh read made after it was answered (with the time that fresh read returned)."""

    log: dict[str, list[Write]] = field(default_factory=dict)
    writes: int = 0

    def truth(self, code: str, started: float, ended: float) -> str | None:
        """The answer a read over [started, ended] must give: that of the fresh read after the
        last write, if the read began after it and no later write to the enterprise began
        before the read ended (otherwise either answer may be right, and it is not checked)."""
        found = None
        for w in self.log.get(code, ()):
            if w.fresh_at <= started:
                found = w.answer
            elif w.sent <= ended:
                return None
        return found


@dataclass
class Reads:
    latencies: list[float] = field(default_factory=list)
    checked: int = 0
    stale: int = 0
    errors: int = 0


async def reader(
    conn: Connection,
    zipf: Zipf,
    codes: list[str],
    body: Callable[[str], dict[str, Any]],
    written: Written,
    reads: Reads,
    until: float,
) -> None:
    while (started := time.monotonic()) < until:
        code = codes[zipf.draw()]
        try:
            answer = await conn.post(body(code))
        except (RuntimeError, OSError, asyncio.IncompleteReadError):
            reads.errors += 1
            conn.close()
            conn.writer = None
            continue
        ended = time.monotonic()
        reads.latencies.append((ended - started) * 1000)
        truth = written.truth(code, started, ended)
        if truth is not None:
            reads.checked += 1
            if json.dumps(answer["data"], sort_keys=True) != truth:
                reads.stale += 1


async def writer(
    api: Connection,
    zipf: Zipf,
    codes: list[str],
    written: Written,
    until: float,
    fresh: Callable[[str], Any],
) -> None:
    """An event every 100 ms; after each, the enterprise read fresh."""
    today = time.strftime("%Y-%m-%d")
    tick = time.monotonic()
    serial = itertools.count()
    while time.monotonic() < until:
        code = codes[zipf.draw()]
        event = {
            "enterpriseCode": code,
            "kind": "SAMPLING_INSPECTION",
            "occurredOn": today,
            "attributes": {"result": "PASS"},
            "externalId": f"bench-mixed-{os.getpid()}-{time.time_ns()}-{next(serial)}",
        }
        # Logged before it is sent: a read overlapping the write is not checked.
        w = Write(time.monotonic())
        written.log.setdefault(code, []).append(w)
        await api.post({"query": RECORD, "variables": {"i": event}})
        answer = await fresh(code)
        w.answer, w.fresh_at = answer, time.monotonic()
        written.writes += 1
        tick += 0.1
        await asyncio.sleep(max(0.0, tick - time.monotonic()))


async def phase(
    name: str,
    read_port: int,
    read_headers: dict[str, str],
    body: Callable[[str], dict[str, Any]],
    api_port: int,
    api_headers: dict[str, str],
    codes: list[str],
    args: Any,
) -> dict[str, Any]:
    rng = random.Random(args.seed)
    until = time.monotonic() + args.seconds
    written, reads = Written(), Reads()
    conns = [Connection("127.0.0.1", read_port, "/graphql", read_headers) for _ in range(8)]
    api = Connection("127.0.0.1", api_port, "/graphql", api_headers)
    fresh_conn = Connection("127.0.0.1", read_port, "/graphql", read_headers)
    fresh_serial = itertools.count()

    async def fresh(code: str) -> str:
        # A comment makes a document no cached entry was made for: this read executes.
        query = body(code)
        query = {**query, "query": f"{query['query']}\n# fresh {next(fresh_serial)}"}
        return json.dumps((await fresh_conn.post(query))["data"], sort_keys=True)

    tasks = [
        reader(
            c,
            Zipf(len(codes), args.zipf, random.Random(rng.random())),
            codes,
            body,
            written,
            reads,
            until,
        )
        for c in conns
    ]
    started = time.monotonic()
    await asyncio.gather(
        writer(
            api,
            Zipf(len(codes), args.zipf, random.Random(rng.random())),
            codes,
            written,
            until,
            fresh,
        ),
        *tasks,
    )
    elapsed = time.monotonic() - started
    for c in [*conns, api, fresh_conn]:
        c.close()
    hits = sum(c.cache_hits for c in conns)
    result = {
        "name": name,
        "hit_rate": hits / max(1, len(reads.latencies)),
        "reads": len(reads.latencies),
        "rps": len(reads.latencies) / elapsed,
        "p50": percentile(reads.latencies, 50),
        "p99": percentile(reads.latencies, 99),
        "writes": written.writes,
        "checked": reads.checked,
        "stale": reads.stale,
        "errors": reads.errors,
    }
    print(
        f"{name:28} | {result['rps']:8.1f} reads/s | p50 {result['p50']:7.2f} ms | "
        f"p99 {result['p99']:7.2f} ms | {written.writes} writes | {reads.checked} reads of "
        f"written enterprises checked, {reads.stale} stale | {reads.errors} failed"
        + (f" | cache hit rate {result['hit_rate']:.1%}" if hits else ""),
        flush=True,
    )
    return result


def wait_port(port: int, headers: dict[str, str], body: dict[str, Any], timeout: float) -> None:
    deadline = time.monotonic() + timeout

    async def ask() -> None:
        conn = Connection("127.0.0.1", port, "/graphql", headers)
        try:
            await conn.post(body)
        finally:
            conn.close()

    while True:
        try:
            asyncio.run(ask())
            return
        except (OSError, RuntimeError, asyncio.IncompleteReadError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def stop(proc: subprocess.Popen) -> None:
    """Stop a server and everything it started (npx leaves node running otherwise)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


async def setup(url: str) -> tuple[str, list[str]]:
    from qcredit.core.disclosure.tokens import create_token
    from qcredit.core.store.db import create_engine, sessionmaker
    from qcredit.core.store.tables import EnterpriseRow
    from sqlalchemy import select

    engine = create_engine(url)
    async with sessionmaker(engine)() as s:
        token, _ = await create_token(s, role="ADMIN", expires_days=1, label="bench/mixed.py")
        await s.commit()
        codes = list(
            (await s.execute(select(EnterpriseRow.code).order_by(EnterpriseRow.id))).scalars()
        )
    await engine.dispose()
    return token, codes


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--seconds", type=int, default=30)
    p.add_argument("--zipf", type=float, default=1.0, help="exponent of the Zipf law")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-postgraphile", action="store_true")
    p.add_argument(
        "--readers-role",
        default="PUBLIC",
        choices=["PUBLIC", "ADMIN"],
        help="who reads (PUBLIC: the lookups of the public; ADMIN: every level, each read of a "
        "non-public grade audited)",
    )
    args = p.parse_args()
    from importlib.util import module_from_spec, spec_from_file_location

    from postgraphile import pg_url  # bench/postgraphile.py

    # bench/http.py, by its path: ``import http`` is the standard library's.
    spec = spec_from_file_location("qcredit_http_bench", os.path.join(_HERE, "http.py"))
    assert spec and spec.loader
    bench = module_from_spec(spec)
    spec.loader.exec_module(bench)
    free_port, serve = bench.free_port, bench.serve

    token, codes = asyncio.run(setup(args.database))
    headers = {"Authorization": f"Bearer {token}"}
    readers = headers if args.readers_role == "ADMIN" else {}
    print(
        f"database {args.database.split('@')[-1]}: {len(codes)} enterprises, zipf {args.zipf}, "
        f"8 readers + 1 writer (10 writes/s), {args.seconds} s",
        flush=True,
    )
    api_port = free_port()
    api = serve(args.database, 1, api_port, env={"QCREDIT_RESPONSE_CACHE": "4096"})
    results = []
    try:
        wait_port(api_port, headers, {"query": ONE, "variables": {"code": codes[0]}}, 90)
        results.append(
            asyncio.run(
                phase(
                    f"qcredit (1 worker, cache, {args.readers_role})",
                    api_port,
                    readers,
                    lambda c: {"query": ONE, "variables": {"code": c}},
                    api_port,
                    headers,
                    codes,
                    args,
                )
            )
        )
        if not args.no_postgraphile:
            pg_port = free_port()
            pg = subprocess.Popen(
                [
                    *("npx", "-y", "postgraphile@4", "-c", pg_url(args.database)),
                    *("--schema", "public", "--port", str(pg_port), "--host", "127.0.0.1"),
                    *("--disable-default-mutations", "--disable-query-log"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stop() ends node too
            )
            try:
                body = {"query": PG_ONE, "variables": {"code": codes[0]}}
                wait_port(pg_port, {}, body, 180)
                results.append(
                    asyncio.run(
                        phase(
                            "postgraphile@4 (1 process)",
                            pg_port,
                            {},
                            lambda c: {"query": PG_ONE, "variables": {"code": c}},
                            api_port,
                            headers,
                            codes,
                            args,
                        )
                    )
                )
            finally:
                stop(pg)
    finally:
        stop(api)
    if len(results) == 2:
        ours, theirs = results
        print(f"ratio qcredit / PostGraphile reads/s: {ours['rps'] / theirs['rps']:.2f}x")
    stale = sum(r["stale"] for r in results)
    print(f"stale answers: {stale}")


if __name__ == "__main__":
    main()
