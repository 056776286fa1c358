"""Shared time rules (民法典 第二百零一、二百零二条 period counting)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from qcredit.core.temporal import (
    EvaluationCalendar,
    add_months,
    consecutive,
    established_for,
    in_calendar_year,
    overlaps,
    window_start,
    within_months,
    within_years,
)


@pytest.mark.parametrize(
    ("event", "as_of", "inside"),
    [
        (date(2024, 3, 1), date(2025, 2, 28), True),
        (date(2024, 3, 1), date(2025, 3, 1), True),  # the last day of the one-year period
        (date(2024, 3, 1), date(2025, 3, 2), False),
        (date(2024, 2, 29), date(2025, 2, 28), True),  # no 29 Feb: the month's last day
        (date(2024, 2, 29), date(2025, 3, 1), False),
        (date(2024, 3, 2), date(2024, 3, 1), False),  # not yet happened
    ],
)
def test_within_one_year(event: date, as_of: date, inside: bool) -> None:
    assert within_years(event, as_of, 1) is inside


@pytest.mark.parametrize(
    ("as_of", "old_enough"),
    [(date(2025, 2, 28), False), (date(2025, 3, 1), True), (date(2025, 3, 2), True)],
)
def test_established_three_years(as_of: date, old_enough: bool) -> None:
    assert established_for(date(2022, 3, 1), as_of, 3) is old_enough


def test_unknown_establishment_is_never_old_enough() -> None:
    assert not established_for(None, date(2030, 1, 1), 1)


def test_calendar_year() -> None:
    assert in_calendar_year(date(2024, 1, 1), date(2024, 12, 31))
    assert not in_calendar_year(date(2023, 12, 31), date(2024, 1, 1))
    assert not in_calendar_year(date(2024, 6, 2), date(2024, 6, 1))


def test_consecutive() -> None:
    fails = ["F", "P", "F", "F", "P"]
    assert consecutive(fails, lambda r: r == "F", 2)
    assert not consecutive(["F", "P", "F"], lambda r: r == "F", 2)


def test_month_end_clamp() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)


def test_evaluation_calendar() -> None:
    november = EvaluationCalendar(11, 1, 12)
    assert november.period_of(date(2023, 5, 1)) == (date(2022, 11, 1), date(2023, 10, 31))
    assert november.previous_period(date(2023, 5, 1)) == (date(2021, 11, 1), date(2022, 10, 31))
    year = EvaluationCalendar()
    assert year.period_of(date(2024, 12, 31)) == (date(2024, 1, 1), date(2024, 12, 31))


@pytest.mark.parametrize(
    ("as_of", "years", "months"),
    [
        (date(2024, 2, 29), 1, 0),  # one year back is clamped to 2023-02-28
        (date(2024, 3, 31), 0, 1),  # one month back is clamped to 2024-02-29
        (date(2025, 2, 28), 1, 0),
        (date(2024, 6, 30), 1, 0),
        (date(2024, 12, 31), 0, 3),
    ],
)
def test_window_start_is_the_exact_inverse_of_within(as_of: date, years: int, months: int) -> None:
    start = window_start(as_of, years=years, months=months)
    span = 12 * years + months
    for offset in range(-3, 4):
        d = date.fromordinal(start.toordinal() + offset)
        inside = within_years(d, as_of, years) if not months else within_months(d, as_of, span)
        assert inside is (start <= d <= as_of), d


@pytest.mark.parametrize(
    ("first", "last", "inside"),
    [
        (date(2023, 1, 10), date(2023, 6, 29), False),  # ended the day before the window
        (date(2023, 1, 10), date(2023, 6, 30), True),  # ended on the window's first day
        (date(2024, 6, 30), None, True),  # began on its last day, still running
        (date(2024, 7, 1), None, False),  # began after it
        (date(2022, 1, 1), None, True),  # began before, still running
    ],
)
def test_overlaps_any_day_of_the_window(first: date, last: date | None, inside: bool) -> None:
    assert overlaps(first, last, date(2023, 6, 30), date(2024, 6, 30)) is inside


def test_in_effect_between_counts_a_listing_that_has_since_ended() -> None:
    from qcredit.core.testing import SubjectBuilder

    b = SubjectBuilder(established_on="2015-01-01", region_code="110101")
    ended = b.event("LIST_ENTRY", "2024-01-10", list="ABNORMAL_OPERATION", until="2024-03-01")
    b.event("LIST_ENTRY", "2022-01-10", list="BLACKLIST", until="2023-06-29")
    running = b.event("LIST_ENTRY", "2023-01-10", list="BLACKLIST")
    facts = b.enterprise_subject().facts(date(2024, 6, 30))
    found = facts.in_effect_between(date(2023, 6, 30), date(2024, 6, 30), "LIST_ENTRY")
    assert [f.id for f in found] == [running, ended]


@pytest.mark.parametrize(("years", "months"), [(1, 0), (2, 0), (3, 0), (0, 1), (0, 3), (0, 6)])
def test_window_start_matches_within_on_every_day_of_three_years(years: int, months: int) -> None:
    """Facts.within_years / within_months ask "近 N 年 / N 个月内" as the window
    [window_start, grading date]; every grading date of 2023–2025 (two leap days' neighbours,
    every month end) must give the same answer as the period counted from each event
    (民法典 第二百零一、二百零二条), on the window's first and last days and either side."""
    span = 12 * years + months
    day = date(2023, 1, 1)
    while day <= date(2025, 12, 31):
        start = window_start(day, years=years, months=months)
        edges = (start.toordinal() + k for k in range(-2, 3))
        for ordinal in (*edges, day.toordinal() - 1, day.toordinal(), day.toordinal() + 1):
            d = date.fromordinal(ordinal)
            inside = within_years(d, day, years) if not months else within_months(d, day, span)
            assert inside is (start <= d <= day), (day, d)
        day += timedelta(days=1)
