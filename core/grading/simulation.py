"""What-if: grade a region under changed parameters without writing anything.

A bureau calibrating its local defaults asks: with these values instead, how would the levels in
my region be distributed, and whose level would change?  Both gradings are pure (:func:`assess`)
over the same ledger snapshot, so the difference is the parameters' alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from qcredit.core.errors import InvalidInput
from qcredit.core.grading.assess import assess
from qcredit.core.grading.engine import Engine
from qcredit.core.identifiers import region_covers, region_prefix, validate_region_code
from qcredit.core.model import SubjectType
from qcredit.core.store.tables import EnterpriseRow
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class LevelChange:
    subject_type: SubjectType
    subject_id: int
    enterprise_id: int
    before: str
    after: str
    score_before: float | None
    score_after: float | None


@dataclass
class Simulation:
    policy_id: str
    region_code: str
    as_of: date
    parameters: dict[str, Any]
    subjects: int = 0
    before: Counter[str] = field(default_factory=Counter)
    after: Counter[str] = field(default_factory=Counter)
    changes: list[LevelChange] = field(default_factory=list)


async def simulate(
    session: AsyncSession,
    engine: Engine,
    policy_id: str,
    overrides: Mapping[str, Any],
    region_code: str,
    as_of: date,
    *,
    chunk: int = 500,
) -> Simulation:
    policy = engine.registry.policy(policy_id)
    region = validate_region_code(region_code, "regionCode")
    if not any(region_covers(c, region) or region_covers(region, c) for c in policy.region_codes):
        raise InvalidInput(
            f"{region} is outside {policy.id}'s jurisdiction ({', '.join(policy.region_codes)})",
            field="regionCode",
        )
    policy.check_in_force(as_of)
    if not isinstance(overrides, Mapping):
        raise InvalidInput("parameters must be an object of name: value", field="parameters")
    changed = policy.parameters.with_overrides(overrides, "simulation")
    result = Simulation(policy.id, region, as_of, dict(overrides))
    stmt = select(EnterpriseRow.id).order_by(EnterpriseRow.id)
    if len(region) == 9:
        stmt = stmt.where(EnterpriseRow.town_code == region)
    else:
        stmt = stmt.where(EnterpriseRow.region_code.startswith(region_prefix(region)))
    ids = list((await session.execute(stmt)).scalars())
    for start in range(0, len(ids), chunk):
        bundles = await engine.load_bundles(session, ids[start : start + chunk])
        for bundle in bundles.values():
            for subject in (bundle.enterprise, *bundle.products.values()):
                if subject.type not in policy.subject_types:
                    continue
                a = assess(policy, subject, as_of)
                if a is None:
                    continue
                b = assess(policy, subject, as_of, parameters=changed)
                assert b is not None
                result.subjects += 1
                result.before[f"{subject.type.value}:{a.level}"] += 1
                result.after[f"{subject.type.value}:{b.level}"] += 1
                if a.level != b.level:
                    result.changes.append(
                        LevelChange(
                            subject.type,
                            subject.id,
                            subject.enterprise.id,
                            a.level,
                            b.level,
                            a.score,
                            b.score,
                        )
                    )
    return result
