"""An export as a workbook a partner department can file: the table, and a sheet 说明.

The table has the Chinese headers of :class:`~qcredit.core.disclosure.export.Field`, real date
cells (``yyyy-mm-dd``), a frozen header row, an autofilter over the whole table and column widths
fitted to the content (a CJK character counts double).  The sheet 说明 states who issued it,
when, for whom, under which policies (their legal basis and each one's disclosure notice, e.g.
not for commercial use) and how many rows it holds.  It is written with openpyxl's write-only
mode, which keeps no cell objects once a row is written.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from qcredit.core.disclosure.export import Export, Field, Kind
from qcredit.core.policy import Policy

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
MIN_WIDTH, MAX_WIDTH = 6, 60  # characters: narrow codes stay readable, long names do not sprawl
NOTES_SHEET = "说明"


@dataclass(frozen=True)
class Cover:
    """What the sheet 说明 states besides the export itself."""

    issuer: str  # the issuing bureau, as configured (never guessed)
    exported_on: date
    audience: str


def display_width(value: Any) -> int:
    """Columns a value takes in a spreadsheet: wide (CJK) characters count double."""
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    text = "" if value is None else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _widths(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[int]:
    widths = [display_width(h) for h in headers]
    for row in rows:
        widths = [max(w, display_width(v)) for w, v in zip(widths, row, strict=True)]
    return [min(max(w + 2, MIN_WIDTH), MAX_WIDTH) for w in widths]


def _cell(ws: WriteOnlyWorksheet, value: Any, kind: Kind = Kind.TEXT) -> Cell:
    if isinstance(value, datetime):
        value = value.replace(tzinfo=None)  # Excel has no time zones; the header names it
    cell = WriteOnlyCell(ws, value=value)
    if kind is Kind.DATE:
        cell.number_format = DATE_FORMAT
    elif kind is Kind.DATETIME:
        cell.number_format = DATETIME_FORMAT
    return cell


def _header(ws: WriteOnlyWorksheet, headers: Sequence[str]) -> list[Cell]:
    cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=h)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center")
        cells.append(cell)
    return cells


def _table(
    wb: Workbook, title: str, fields: Sequence[Field], rows: Sequence[Sequence[Any]]
) -> None:
    ws = wb.create_sheet(title)
    headers = [f.header for f in fields]
    # Write-only sheets take their layout before the first row.
    for i, width in enumerate(_widths(headers, rows), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(fields))}{len(rows) + 1}"
    ws.append(_header(ws, headers))
    for row in rows:
        ws.append([_cell(ws, v, f.kind) for v, f in zip(row, fields, strict=True)])


def legal_basis(policy: Policy) -> str:
    """《name》（文号），issuer: the document a policy's disclosure rules come from."""
    text = f"《{policy.name}》"
    if policy.document_no:
        text += f"（{policy.document_no}）"
    return f"{text}，{policy.issuer}" if policy.issuer else text


def _contents(export: Export) -> str:
    where = f"，行政区划 {'、'.join(export.regions)}" if export.regions else ""
    if export.is_feed:
        return f"等级变更记录（截至序号 {export.next_cursor}{where}）"
    on = export.as_of.isoformat() if export.as_of else "导出当日"
    return f"{on} 的信用等级{where}"


def notes_lines(export: Export, cover: Cover) -> list[tuple[str, Any]]:
    """The lines of the sheet 说明, label and value."""
    lines: list[tuple[str, Any]] = [
        ("发布机关", cover.issuer),
        ("导出日期", cover.exported_on),
        ("接收方", cover.audience),
        ("内容", _contents(export)),
        ("公开范围", "仅含依各政策公示规定可向接收方公开的等级"),
        ("行数", len(export.rows)),
    ]
    for p in export.policies:
        lines.append(("法律依据", legal_basis(p)))
        lines.append(("使用限制", f"{p.name}：{p.disclosure_notice or '无'}"))
    return lines


def _notes(wb: Workbook, export: Export, cover: Cover) -> None:
    ws = wb.create_sheet(NOTES_SHEET)
    lines = notes_lines(export, cover)
    for i, width in enumerate(_widths(("项目", "内容"), lines), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.append(_header(ws, ("项目", "内容")))
    for label, value in lines:
        cell = _cell(ws, value, Kind.DATE if isinstance(value, date) else Kind.TEXT)
        cell.alignment = Alignment(wrap_text=True, vertical="top")  # long notices stay readable
        ws.append([_cell(ws, label), cell])


def xlsx_bytes(export: Export, cover: Cover) -> bytes:
    """The table (the first, active sheet) and 说明."""
    wb = Workbook(write_only=True)
    rows = [[row[f.key] for f in export.fields] for row in export.rows]
    _table(wb, "等级变更" if export.is_feed else "信用等级", export.fields, rows)
    _notes(wb, export, cover)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
