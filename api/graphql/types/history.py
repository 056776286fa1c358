"""A subject's grade over time: the grade after each change in its ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qcredit.core import clock
from qcredit.core.contract import Assessment
from qcredit.core.errors import NotFound
from qcredit.core.grading.assess import Memo, assess
from qcredit.core.grading.engine import AssessmentKey, standing_date
from qcredit.core.model import SubjectType

if TYPE_CHECKING:
    from qcredit.api.graphql.context import Context


async def grade_history(
    ctx: Context, policy_id: str, subject_type: SubjectType, subject_id: int
) -> list[Assessment]:
    """Grades on each date an event of the subject took effect, within the policy's period, and on
    the standing date; consecutive identical grades are folded into the first."""
    policy = ctx.registry.policy(policy_id)
    async with ctx.db() as s:
        if subject_type is SubjectType.ENTERPRISE:
            enterprise_id = subject_id
        else:
            key = AssessmentKey(policy_id, subject_type, subject_id, clock.today())
            owners = await ctx.engine.enterprise_ids_of(s, [key])
            enterprise_id = owners.get((subject_type, subject_id), 0)
        bundles = await ctx.engine.load_bundles(s, [enterprise_id])
    bundle = bundles.get(enterprise_id)
    subject = bundle.subject(subject_type, subject_id) if bundle else None
    if subject is None:
        raise NotFound(f"no {subject_type.value.lower()} {subject_id}")
    last = standing_date(policy, clock.today())
    if last is None:
        return []
    dates = sorted(
        {e.occurred_on for e in subject.events if policy.in_force(e.occurred_on)} | {last}
    )
    out: list[Assessment] = []
    memo = Memo()  # each date's history is graded once, whichever date asks for it first
    for d in dates:
        a = assess(policy, subject, d, check_in_force=False, _memo=memo)
        if a is None:
            continue
        if out and (out[-1].level, out[-1].score) == (a.level, a.score):
            continue
        out.append(a)
    return out
