"""Event ingestion: ``qcredit import`` (per record and --bulk), ``recordEvent`` with its re-grade.

    python bench/ingest.py --database postgresql://postgres@127.0.0.1:5432/qc_ingest --events 200000

Writes a JSON Lines file of synthetic records (a seed of its own, so it adds to whatever the
database holds), then times ``qcredit import --bulk --no-regrade`` (validated events per second),
the re-grade of what it touched, a per-record import of a smaller file for comparison, and a run of
``recordEvent`` mutations over HTTP in-process (each re-grades its enterprise before answering).
"""

from __future__ import annotations

import asyncio
import json
import os
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


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--events", type=int, default=200_000)
    p.add_argument("--per-record-events", type=int, default=10_000)
    p.add_argument("--record-event-calls", type=int, default=200)
    p.add_argument("--seed", type=int, default=int(time.time()) % 100_000 + 100)
    args = p.parse_args()
    url = args.database
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
