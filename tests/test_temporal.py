"""Shared time rules (民法典 第二百零一、二百零二条 period counting)."""

from __future__ import annotations

from datetime import date

import pytest
from qcredit.core.temporal import (
    EvaluationCalendar,
    add_months,
    consecutive,
    established_for,
    in_calendar_year,
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
