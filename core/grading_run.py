"""Re-grading everything: in chunks of enterprises, a constant number of statements per chunk."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .engine import Engine
from .identifiers import region_prefix
from .policy import Policy
from .store.tables import EnterpriseRow, StandingGradeRow


async def grade_everything(
    sessions: async_sessionmaker,
    engine: Engine,
    policies: Sequence[Policy],
    as_of: date | None = None,
    *,
    chunk: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Re-grade every enterprise (and its products) in the policies' regions; returns how many."""
    prefixes = sorted({region_prefix(c) for p in policies for c in p.region_codes})
    async with sessions() as s:
        cond = [EnterpriseRow.region_code.startswith(px) for px in prefixes]
        from sqlalchemy import or_

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
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        async with sessions() as s:
            changes = await engine.regrade(s, part, policies=policies, today=as_of)
            await s.commit()
        engine.announce(changes)
        done += len(part)
        if progress:
            progress(done, len(ids))
    return len(ids)


async def level_summary(
    session: AsyncSession,
    registry,
    policies: Sequence[Policy],  # type: ignore[no-untyped-def]
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
