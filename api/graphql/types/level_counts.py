"""``levelCounts``: how many subjects hold each level of a policy, per region and per period.

One field answers what the dashboard used to ask with one aliased ``totalCount`` per level (the
distribution) and one ``regionMap(asOf:)`` per quarter-end (the trend).

Disclosure is that of the lists: a subject is counted only if the caller may see its level —
the SQL condition :func:`grade_visible` for today's standing grades (the condition behind
``enterprises(filter: {level})`` and its ``totalCount``), the policy's publicity rules
(:func:`verdict`) for a past date.  A level nobody counted is left out, so a level the caller may
not see never has a row (not even a zero).

Past dates (``asOf`` before today, the earlier periods of MONTH or QUARTER) are derived: the
subjects are graded on those dates.  That goes through the engine's stored assessments — graded
once, kept in the ``assessments`` table and dropped when an event changes what they rest on
(``Engine.invalidate``) — so a trend asked for again is read, not re-graded; and each subject's
ledger is loaded once for all the periods, not once a period.  What is graded the first time is
costed as grading the region once per period (:mod:`qcredit.api.graphql.cost`).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from qcredit.api.graphql.enums import SubjectType as SubjectTypeEnum
from qcredit.api.graphql.visibility import grade_visible
from qcredit.core import clock
from qcredit.core.contract import Assessment, Audience, Disclosure
from qcredit.core.disclosure.callers import PUBLIC
from qcredit.core.disclosure.reviews import approved_for, verdict
from qcredit.core.errors import InvalidInput
from qcredit.core.grading.engine import AssessmentKey, standing_date
from qcredit.core.grading.regions import sub_region_of
from qcredit.core.identifiers import region_prefix, validate_region_code
from qcredit.core.model import SubjectType
from qcredit.core.policy import Policy
from qcredit.core.store import convert
from qcredit.core.store.tables import AssessmentRow, EnterpriseRow, ProductRow, StandingGradeRow
from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

if TYPE_CHECKING:
    from qcredit.api.graphql.context import Context

#: The most periods one question may span (three years of months).
MAX_PERIODS = 36
#: Periods asked for when ``from`` is not given: a year of months, two years of quarters.
DEFAULT_PERIODS = {"MONTH": 12, "QUARTER": 8}
#: Enterprises graded together on past dates (their ledgers loaded in one go).
CHUNK = 500


@strawberry.enum(description="How levelCounts splits its counts.")
class LevelCountGrouping(Enum):
    REGION = strawberry.enum_value(
        "REGION",
        description="Per sub-region one level down, as regionMap draws them: the cities of a "
        "province, the counties of a city, the towns of a county (without regionCode: counties).",
    )
    MONTH = strawberry.enum_value(
        "MONTH",
        description="Per month, counted on its last day (the last period ends on asOf).",
    )
    QUARTER = strawberry.enum_value(
        "QUARTER",
        description="Per calendar quarter, counted on its last day (the last ends on asOf).",
    )


@strawberry.type(description="The number of subjects at one level, in one group.")
class LevelCountRow:
    level: str = strawberry.field(description="The level's code under the policy.")
    label: str = strawberry.field(description="The level's name as the policy gives it.")
    subject_type: SubjectTypeEnum = strawberry.field(description="What is counted.")
    region_code: str | None = strawberry.field(
        description="With REGION: the sub-region's GB/T 2260 code; null otherwise."
    )
    period_end: dt.date | None = strawberry.field(
        description="With MONTH or QUARTER: the day the period was counted on; null otherwise."
    )
    count: int = strawberry.field(
        description="Subjects at this level that the caller may see (always at least 1: a "
        "level with none the caller may see has no row)."
    )


@strawberry.type(
    description="Counts of subjects per level of a policy, as the caller may see them."
)
class LevelCounts:
    policy: str = strawberry.field(description="The policy's id.")
    region_code: str | None = strawberry.field(
        description="The region counted (null: all the policy grades)."
    )
    as_of: dt.date = strawberry.field(
        description="The day counted (the last period's end with MONTH or QUARTER); today's "
        "standing grades by default."
    )
    periods: list[dt.date] = strawberry.field(
        description="With MONTH or QUARTER: every period's end, oldest first (the policy in "
        "force on each); otherwise just asOf."
    )
    counts: list[LevelCountRow] = strawberry.field(
        description="One row per period, region, subject type and level with at least one "
        "subject the caller may see; by period, region, subject type, then the policy's order."
    )
    total: int = strawberry.field(description="The sum of counts (every period and region).")


@dataclass(frozen=True)
class _Cell:
    period: dt.date
    region: str | None
    subject_type: str
    level: str


def period_ends(kind: str, start: dt.date, end: dt.date) -> list[dt.date]:
    """The last day of each month (or quarter) from ``start``'s to ``end``'s; the last is
    ``end`` itself."""
    step = 1 if kind == "MONTH" else 3
    year, month = start.year, start.month
    if step == 3:
        month = ((month - 1) // 3) * 3 + 3
    out: list[dt.date] = []
    while True:
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        if last >= end:
            out.append(end)
            return out
        out.append(last)
        month += step
        if month > 12:
            year, month = year + 1, month - 12


def months_back(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` before ``day``'s."""
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _periods(
    policy: Policy, grouping: str | None, as_of: dt.date, start: dt.date | None
) -> list[dt.date]:
    if grouping is None:
        if start is not None:
            raise InvalidInput("from needs groupBy MONTH or QUARTER", field="from")
        policy.check_in_force(as_of)
        return [as_of]
    if start is None:
        start = months_back(
            as_of, (DEFAULT_PERIODS[grouping] - 1) * (1 if grouping == "MONTH" else 3)
        )
    if start > as_of:
        raise InvalidInput(f"from ({start}) is after asOf ({as_of})", field="from")
    ends = period_ends(grouping, start, as_of)
    if len(ends) > MAX_PERIODS:
        raise InvalidInput(
            f"at most {MAX_PERIODS} periods at a time, not {len(ends)}",
            field="from",
            maximum=MAX_PERIODS,
        )
    return [d for d in ends if policy.in_force(d)]


