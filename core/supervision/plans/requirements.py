"""Reading the measures: what a policy asks of one subject this year, what it asks of a level's
share of the plan, and the period each visit falls due in (see docs/planning.md)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from qcredit.core.contract import MeasureKind
from qcredit.core.supervision.plans.inputs import Candidate

WEIGHT_UNITS = 1000  # weights are compared as integers (1/1000ths) so no float maths decides
# A minimum share of 100 % for one level cannot be meant literally beside other levels' minimum
# shares: it means every subject of the level once.
FULL_COVERAGE = 1.0


@dataclass(frozen=True)
class Requirement:
    """What the policy asks for one subject this year."""

    checks: int  # required checks (0: only in the random pool)
    excluded: bool
    weight: int  # draw weight in WEIGHT_UNITS (0: never drawn at random)
    rule: str
    article: str


def requirement(c: Candidate) -> Requirement:
    checks, rule, article = 0, "RANDOM_DRAW", ""
    key_listed = False
    no_proactive = False
    for m in c.measures:
        if m.kind == MeasureKind.NO_PROACTIVE_CHECK:
            no_proactive = True
        if m.kind == MeasureKind.KEY_INSPECTION_LIST:
            key_listed = True
            if checks < 1:
                checks, rule, article = 1, "KEY_LIST", m.article
        if m.min_per_year is not None and math.ceil(m.min_per_year) > checks:
            checks, rule, article = math.ceil(m.min_per_year), "REQUIRED", m.article
        if m.plan_share_min is not None and m.plan_share_min >= FULL_COVERAGE and checks < 1:
            checks, rule, article = 1, "FULL_COVERAGE", m.article
    weight = 1.0
    excluded = no_proactive and not key_listed
    if c.rule is not None:
        weight = c.rule.weight
        excluded = excluded or (c.rule.exclude and not key_listed)
        if c.rule.min_checks > checks:
            checks, rule, article = c.rule.min_checks, "POLICY_RULE", c.rule.article
    if excluded:
        checks = 0
    units = 0 if weight <= 0 else max(1, round(weight * WEIGHT_UNITS))
    return Requirement(checks, excluded, units, rule, article)


def level_shares(cands: Sequence[Candidate]) -> tuple[float | None, float | None, bool]:
    """(minimum share, maximum share, full coverage) of a level, from its subjects' measures."""
    lo: float | None = None
    hi: float | None = None
    full = False
    for c in cands:
        for m in c.measures:
            if m.plan_share_min is not None:
                if m.plan_share_min >= FULL_COVERAGE:
                    full = True
                else:
                    lo = max(lo or 0.0, m.plan_share_min)
            if m.plan_share_max is not None:
                hi = m.plan_share_max if hi is None else min(hi, m.plan_share_max)
    return lo, hi, full


def due_period(year: int, visit: int, visits: int) -> tuple[str, int]:
    """The period a visit falls due in, and its first month (for ordering)."""
    if visits <= 1:
        return str(year), 1
    if visits == 2:
        return f"{year}-H{visit}", 1 + 6 * (visit - 1)
    if visits == 4:
        return f"{year}-Q{visit}", 1 + 3 * (visit - 1)
    if visits <= 12:
        start = (visit - 1) * 12 // visits + 1
        end = visit * 12 // visits
        return f"{year}-{start:02d}..{end:02d}", start
    return f"{year}-V{visit}", 1 + (visit - 1) * 12 // visits
