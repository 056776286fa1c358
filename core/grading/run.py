"""Re-grading everything: in chunks of enterprises, a constant number of statements per chunk."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

from qcredit.core import clock, collector
from qcredit.core.grading.engine import Engine
from qcredit.core.identifiers import region_prefix
from qcredit.core.plugins import Registry
from qcredit.core.policy import Policy
from qcredit.core.store.tables import EnterpriseRow, RegradeTaskRow, StandingGradeRow
from sqlalchemy import func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


async def grade_everything(
    sessions: async_sessionmaker[AsyncSession],
    engine: Engine,
    policies: Sequence[Policy],
    as_of: date | None = None,
    *,
    chunk: int = 500,
    progress: Callable[[int, int], None] | None = None,
    force: bool = False,
) -> int:
    """Re-grade every enterprise (and its products) in the policies' regions; returns how many.

    An enterprise whose ledger, grading and standing grades are as when it was last graded under
    a policy is skipped (:mod:`qcredit.core.grading.inputs`); ``force`` grades everything."""
    prefixes = sorted({region_prefix(c) for p in policies for c in p.region_codes})
    async with sessions() as s:
        cond = [EnterpriseRow.region_code.startswith(px) for px in prefixes]
        ids = (
            list(
                (
                    await s.execute(
                        select(EnterpriseRow.id).where(or_(*cond)).order_by(EnterpriseRow.id)
                    )
                ).scalars()
            )
            if cond
            else []
        )
    done = 0
    analyze_at = 5_000
    deferred: dict[str, set[tuple[str, str | None]]] = {}
    engine.deferred_scopes = deferred
    try:
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            async with sessions() as s:
                changes = await engine.regrade(
                    s, part, policies=policies, today=as_of, skip_unchanged=not force
                )
                await s.commit()
            engine.announce(changes)
            done += len(part)
            if done >= analyze_at:
                # A first grading grows the derived tables from nothing: refresh the planner's
                # statistics at doubling sizes, or its plans degrade as the tables grow.
                await _analyze(sessions)
                analyze_at *= 2
            if progress:
                progress(done, len(ids))
    finally:
        engine.deferred_scopes = None
    await reconcile(sessions, engine.registry, deferred, as_of)
    return len(ids)


async def reconcile(
    sessions: async_sessionmaker[AsyncSession],
    registry: Registry,
    deferred: dict[str, set[tuple[str, str | None]]],
    as_of: date | None,
) -> None:
    """The regional notices of a whole run, once, after its last chunk."""
    if deferred:
        from qcredit.core.supervision.notices import reconcile_deferred

        async with sessions() as s:
            await reconcile_deferred(s, registry, deferred, as_of or clock.today())
            await s.commit()


GROWN_BY_GRADING = ("standing_grades", "assessments", "grade_changes", "notices")


async def _analyze(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as s:
        if s.get_bind().dialect.name != "postgresql":
            return
        for table in GROWN_BY_GRADING:
            await s.execute(text(f"ANALYZE {table}"))
        await s.commit()


async def level_summary(
    session: AsyncSession,
    registry: Registry,
    policies: Sequence[Policy],
) -> list[tuple[str, str, str, str, int]]:
    rows = await session.execute(
        select(
            StandingGradeRow.policy_id,
            StandingGradeRow.subject_type,
            StandingGradeRow.level,
            func.count(),
        )
        .where(StandingGradeRow.policy_id.in_([p.id for p in policies]))
        .group_by(StandingGradeRow.policy_id, StandingGradeRow.subject_type, StandingGradeRow.level)
    )
    out = []
    for policy_id, subject_type, level, n in rows:
        policy = registry.policy(policy_id)
        try:
            lv = policy.level(level)
            label, rank = lv.label, lv.rank
        except KeyError:
            label, rank = "?", 99
        out.append((rank, policy_id, subject_type, level, label, n))
    out.sort(key=lambda r: (r[1], r[2], r[0], r[3]))
    return [(p, st, lv, lb, n) for _, p, st, lv, lb, n in out]


# -- re-grading across processes: a work queue in the database itself ----------------------------
TASK_SIZE = 2_000  # enterprises per task: small enough to balance, large enough to amortise
LEASE = timedelta(minutes=10)  # a RUNNING task older than this is taken to have lost its worker


async def plan_tasks(
    sessions: async_sessionmaker[AsyncSession],
    run_id: str,
    policies: Sequence[Policy],
    as_of: date | None = None,
    *,
    size: int = TASK_SIZE,
) -> int:
    """Queue the re-grade of every enterprise in the policies' regions as slices of one county
    (region code) and a range of ids.  Idempotent: every worker may call it with the same run id,
    the slices come out the same and existing rows are kept.  Returns the number of slices."""
    prefixes = sorted({region_prefix(c) for p in policies for c in p.region_codes})
    if not prefixes:
        return 0
    policy_ids = ",".join(p.id for p in policies)
    async with sessions() as s:
        rows = await s.execute(
            select(EnterpriseRow.region_code, EnterpriseRow.id)
            .where(or_(*[EnterpriseRow.region_code.startswith(px) for px in prefixes]))
            .order_by(EnterpriseRow.region_code, EnterpriseRow.id)
        )
        tasks: list[dict[str, Any]] = []
        for region, group in groupby(rows, key=lambda r: r[0]):
            ids = [r[1] for r in group]
            for start in range(0, len(ids), size):
                part = ids[start : start + size]
                tasks.append(
                    {
                        "run_id": run_id,
                        "region_code": region,
                        "first_id": part[0],
                        "last_id": part[-1],
                        "as_of": as_of,
                        "policies": policy_ids,
                        "state": "PENDING",
                        "enterprises": len(part),
                    }
                )
        dialect = s.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        for start in range(0, len(tasks), 1000):
            await s.execute(
                insert(RegradeTaskRow).values(tasks[start : start + 1000]).on_conflict_do_nothing()
            )
        await s.commit()
    return len(tasks)


async def _claim(
    sessions: async_sessionmaker[AsyncSession], run_id: str, worker: str
) -> RegradeTaskRow | None:
    """Take one pending slice (or one whose lease ran out).  ``FOR UPDATE SKIP LOCKED`` lets
    concurrent PostgreSQL workers pass over each other's candidate rows instead of queueing
    behind them; the UPDATE only succeeds if the row is still as it was read, which also makes
    the claim safe on SQLite (no row locks, one writer at a time)."""
    while True:
        now = clock.now()
        async with sessions() as s:
            candidate = (
                select(RegradeTaskRow)
                .where(
                    RegradeTaskRow.run_id == run_id,
                    or_(
                        RegradeTaskRow.state == "PENDING",
                        (RegradeTaskRow.state == "RUNNING")
                        & (RegradeTaskRow.claimed_at < now - LEASE),
                    ),
                )
                .order_by(RegradeTaskRow.region_code, RegradeTaskRow.first_id)
                .limit(1)
            )
            if s.get_bind().dialect.name == "postgresql":
                candidate = candidate.with_for_update(skip_locked=True)
            task = (await s.execute(candidate)).scalar_one_or_none()
            if task is None:
                return None
            same_claim = (
                RegradeTaskRow.claimed_at.is_(None)
                if task.claimed_at is None
                else RegradeTaskRow.claimed_at == task.claimed_at
            )
            claimed = await s.execute(
                update(RegradeTaskRow)
                .where(
                    RegradeTaskRow.run_id == task.run_id,
                    RegradeTaskRow.region_code == task.region_code,
                    RegradeTaskRow.first_id == task.first_id,
                    RegradeTaskRow.state == task.state,
                    same_claim,
                )
                .values(state="RUNNING", worker=worker, claimed_at=now)
                .execution_options(synchronize_session=False)
            )
            await s.commit()
            if claimed.rowcount == 1:  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
                return task
            # Another worker took it between our read and our write: look again.


async def work_tasks(
    sessions: async_sessionmaker[AsyncSession],
    engine: Engine,
    run_id: str,
    worker: str,
    *,
    chunk: int = 500,
    pause: float = 0.0,
    force: bool = False,
) -> int:
    """Claim and re-grade slices of ``run_id`` until none is left; returns enterprises graded.
    Each slice is graded exactly as :func:`grade_everything` grades a chunk, so the standing
    grades come out the same however many workers share the queue."""
    done = 0
    analyze_at = 5_000
    while (task := await _claim(sessions, run_id, worker)) is not None:
        policies = [engine.registry.policy(p) for p in task.policies.split(",") if p]
        async with sessions() as s:
            ids = list(
                (
                    await s.execute(
                        select(EnterpriseRow.id)
                        .where(
                            EnterpriseRow.region_code == task.region_code,
                            EnterpriseRow.id.between(task.first_id, task.last_id),
                        )
                        .order_by(EnterpriseRow.id)
                    )
                ).scalars()
            )
        for start in range(0, len(ids), chunk):
            async with sessions() as s:
                changes = await engine.regrade(
                    s,
                    ids[start : start + chunk],
                    policies=policies,
                    today=task.as_of,
                    skip_unchanged=not force,
                )
                await s.commit()
            engine.announce(changes)
        async with sessions() as s:
            await s.execute(
                update(RegradeTaskRow)
                .where(
                    RegradeTaskRow.run_id == task.run_id,
                    RegradeTaskRow.region_code == task.region_code,
                    RegradeTaskRow.first_id == task.first_id,
                )
                .values(state="DONE", finished_at=clock.now())
            )
            await s.commit()
        done += len(ids)
        if done >= analyze_at:  # as grade_everything does, for a first grading
            await _analyze(sessions)
            analyze_at *= 2
        if pause:  # demonstrations and tests: let other workers in (never in production)
            await asyncio.sleep(pause)
    return done


async def grade_in_processes(
    url: str,
    sessions: async_sessionmaker[AsyncSession],
    registry: Registry,
    policies: Sequence[Policy],
    as_of: date | None,
    jobs: int,
    *,
    force: bool = False,
) -> int:
    """A whole run as ``jobs`` worker processes sharing the work queue (PostgreSQL), then the
    regional notices of all of them once; returns the enterprises graded."""
    import sys
    import tempfile
    import uuid

    run_id = f"grade-{uuid.uuid4().hex[:12]}"
    await plan_tasks(sessions, run_id, policies, as_of)
    with tempfile.TemporaryDirectory() as tmp:
        files = [Path(tmp) / f"scopes-{i}.json" for i in range(jobs)]
        command = [sys.executable, "-m", "qcredit.core.grading.run", "--database", url]
        command += ["--run-id", run_id, *[f"--policy={p.id}" for p in policies]]
        command += [f"--as-of={as_of.isoformat()}"] if as_of else []
        command += ["--force"] if force else []
        workers = [
            await asyncio.create_subprocess_exec(
                *command, f"--worker=job{i}", f"--defer-scopes-to={files[i]}",
                stdout=asyncio.subprocess.DEVNULL,
            )
            for i in range(jobs)
        ]  # fmt: skip
        codes = [await w.wait() for w in workers]
        if any(codes):
            raise RuntimeError(f"a re-grade worker failed (exit codes {codes})")
        deferred: dict[str, set[tuple[str, str | None]]] = {}
        for f in files:
            for pid, scopes in json.loads(f.read_text()).items():
                deferred.setdefault(pid, set()).update((r, c) for r, c in scopes)
    await reconcile(sessions, registry, deferred, as_of)
    async with sessions() as s:
        done = await s.execute(
            select(func.coalesce(func.sum(RegradeTaskRow.enterprises), 0)).where(
                RegradeTaskRow.run_id == run_id
            )
        )
        return int(done.scalar_one())


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m qcredit.core.grading.run --run-id R --worker W``: one re-grade worker.

    Start as many as there are cores (or machines); each plans the run (idempotently), then
    claims slices until the queue is empty."""
    import argparse
    import time

    from qcredit.core.plugins import Registry
    from qcredit.core.store.db import create_engine, default_url, sessionmaker
    from qcredit.core.store.migrate import upgrade

    p = argparse.ArgumentParser(prog="python -m qcredit.core.grading.run")
    p.add_argument("--database", default=default_url())
    p.add_argument("--run-id", required=True, help="the same id for every worker of one re-grade")
    p.add_argument("--worker", default=f"pid{os.getpid()}")
    p.add_argument("--policy", action="append", help="policy id (default: all); repeatable")
    p.add_argument("--as-of", help="YYYY-MM-DD (default: each policy's standing date)")
    p.add_argument("--task-size", type=int, default=TASK_SIZE, help="enterprises per slice")
    p.add_argument("--force", action="store_true", help="grade even what did not change")
    p.add_argument("--pause", type=float, default=0.0, help=argparse.SUPPRESS)
    # Set by ``grade_in_processes``: leave the regional notices to the parent, which reconciles
    # the scopes of every worker once, after the last one (the scopes go to this JSON file).
    p.add_argument("--defer-scopes-to", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    async def run() -> int:
        db = create_engine(args.database)
        await upgrade(db)
        sessions = sessionmaker(db)
        engine = Engine(Registry.load())
        policies = (
            [engine.registry.policy(x) for x in args.policy]
            if args.policy
            else engine.registry.all_policies()
        )
        as_of = date.fromisoformat(args.as_of) if args.as_of else None
        await plan_tasks(sessions, args.run_id, policies, as_of, size=args.task_size)
        deferred: dict[str, set[tuple[str, str | None]]] = {}
        if args.defer_scopes_to:
            engine.deferred_scopes = deferred
        with collector.tuned(collector.BATCH):
            n = await work_tasks(
                sessions, engine, args.run_id, args.worker, pause=args.pause, force=args.force
            )
        if args.defer_scopes_to:
            Path(args.defer_scopes_to).write_text(
                json.dumps(
                    {pid: [list(scope) for scope in scopes] for pid, scopes in deferred.items()}
                )
            )
        await db.dispose()
        return n

    started = time.perf_counter()
    n = asyncio.run(run())
    print(f"{args.worker}: graded {n} enterprises in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
