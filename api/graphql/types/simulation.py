"""GraphQL types and resolver of the what-if simulator."""

from __future__ import annotations

import datetime as dt

import strawberry
from qcredit.api.graphql.enums import SubjectType
from qcredit.api.graphql.types.enterprise import (
    ctx,
    enterprise_field,
    product_field,
)
from qcredit.core import clock
from qcredit.core.disclosure.callers import CallerRole
from qcredit.core.errors import Forbidden
from qcredit.core.grading.simulation import simulate as run_simulation
from qcredit.core.model import SubjectType as SubjectTypeValue
from strawberry.scalars import JSON
from strawberry.types import Info


@strawberry.type(description="How many subjects of one type hold one level.")
class LevelCount:
    subject_type: SubjectType = strawberry.field(description="What is counted.")
    level: str = strawberry.field(description="The level's code (Policy.levels).")
    count: int = strawberry.field(description="Subjects at the level.")


@strawberry.type(description="A subject whose level the changed parameters would change.")
class LevelChange:
    subject_type: SubjectType = strawberry.field(description="What would change level.")
    before: str = strawberry.field(description="Its level under the parameters in force.")
    after: str = strawberry.field(description="Its level under the changed parameters.")
    score_before: float | None = strawberry.field(
        description="Its score in force, in the policy's unit; null when it grades without one."
    )
    score_after: float | None = strawberry.field(
        description="Its score changed; null when the policy grades without one."
    )
    enterprise_id: strawberry.Private[int]
    product_id: strawberry.Private[int | None]

    enterprise = enterprise_field()
    product = product_field()


@strawberry.type(
    description="Level distribution of a region before and after a change of "
    "parameters; nothing is written."
)
class Simulation:
    policy: str = strawberry.field(description="Id of the policy simulated.")
    region_code: str = strawberry.field(description="GB/T 2260 code of the region graded.")
    as_of: dt.date = strawberry.field(description="The day graded.")
    parameters: JSON = strawberry.field(description="The changed parameters, as checked.")
    subjects: int = strawberry.field(description="Subjects graded in the region.")
    before: list[LevelCount] = strawberry.field(
        description="Distribution under the parameters in force."
    )
    after: list[LevelCount] = strawberry.field(
        description="Distribution under the changed parameters."
    )
    changed: int = strawberry.field(description="Subjects whose level would change.")
    changes: list[LevelChange] = strawberry.field(description="At most the first 1000.")


def _counts(counter) -> list[LevelCount]:  # type: ignore[no-untyped-def]
    out = []
    for key, n in sorted(counter.items()):
        subject_type, level = key.split(":", 1)
        out.append(LevelCount(subject_type=subject_type, level=level, count=n))
    return out


async def simulate(
    info: Info, policy: str, parameters: JSON, region_code: str, as_of: dt.date | None = None
) -> Simulation:
    c = ctx(info)
    # What-if results show the levels of a whole region: for the bureau of that region only.
    c.principal.require_role(CallerRole.REGULATOR, CallerRole.ADMIN)
    if not c.principal.covers(region_code):
        raise Forbidden("the region is outside this token's regions", field="regionCode")
    async with c.db() as s:
        result = await run_simulation(
            s,
            c.engine,
            policy,
            parameters,
            region_code,  # type: ignore[arg-type]
            as_of or clock.today(),
        )
    return Simulation(
        policy=result.policy_id,
        region_code=result.region_code,
        as_of=result.as_of,
        parameters=result.parameters,
        subjects=result.subjects,
        before=_counts(result.before),
        after=_counts(result.after),
        changed=len(result.changes),
        changes=[
            LevelChange(
                subject_type=ch.subject_type.value,
                before=ch.before,
                after=ch.after,
                score_before=ch.score_before,
                score_after=ch.score_after,
                enterprise_id=ch.enterprise_id,
                product_id=ch.subject_id if ch.subject_type is SubjectTypeValue.PRODUCT else None,
            )
            for ch in result.changes[:1000]
        ],
    )