async def _standing(
    s: AsyncSession,
    c: Context,
    policy: Policy,
    region: str | None,
    types: Sequence[str],
    grouped: bool,
    on: dt.date,
) -> tuple[Counter[_Cell], bool]:
    """Today's standing grades the caller may see, counted in one statement; and whether any
    of them is hidden from the public (a non-public read for the audit log)."""
    visible = grade_visible(c.principal)
    seen = func.sum(case((visible, 1), else_=0)) if visible is not None else func.count()
    to_public = grade_visible(PUBLIC)
    public = func.sum(case((to_public, 1), else_=0)) if to_public is not None else func.count()
    stmt = select(
        StandingGradeRow.region_code,
        StandingGradeRow.subject_type,
        StandingGradeRow.level,
        seen,
        public,
    ).where(
        StandingGradeRow.policy_id == policy.id,
        StandingGradeRow.subject_type.in_(types),
    )
    if region is not None:
        stmt = stmt.where(StandingGradeRow.region_code.startswith(region_prefix(region)))
    stmt = stmt.group_by(
        StandingGradeRow.region_code, StandingGradeRow.subject_type, StandingGradeRow.level
    )
    out: Counter[_Cell] = Counter()
    nonpublic = False
    for code, subject_type, level, n_seen, n_public in await s.execute(stmt):
        n = int(n_seen or 0)
        if n:
            out[_Cell(on, _cell_of(region, code) if grouped else None, subject_type, level)] += n
            nonpublic = nonpublic or n > int(n_public or 0)
    return out, nonpublic


def _cell_of(region: str | None, code: str) -> str:
    return sub_region_of(region, code) if region is not None else code[:6]


Graded = dict[tuple[str, int, dt.date], tuple[str | None, tuple[Disclosure, ...]]]


async def _stored(
    s: AsyncSession, policy: Policy, enterprise_ids: list[int], days: Sequence[dt.date]
) -> Graded:
    """The stored grades still valid (same text version and parameters) of the enterprises'
    subjects on ``days``: the level and the publicity rules only — decoding whole stored
    assessments (reasons, details, history) is most of the cost of reading them back."""
    publicity = AssessmentRow.payload["publicity"]
    rows = await s.execute(
        select(
            AssessmentRow.subject_type,
            AssessmentRow.subject_id,
            AssessmentRow.as_of,
            AssessmentRow.level,
            AssessmentRow.policy_version,
            AssessmentRow.parameters_digest,
            publicity,
        ).where(
            AssessmentRow.enterprise_id.in_(enterprise_ids),
            AssessmentRow.policy_id == policy.id,
            AssessmentRow.as_of.in_(list(days)),
        )
    )
    digest = policy.parameters.digest()
    out: Graded = {}
    for subject_type, subject_id, day, level, version, parameters, rules in rows:
        if (version, parameters) != (policy.rules_on(day).version, digest):
            continue  # graded under another text or other parameters: grade again
        out[(subject_type, subject_id, day)] = (level, convert.disclosures(rules))
    return out


