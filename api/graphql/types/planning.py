"""GraphQL for inspection plans (双随机、一公开), inspectors and conflicts of interest, and the
results of planned checks.  Merged into Query and Mutation by ``build_schema``.

A plan lists subjects with their levels, so every field here is for a REGULATOR or ADMIN whose
regions cover the plan's region; everyone else gets FORBIDDEN (UNAUTHENTICATED without a token).
``inspectionPlan`` draws without storing (the same plan ``drawInspectionPlan`` would store now);
``drawInspectionPlan`` stores it; ``storedInspectionPlan`` and ``inspectionPlans`` read stored
plans back.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Annotated, Any

import strawberry
from qcredit.api.graphql.context import Context
from qcredit.api.graphql.enums import CheckReason, ShortfallKind, SubjectType
from qcredit.api.graphql.pagination import row_key
from qcredit.api.graphql.types.enterprise import Event, ctx
from qcredit.api.graphql.types.mirror import mirrored
from qcredit.core.disclosure import audit
from qcredit.core.disclosure.callers import CallerRole as Roles
from qcredit.core.disclosure.callers import Principal
from qcredit.core.errors import InvalidInput
from qcredit.core.identifiers import validate_region_code
from qcredit.core.ledger.append import enterprise_by_code
from qcredit.core.store.convert import aware
from qcredit.core.store.convert import event as event_value
from qcredit.core.store.tables import EventRow
from qcredit.core.supervision import plans as plan_store
from qcredit.core.supervision.plans import draw
from strawberry.scalars import JSON
from strawberry.types import Info

PLANNERS = (Roles.REGULATOR, Roles.ADMIN)


def _require_planner(principal: Principal, region_code: str, field: str = "regionCode") -> None:
    """Plans reveal every level in them: the bureau of the region (or an ADMIN) only."""
    principal.require_role(*PLANNERS)
    principal.require_write(region_code, field)


def _listed_regions(principal: Principal, region_code: str | None) -> list[str] | None:
    """What a planner lists: the region asked for, which must be the caller's, else the caller's
    regions; ``None`` (everywhere) for an ADMIN without regions."""
    principal.require_role(*PLANNERS)
    if region_code is not None:
        region_code = validate_region_code(region_code, "regionCode")
        _require_planner(principal, region_code)
        return [region_code]
    everywhere = principal.role is Roles.ADMIN and not principal.regions
    return None if everywhere else list(principal.regions)


@strawberry.type(description="Per level: subjects, checks the policy requires, checks planned.")
class PlanLevel:
    level: str = strawberry.field(description="The level's code (Policy.levels).")
    subjects: int = strawberry.field(description="Subjects of the region standing at the level.")
    excluded: int = strawberry.field(description="Not drawn for proactive checks (e.g. 无事不扰).")
    required_checks: int = strawberry.field(
        description="Checks the policy's measures require of the level this year."
    )
    planned_checks: int = strawberry.field(description="Checks the plan gives the level.")
    drawn_at_random: int = strawberry.field(
        description="Of those, checks drawn at random (双随机) rather than required."
    )
    share: float = strawberry.field(description="Planned checks of the level / all planned.")
    share_min: float | None = strawberry.field(
        description="Least share (0–1) of the plan the policy gives the level; null: none."
    )
    share_max: float | None = strawberry.field(
        description="Greatest share (0–1) of the plan the policy gives the level; null: none."
    )
    full_coverage: bool = strawberry.field(
        description="Whether every subject of the level must be checked (全覆盖)."
    )


@strawberry.type(description="What capacity, shares or inspectors could not give a level.")
class PlanShortfall:
    level: str | None = strawberry.field(
        description="The level short of checks; null for a shortfall of the whole plan."
    )
    kind: ShortfallKind = strawberry.field(description="What could not be given.")
    required: int = strawberry.field(description="Checks (or inspectors) the policy asks for.")
    planned: int = strawberry.field(description="What the plan gives.")
    missing: int = strawberry.field(description="required − planned.")
    text: str = strawberry.field(description="The shortfall explained, with its numbers.")


@strawberry.type(description="One planned check of one subject, with its two inspectors.")
class PlanItem:
    id: strawberry.ID | None = strawberry.field(description="Null in a plan not yet stored.")
    sequence: int = strawberry.field(description="Its place in the plan, from 1, in due order.")
    due: str = strawberry.field(
        description="When the check is due: a year, half (2026-H1) or quarter (2026-Q3)."
    )
    enterprise_code: str = strawberry.field(description="The enterprise's 统一社会信用代码.")
    enterprise_name: str = strawberry.field(description="The enterprise's name.")
    subject_type: SubjectType = strawberry.field(description="What is checked.")
    subject_id: strawberry.ID = strawberry.field(
        description="The enterprise's or product's numeric id."
    )
    product: str | None = strawberry.field(
        description="A product check: the product's trademark; null for an enterprise check."
    )
    level: str = strawberry.field(description="The subject's standing level when drawn.")
    reason: CheckReason = strawberry.field(
        description="REQUIRED, KEY_LIST, FULL_COVERAGE, POLICY_RULE or RANDOM_DRAW."
    )
    article: str = strawberry.field(
        description="The article behind the reason; empty for a random draw."
    )
    visit: int = strawberry.field(description="Which of the subject's visits this is, from 1.")
    visits: int = strawberry.field(description="Visits the subject needs this year.")
    inspectors: list[str] = strawberry.field(
        description="Codes of the two inspectors drawn; empty when none could be."
    )
    note: str = strawberry.field(description="Why no inspectors could be assigned, if so.")
    result_event_id: strawberry.Private[int | None]

    @strawberry.field(description="The check's result, once recorded.")
    async def result(self, info: Info) -> Event | None:
        if self.result_event_id is None:
            return None
        async with ctx(info).db() as s:
            row = await s.get(EventRow, self.result_event_id)
        return Event.of(event_value(row)) if row is not None else None

    @classmethod
    def of(cls, i: plan_store.ItemView) -> PlanItem:
        return mirrored(
            cls,
            i,
            id=strawberry.ID(str(i.id)) if i.id is not None else None,
            subject_id=strawberry.ID(str(i.subject_id)),
            inspectors=list(i.inspectors),
        )


@strawberry.type(
    description="A year's inspection plan under a policy in a region, drawn from a published "
    "seed: anyone holding the seed and the inputs (digest) re-draws the same plan."
)
class InspectionPlan:
    id: strawberry.ID | None = strawberry.field(description="Null when drawn without storing.")
    policy: str = strawberry.field(description="Id of the policy whose measures it follows.")
    region_code: str = strawberry.field(description="GB/T 2260 code of the region planned.")
    year: int = strawberry.field(description="The plan's year.")
    capacity: int = strawberry.field(description="Checks the bureau can make in the year.")
    seed: str = strawberry.field(description="The published seed the random draws come from.")
    algorithm: str = strawberry.field(
        description="The drawing algorithm's version (e.g. qcredit-plan/1): a seed replays with it."
    )
    inputs_digest: str = strawberry.field(
        description="Fingerprint of the inputs (grades, measures, inspectors): same seed and "
        "digest, same plan."
    )
    grades_as_of: dt.date = strawberry.field(description="The day of the grades drawn from.")
    unused_capacity: int = strawberry.field(description="Capacity the plan leaves unused.")
    notes: list[str] = strawberry.field(
        description="Remarks on the draw (e.g. why capacity is unused)."
    )
    inspector_codes: list[str] = strawberry.field(description="The inspectors drawn from.")
    levels: list[PlanLevel] = strawberry.field(description="Per level, best first.")
    shortfalls: list[PlanShortfall] = strawberry.field(
        description="What the plan could not give; empty when nothing."
    )
    items: list[PlanItem] = strawberry.field(description="The planned checks, in due order.")
    created_at: dt.datetime | None = strawberry.field(
        description="When it was stored; null when drawn without storing."
    )
    created_by: str | None = strawberry.field(
        description="Who stored it; null when drawn without storing."
    )
    view: strawberry.Private[plan_store.PlanView]

    @strawberry.field(description="The items as CSV text, or XLSX as base64.")
    def export(
        self,
        format: Annotated[
            str, strawberry.argument(description="csv (text) or xlsx (base64); case ignored.")
        ] = "csv",
    ) -> str:
        data = plan_store.render(self.view, format.lower())
        return (
            data.decode("utf-8-sig") if format.lower() == "csv" else base64.b64encode(data).decode()
        )

    @classmethod
    def of(cls, v: plan_store.PlanView) -> InspectionPlan:
        return mirrored(
            cls,
            v,
            id=strawberry.ID(str(v.id)) if v.id is not None else None,
            policy=v.policy_id,
            grades_as_of=v.as_of,
            inspector_codes=v.inspectors,
            levels=[_level(d) for d in v.levels],
            shortfalls=[_shortfall(d) for d in v.shortfalls],
            items=[PlanItem.of(i) for i in v.items],
            created_at=aware(v.created_at) if v.created_at else None,
            view=v,
        )


def _level(d: dict[str, Any]) -> PlanLevel:
    return PlanLevel(
        level=d["level"],
        subjects=d["subjects"],
        excluded=d["excluded"],
        required_checks=d["requiredChecks"],
        planned_checks=d["plannedChecks"],
        drawn_at_random=d["drawnAtRandom"],
        share=d["share"],
        share_min=d.get("shareMin"),
        share_max=d.get("shareMax"),
        full_coverage=d["fullCoverage"],
    )


def _shortfall(d: dict[str, Any]) -> PlanShortfall:
    return PlanShortfall(
        level=d.get("level"),
        kind=d["kind"],
        required=d["required"],
        planned=d["planned"],
        missing=d["missing"],
        text=d["text"],
    )


@strawberry.type(description="A plan without its items (lists of plans).")
class InspectionPlanSummary:
    id: strawberry.ID = strawberry.field(description="The stored plan's id (storedInspectionPlan).")
    policy: str = strawberry.field(description="Id of the policy whose measures it follows.")
    region_code: str = strawberry.field(description="GB/T 2260 code of the region planned.")
    year: int = strawberry.field(description="The plan's year.")
    capacity: int = strawberry.field(description="Checks the bureau can make in the year.")
    seed: str = strawberry.field(description="The published seed of its random draws.")
    planned_checks: int = strawberry.field(description="Checks the plan holds.")
    shortfalls: list[PlanShortfall] = strawberry.field(
        description="What the plan could not give; empty when nothing."
    )
    created_at: dt.datetime = strawberry.field(description="When it was stored.")
    created_by: str = strawberry.field(description="Who stored it.")


@strawberry.type(description="An inspector who can be drawn for checks.")
class Inspector:
    code: str = strawberry.field(description="The inspector's code, unique in the service.")
    name: str = strawberry.field(description="Name.")
    region_code: str = strawberry.field(description="GB/T 2260 code of the bureau's region.")
    active: bool = strawberry.field(description="Whether plans may draw the inspector.")


@strawberry.type(description="A declared conflict of interest: never drawn for this enterprise.")
class InspectorConflict:
    inspector_code: str = strawberry.field(description="The inspector's code.")
    enterprise_code: str = strawberry.field(description="The enterprise's 统一社会信用代码.")
    reason: str = strawberry.field(description="The conflict, as declared.")


@strawberry.input(description="What a year's inspection plan is drawn from.")
class DrawInspectionPlanInput:
    policy: str = strawberry.field(description="Id of the policy whose measures it follows.")
    region_code: str = strawberry.field(description="GB/T 2260 code of the region to plan.")
    year: int = strawberry.field(description="The plan's year.")
    capacity: int = strawberry.field(description="Checks the bureau can make in the year (≥ 0).")
    seed: str = strawberry.field(
        description="The published seed of the random draws: the same seed and inputs re-draw "
        "the same plan."
    )
    inspectors: list[str] | None = strawberry.field(
        default=None, description="Inspector codes; default: the active inspectors of the region."
    )


@strawberry.input(description="An inspector to register, or a known code to update.")
class RegisterInspectorInput:
    code: str = strawberry.field(description="The inspector's code.")
    name: str = strawberry.field(description="Name.")
    region_code: str = strawberry.field(description="GB/T 2260 code of the bureau's region.")
    active: bool = strawberry.field(
        default=True, description="Whether plans may draw the inspector."
    )


@strawberry.input(description="A conflict of interest between an inspector and an enterprise.")
class DeclareConflictInput:
    inspector_code: str = strawberry.field(description="The inspector's code.")
    enterprise_code: str = strawberry.field(description="The enterprise's 统一社会信用代码.")
    reason: str = strawberry.field(description="The conflict (kinship, past employment …).")


@strawberry.input(description="The result of one planned check, recorded as a ledger event.")
class RecordPlanResultInput:
    plan_item_id: strawberry.ID = strawberry.field(description="The plan item checked.")
    kind: str = strawberry.field(description="SUPERVISION_CHECK or SAMPLING_INSPECTION.")
    occurred_on: dt.date = strawberry.field(description="The day of the check.")
    attributes: JSON | None = strawberry.field(
        default=None, description="The event kind's attributes (e.g. result: PASS)."
    )
    external_id: str | None = strawberry.field(
        default=None, description="The source system's id (idempotent)."
    )


async def _drawn(
    c: Context,
    policy_id: str,
    region_code: str,
    year: int,
    capacity: int,
    seed: str,
    inspectors: list[str] | None,
    store: bool,
) -> plan_store.PlanView:
    principal = c.principal
    region = validate_region_code(region_code, "regionCode")
    _require_planner(principal, region)
    policy = c.registry.policy(policy_id)
    async with c.transaction() as s:
        g = await plan_store.gather(s, c.engine, policy, region, year, capacity, seed, inspectors)
        plan = draw(g.input)
        if not store:
            await s.commit()  # only the assessment cache may have been filled
            return plan_store.view_of_drawn(plan, g)
        plan_id = await plan_store.store(s, plan, g, principal.subject)
        await audit.record(
            s,
            principal,
            audit.Action.WRITE,
            f"plan:{plan_id}",
            {"op": "drawInspectionPlan", "seed": seed, "digest": plan.inputs_digest},
        )
        await s.commit()
        return await plan_store.view_of_stored(s, plan_id)


def _plan_id(raw: str) -> int:
    key = row_key(raw)
    if key is None:
        raise InvalidInput(f"{raw!r} is not a plan id", field="id")
    return key


RegionFilterArg = Annotated[
    str | None,
    strawberry.argument(description="GB/T 2260 code; covers its sub-regions. Null: yours."),
]


@strawberry.type
class PlanningQuery:
    @strawberry.field(
        description="Draw a year's inspection plan without storing it (REGULATOR of the region "
        "or ADMIN): the plan drawInspectionPlan would store now, from the same seed."
    )
    async def inspection_plan(
        self,
        info: Info,
        policy: Annotated[str, strawberry.argument(description="The policy's id.")],
        region_code: Annotated[str, strawberry.argument(description="GB/T 2260 code.")],
        year: Annotated[int, strawberry.argument(description="The plan's year.")],
        capacity: Annotated[
            int, strawberry.argument(description="Checks the bureau can make in the year.")
        ],
        seed: Annotated[str, strawberry.argument(description="The published seed.")],
        inspectors: Annotated[
            list[str] | None,
            strawberry.argument(
                description="Inspector codes; default: the active inspectors of the region."
            ),
        ] = None,
    ) -> InspectionPlan:
        c = ctx(info)
        v = await _drawn(c, policy, region_code, year, capacity, seed, inspectors, store=False)
        c.note_nonpublic_read(f"plan-draw:{policy}:{v.region_code}:{year}")
        return InspectionPlan.of(v)

    @strawberry.field(description="A stored plan by id (REGULATOR of its region or ADMIN).")
    async def stored_inspection_plan(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The stored plan's id.")],
    ) -> InspectionPlan:
        c = ctx(info)
        principal = c.principal
        principal.require_role(*PLANNERS)
        async with c.db() as s:
            row = await plan_store.plan_row(s, _plan_id(id))
            _require_planner(principal, row.region_code, "id")
            v = await plan_store.view_of_stored(s, row.id)
        c.note_nonpublic_read(f"plan:{row.id}")
        return InspectionPlan.of(v)

    @strawberry.field(description="Stored plans in the caller's regions, newest first.")
    async def inspection_plans(
        self,
        info: Info,
        policy: Annotated[
            str | None, strawberry.argument(description="Only this policy's plans; null: all.")
        ] = None,
        region_code: RegionFilterArg = None,
        year: Annotated[
            int | None, strawberry.argument(description="Only plans of this year; null: all.")
        ] = None,
    ) -> list[InspectionPlanSummary]:
        c = ctx(info)
        principal = c.principal
        regions = _listed_regions(principal, region_code)
        async with c.db() as s:
            rows = await plan_store.list_plans(s, policy, regions, year)
            rows = [r for r in rows if principal.covers(r.region_code)]
        counts = {r.id: sum(lv.get("plannedChecks", 0) for lv in r.summary.get("levels", []))
                  for r in rows}  # fmt: skip
        return [
            InspectionPlanSummary(
                id=strawberry.ID(str(r.id)),
                policy=r.policy_id,
                region_code=r.region_code,
                year=r.year,
                capacity=r.capacity,
                seed=r.seed,
                planned_checks=counts[r.id],
                shortfalls=[_shortfall(d) for d in (r.shortfalls or {}).get("items", [])],
                created_at=aware(r.created_at),
                created_by=r.created_by,
            )
            for r in rows
        ]

    @strawberry.field(description="Inspectors registered in the caller's regions.")
    async def inspectors(self, info: Info, region_code: RegionFilterArg = None) -> list[Inspector]:
        c = ctx(info)
        regions = _listed_regions(c.principal, region_code)
        async with c.db() as s:
            rows = await plan_store.inspectors_in(s, regions)
        return [Inspector(code=r.code, name=r.name, region_code=r.region_code, active=r.active)
                for r in rows]  # fmt: skip


@strawberry.type
class PlanningMutation:
    @strawberry.mutation(
        description="Draw a year's inspection plan and store it with its seed (REGULATOR of the "
        "region or ADMIN)."
    )
    async def draw_inspection_plan(
        self,
        info: Info,
        input: Annotated[
            DrawInspectionPlanInput, strawberry.argument(description="What to draw from.")
        ],
    ) -> InspectionPlan:
        v = await _drawn(
            ctx(info),
            input.policy,
            input.region_code,
            input.year,
            input.capacity,
            input.seed,
            input.inspectors,
            store=True,
        )
        return InspectionPlan.of(v)

    @strawberry.mutation(description="Register an inspector (or update a known code).")
    async def register_inspector(
        self,
        info: Info,
        input: Annotated[RegisterInspectorInput, strawberry.argument(description="The inspector.")],
    ) -> Inspector:
        c = ctx(info)
        region = validate_region_code(input.region_code, "regionCode")
        _require_planner(c.principal, region)
        async with c.transaction() as s:
            row = await plan_store.register_inspector(
                s, input.code, input.name, region, input.active, by=c.principal
            )
            await audit.record(
                s, c.principal, audit.Action.WRITE, f"inspector:{row.code}",
                {"op": "registerInspector"},
            )  # fmt: skip
            out = Inspector(
                code=row.code, name=row.name, region_code=row.region_code, active=row.active
            )
            await s.commit()
        return out

    @strawberry.mutation(
        description="Declare an inspector's conflict of interest with an enterprise: the "
        "inspector is never drawn for its checks."
    )
    async def declare_conflict_of_interest(
        self,
        info: Info,
        input: Annotated[DeclareConflictInput, strawberry.argument(description="The conflict.")],
    ) -> InspectorConflict:
        c = ctx(info)
        principal = c.principal
        principal.require_role(*PLANNERS)
        async with c.transaction() as s:
            inspector = await plan_store.inspector_by_code(s, input.inspector_code)
            plan_store.require_roster_of(principal, inspector, "inspectorCode")
            enterprise = await enterprise_by_code(s, input.enterprise_code)
            row = await plan_store.declare_conflict(s, inspector, enterprise, input.reason)
            await audit.record(
                s, principal, audit.Action.WRITE, f"inspector:{inspector.code}",
                {"op": "declareConflictOfInterest", "enterprise": enterprise.code},
            )  # fmt: skip
            out = InspectorConflict(
                inspector_code=inspector.code,
                enterprise_code=enterprise.code,
                reason=row.reason,
            )
            await s.commit()
        return out

    @strawberry.mutation(
        description="Record a planned check's result as an event (SUPERVISION_CHECK or "
        "SAMPLING_INSPECTION) about the item's subject, linked to the item; re-grades as "
        "recordEvent does."
    )
    async def record_plan_result(
        self,
        info: Info,
        input: Annotated[RecordPlanResultInput, strawberry.argument(description="The result.")],
    ) -> PlanItem:
        c = ctx(info)
        principal = c.principal
        principal.require_role(*PLANNERS)
        item_key = row_key(str(input.plan_item_id))
        if item_key is None:
            raise InvalidInput(f"{input.plan_item_id!r} is not a plan item id", field="planItemId")
        async with c.transaction() as s:
            item, plan = await plan_store.item_with_plan(s, item_key)
            _require_planner(principal, plan.region_code, "planItemId")
            item_id, plan_id = item.id, plan.id
            event, changes = await plan_store.record_result(
                s,
                c.engine,
                item,
                kind=input.kind,
                occurred_on=input.occurred_on,
                attributes=input.attributes,
                external_id=input.external_id,
            )
            await audit.record(
                s, principal, audit.Action.WRITE, f"event:{event.id}",
                {"op": "recordPlanResult", "planItem": item_id, "kind": event.kind},
            )  # fmt: skip
            await s.commit()
            c.engine.announce(changes)
            view = await plan_store.view_of_stored(s, plan_id)
        return PlanItem.of(next(i for i in view.items if i.id == item_id))
