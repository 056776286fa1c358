"""Full re-grade of every subject under every policy, against the floor: just reading the events.

    python bench/regrade.py --database postgresql://postgres@127.0.0.1:5432/qc_m --first
    python bench/regrade.py --database postgresql://…                     # nothing changed
    python bench/regrade.py --database postgresql://… --parameter-change 1 --processes 2

Prints subjects per second and the ratio of the re-grade's time to the time the same database
takes to read the same events in the grader's order (enterprise, id) through the same driver.

* ``--first`` empties the derived tables (assessments, standing grades, their fingerprints, grade
  changes, notices) first: a first grading.  Without it, a re-grade of an already graded
  database skips every enterprise whose inputs did not change (``--force`` grades everything).
* ``--parameter-change N`` raises one integer parameter of the policy with the most standing
  grades by N (an override file in ``QCREDIT_PARAMETERS``, as a deployment would): every subject
  under that policy is graded again, the others are skipped.  Use another N for the next run.
* ``--processes N`` runs N worker processes on the PostgreSQL work queue
  (``qcredit grade --jobs N``), as a province would across machines.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time

from _common import parser, peak_rss_mib
from qcredit.core.grading.engine import Engine
from qcredit.core.grading.run import grade_everything, grade_in_processes
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


async def regrade(url: str, chunk: int, processes: int, force: bool) -> float:
    db = create_engine(url)
    await upgrade(db)
    sessions = sessionmaker(db)
    engine = Engine(Registry.load())
    policies = engine.registry.all_policies()
    started = time.perf_counter()
    if processes > 1:
        await grade_in_processes(
            url, sessions, engine.registry, policies, None, processes, force=force
        )
    else:
        await grade_everything(sessions, engine, policies, chunk=chunk, force=force)
    took = time.perf_counter() - started
    await db.dispose()
    return took


DERIVED = ("grading_inputs", "notices", "grade_changes", "standing_grades", "assessments")


async def clear_derived(url: str) -> None:
    """Empty what grading writes (a first grading follows)."""
    db = create_engine(url)
    await upgrade(db)
    async with db.begin() as conn:
        if db.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(DERIVED)} CASCADE"))
        else:
            for table in DERIVED:
                await conn.execute(text(f"DELETE FROM {table}"))
    await db.dispose()


async def busiest_policy(url: str) -> str:
    db = create_engine(url)
    async with db.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT policy_id FROM standing_grades GROUP BY policy_id "
                    "ORDER BY count(*) DESC LIMIT 1"
                )
            )
        ).first()
    await db.dispose()
    if row is None:
        raise SystemExit("--parameter-change needs a graded database (run without it first)")
    return str(row[0])


def change_parameter(url: str, by: int) -> str:
    """Write an override file raising one integer parameter; point QCREDIT_PARAMETERS at it."""
    policy = Registry.load().policy(asyncio.run(busiest_policy(url)))
    param = next(
        p
        for p in policy.parameters.all()
        if isinstance(p.value, int) and not isinstance(p.value, bool)
    )
    fd, path = tempfile.mkstemp(suffix=".toml", prefix="bench-regrade-")
    with os.fdopen(fd, "w") as fh:
        fh.write(f"[{policy.id}]\n{param.name} = {param.value + by}\n")
    os.environ["QCREDIT_PARAMETERS"] = path
    return f"{policy.id}.{param.name} {param.value} → {param.value + by}"


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--chunk", type=int, default=500, help="enterprises per re-grade transaction")
    p.add_argument("--processes", type=int, default=1, help="re-grade processes (PostgreSQL)")
    p.add_argument("--first", action="store_true", help="empty the derived tables first")
    p.add_argument("--force", action="store_true", help="grade even what did not change")
    p.add_argument("--parameter-change", type=int, metavar="N", help="raise a parameter by N")
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
    what = "re-grade"
    if args.first:
        asyncio.run(clear_derived(url))
        what = "first grading"
    elif args.parameter_change:
        what = f"re-grade after a parameter change ({change_parameter(url, args.parameter_change)})"
    elif not args.force:
        what = "re-grade (skipping what did not change)"
    took = asyncio.run(regrade(url, args.chunk, args.processes, args.force))
    subjects = asyncio.run(subject_count(url))
    print(
        f"{what}: {subjects:,} subjects (enterprise and product × policy) standing; "
        f"{took:.1f}s with {args.processes} process(es); "
        f"{took / floor:.2f}× the floor; peak RSS of this process {peak_rss_mib():.0f} MiB"
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
