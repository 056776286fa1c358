"""The only place outside the tests that reads the calendar.

Policies never call this (docs/design.md, principle 1); the engine and the API use it for defaults
("asOf defaults to today").  ``QCREDIT_TODAY=YYYY-MM-DD`` pins the date for reproducible demos.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

TODAY_ENV = "QCREDIT_TODAY"


def today() -> date:
    pinned = os.environ.get(TODAY_ENV)
    return date.fromisoformat(pinned) if pinned else date.today()


def now() -> datetime:
    return datetime.now(UTC)
