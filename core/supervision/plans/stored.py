"""Keeping drawn plans: a plan, its items and the inputs published with its seed, and the list of
stored plans."""

from __future__ import annotations

import json
from collections.abc import Sequence

from qcredit.core import clock
from qcredit.core.identifiers import region_covers
from qcredit.core.store import versioning
from qcredit.core.store.tables import InspectionPlanRow, PlanItemRow
from qcredit.core.supervision.plans.gather import Gathered
from qcredit.core.supervision.plans.outcome import Plan
from qcredit.core.supervision.plans.serialise import canonical_json
from qcredit.core.supervision.plans.views import view_of_drawn
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


async def store(session: AsyncSession, plan: Plan, g: Gathered, created_by: str) -> int:
    view = view_of_drawn(plan, g)
    row = InspectionPlanRow(
        policy_id=plan.policy_id,
        region_code=plan.region_code,
        year=plan.year,
        capacity=plan.capacity,
        seed=plan.seed,
        as_of=g.as_of,
        created_at=clock.now(),
        created_by=created_by[:100],
        summary={
            "algorithm": plan.algorithm,
            "inputsDigest": plan.inputs_digest,
            "levels": view.levels,
            "unusedCapacity": plan.unused_capacity,
            "notes": view.notes,
            "inspectors": view.inspectors,
            # Published with the seed: a re-draw from these gives this plan (docs/planning.md).
            "inputs": json.loads(canonical_json(g.input)),
        },
        shortfalls={"items": view.shortfalls},
    )
    session.add(row)
    await session.flush()
    session.add_all(
        PlanItemRow(
            plan_id=row.id,
            sequence=i.sequence,
            enterprise_id=i.enterprise_id,
            subject_type=i.subject_type,
            subject_id=i.subject_id,
            level=i.level,
            reason=i.reason,
            article=i.article[:64],
            due=i.due,
            inspectors={
                "codes": list(i.inspectors),
                "ids": [g.inspector_ids.get(c) for c in i.inspectors],
                "note": i.note,
                "visit": i.visit,
                "visits": i.visits,
            },
        )
        for i in plan.items
    )
    await session.flush()
    await versioning.bump(session)
    return row.id


async def list_plans(
    session: AsyncSession,
    policy_id: str | None,
    region_codes: Sequence[str] | None,
    year: int | None,
) -> list[InspectionPlanRow]:
    """Stored plans, newest first; ``region_codes`` (None: all) keeps those inside any of them."""
    q = select(InspectionPlanRow).order_by(InspectionPlanRow.id.desc())
    if policy_id is not None:
        q = q.where(InspectionPlanRow.policy_id == policy_id)
    if year is not None:
        q = q.where(InspectionPlanRow.year == year)
    rows = (await session.execute(q)).scalars().all()
    if region_codes is None:
        return list(rows)
    return [r for r in rows if any(region_covers(c, r.region_code) for c in region_codes)]
