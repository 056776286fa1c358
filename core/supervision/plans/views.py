"""The one shape of a plan that the API, the CLI and the exports read, whether it was just drawn
(:func:`view_of_drawn`) or stored (:func:`view_of_stored`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from qcredit.core.errors import NotFound
from qcredit.core.model import SubjectType
from qcredit.core.store.convert import camel_dict
from qcredit.core.store.tables import EnterpriseRow, InspectionPlanRow, PlanItemRow
from qcredit.core.supervision.plans.gather import Gathered, trademarks
from qcredit.core.supervision.plans.outcome import Plan
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass
class ItemView:
    id: int | None
    sequence: int
    subject_type: str
    subject_id: int
    enterprise_id: int
    enterprise_code: str
    enterprise_name: str
    product: str | None
    level: str
    reason: str
    article: str
    due: str
    visit: int
    visits: int
    inspectors: list[str]
    note: str
    result_event_id: int | None = None


@dataclass
class PlanView:
    id: int | None
    policy_id: str
    region_code: str
    year: int
    capacity: int
    seed: str
    as_of: date
    algorithm: str
    inputs_digest: str
    levels: list[dict[str, Any]]
    shortfalls: list[dict[str, Any]]
    unused_capacity: int
    notes: list[str]
    inspectors: list[str]
    items: list[ItemView] = field(default_factory=list)
    created_at: datetime | None = None
    created_by: str | None = None


def _draw_identity(source: Plan | InspectionPlanRow) -> dict[str, Any]:
    """What names a draw: a re-draw with these (and the published inputs) gives the same plan."""
    return {
        "policy_id": source.policy_id,
        "region_code": source.region_code,
        "year": source.year,
        "capacity": source.capacity,
        "seed": source.seed,
    }


def view_of_drawn(plan: Plan, g: Gathered) -> PlanView:
    return PlanView(
        id=None,
        **_draw_identity(plan),
        as_of=g.as_of,
        algorithm=plan.algorithm,
        inputs_digest=plan.inputs_digest,
        levels=[camel_dict(s) for s in plan.summary],
        shortfalls=[camel_dict(s) for s in plan.shortfalls],
        unused_capacity=plan.unused_capacity,
        notes=list(plan.notes),
        inspectors=sorted(g.input.inspectors),
        items=[
            ItemView(
                None,
                i.sequence,
                i.subject_type,
                i.subject_id,
                i.enterprise_id,
                *g.enterprises.get(i.enterprise_id, ("", "")),
                g.products.get(i.subject_id) if i.subject_type == SubjectType.PRODUCT else None,
                i.level,
                i.reason,
                i.article,
                i.due,
                i.visit,
                i.visits,
                list(i.inspectors),
                i.note,
            )
            for i in plan.items
        ],
    )


def view_of_row(row: InspectionPlanRow, items: list[ItemView] | None = None) -> PlanView:
    s = row.summary or {}
    return PlanView(
        id=row.id,
        **_draw_identity(row),
        as_of=row.as_of,
        algorithm=s.get("algorithm", ""),
        inputs_digest=s.get("inputsDigest", ""),
        levels=list(s.get("levels", [])),
        shortfalls=list((row.shortfalls or {}).get("items", [])),
        unused_capacity=int(s.get("unusedCapacity", 0)),
        notes=list(s.get("notes", [])),
        inspectors=list(s.get("inspectors", [])),
        items=items or [],
        created_at=row.created_at,
        created_by=row.created_by,
    )


async def plan_row(session: AsyncSession, plan_id: int) -> InspectionPlanRow:
    row = await session.get(InspectionPlanRow, plan_id)
    if row is None:
        raise NotFound(f"no inspection plan {plan_id}", field="id")
    return row


async def view_of_stored(session: AsyncSession, plan_id: int) -> PlanView:
    row = await plan_row(session, plan_id)
    items = (
        await session.execute(
            select(PlanItemRow, EnterpriseRow.code, EnterpriseRow.name)
            .join(EnterpriseRow, EnterpriseRow.id == PlanItemRow.enterprise_id)
            .where(PlanItemRow.plan_id == plan_id)
            .order_by(PlanItemRow.sequence)
        )
    ).all()
    products = await trademarks(
        session, [i.subject_id for i, _, _ in items if i.subject_type == SubjectType.PRODUCT]
    )
    return view_of_row(row, [_item_view(i, code, name, products) for i, code, name in items])


def _item_view(i: PlanItemRow, code: str, name: str, products: dict[int, str]) -> ItemView:
    meta = i.inspectors or {}
    return ItemView(
        i.id,
        i.sequence,
        i.subject_type,
        i.subject_id,
        i.enterprise_id,
        code,
        name,
        products.get(i.subject_id) if i.subject_type == SubjectType.PRODUCT else None,
        i.level,
        i.reason,
        i.article,
        i.due,
        int(meta.get("visit", 1)),
        int(meta.get("visits", 1)),
        list(meta.get("codes", [])),
        str(meta.get("note", "")),
        i.result_event_id,
    )
