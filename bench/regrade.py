"""Full re-grade of every subject under every policy, against the floor: just reading the events.

    python bench/regrade.py --database postgresql://postgres@127.0.0.1:5432/qc_m
    python bench/regrade.py --database postgresql://… --processes 2   # partitioned by region

Prints subjects per second and the ratio of the re-grade's time to the time the same database
takes to read the same events in the grader's order (enterprise, id) through the same driver.
With ``--processes N`` the re-grade runs as N processes claiming regions from the PostgreSQL work
queue (:mod:`qcredit.core.grading.run`), as a province would across machines.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

from _common import parser, peak_rss_mib
from qcredit.core.grading.engine import Engine
from qcredit.core.grading.run import grade_everything
from qcredit.core.plugins import Registry
from qcredit.core.store.db import async_url, create_engine, sessionmaker
from qcredit.core.store.migrate import upgrade
from qcredit.core.store.tables import EnterpriseRow, EventRow, ProductRow
from sqlalchemy import func, select, text


async def read_floor(url: str) -> tuple[float, int]:
    """Seconds to stream every event row (all columns) ordered by (enterprise, id)."""
    engine = create_engine(url)
    t = EventRow.__table__
    started = time.perf_counter()
    n = 0
    async with engine.connect() as conn:
        result = await conn.stream(
            select(t).order_by(t.c.enterprise_id, t.c.id).execution_options(yield_per=10_000)
        )
        async for part in result.partitions(10_000):
            n += len(part)
    took = time.perf_counter() - started
    await engine.dispose()
    return took, n


async def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        out = {
            "enterprises": (
                await conn.execute(select(func.count()).select_from(EnterpriseRow))
            ).scalar_one(),
            "products": (
                await conn.execute(select(func.count()).select_from(ProductRow))
            ).scalar_one(),
            "events": (await conn.execute(select(func.count()).select_from(EventRow))).scalar_one(),
        }
    await engine.dispose()
    return out


async def regrade(url: str, chunk: int) -> float:
    db = create_engine(url)
    await upgrade(db)
    sessions = sessionmaker(db)
    engine = Engine(Registry.load())
    started = time.perf_counter()
    await grade_everything(sessions, engine, engine.registry.all_policies(), chunk=chunk)
    took = time.perf_counter() - started
    await db.dispose()
    return took


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--chunk", type=int, default=500, help="enterprises per re-grade transaction")
    p.add_argument("--processes", type=int, default=1, help="re-grade processes (PostgreSQL)")
    p.add_argument("--skip-floor", action="store_true")
    args = p.parse_args()
    url = args.database
    backend = async_url(url).get_backend_name()
    sizes = asyncio.run(counts(url))
    print(f"database: {backend}; {sizes}")
    if not args.skip_floor:
        floor, n = asyncio.run(read_floor(url))
        print(f"floor: read {n:,} events in order in {floor:.1f}s ({n / floor:,.0f} rows/s)")
    else:
        floor = float("nan")
    if args.processes > 1:
        run_id = f"bench-{time.time_ns()}"
        started = time.perf_counter()
        procs = [
            subprocess.Popen(
                [
                    *(sys.executable, "-m", "qcredit.core.grading.run", "--database", url),
                    *("--run-id", run_id, "--worker", f"w{i}"),
                ]
            )
            for i in range(args.processes)
        ]
        for proc in procs:
            proc.wait()
        took = time.perf_counter() - started
    else:
        took = asyncio.run(regrade(url, args.chunk))
    subjects = asyncio.run(subject_count(url))
    print(
        f"re-grade: {subjects:,} subjects (enterprise and product × policy) in {took:.1f}s "
        f"with {args.processes} process(es): {subjects / took:,.0f} subjects/s; "
        f"{took / floor:.1f}× the floor; peak RSS of this process {peak_rss_mib():.0f} MiB"
    )


async def subject_count(url: str) -> int:
    """Subjects graded: one assessment row per subject and policy on its standing date."""
    engine = create_engine(url)
    async with engine.connect() as conn:
        n = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM assessments a JOIN standing_grades s ON "
                    "s.policy_id = a.policy_id AND s.subject_type = a.subject_type AND "
                    "s.subject_id = a.subject_id AND s.as_of = a.as_of"
                )
            )
        ).scalar_one()
    await engine.dispose()
    return int(n)


if __name__ == "__main__":
    main()
