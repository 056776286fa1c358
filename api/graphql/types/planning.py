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

import strawberry
from qcredit.api.graphql.context import Context
from qcredit.api.graphql.pagination import row_key
from qcredit.api.graphql.types.enterprise import Event, ctx
from qcredit.api.graphql.types.mirror import mirrored
from qcredit.core.disclosure import audit
from qcredit.core.disclosure.callers import CallerRole, Principal
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

PLANNERS = (CallerRole.REGULATOR, CallerRole.ADMIN)


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
    everywhere = principal.role is CallerRole.ADMIN and not principal.regions
    return None if everywhere else list(principal.regions)


@strawberry.type(description="Per level: subjects, checks the policy requires, checks planned.")
class PlanLevel:
    level: str
    subjects: int
    excluded: int = strawberry.field(description="Not drawn for proactive checks (e.g. 无事不扰).")
    required_checks: int
    planned_checks: int
    drawn_at_random: int
    share: float = strawberry.field(description="Planned checks of the level / all planned.")
    share_min: float | None
    share_max: float | None
    full_coverage: bool


@strawberry.type(description="What capacity, shares or inspectors could not give a level.")
class PlanShortfall:
    level: str | None
    kind: str = strawberry.field(description="CAPACITY, SHARE_MIN, SHARE_MAX or INSPECTORS.")
    required: int
    planned: int
    missing: int
    text: str


@strawberry.type(description="One planned check of one subject, with its two inspectors.")
class PlanItem:
    id: strawberry.ID | None = strawberry.field(description="Null in a plan not yet stored.")
    sequence: int
    due: str = strawberry.field(description="2026, 2026-H1, 2026-Q3 …")
    enterprise_code: str
    enterprise_name: str
    subject_type: str
    subject_id: strawberry.ID
    product: str | None
    level: str
    reason: str = strawberry.field(
        description="REQUIRED, KEY_LIST, FULL_COVERAGE, POLICY_RULE or RANDOM_DRAW."
    )
    article: str
    visit: int
    visits: int
    inspectors: list[str]
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
    policy: str
    region_code: str
    year: int
    capacity: int
    seed: str
    algorithm: str
    inputs_digest: str
    grades_as_of: dt.date
    unused_capacity: int
    notes: list[str]
    inspector_codes: list[str]
    levels: list[PlanLevel]
    shortfalls: list[PlanShortfall]
    items: list[PlanItem]
    created_at: dt.datetime | None
    created_by: str | None
    view: strawberry.Private[plan_store.PlanView]

    @strawberry.field(description="The items as CSV text, or XLSX as base64.")
    def export(self, format: str = "csv") -> str:
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


def _level(d: dict) -> PlanLevel:
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


def _shortfall(d: dict) -> PlanShortfall:
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
    id: strawberry.ID
    policy: str
    region_code: str
    year: int
    capacity: int
    seed: str
    planned_checks: int
    shortfalls: list[PlanShortfall]
    created_at: dt.datetime
    created_by: str


@strawberry.type(description="An inspector who can be drawn for checks.")
class Inspector:
    code: str
    name: str
    region_code: str
    active: bool


@strawberry.type(description="A declared conflict of interest: never drawn for this enterprise.")
class InspectorConflict:
    inspector_code: str
    enterprise_code: str
    reason: str


@strawberry.input
class DrawInspectionPlanInput:
    policy: str
    region_code: str
    year: int
    capacity: int
    seed: str
    inspectors: list[str] | None = strawberry.field(
        default=None, description="Inspector codes; default: the active inspectors of the region."
    )


@strawberry.input
class RegisterInspectorInput:
    code: str
    name: str
    region_code: str
    active: bool = True


@strawberry.input
class DeclareConflictInput:
    inspector_code: str
    enterprise_code: str
    reason: str


@strawberry.input
class RecordPlanResultInput:
    plan_item_id: strawberry.ID
    kind: str = strawberry.field(description="SUPERVISION_CHECK or SAMPLING_INSPECTION.")
    occurred_on: dt.date
    attributes: JSON | None = None
    external_id: str | None = None


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


@strawberry.type
class PlanningQuery:
    @strawberry.field(
        description="Draw a year's inspection plan without storing it (REGULATOR of the region "
        "or ADMIN): the plan drawInspectionPlan would store now, from the same seed."
    )
    async def inspection_plan(
        self,
        info: Info,
        policy: str,
        region_code: str,
        year: int,
        capacity: int,
        seed: str,
        inspectors: list[str] | None = None,
    ) -> InspectionPlan:
        c = ctx(info)
        v = await _drawn(c, policy, region_code, year, capacity, seed, inspectors, store=False)
        c.note_nonpublic_read(f"plan-draw:{policy}:{v.region_code}:{year}")
        return InspectionPlan.of(v)

    @strawberry.field(description="A stored plan by id (REGULATOR of its region or ADMIN).")
    async def stored_inspection_plan(self, info: Info, id: strawberry.ID) -> InspectionPlan:
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
        policy: str | None = None,
        region_code: str | None = None,
        year: int | None = None,
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
    async def inspectors(self, info: Info, region_code: str | None = None) -> list[Inspector]:
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
        self, info: Info, input: DrawInspectionPlanInput
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
    async def register_inspector(self, info: Info, input: RegisterInspectorInput) -> Inspector:
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
        self, info: Info, input: DeclareConflictInput
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
    async def record_plan_result(self, info: Info, input: RecordPlanResultInput) -> PlanItem:
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
