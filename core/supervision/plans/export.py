"""A plan as a published document: CSV (items only) or XLSX (items, levels, and the draw's identity
with its shortfalls)."""

from __future__ import annotations

import csv
import io
from typing import Any

from qcredit.core.errors import InvalidInput
from qcredit.core.supervision.plans.views import PlanView

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
