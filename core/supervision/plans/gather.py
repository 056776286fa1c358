"""Gathering a plan's inputs from the database: the policy's standing grades in the region, the
measures of each standing assessment (through the engine's assessment cache), the plan rules (hook
``qcredit_plan_rule``, then the policy's own), the inspectors, their declared conflicts of
interest and each enterprise's last pair of inspectors in a stored plan of an earlier year."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from qcredit.core import clock
from qcredit.core.errors import InvalidInput
from qcredit.core.grading.engine import AssessmentKey, Engine, standing_date
from qcredit.core.identifiers import region_covers, region_prefix, validate_region_code
from qcredit.core.model import SubjectType
from qcredit.core.policy import Policy
from qcredit.core.store.tables import (
    EnterpriseRow,
    InspectionPlanRow,
    InspectorConflictRow,
    InspectorRow,
    PlanItemRow,
    ProductRow,
    StandingGradeRow,
)
from qcredit.core.supervision.plans.inputs import Candidate, PlanInput
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

MAX_CAPACITY = 100_000


@dataclass(frozen=True)
class Gathered:
    """A plan's inputs and what the views need besides (names, the grades' date)."""

    input: PlanInput
    as_of: date
    enterprises: dict[int, tuple[str, str]]  # id → (code, name)
    products: dict[int, str]  # id → trademark
    inspector_ids: dict[str, int]


def check_request(policy: Policy, region_code: str, year: int, capacity: int, seed: str) -> str:
    """The plan's region code, once the request is one the policy can be drawn for."""
    region = validate_region_code(region_code, "regionCode")
    if not policy.covers_region(region) and not any(
        region_covers(region, c) for c in policy.region_codes
    ):
        raise InvalidInput(f"{policy.id} does not apply in {region}", field="regionCode")
    if not 1900 <= year <= 9999:
        raise InvalidInput("year must be a calendar year", field="year")
    if not 0 <= capacity <= MAX_CAPACITY:
        raise InvalidInput(f"capacity must be from 0 to {MAX_CAPACITY}", field="capacity")
    if not seed or len(seed) > 64 or not seed.isprintable():
        raise InvalidInput("seed must be 1–64 printable characters", field="seed")
    return region


async def gather(
    session: AsyncSession,
    engine: Engine,
    policy: Policy,
    region_code: str,
    year: int,
    capacity: int,
    seed: str,
    inspectors: Sequence[str] | None = None,
) -> Gathered:
    region = check_request(policy, region_code, year, capacity, seed)
    standing = await _standing(session, policy, region)
    as_of = max((r.as_of for r in standing), default=None) or standing_date(policy, clock.today())
    if as_of is None:
        as_of = policy.effective_from or clock.today()
    candidates = await _candidates(session, engine, policy, standing, as_of)
    enterprise_ids = sorted({c.enterprise_id for c in candidates})
    inspector_rows = await _inspectors(session, region, inspectors)
    ids = {code: row.id for code, row in inspector_rows.items() if row is not None}
    inp = PlanInput(
        policy_id=policy.id,
        region_code=region,
        year=year,
        capacity=capacity,
        seed=seed,
        levels=tuple((lv.code, lv.rank) for lv in policy.levels),
        candidates=tuple(candidates),
        inspectors=tuple(sorted(inspector_rows)),
        conflicts=await _conflicts(session, ids, enterprise_ids),
        previous_pairs=await _previous_pairs(session, year, enterprise_ids),
    )
    enterprises = await _enterprise_names(session, enterprise_ids)
    products = await trademarks(
        session, [c.subject_id for c in candidates if c.subject_type == SubjectType.PRODUCT]
    )
    return Gathered(inp, as_of, enterprises, products, ids)


async def _standing(
    session: AsyncSession, policy: Policy, region: str
) -> Sequence[StandingGradeRow]:
    """The policy's standing grades in the region, in subject order."""
    return (
        (
            await session.execute(
                select(StandingGradeRow)
                .where(
                    StandingGradeRow.policy_id == policy.id,
                    StandingGradeRow.region_code.startswith(region_prefix(region)),
                )
                .order_by(StandingGradeRow.subject_type, StandingGradeRow.subject_id)
            )
        )
        .scalars()
        .all()
    )


