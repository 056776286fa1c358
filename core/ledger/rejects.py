"""The rejects file: the rejected rows in the input's own format (CSV in its encoding, a workbook
with the same sheets and headers, JSON Lines) with a 错误原因 column added.  The clerk fixes the
cells and imports the file again; the importer skips the 错误原因 column."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from qcredit.core.ledger.headers import REASON_COLUMN
from qcredit.core.ledger.readers import SHEET_SPAN, Row, Sheet, Source


def write_rejects(source: Source, rejected: Iterable[tuple[Row, str]], path: str | Path) -> int:
    """Write the rows with their reasons to ``path``; returns how many rows were written."""
    items = sorted(rejected, key=lambda item: item[0].line)
    if source.format == "xlsx":
        _xlsx(source, items, Path(path))
    elif source.format == "csv":
        _csv(source, items, Path(path))
    else:
        _jsonl(items, Path(path))
    return len(items)


def _without_reason(sheet: Sheet, cells: list[Any]) -> tuple[list[str], list[Any]]:
    """A file that is itself a rejects file keeps one 错误原因 column: the new one."""
    keep = [i for i, h in enumerate(sheet.headers) if h != REASON_COLUMN]
    padded = list(cells) + [None] * (len(sheet.headers) - len(cells))
    return [sheet.headers[i] for i in keep], [padded[i] for i in keep]


def _csv(source: Source, items: list[tuple[Row, str]], path: Path) -> None:
    sheet = source.sheets[0]
    with open(path, "w", encoding=source.encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*_without_reason(sheet, [])[0], REASON_COLUMN])
        for row, reason in items:
            writer.writerow([*_without_reason(sheet, row.raw)[1], reason])


def _xlsx(source: Source, items: list[tuple[Row, str]], path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for index, sheet in enumerate(source.sheets):
        ws = book.create_sheet(sheet.name)
        ws.append([*_without_reason(sheet, [])[0], REASON_COLUMN])
        for row, reason in items:
            if row.line // SHEET_SPAN == index:
                ws.append([*_without_reason(sheet, row.raw)[1], reason])
    book.save(path)


def _jsonl(items: list[tuple[Row, str]], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row, reason in items:
            body = dict(row.cells) if row.error is None else {"原文": row.raw.rstrip("\n")}
            body[REASON_COLUMN] = reason
            fh.write(json.dumps(body, ensure_ascii=False, default=str) + "\n")