async def _graded(
    s: AsyncSession,
    c: Context,
    policy: Policy,
    region: str | None,
    types: Sequence[str],
    grouped: bool,
    days: Sequence[dt.date],
) -> tuple[Counter[_Cell], bool]:
    """Grades on past days, from the stored assessments where they are still valid and graded
    (and stored) where not; each checked against its own publicity rules for the caller."""
    ents = select(EnterpriseRow.id, EnterpriseRow.code, EnterpriseRow.region_code,
                  EnterpriseRow.town_code).order_by(EnterpriseRow.id)  # fmt: skip
    if region is not None:
        prefix = region_prefix(region)
        ents = ents.where(
            EnterpriseRow.town_code == prefix
            if len(prefix) == 9
            else EnterpriseRow.region_code.startswith(prefix)
        )
    # Only what the policy grades (as a re-grade does): its jurisdiction, however wide the
    # region asked for.
    jurisdiction = [
        EnterpriseRow.region_code.startswith(region_prefix(r)) for r in policy.region_codes
    ]
    ents = ents.where(or_(*jurisdiction)) if jurisdiction else ents
    enterprises = [e for e in (await s.execute(ents)).all() if policy.covers_region(e.region_code)]
    out: Counter[_Cell] = Counter()
    nonpublic = False
    for start in range(0, len(enterprises), CHUNK):
        part = {e.id: e for e in enterprises[start : start + CHUNK]}
        subjects: list[tuple[SubjectType, int, int]] = []
        if SubjectType.ENTERPRISE.value in types:
            subjects += [(SubjectType.ENTERPRISE, i, i) for i in part]
        if SubjectType.PRODUCT.value in types:
            products = await s.execute(
                select(ProductRow.id, ProductRow.enterprise_id)
                .where(ProductRow.enterprise_id.in_(list(part)))
                .order_by(ProductRow.id)
            )
            subjects += [(SubjectType.PRODUCT, pid, eid) for pid, eid in products]
        owners = {(t.value, i): eid for t, i, eid in subjects}
        graded = await _stored(s, policy, list(part), days)
        missing = [
            AssessmentKey(policy.id, t, i, d)
            for t, i, _ in subjects
            for d in days
            if (t.value, i, d) not in graded
        ]
        if missing:
            results = await c.engine.assessments(s, missing)
            if s.in_transaction():
                await s.commit()  # the derived rows just stored: the next ask reads them
            for k, a in zip(missing, results, strict=True):
                if isinstance(a, Assessment):
                    graded[(k.subject_type.value, k.subject_id, k.as_of)] = (a.level, a.publicity)
        approvals = await approved_for(
            s, {(policy.id, t, i) for (t, i, _), (level, _) in graded.items() if level}
        )
        for (subject_type, subject_id, day), (level, publicity) in graded.items():
            if not level or (subject_type, subject_id) not in owners:
                continue  # out of scope that day, or a subject type not asked for
            ent = part[owners[(subject_type, subject_id)]]
            where = ent.town_code or ent.region_code
            approved = approvals.get((policy.id, subject_type, subject_id), set())
            audience = c.principal.audience_for(ent.code, where)
            if not verdict(publicity, audience, level, approved).visible:
                continue
            cell = _cell_of(region, where) if grouped else None
            out[_Cell(day, cell, subject_type, level)] += 1
            if not nonpublic and audience is not Audience.PUBLIC:
                nonpublic = not verdict(publicity, Audience.PUBLIC, level, approved).visible
    return out, nonpublic


