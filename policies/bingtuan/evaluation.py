"""第十五条 "每年度1季度开展上一年度评价，动态调整企业信用风险等级": what period a grade judges.

The annual evaluation, run in the first quarter, judges the **previous calendar year as a
whole**, so its result must not depend on the run's day inside the quarter:

* every 近1年 of 第十一、十二条 and the score window of 第六条 is the evaluated year itself,
  1 January – 31 December;
* every state the text asks about as of "now" — a penalty still publicised or a listing still in
  its impact period (第十条（一）（六）、第十一条（七）, the local-default D cases), the licence
  conditions (第十一条（二）), the licence categories and the enterprise's age (第六条) — is taken
  on the evaluated year's last day.

Anchored to the run date instead: scope (a licence held on the day, 第二、三条), the corrections
the core applies (第十条（二）–（六） as recorded by the run), and the self-inspection report of
第十一条（九） (the report for the last completed year, filed by the run).

Outside the first quarter the parameter ``grade_outside_first_quarter`` says what an ``asOf``
grade means: ``dynamic`` (local default: 第十五条's 动态调整, the windows roll and end on the run
date) or ``standing`` (the annual evaluation of the last completed year, unchanged all year).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from qcredit.core.temporal import window_start

DYNAMIC = "dynamic"
STANDING = "standing"


@dataclass(frozen=True)
class Evaluation:
    year: int  # the year judged
    annual: bool  # the annual evaluation of a whole calendar year (not a rolling re-grade)
    end: date  # the last day judged: the end of every window, the day states are taken on

    def window(self, years: int) -> tuple[date, date]:
        """近 N 年: the N calendar years ending with the evaluated one, or the rolling N years
        ending on the run date."""
        if self.annual:
            return date(self.year - years + 1, 1, 1), self.end
        return window_start(self.end, years=years), self.end


def evaluation(as_of: date, params: Mapping[str, Any]) -> Evaluation:
    """The evaluation a grade on ``as_of`` belongs to (第十五条)."""
    first_quarter = as_of.month <= params["annual_evaluation_last_month"]
    mode = params["grade_outside_first_quarter"]
    if mode not in (DYNAMIC, STANDING):
        raise ValueError(f"grade_outside_first_quarter must be {DYNAMIC!r} or {STANDING!r}")
    if first_quarter or mode == STANDING:
        return Evaluation(as_of.year - 1, True, date(as_of.year - 1, 12, 31))
    return Evaluation(as_of.year, False, as_of)
