"""Time rules shared by every policy, written once.

Chinese texts count periods the way the Civil Code does (民法典 第二百零一、二百零二条): the day an
event happens is not counted, the period runs from the next day, and a period of years or months
ends on the corresponding day of the last year or month (the last day of that month when there is
no such day).  So "within one year" of 2024-03-01 includes 2025-03-01 and ends after it, and a
company established on 2022-03-01 has been established for three full years on 2025-03-01.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")


@lru_cache(maxsize=65536)
def add_months(d: date, months: int) -> date:
    """``d`` moved by whole months: the same day, or the month's last day (第二百零二条)."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last))


def add_years(d: date, years: int) -> date:
    return add_months(d, 12 * years)


def period_end(start: date, *, years: int = 0, months: int = 0) -> date:
    """Last day of a period of ``years`` and ``months`` counted from the day after ``start``."""
    return add_months(start, 12 * years + months)


def within_years(event_on: date, as_of: date, years: int) -> bool:
    """The event happened by ``as_of`` and ``as_of`` is inside its ``years``-year period."""
    return event_on <= as_of <= period_end(event_on, years=years)


def within_months(event_on: date, as_of: date, months: int) -> bool:
    return event_on <= as_of <= period_end(event_on, months=months)


@lru_cache(maxsize=16384)
def window_start(as_of: date, *, years: int = 0, months: int = 0) -> date:
    """Earliest event date that is still "within" the period ending ``as_of``.

    The inverse of :func:`within_years`: ``within_years(d, as_of, n)`` ⇔ ``window_start(as_of,
    years=n) <= d <= as_of``.
    """
    span = 12 * years + months
    back = add_months(as_of, -span)
    # add_months clamps to a month's end: from 2024-02-29 one year back is 2023-02-28, whose
    # period ends on 2024-02-28 and so does not reach as_of; the window then starts a day later.
    return back if add_months(back, span) >= as_of else back + timedelta(days=1)


def overlaps(first: date, last: date | None, start: date, end: date) -> bool:
    """A span from ``first`` to ``last`` (both days included; ``None``: still running) has at
    least one day in ``[start, end]`` — "at any time within the window"."""
    return first <= end and (last is None or start <= last)


def established_for(established_on: date | None, as_of: date, years: int) -> bool:
    """成立满 N 年: the N-year period from establishment has reached its last day by ``as_of``.

    An unknown establishment date is never taken as old enough.
    """
    if established_on is None:
        return False
    return as_of >= period_end(established_on, years=years)


def in_calendar_year(d: date, as_of: date) -> bool:
    """当年: the same calendar year as ``as_of``, and not after it."""
    return d.year == as_of.year and d <= as_of


def longest_run(items: Sequence[T], predicate: Callable[[T], bool]) -> int:
    """Length of the longest run of consecutive items satisfying ``predicate``."""
    best = run = 0
    for item in items:
        run = run + 1 if predicate(item) else 0
        best = max(best, run)
    return best


def consecutive(items: Sequence[T], predicate: Callable[[T], bool], n: int) -> bool:
    """连续 n 次: at least ``n`` items in a row satisfy ``predicate`` (items in time order)."""
    return longest_run(items, predicate) >= n


def trailing_run(items: Sequence[T], predicate: Callable[[T], bool]) -> int:
    """How many of the most recent items, counted back from the last, satisfy ``predicate``."""
    run = 0
    for item in reversed(items):
        if not predicate(item):
            break
        run += 1
    return run


@dataclass(frozen=True)
class EvaluationCalendar:
    """Evaluation periods of a fixed length in months, anchored at a month and day.

    ``EvaluationCalendar(1, 1, 12)`` is the calendar year; ``EvaluationCalendar(11, 1, 12)`` is a
    year starting each 1 November.
    """

    anchor_month: int = 1
    anchor_day: int = 1
    months: int = 12

    def period_of(self, d: date) -> tuple[date, date]:
        start = date(d.year, self.anchor_month, self.anchor_day)
        while start > d:
            start = add_months(start, -self.months)
        while add_months(start, self.months) <= d:
            start = add_months(start, self.months)
        return start, add_months(start, self.months) - timedelta(days=1)

    def previous_period(self, d: date) -> tuple[date, date]:
        start, _ = self.period_of(d)
        return self.period_of(start - timedelta(days=1))

    def periods_between(self, first: date, last: date) -> Iterable[tuple[date, date]]:
        start, end = self.period_of(first)
        while start <= last:
            yield start, end
            start, end = self.period_of(end + timedelta(days=1))