async def level_counts(
    info: Info,
    policy: str,
    region_code: str | None,
    as_of: dt.date | None,
    start: dt.date | None,
    group_by: Sequence[LevelCountGrouping],
    subject_type: str | None,
) -> LevelCounts:
    c: Context = info.context
    p = c.registry.policy(policy)
    region = validate_region_code(region_code, "regionCode") if region_code is not None else None
    if subject_type is not None and subject_type not in {t.value for t in p.subject_types}:
        graded = ", ".join(sorted(t.value for t in p.subject_types))
        raise InvalidInput(f"{p.id} grades {graded}, not {subject_type!r}", field="subjectType")
    types = [subject_type] if subject_type else sorted(t.value for t in p.subject_types)
    names = [g.name for g in group_by]
    if len(set(names)) != len(names):
        raise InvalidInput("groupBy names each grouping once", field="groupBy")
    times = [n for n in names if n in DEFAULT_PERIODS]
    if len(times) > 1:
        raise InvalidInput("groupBy takes MONTH or QUARTER, not both", field="groupBy")
    today = standing_date(p, clock.today())
    if as_of is None:
        if today is None:
            p.check_in_force(clock.today())  # POLICY_NOT_IN_FORCE: not yet in force
        as_of = today or clock.today()
    days = _periods(p, times[0] if times else None, as_of, start)
    grouped = "REGION" in names
    counts: Counter[_Cell] = Counter()
    nonpublic = False
    async with c.db() as s:
        if today in days:
            counted, shown = await _standing(s, c, p, region, types, grouped, today)
            counts.update(counted)
            nonpublic = shown
        past = [d for d in days if d != today]
        if past:
            counted, shown = await _graded(s, c, p, region, types, grouped, past)
            counts.update(counted)
            nonpublic = nonpublic or shown
    if nonpublic:
        c.note_nonpublic_read(f"levelCounts:{p.id}:{region or '*'}")
    return _answer(p, region, as_of, days, counts, timed=bool(times))


def _answer(
    policy: Policy,
    region: str | None,
    as_of: dt.date,
    days: list[dt.date],
    counts: Counter[_Cell],
    *,
    timed: bool,
) -> LevelCounts:
    levels = {lv.code: lv for lv in policy.levels}
    order = {code: i for i, code in enumerate(levels)}

    def sort_key(cell: _Cell) -> tuple[dt.date, str, str, int, str]:
        return (
            cell.period,
            cell.region or "",
            cell.subject_type,
            order.get(cell.level, 0),
            cell.level,
        )

    rows = [
        LevelCountRow(
            level=cell.level,
            label=levels[cell.level].label if cell.level in levels else cell.level,
            subject_type=cell.subject_type,
            region_code=cell.region,
            period_end=cell.period if timed else None,
            count=n,
        )
        for cell, n in sorted(counts.items(), key=lambda item: sort_key(item[0]))
    ]
    return LevelCounts(
        policy=policy.id,
        region_code=region,
        as_of=as_of,
        periods=days,
        counts=rows,
        total=sum(counts.values()),
    )


@strawberry.type
class LevelCountQuery:
    @strawberry.field(
        description="How many subjects hold each level of a policy — in a region, per "
        "sub-region, per month or quarter — counting only grades the caller may see, as the "
        "lists and their totalCount do (docs/api-lists.md)."
    )
    async def level_counts(
        self,
        info: Info,
        policy: Annotated[str, strawberry.argument(description="The policy's id.")],
        region_code: Annotated[
            str | None,
            strawberry.argument(
                description="A GB/T 2260 code; a province, city or county covers what is in it. "
                "Default: everything the policy grades."
            ),
        ] = None,
        as_of: Annotated[
            dt.date | None,
            strawberry.argument(
                description="The day to count (with MONTH or QUARTER: the last period's end). "
                "Default: today's standing grades. A past day grades the subjects on it."
            ),
        ] = None,
        from_: Annotated[
            dt.date | None,
            strawberry.argument(
                name="from",
                description="With MONTH or QUARTER: the day whose period is the first "
                "(default: 12 months or 8 quarters up to asOf; at most 36 periods).",
            ),
        ] = None,
        group_by: Annotated[
            list[LevelCountGrouping] | None,
            strawberry.argument(
                description="REGION, and MONTH or QUARTER; none: one count per level."
            ),
        ] = None,
        subject_type: Annotated[
            SubjectTypeEnum | None,
            strawberry.argument(
                description="Count only this subject type; default every one the policy grades."
            ),
        ] = None,
    ) -> LevelCounts:
        # The enum arrives as its member; the core speaks the plain value.
        kind = getattr(subject_type, "value", subject_type)
        return await level_counts(info, policy, region_code, as_of, from_, group_by or [], kind)
