"""Exports for partner departments: the grade-change feed as CSV, JSON Lines or XLSX.

Only what the caller's role may see is written (the same rule as the API), each row carries the
policy's disclosure notice (e.g. not to be printed on labels or used commercially), and every export
is recorded in the audit log.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qcredit.core.contract import Audience
from qcredit.core.disclosure import audit
from qcredit.core.disclosure.callers import CallerRole, Principal
from qcredit.core.disclosure.reviews import RequestState
from qcredit.core.errors import InvalidInput
from qcredit.core.identifiers import region_prefix
from qcredit.core.plugins import Registry
from qcredit.core.store.tables import DisclosureRequestRow, EnterpriseRow, GradeChangeRow
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

COLUMNS = [
    "cursor",
    "at",
    "policy",
    "subjectType",
    "subjectId",
    "enterpriseCode",
    "enterpriseName",
    "regionCode",
    "asOf",
    "previous",
    "current",
    "notice",
]


@dataclass(frozen=True)
class Export:
    rows: list[dict[str, Any]]
    next_cursor: int


def _visible(principal: Principal):  # type: ignore[no-untyped-def]
    if principal.role is CallerRole.ADMIN and not principal.regions:
        return None
    audience = {
        CallerRole.DEPARTMENT: Audience.DEPARTMENT,
        CallerRole.INDUSTRY: Audience.INDUSTRY,
    }.get(principal.role, Audience.DEPARTMENT if principal.authenticated else Audience.PUBLIC)
    conds = []
    if principal.role in (CallerRole.REGULATOR, CallerRole.REVIEWER, CallerRole.ADMIN):
        conds += [
            GradeChangeRow.region_code.startswith(region_prefix(r)) for r in principal.regions
        ]
    approved = exists().where(
        DisclosureRequestRow.policy_id == GradeChangeRow.policy_id,
        DisclosureRequestRow.subject_type == GradeChangeRow.subject_type,
        DisclosureRequestRow.subject_id == GradeChangeRow.subject_id,
        DisclosureRequestRow.level == GradeChangeRow.current,
        DisclosureRequestRow.state == RequestState.APPROVED.value,
        # an approval publishes the standing grade (this change) it was given for, no other
        DisclosureRequestRow.grade_change_id == GradeChangeRow.id,
    )
    conds.append(GradeChangeRow.open_to.contains(audience.value))
    conds.append(and_(GradeChangeRow.review_to.contains(audience.value), approved))
    return or_(*conds)


async def grade_changes(
    session: AsyncSession,
    registry: Registry,
    principal: Principal,
    since: int = 0,
    limit: int = 100_000,
) -> Export:
    stmt = (
        select(GradeChangeRow, EnterpriseRow.code, EnterpriseRow.name)
        .join(EnterpriseRow, EnterpriseRow.id == GradeChangeRow.enterprise_id)
        .where(GradeChangeRow.id > since)
        .order_by(GradeChangeRow.id)
        .limit(limit)
    )
    visible = _visible(principal)
    if visible is not None:
        stmt = stmt.where(visible)
    rows = []
    last = since
    for change, code, name in (await session.execute(stmt)).all():
        policy = registry.policies.get(change.policy_id)
        previous_ok = principal.role is CallerRole.ADMIN or Audience.DEPARTMENT.value in (
            change.previous_open_to or ""
        ).split(",")
        rows.append(
            {
                "cursor": change.id,
                "at": change.at.isoformat(),
                "policy": change.policy_id,
                "subjectType": change.subject_type,
                "subjectId": change.subject_id,
                "enterpriseCode": code,
                "enterpriseName": name,
                "regionCode": change.region_code,
                "asOf": change.as_of.isoformat(),
                "previous": change.previous if previous_ok else None,
                "current": change.current,
                "notice": (policy.disclosure_notice if policy else None) or "",
            }
        )
        last = change.id
    await audit.record(
        session,
        principal,
        audit.Action.EXPORT,
        f"grade_changes:{since}..{last}",
        {"rows": len(rows), "since": since, "next": last},
    )
    return Export(rows, last)


def render(rows: Sequence[dict[str, Any]], fmt: str) -> bytes:
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue().encode("utf-8-sig")  # BOM: Excel opens Chinese text correctly
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("grade changes")
        ws.append(COLUMNS)
        for r in rows:
            ws.append([r.get(c) for c in COLUMNS])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
    raise InvalidInput("format must be csv, jsonl or xlsx", field="format")
