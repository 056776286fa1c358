"""Taking a check's result back: the result is appended to the ledger as an event, linked to its
plan item, and the enterprise is re-graded — in the caller's transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from qcredit.core.contract import GradeChange
from qcredit.core.errors import Conflict, InvalidInput, NotFound
from qcredit.core.grading.engine import Engine
from qcredit.core.ledger import append as ledger
from qcredit.core.model import SubjectType
from qcredit.core.store.tables import EnterpriseRow, EventRow, InspectionPlanRow, PlanItemRow
from sqlalchemy.ext.asyncio import AsyncSession

RESULT_KINDS = ("SUPERVISION_CHECK", "SAMPLING_INSPECTION")


async def item_with_plan(
    session: AsyncSession, item_id: int
) -> tuple[PlanItemRow, InspectionPlanRow]:
    item = await session.get(PlanItemRow, item_id)
    if item is None:
        raise NotFound(f"no plan item {item_id}", field="planItemId")
    plan = await session.get(InspectionPlanRow, item.plan_id)
    assert plan is not None
    return item, plan


async def record_result(
    session: AsyncSession,
    engine: Engine,
    item: PlanItemRow,
    *,
    kind: str,
    occurred_on: date | str,
    attributes: dict[str, Any] | None,
    external_id: str | None,
) -> tuple[EventRow, list[GradeChange]]:
    """Append the check's result (SUPERVISION_CHECK / SAMPLING_INSPECTION) about the item's
    subject, link it to the item and re-grade the enterprise.  The caller commits."""
    if kind not in RESULT_KINDS:
        raise InvalidInput(f"a check's result is one of {', '.join(RESULT_KINDS)}", field="kind")
    if item.result_event_id is not None:
        existing = await session.get(EventRow, item.result_event_id)
        if existing is not None and external_id is not None and existing.external_id == external_id:
            return existing, []
        raise Conflict(
            f"plan item {item.id} already has its result (event {item.result_event_id})",
            field="planItemId",
        )
    on_product = item.subject_type == SubjectType.PRODUCT
    enterprise = await session.get(EnterpriseRow, item.enterprise_id)
    assert enterprise is not None
    rec = await ledger.record_event(
        session,
        engine.registry.vocabulary,
        kind=kind,
        occurred_on=occurred_on,
        enterprise_code=None if on_product else enterprise.code,
        product_id=item.subject_id if on_product else None,
        attributes=attributes,
        external_id=external_id,
    )
    event = await session.get(EventRow, rec.event.id)
    assert event is not None
    item.result_event_id = event.id
    await session.flush()
    changes: list[GradeChange] = []
    if rec.created:
        await engine.invalidate(session, item.enterprise_id, event.occurred_on)
        changes = await engine.regrade(session, [item.enterprise_id])
    return event, changes
