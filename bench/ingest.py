"""Event ingestion: ``qcredit import`` (per record and --bulk), ``recordEvent`` with its re-grade.

    python bench/ingest.py --database postgresql://postgres@127.0.0.1:5432/qc_ingest --events 200000
    python bench/ingest.py --database URL --against-copy FILE.jsonl   # the issue's import targets

``--against-copy`` empties the database (PostgreSQL: drops and creates it; SQLite: deletes the
file), times ``qcredit import FILE --no-regrade``, then a bare COPY of the very event rows it
stored into an unindexed table (PostgreSQL: binary COPY from a file written by ``COPY … TO``;
SQLite: one ``executemany``), then empties the database again and times the default
``qcredit import FILE`` (load and re-grade).  It prints each time, the child processes' CPU, and
the ratios to the COPY.

Writes a JSON Lines file of synthetic records (a seed of its own, so it adds to whatever the
database holds), then times ``qcredit import --bulk --no-regrade`` (validated events per second),
the re-grade of what it touched, a per-record import of a smaller file for comparison, and a run of
``recordEvent`` mutations over HTTP in-process (each re-grades its enterprise before answering).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE] + [_HERE]

import httpx  # noqa: E402
from _common import parser, percentile  # noqa: E402
from qcredit.core import clock  # noqa: E402
from qcredit.core.ledger.synth import Generator  # noqa: E402
from qcredit.core.plugins import Registry  # noqa: E402

QCREDIT = str(Path(sys.executable).with_name("qcredit"))


def write_file(path: Path, seed: int, events: int) -> dict[str, int]:
    """Synthetic records until ``events`` events are written."""
    gen = Generator(Registry.load(), "M", seed, clock.today())
    counts: dict[str, int] = {}
    with open(path, "w", encoding="utf-8") as fh:
        for record in gen.records():
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            counts[record["type"]] = counts.get(record["type"], 0) + 1
            if counts.get("event", 0) >= events:
                break
    return counts


def timed(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([QCREDIT, *args], check=True, capture_output=True)
    return time.perf_counter() - started


async def record_events(url: str, n: int) -> list[float]:
    from qcredit.api.app import create_app
    from qcredit.api.settings import Settings
    from qcredit.core.disclosure.tokens import create_token
    from qcredit.core.store.db import create_engine, sessionmaker
    from qcredit.core.store.tables import EnterpriseRow
    from sqlalchemy import select

    db = create_engine(url)
    async with sessionmaker(db)() as s:
        token, _ = await create_token(s, role="ADMIN", expires_days=1, label="bench/ingest.py")
        codes = list((await s.execute(select(EnterpriseRow.code).limit(n))).scalars())
        await s.commit()
    await db.dispose()
    app = create_app(Settings(database_url=url, migrate_on_start=False, rate_limit_per_minute=0))
    mutation = "mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }"
    took: list[float] = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://bench",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        for i, code in enumerate(codes):
            body = {
                "query": mutation,
                "variables": {
                    "i": {
                        "enterpriseCode": code,
                        "kind": "SUPERVISION_CHECK",
                        "occurredOn": clock.today().isoformat(),
                        "attributes": {"result": "PASS" if i % 3 else "FAIL"},
                    }
                },
            }
            started = time.perf_counter()
            got = (await client.post("/graphql", json=body)).json()
            took.append((time.perf_counter() - started) * 1000)
            assert "errors" not in got, got
    await app.state.db_engine.dispose()
    return took


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_cpu(*args: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the ``qcredit`` child) of one command."""
    cpu = child_cpu()
    took = timed(*args)
    return took, child_cpu() - cpu


async def empty_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    import asyncpg

    admin = await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username, database="postgres"
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await admin.close()


BARE_COLUMNS = (
    "enterprise_id, product_id, kind, occurred_on, recorded_at, attributes, external_id, "
    "content_digest, corrects_id, correction_seq"
)


