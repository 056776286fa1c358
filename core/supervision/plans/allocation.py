"""The plan's size and each level's number of checks, within capacity and the levels' shares.

A level's checks are its required visits plus draws from its random pool.  The plan is the largest
within capacity that breaks no share; when every size breaks one, the size that breaks them least
(then the largest).  Each subject is drawn at most once beyond what it needs, so a minimum share
can cap the plan's size: the plan then leaves capacity unused rather than padding it with
low-risk subjects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from qcredit.core.supervision.plans.inputs import Candidate
from qcredit.core.supervision.plans.requirements import Requirement

Bounds = dict[str, int]  # level code → lowest or highest number of checks


@dataclass
class LevelPlan:
    """One level while its part of the plan is worked out."""

    code: str
    rank: int
    cands: list[Candidate]
    reqs: dict[tuple[str, int], Requirement]
    share_min: float | None = None
    share_max: float | None = None
    full: bool = False
    required: int = 0
    mandatory: list[tuple[Candidate, int]] = field(default_factory=list)  # (subject, visit)
    pool: list[Candidate] = field(default_factory=list)

    @property
    def planned_mandatory(self) -> int:
        return len(self.mandatory)

    @property
    def pool_weight(self) -> int:
        return sum(self.reqs[c.key].weight for c in self.pool)


def bounds(levels: Sequence[LevelPlan], n: int) -> tuple[Bounds, Bounds, int]:
    """Per level (lowest, highest) number of checks in a plan of ``n``, and the share violations
    (in checks) these bounds could not avoid."""
    lo: Bounds = {}
    hi: Bounds = {}
    violation = 0
    for lv in levels:
        fixed = lv.planned_mandatory
        avail = fixed + len(lv.pool)
        low = fixed
        high = avail
        if lv.share_min is not None:
            low = max(low, math.ceil(lv.share_min * n - 1e-9))
        if lv.share_max is not None:
            high = min(high, math.floor(lv.share_max * n + 1e-9))
        if high < fixed:  # forced checks exceed the maximum share: they stay
            violation += fixed - high
            high = fixed
        if low > high:  # not enough subjects for the minimum share
            violation += low - high
            low = high
        lo[lv.code], hi[lv.code] = low, high
    return lo, hi, violation


def allocate(capacity: int, levels: Sequence[LevelPlan]) -> dict[str, int]:
    """Checks per level: the largest plan within capacity that breaks no share, or — when every
    size breaks one — the size that breaks them least (then the largest)."""
    n, lo, hi = _plan_size(capacity, levels)
    sizes = _give_way(dict(lo), n, levels)
    return _spread(sizes, hi, n - sum(sizes.values()), levels)


def _plan_size(capacity: int, levels: Sequence[LevelPlan]) -> tuple[int, Bounds, Bounds]:
    """The plan's size, from capacity down to the required checks, and its levels' bounds."""
    fixed = sum(lv.planned_mandatory for lv in levels)
    best: tuple[int, int] | None = None  # (violation, -n)
    chosen: tuple[int, Bounds, Bounds] = (fixed, {}, {})
    for n in range(capacity if capacity >= fixed else fixed, fixed - 1, -1):
        lo, hi, violation = bounds(levels, n)
        if sum(lo.values()) > n or sum(hi.values()) < n:
            # This size cannot be filled exactly; a smaller one may.
            if sum(hi.values()) < n:
                continue
            violation += sum(lo.values()) - n
        score = (violation, -n)
        if best is None or score < best:
            best, chosen = score, (n, lo, hi)
        if violation == 0:
            break
    n, lo, hi = chosen
    if not lo:
        lo, hi, _ = bounds(levels, n)
    return n, lo, hi


def _give_way(sizes: dict[str, int], n: int, levels: Sequence[LevelPlan]) -> dict[str, int]:
    """Minimum shares that add up to more than the plan: the better levels give way first."""
    excess = sum(sizes.values()) - n
    for lv in sorted(levels, key=lambda lv: (lv.rank, lv.code)):
        cut = min(max(excess, 0), sizes[lv.code] - lv.planned_mandatory)
        sizes[lv.code] -= cut
        excess -= cut
    return sizes


def _spread(
    sizes: dict[str, int], hi: Bounds, free: int, levels: Sequence[LevelPlan]
) -> dict[str, int]:
    """Spread the rest over the levels' pools in proportion to their draw weight (largest
    remainder, worse level first on ties), never above a level's bound."""
    while free > 0:
        room = [lv for lv in levels if hi[lv.code] > sizes[lv.code] and lv.pool_weight > 0]
        if not room:
            break
        total = sum(lv.pool_weight for lv in room)
        shares = [(lv, free * lv.pool_weight / total) for lv in room]
        given = 0
        for lv, s in shares:
            take = min(int(s), hi[lv.code] - sizes[lv.code])
            sizes[lv.code] += take
            given += take
        if given == 0:
            for lv, _ in sorted(shares, key=lambda t: (-(t[1] - int(t[1])), -t[0].rank)):
                if hi[lv.code] > sizes[lv.code]:
                    sizes[lv.code] += 1
                    given = 1
                    break
        free -= given
    return sizes
