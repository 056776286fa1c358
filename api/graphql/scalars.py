"""Scalars: ISO dates that refuse impossible days with a field-naming error, and JSON."""

from __future__ import annotations

import datetime as dt
import re

import strawberry
from qcredit.core.errors import InvalidInput
from strawberry.scalars import JSON

# Calendar dates only, in ASCII digits: Python's fromisoformat also takes ISO week dates
# (2023-W01-1) and other scripts' digits, which no form or register writes.
_YMD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _parse_date(value: object) -> dt.date:
    if not isinstance(value, str) or not _YMD.fullmatch(value):
        raise InvalidInput("a Date is written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a real calendar date") from None


# For StrawberryConfig.scalar_map: replaces strawberry's own Date so that an impossible day is
# refused with our error (BAD_USER_INPUT naming the field) rather than a bare ValueError.
Date = strawberry.scalar(
    name="Date",
    description="An ISO-8601 calendar date, YYYY-MM-DD.",
    serialize=lambda d: d.isoformat(),
    parse_value=_parse_date,
)

__all__ = ["JSON", "Date"]