async def bare_copy(url: str, folder: Path) -> tuple[int, float]:
    """(event rows, seconds) of writing the stored event rows again into an unindexed table."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        import sqlite3

        db = sqlite3.connect(str(parsed.database))
        rows = db.execute(f"SELECT {BARE_COLUMNS} FROM events").fetchall()
        db.execute(f"CREATE TABLE bare_events AS SELECT {BARE_COLUMNS} FROM events WHERE 0")
        started = time.perf_counter()
        db.executemany(f"INSERT INTO bare_events VALUES ({', '.join('?' * 10)})", rows)
        db.commit()
        took = time.perf_counter() - started
        db.execute("DROP TABLE bare_events")
        db.close()
        return len(rows), took
    import asyncpg

    conn = await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username, database=parsed.database
    )
    try:
        dump = folder / "events.copy"
        await conn.copy_from_query(f"SELECT {BARE_COLUMNS} FROM events", output=str(dump),
                                   format="binary")  # fmt: skip
        await conn.execute(
            f"CREATE TABLE bare_events AS SELECT {BARE_COLUMNS} FROM events WITH NO DATA"
        )
        started = time.perf_counter()
        status = await conn.copy_to_table("bare_events", source=str(dump), format="binary")
        took = time.perf_counter() - started
        await conn.execute("DROP TABLE bare_events")
    finally:
        await conn.close()
    return int(status.split()[-1]), took


def against_copy(url: str, path: Path) -> None:
    """The issue's import targets: the importer's times as multiples of a bare COPY."""
    events = sum(1 for line in open(path, encoding="utf-8") if '"type": "event"' in line)
    asyncio.run(empty_database(url))
    load, load_cpu = timed_cpu("import", str(path), "--no-regrade", "--database", url)
    with tempfile.TemporaryDirectory() as tmp:
        rows, copy = asyncio.run(bare_copy(url, Path(tmp)))
    asyncio.run(empty_database(url))
    full, full_cpu = timed_cpu("import", str(path), "--database", url)
    print(f"{path.name}: {events:,} events, {rows:,} event rows stored (corrections included)")
    print(f"bare COPY into an unindexed table: {copy:.1f}s, {rows / copy:,.0f} rows/s")
    for name, took, cpu in (("--no-regrade", load, load_cpu), ("(default)", full, full_cpu)):
        print(
            f"qcredit import {name}: {took:.1f}s wall, {cpu:.1f}s CPU, "
            f"{events / took:,.0f} events/s, {took / copy:.1f}x the bare COPY"
        )
    print(f"load average: {os.getloadavg()[0]:.1f}")


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--against-copy", metavar="FILE", type=Path, help="JSON Lines file to import")
    p.add_argument("--events", type=int, default=200_000)
    p.add_argument("--per-record-events", type=int, default=10_000)
    p.add_argument("--record-event-calls", type=int, default=200)
    p.add_argument("--seed", type=int, default=int(time.time()) % 100_000 + 100)
    args = p.parse_args()
    url = args.database
    if args.against_copy:
        against_copy(url, args.against_copy)
        return
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.jsonl", Path(tmp) / "small.jsonl"
        counts = write_file(big, args.seed, args.events)
        took = timed("import", str(big), "--bulk", "--no-regrade", "--database", url)
        print(
            f"qcredit import --bulk --no-regrade: {counts} in {took:.1f}s: "
            f"{counts['event'] / took:,.0f} validated events/s "
            f"({sum(counts.values()) / took:,.0f} records/s, process start and file parse included)"
        )
        took = timed("import", str(big), "--bulk", "--no-regrade", "--database", url)
        print(f"the same file again (every record already present): {took:.1f}s")
        counts = write_file(small, args.seed + 1, args.per_record_events)
        took = timed("import", str(small), "--per-record", "--database", url)
        print(
            f"qcredit import (per record, re-grade per batch): {counts['event']:,} events in "
            f"{took:.1f}s: {counts['event'] / took:,.0f} events/s"
        )
    lat = asyncio.run(record_events(url, args.record_event_calls))
    print(
        f"recordEvent (with its re-grade), {len(lat)} sequential calls in-process: "
        f"p50 {percentile(lat, 50):.1f} ms, p99 {percentile(lat, 99):.1f} ms, "
        f"{1000 * len(lat) / sum(lat):,.0f} calls/s"
    )


if __name__ == "__main__":
    main()
