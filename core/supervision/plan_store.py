"""Inspection plans in the database: gather a plan's inputs, keep drawn plans, take results back.

The draw itself is :func:`qcredit.core.supervision.planning.draw` (pure).  Here:

* :func:`gather` reads the policy's standing grades in the region, the measures of each standing
  assessment (through the engine's assessment cache), the policy's plan rules (hook
  ``qcredit_plan_rule``), the inspectors, their declared conflicts and each enterprise's last pair
  of inspectors in an earlier stored plan;
* :func:`store` writes a plan and its items; :func:`view_of_stored` / :func:`view_of_drawn` give
  the one shape the API, the CLI and the exports read;
* :func:`record_result` appends a check's result to the ledger, links it to its plan item and
  re-grades, in one transaction;
* :func:`register_inspector` and :func:`declare_conflict` keep the inspector list.

Authorisation is the caller's job (api/planning.py): a plan reveals levels.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from qcredit.core import clock
from qcredit.core.contract import GradeChange
from qcredit.core.errors import Conflict, InvalidInput, NotFound
from qcredit.core.grading.engine import AssessmentKey, Engine, standing_date
from qcredit.core.identifiers import region_covers, region_prefix, validate_region_code
from qcredit.core.ledger import append as ledger
from qcredit.core.model import SubjectType
from qcredit.core.policy import Policy
from qcredit.core.store import versioning
from qcredit.core.store.tables import (
    EnterpriseRow,
    EventRow,
    InspectionPlanRow,
    InspectorConflictRow,
    InspectorRow,
    PlanItemRow,
    ProductRow,
    StandingGradeRow,
)
from qcredit.core.supervision.planning import Candidate, Plan, PlanInput, canonical_json
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

RESULT_KINDS = ("SUPERVISION_CHECK", "SAMPLING_INSPECTION")
MAX_CAPACITY = 100_000
EXPORT_COLUMNS = [
    "sequence",
    "due",
    "enterpriseCode",
    "enterpriseName",
    "subjectType",
    "subjectId",
    "product",
    "level",
    "reason",
    "article",
    "visit",
    "visits",
    "inspectors",
    "note",
    "resultEventId",
]


# -- views -------------------------------------------------------------------------------------
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


@dataclass(frozen=True)
class Gathered:
    """A plan's inputs and what the views need besides (names, the grades' date)."""

    input: PlanInput
    as_of: date
    enterprises: dict[int, tuple[str, str]]  # id → (code, name)
    products: dict[int, str]  # id → trademark
    inspector_ids: dict[str, int]


def _camel(d: dict[str, Any]) -> dict[str, Any]:
    def conv(k: str) -> str:
        head, *rest = k.split("_")
        return head + "".join(r.title() for r in rest)

    return {conv(k): v for k, v in d.items()}


def view_of_drawn(plan: Plan, g: Gathered) -> PlanView:
    return PlanView(
        id=None,
        policy_id=plan.policy_id,
        region_code=plan.region_code,
        year=plan.year,
        capacity=plan.capacity,
        seed=plan.seed,
        as_of=g.as_of,
        algorithm=plan.algorithm,
        inputs_digest=plan.inputs_digest,
        levels=[_camel(asdict(s)) for s in plan.summary],
        shortfalls=[_camel(asdict(s)) for s in plan.shortfalls],
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


# -- gathering ---------------------------------------------------------------------------------
def _check_request(policy: Policy, region_code: str, year: int, capacity: int, seed: str) -> str:
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
    region = _check_request(policy, region_code, year, capacity, seed)
    prefix = region_prefix(region)
    standing = (
        (
            await session.execute(
                select(StandingGradeRow)
                .where(
                    StandingGradeRow.policy_id == policy.id,
                    StandingGradeRow.region_code.startswith(prefix),
                )
                .order_by(StandingGradeRow.subject_type, StandingGradeRow.subject_id)
            )
        )
        .scalars()
        .all()
    )
    as_of = max((r.as_of for r in standing), default=None) or standing_date(policy, clock.today())
    if as_of is None:
        as_of = policy.effective_from or clock.today()
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
    enterprise_ids = sorted({c.enterprise_id for c in candidates})
    enterprises = {
        e.id: (e.code, e.name)
        for e in (
            await session.execute(select(EnterpriseRow).where(EnterpriseRow.id.in_(enterprise_ids)))
        ).scalars()
    }
    product_ids = [c.subject_id for c in candidates if c.subject_type == SubjectType.PRODUCT]
    products = {
        p.id: p.trademark
        for p in (
            await session.execute(select(ProductRow).where(ProductRow.id.in_(product_ids)))
        ).scalars()
    }
    inspector_rows = await _inspectors(session, region, inspectors)
    codes = tuple(sorted(inspector_rows))
    ids = {code: row.id for code, row in inspector_rows.items() if row is not None}
    conflicts: dict[int, set[str]] = {}
    if ids and enterprise_ids:
        by_id = {v: k for k, v in ids.items()}
        for c in (
            await session.execute(
                select(InspectorConflictRow).where(
                    InspectorConflictRow.inspector_id.in_(list(by_id)),
                    InspectorConflictRow.enterprise_id.in_(enterprise_ids),
                )
            )
        ).scalars():
            conflicts.setdefault(c.enterprise_id, set()).add(by_id[c.inspector_id])
    previous = await _previous_pairs(session, year, enterprise_ids)
    inp = PlanInput(
        policy_id=policy.id,
        region_code=region,
        year=year,
        capacity=capacity,
        seed=seed,
        levels=tuple((lv.code, lv.rank) for lv in policy.levels),
        candidates=tuple(candidates),
        inspectors=codes,
        conflicts={k: frozenset(v) for k, v in conflicts.items()},
        previous_pairs=previous,
    )
    return Gathered(inp, as_of, enterprises, products, ids)


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


# -- storing -----------------------------------------------------------------------------------
async def store(session: AsyncSession, plan: Plan, g: Gathered, created_by: str) -> int:
    view = view_of_drawn(plan, g)
    row = InspectionPlanRow(
        policy_id=plan.policy_id,
        region_code=plan.region_code,
        year=plan.year,
        capacity=plan.capacity,
        seed=plan.seed,
        as_of=g.as_of,
        created_at=clock.now(),
        created_by=created_by[:100],
        summary={
            "algorithm": plan.algorithm,
            "inputsDigest": plan.inputs_digest,
            "levels": view.levels,
            "unusedCapacity": plan.unused_capacity,
            "notes": view.notes,
            "inspectors": view.inspectors,
            # Published with the seed: a re-draw from these gives this plan (docs/planning.md).
            "inputs": json.loads(canonical_json(g.input)),
        },
        shortfalls={"items": view.shortfalls},
    )
    session.add(row)
    await session.flush()
    session.add_all(
        PlanItemRow(
            plan_id=row.id,
            sequence=i.sequence,
            enterprise_id=i.enterprise_id,
            subject_type=i.subject_type,
            subject_id=i.subject_id,
            level=i.level,
            reason=i.reason,
            article=i.article[:64],
            due=i.due,
            inspectors={
                "codes": list(i.inspectors),
                "ids": [g.inspector_ids.get(c) for c in i.inspectors],
                "note": i.note,
                "visit": i.visit,
                "visits": i.visits,
            },
        )
        for i in plan.items
    )
    await session.flush()
    await versioning.bump(session)
    return row.id


async def plan_row(session: AsyncSession, plan_id: int) -> InspectionPlanRow:
    row = await session.get(InspectionPlanRow, plan_id)
    if row is None:
        raise NotFound(f"no inspection plan {plan_id}", field="id")
    return row


async def list_plans(
    session: AsyncSession,
    policy_id: str | None,
    region_codes: Sequence[str] | None,
    year: int | None,
) -> list[InspectionPlanRow]:
    """Stored plans, newest first; ``region_codes`` (None: all) keeps those inside any of them."""
    q = select(InspectionPlanRow).order_by(InspectionPlanRow.id.desc())
    if policy_id is not None:
        q = q.where(InspectionPlanRow.policy_id == policy_id)
    if year is not None:
        q = q.where(InspectionPlanRow.year == year)
    rows = (await session.execute(q)).scalars().all()
    if region_codes is None:
        return list(rows)
    return [r for r in rows if any(region_covers(c, r.region_code) for c in region_codes)]


def view_of_row(row: InspectionPlanRow, items: list[ItemView] | None = None) -> PlanView:
    s = row.summary or {}
    return PlanView(
        id=row.id,
        policy_id=row.policy_id,
        region_code=row.region_code,
        year=row.year,
        capacity=row.capacity,
        seed=row.seed,
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
    product_ids = [i.subject_id for i, _, _ in items if i.subject_type == SubjectType.PRODUCT]
    products = (
        {
            p.id: p.trademark
            for p in (
                await session.execute(select(ProductRow).where(ProductRow.id.in_(product_ids)))
            ).scalars()
        }
        if product_ids
        else {}
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


# -- inspectors ----------------------------------------------------------------------------------
async def register_inspector(
    session: AsyncSession, code: str, name: str, region_code: str, active: bool = True
) -> InspectorRow:
    """Register an inspector, or update the name, region and active flag of a known code."""
    code = (code or "").strip()
    if not code or len(code) > 32:
        raise InvalidInput("inspector code must be 1–32 characters", field="code")
    if not (name or "").strip() or len(name) > 100:
        raise InvalidInput("name must be 1–100 characters", field="name")
    region = validate_region_code(region_code, "regionCode")
    row = (
        await session.execute(select(InspectorRow).where(InspectorRow.code == code))
    ).scalar_one_or_none()
    if row is None:
        row = InspectorRow(code=code, name=name.strip(), region_code=region, active=active)
        session.add(row)
    else:
        row.name, row.region_code, row.active = name.strip(), region, active
    await session.flush()
    await versioning.bump(session)
    return row


async def inspector_by_code(session: AsyncSession, code: str) -> InspectorRow:
    row = (
        await session.execute(select(InspectorRow).where(InspectorRow.code == code))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no inspector {code!r}", field="inspectorCode")
    return row


async def declare_conflict(
    session: AsyncSession, inspector: InspectorRow, enterprise: EnterpriseRow, reason: str
) -> InspectorConflictRow:
    """A declared conflict of interest (idempotent; a new reason replaces the old one)."""
    row = await session.get(InspectorConflictRow, (inspector.id, enterprise.id))
    if row is None:
        row = InspectorConflictRow(
            inspector_id=inspector.id, enterprise_id=enterprise.id, reason=reason.strip()
        )
        session.add(row)
    else:
        row.reason = reason.strip()
    await session.flush()
    await versioning.bump(session)
    return row


async def inspectors_in(session: AsyncSession, region_codes: Sequence[str] | None) -> list[Any]:
    rows = (await session.execute(select(InspectorRow).order_by(InspectorRow.code))).scalars().all()
    if region_codes is None:
        return list(rows)
    return [r for r in rows if any(region_covers(c, r.region_code) for c in region_codes)]


# -- results -----------------------------------------------------------------------------------
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


# -- export ------------------------------------------------------------------------------------
def export_rows(view: PlanView) -> list[dict[str, Any]]:
    return [
        {
            "sequence": i.sequence,
            "due": i.due,
            "enterpriseCode": i.enterprise_code,
            "enterpriseName": i.enterprise_name,
            "subjectType": i.subject_type,
            "subjectId": i.subject_id,
            "product": i.product or "",
            "level": i.level,
            "reason": i.reason,
            "article": i.article,
            "visit": i.visit,
            "visits": i.visits,
            "inspectors": " ".join(i.inspectors),
            "note": i.note,
            "resultEventId": i.result_event_id if i.result_event_id is not None else "",
        }
        for i in view.items
    ]


def header_lines(view: PlanView) -> list[list[Any]]:
    """What a published plan states above its items: the draw's identity and its shortfalls."""
    lines: list[list[Any]] = [
        ["policy", view.policy_id],
        ["region", view.region_code],
        ["year", view.year],
        ["capacity", view.capacity],
        ["seed", view.seed],
        ["algorithm", view.algorithm],
        ["inputsDigest", view.inputs_digest],
        ["gradesAsOf", view.as_of.isoformat()],
        ["unusedCapacity", view.unused_capacity],
    ]
    for s in view.shortfalls:
        lines.append(["shortfall", s.get("level") or "", s["kind"], s["missing"], s["text"]])
    return lines


def render(view: PlanView, fmt: str) -> bytes:
    """The plan as CSV (items only, UTF-8 with BOM) or XLSX (sheets: items, levels, plan)."""
    rows = export_rows(view)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue().encode("utf-8-sig")
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("items")
        ws.append(EXPORT_COLUMNS)
        for r in rows:
            ws.append([r[c] for c in EXPORT_COLUMNS])
        lv = wb.create_sheet("levels")
        cols = ["level", "subjects", "excluded", "requiredChecks", "plannedChecks",
                "drawnAtRandom", "share", "shareMin", "shareMax", "fullCoverage"]  # fmt: skip
        lv.append(cols)
        for s in view.levels:
            lv.append([s.get(c) for c in cols])
        head = wb.create_sheet("plan")
        for line in header_lines(view):
            head.append(line)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
    raise InvalidInput("format must be csv or xlsx", field="format")
