"""Applying the policies' publicity rules to the caller, field by field.

A hidden assessment is never returned — not its level, score, reasons or measures: the single
field answers ``null`` with a ``FORBIDDEN`` error, lists leave it out.  The raw ledger (events,
and the events behind reasons) is for the bureau in charge and the enterprise itself.  Reads of
non-public data are noted for the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from qcredit.core.contract import Assessment, Audience
from qcredit.core.disclosure.callers import CallerRole, Principal
from qcredit.core.disclosure.reviews import RequestState, Verdict, standing_since, verdict
from qcredit.core.errors import Forbidden
from qcredit.core.identifiers import region_prefix
from qcredit.core.model import Enterprise
from qcredit.core.store.tables import DisclosureRequestRow, GradeChangeRow, StandingGradeRow
from sqlalchemy import and_, exists, inspect, or_
from sqlalchemy.sql import ColumnElement

if TYPE_CHECKING:
    from qcredit.api.graphql.context import Context


def region_of(e: Enterprise) -> str:
    return e.town_code or e.region_code


def _needs_approvals(a: Assessment, audience: Audience) -> bool:
    """Only a rule that allows disclosure after a review makes approvals matter."""
    return any(
        d.allowed and d.needs_review
        for d in a.publicity
        if d.audience in (audience, Audience.PUBLIC)
    )


async def assessment_verdict(c: Context, a: Assessment) -> Verdict:
    return (await assessment_verdicts(c, [a]))[0]


async def assessment_verdicts(c: Context, assessments: Sequence[Assessment]) -> list[Verdict]:
    """The caller's verdict on each assessment, with one load of their enterprises and one of
    the approvals those that need them (a page's worth in two awaits, not two per grade)."""
    if not assessments:
        return []
    principal = c.principal
    ids = list({a.enterprise_id: None for a in assessments})
    enterprises = dict(zip(ids, await c.loaders.enterprise.load_many(ids), strict=True))
    audiences = []
    wanted = []
    for a in assessments:
        ent = enterprises[a.enterprise_id]
        assert ent is not None
        audience = principal.audience_for(ent.code, region_of(ent))
        audiences.append(audience)
        if (audience is not Audience.REGULATOR and _needs_approvals(a, audience)) or (
            audience is not Audience.PUBLIC and _needs_approvals(a, Audience.PUBLIC)
        ):
            # Skipped for the bureau's own reads of grades that are never disclosed after
            # review: one query less on the hottest path.
            wanted.append((a.policy_id, a.subject_type.value, a.subject_id))
    found = (
        dict(zip(wanted, await c.loaders.approvals.load_many(wanted), strict=True))
        if wanted
        else {}
    )
    results = []
    for a, audience in zip(assessments, audiences, strict=True):
        approved = found.get((a.policy_id, a.subject_type.value, a.subject_id), set())
        result = verdict(a.publicity, audience, a.level, approved)
        if result.visible and audience is not Audience.PUBLIC:
            if not verdict(a.publicity, Audience.PUBLIC, a.level, approved).visible:
                c.note_nonpublic_read(
                    f"assessment:{a.policy_id}:{a.subject_type.value}:"
                    f"{a.subject_id}:{a.as_of.isoformat()}"
                )
        results.append(result)
    return results


async def require_visible(c: Context, a: Assessment) -> Assessment:
    result = await assessment_verdict(c, a)
    if not result.visible:
        # needsReview and the reason reach the subject only: the verdict is the same for
        # everyone else, whatever the hidden level (docs/hardening.md, no refusal oracle).
        raise Forbidden(
            f"this assessment is not disclosed to you: {result.reason}",
            field="assessment",
            needsReview=result.needs_review or None,
        )
    return a


async def sees_ledger(c: Context, enterprise_id: int) -> bool:
    ent = await c.loaders.enterprise.load(enterprise_id)
    if ent is None:
        return False
    visible = c.principal.sees_ledger_of(ent.code, region_of(ent))
    if visible and c.principal.audience_for(ent.code, region_of(ent)) is Audience.REGULATOR:
        c.note_nonpublic_read(f"ledger:{ent.code}")
    return visible


async def require_ledger(c: Context, enterprise_id: int) -> None:
    if not await sees_ledger(c, enterprise_id):
        raise Forbidden(
            "the ledger of this enterprise is for its regulator and itself", field="events"
        )


def grade_visible(
    principal: Principal,
    table: type = StandingGradeRow,
    level_column: str = "level",
    *,
    own_subject: bool = True,
) -> ColumnElement[bool] | None:
    """SQL condition: the caller may see this stored grade — the same rule as
    :func:`qcredit.core.disclosure.reviews.verdict`, so that filters and counts never reveal a level
    the caller could not read.  ``None`` when the caller sees everything.  Without
    ``own_subject`` an enterprise's token reads as the public (the partners' change feed)."""
    if principal.role is CallerRole.ADMIN and not principal.regions:
        return None
    level = getattr(table, level_column)
    conds: list[ColumnElement[bool]] = []
    if principal.role in (CallerRole.REGULATOR, CallerRole.REVIEWER, CallerRole.ADMIN):
        conds += [table.region_code.startswith(region_prefix(r)) for r in principal.regions]
        audience = Audience.DEPARTMENT  # out of its regions a regulator is a partner
    elif principal.role is CallerRole.DEPARTMENT:
        audience = Audience.DEPARTMENT
    elif principal.role is CallerRole.INDUSTRY:
        audience = Audience.INDUSTRY
    else:
        audience = Audience.PUBLIC
    if own_subject and principal.role is CallerRole.SUBJECT and principal.enterprise_code:
        from qcredit.core.store.tables import EnterpriseRow

        conds.append(
            exists().where(
                EnterpriseRow.id == table.enterprise_id,
                EnterpriseRow.code == principal.enterprise_code,
            )
        )
    # An approval publishes the standing grade it was given for: a feed row is that grade
    # change itself; a standing grade is its subject's latest change.
    since = table.id if inspect(table).mapper.class_ is GradeChangeRow else standing_since(table)
    approved = exists().where(
        DisclosureRequestRow.policy_id == table.policy_id,
        DisclosureRequestRow.subject_type == table.subject_type,
        DisclosureRequestRow.subject_id == table.subject_id,
        DisclosureRequestRow.level == level,
        DisclosureRequestRow.state == RequestState.APPROVED.value,
        DisclosureRequestRow.grade_change_id == since,
    )
    conds.append(table.open_to.contains(audience.value))
    conds.append(and_(table.review_to.contains(audience.value), approved))
    return or_(*conds)
