"""Which earlier grades Wugang needs (第七条（二）, 第十三条) and when they were taken.

The engine grades the subject on the dates returned by :func:`checkpoints` first (recursively,
memoised per date) and hands the grades back as ``History``.  A level is constant between two
dates on which something changes: an event is recorded, or a window edge passes.  Of the window
edges, only two can make a level *worse*: a recognition lapsing (第十三条第二款 relief ends, the
day after ``until``) and the turn of an evaluation period (第七条（二） starts capping at B).
Every other edge — an event dropping out of a 3-year indicator window or out of 第六条's 近3年,
a listing's ``until`` passing, the 第七条 caps and 第十三条 locks expiring, three accident-free
years being reached — only lowers risk.  So the level held at any time inside a window is the
level on its first day or on one of the dates where it can worsen inside it (the events and the
lapses); grading on those dates sees every level the subject held in the window, and in
particular whether it was ever C or D (the turn of a period caps at B, never at C or D).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from qcredit.core.contract import History, PriorGrading
from qcredit.core.facts import Fact, Facts
from qcredit.core.temporal import EvaluationCalendar, window_start
from qcredit.policies.wugang.scoring import indicator


def evaluation_calendar(params: Mapping[str, Any]) -> EvaluationCalendar:
    """评价周期 — the text does not fix it; the parameters do (local default: calendar year)."""
    return EvaluationCalendar(
        params["evaluation_period_anchor_month"],
        params["evaluation_period_anchor_day"],
        params["evaluation_period_months"],
    )


def accidents_in_lock(facts: Facts, params: Mapping[str, Any]) -> list[Fact]:
    """Quality accidents whose 第十三条 three-year lock still runs on the grading date."""
    return facts.within_years(params["lock_accident_years"], "QUALITY_ACCIDENT")


def change_dates(facts: Facts, params: Mapping[str, Any]) -> list[date]:
    """Dates the grade may have worsened on: adverse events (those that score risk points), new
    ratings, bureau designations, and the day after a recognition lapses."""
    dates = {
        f.occurred_on
        for f in facts.events
        if f.kind in ("CREDIT_RATING", "QUALITY_ACCIDENT", "ADMINISTRATIVE_PENALTY")
        or indicator(f, f.occurred_on, params) is not None
    }
    for r in facts.of("RECOGNITION"):
        if r.get("until"):
            dates.add(date.fromisoformat(r.get("until")) + timedelta(days=1))
    return sorted(dates)


def checkpoints(
    facts: Facts, params: Mapping[str, Any], first_day: date | None = None
) -> list[date]:
    """The dates to grade first; ``first_day`` is the policy's first day in force — a window that
    starts earlier is seen from that day on (no grade exists before it, 第十七条)."""
    as_of = facts.as_of
    changes = change_dates(facts, params)
    # 第七条（二） "上个评价周期内…为C级或D级": every level held in the previous period — its first
    # and last day and every date inside it on which the level may have worsened.
    start, end = evaluation_calendar(params).previous_period(as_of)
    wanted: set[date] = {start, end}
    wanted.update(d for d in changes if start <= d <= end)
    # 第十三条 "C级一年内不得调整至A级": every level held since one year ago.
    lock_start = window_start(as_of, years=params["lock_c_to_a_years"])
    wanted.add(lock_start)
    wanted.update(d for d in changes if lock_start < d)
    # 第十三条 "发生产品质量事故的，三年内不得下调": every level held since the accident.
    accidents = accidents_in_lock(facts, params)
    if accidents:
        first = min(a.occurred_on for a in accidents)
        wanted.update(a.occurred_on for a in accidents)
        wanted.update(d for d in changes if first <= d)
        # … and the level each evaluation period since the accident ended on.
        periods = evaluation_calendar(params).periods_between(first, as_of)
        wanted.update(end for _, end in periods)
    if first_day is not None:
        wanted = {max(d, first_day) for d in wanted}
    return sorted(d for d in wanted if d < as_of)


def held_between(history: History, start: date, end: date) -> list[PriorGrading]:
    """Grades the subject held on the checkpoints in ``[start, end)``."""
    return [g for g in history.known() if start <= g.as_of < end]
