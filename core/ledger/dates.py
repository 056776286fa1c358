"""Dates as bureaus write them in spreadsheets: 2023-05-01, 2023/5/1, 2023.5.1, 2023年5月1日, an
Excel date cell, or an Excel serial day number.  Anything else, or a day that does not exist
(2023/2/30), is refused naming the column; the ledger then checks the range (not before 1949, not
in the future)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from qcredit.core.errors import InvalidInput

# Year, month and day separated by - / . or written 年 月 日; a time of day after it is ignored
# (spreadsheets exported as text often add 00:00:00).
_WRITTEN = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"
)
# Excel's day 0 is 1899-12-30 (its serial 60 is the 1900-02-29 that never was); serials below 61
# fall before any date the ledger keeps, so the offset that is right from 1900-03-01 on serves.
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_MAX = 2_958_465  # 9999-12-31
_SERIAL = re.compile(r"\d{1,7}(?:\.0+)?")

HINT = "应写作 2023-05-01、2023/5/1、2023.5.1 或 2023年5月1日"


def cell_date(raw: Any, column: str, field: str) -> str:
    """The ISO date (``YYYY-MM-DD``) a cell holds; ``InvalidInput`` naming ``column`` if none."""
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return _serial(raw, raw, column, field)
    if _iso_day(raw):  # most cells and every JSON Lines date: already YYYY-MM-DD
        return str(raw)
    text = str(raw).strip()
    if _SERIAL.fullmatch(text):
        return _serial(float(text), raw, column, field)
    written = _WRITTEN.fullmatch(text)
    if written is None:
        raise InvalidInput(f"{column}：{text} 不是日期（{HINT}）", field=field)
    year, month, day = (int(g) for g in written.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise InvalidInput(f"{column}：{text} 不是真实存在的日期", field=field) from None


def _iso_day(raw: Any) -> bool:
    """Whether ``raw`` is ASCII ``YYYY-MM-DD`` naming a real day (then it is its own ISO form)."""
    if not (type(raw) is str and len(raw) == 10 and raw[4] == "-" and raw[7] == "-"):
        return False
    if raw in _ISO_DAYS:  # a file's dates fall on a few thousand days
        return True
    year, month, day = raw[:4], raw[5:7], raw[8:]
    if not (raw.isascii() and year.isdigit() and month.isdigit() and day.isdigit()):
        return False
    try:
        date(int(year), int(month), int(day))
    except ValueError:
        return False  # the general path words the refusal
    if len(_ISO_DAYS) < _ISO_DAYS_KEPT:
        _ISO_DAYS.add(raw)
    return True


# Days already found real, bounded (a century of days is ~36,500).
_ISO_DAYS: set[str] = set()
_ISO_DAYS_KEPT = 100_000


def _serial(days: float, raw: Any, column: str, field: str) -> str:
    if days != int(days) or not 1 <= days <= _SERIAL_MAX:
        raise InvalidInput(f"{column}：{raw} 不是日期（{HINT}）", field=field)
    return (_EXCEL_EPOCH + timedelta(days=int(days))).isoformat()