async def _candidates(
    session: AsyncSession,
    engine: Engine,
    policy: Policy,
    standing: Sequence[StandingGradeRow],
    as_of: date,
) -> list[Candidate]:
    """Each standing subject with its assessment's measures and plan rule."""
    keys = [
        AssessmentKey(policy.id, SubjectType(r.subject_type), r.subject_id, r.as_of)
        for r in standing
    ]
    assessments = await engine.assessments(session, keys) if keys else []
    params = policy.parameters.at(as_of)
    hook = engine.registry.pm.hook.qcredit_plan_rule
    candidates: list[Candidate] = []
    for row, a in zip(standing, assessments, strict=True):
        if a is None or isinstance(a, Exception):
            continue
        # A deployment's cross-cutting rule (the hook) before the policy's own.
        rule = hook(
            policy=policy,
            subject_type=row.subject_type,
            level=a.level,
            measures=a.supervision,
            params=params,
        ) or policy.plan_rule(row.subject_type, a.level, a.supervision, params)
        candidates.append(
            Candidate(
                row.subject_type, row.subject_id, row.enterprise_id, a.level, a.supervision, rule
            )
        )
    return candidates


async def _enterprise_names(
    session: AsyncSession, enterprise_ids: Sequence[int]
) -> dict[int, tuple[str, str]]:
    rows = await session.execute(select(EnterpriseRow).where(EnterpriseRow.id.in_(enterprise_ids)))
    return {e.id: (e.code, e.name) for e in rows.scalars()}


async def trademarks(session: AsyncSession, product_ids: Sequence[int]) -> dict[int, str]:
    """Product id → trademark, for the products named."""
    if not product_ids:
        return {}
    rows = await session.execute(select(ProductRow).where(ProductRow.id.in_(product_ids)))
    return {p.id: p.trademark for p in rows.scalars()}


async def _inspectors(
    session: AsyncSession, region: str, given: Sequence[str] | None
) -> dict[str, InspectorRow | None]:
    """The inspectors named (registered or not), or the active ones of the region: those whose
    region lies in the plan's region or contains it."""
    if given is not None:
        codes = [c.strip() for c in given if c and c.strip()]
        if len(set(codes)) != len(codes):
            raise InvalidInput("an inspector is named twice", field="inspectors")
        rows = (
            (await session.execute(select(InspectorRow).where(InspectorRow.code.in_(codes))))
            .scalars()
            .all()
        )
        known = {r.code: r for r in rows}
        return {c: known.get(c) for c in codes}
    rows = (
        (await session.execute(select(InspectorRow).where(InspectorRow.active.is_(True))))
        .scalars()
        .all()
    )
    return {
        r.code: r
        for r in rows
        if region_covers(region, r.region_code) or region_covers(r.region_code, region)
    }


async def _conflicts(
    session: AsyncSession, inspector_ids: dict[str, int], enterprise_ids: Sequence[int]
) -> dict[int, frozenset[str]]:
    """Enterprise id → codes of the registered inspectors who declared a conflict with it."""
    conflicts: dict[int, set[str]] = {}
    if inspector_ids and enterprise_ids:
        code_of = {v: k for k, v in inspector_ids.items()}
        for c in (
            await session.execute(
                select(InspectorConflictRow).where(
                    InspectorConflictRow.inspector_id.in_(list(code_of)),
                    InspectorConflictRow.enterprise_id.in_(enterprise_ids),
                )
            )
        ).scalars():
            conflicts.setdefault(c.enterprise_id, set()).add(code_of[c.inspector_id])
    return {k: frozenset(v) for k, v in conflicts.items()}


async def _previous_pairs(
    session: AsyncSession, year: int, enterprise_ids: Sequence[int]
) -> dict[int, frozenset[str]]:
    """Each enterprise's last pair of inspectors in a stored plan of an earlier year."""
    if not enterprise_ids:
        return {}
    rows = await session.execute(
        select(PlanItemRow.enterprise_id, PlanItemRow.inspectors)
        .join(InspectionPlanRow, InspectionPlanRow.id == PlanItemRow.plan_id)
        .where(InspectionPlanRow.year < year, PlanItemRow.enterprise_id.in_(list(enterprise_ids)))
        .order_by(InspectionPlanRow.year, InspectionPlanRow.id, PlanItemRow.sequence)
    )
    out: dict[int, frozenset[str]] = {}
    for eid, inspectors in rows:
        codes = (inspectors or {}).get("codes") or []
        if len(codes) == 2:
            out[eid] = frozenset(codes)
    return out
