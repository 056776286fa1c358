"""An export as CSV or JSON Lines: the same fields as the workbook's table.

CSV carries the Chinese headers of the workbook and is written as UTF-8 with a byte-order mark,
so that Excel opens the Chinese text correctly, or as GB 18030 for older tools.  JSON Lines
carries one object per row with the English keys of :class:`~qcredit.core.disclosure.export.Field`
(docs/export.md lists them).  Dates are ISO 8601 in both; an empty cell is an empty CSV field and
a JSON ``null``.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from qcredit.core.disclosure.export import Export
from qcredit.core.errors import InvalidInput

ENCODINGS = {"utf-8": "utf-8-sig", "gb18030": "gb18030"}  # utf-8 with BOM for Excel


def _text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def csv_bytes(export: Export, encoding: str = "utf-8") -> bytes:
    if encoding not in ENCODINGS:
        raise InvalidInput(f"encoding must be one of {', '.join(ENCODINGS)}", field="encoding")
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([f.header for f in export.fields])
    for row in export.rows:
        writer.writerow([_text(row[f.key]) for f in export.fields])
    return buf.getvalue().encode(ENCODINGS[encoding])


def jsonl_bytes(export: Export) -> bytes:
    lines = (
        json.dumps({f.key: _text(row[f.key]) for f in export.fields}, ensure_ascii=False) + "\n"
        for row in export.rows
    )
    return "".join(lines).encode()
