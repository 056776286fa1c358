"""Inspection plans (双随机、一公开): who is checked this year, when, and by whom — a pure function.

:func:`draw` turns a :class:`PlanInput` (the subjects of one policy in one region with their
standing levels and the supervision :class:`~qcredit.core.contract.Measure` each assessment carries,
the capacity in checks, the inspectors, declared conflicts of interest and a published seed) into
a :class:`Plan`.  It reads nothing else: no clock, no database, no policy code — a policy's own
wishes arrive as :class:`PlanRule` values (hook ``qcredit_plan_rule``) already attached to the
candidates.  The same input gives the same plan on any machine and any Python 3 version, so a
member of the public holding the published seed and inputs can re-draw it (docs/planning.md).

What the generic measures mean for a plan
-----------------------------------------
* ``INSPECTION_FREQUENCY`` with ``min_per_year`` *n*: the subject needs ⌈n⌉ checks this year,
  spread over due periods (2 → halves, 4 → quarters).
* ``KEY_INSPECTION_LIST``: forced inclusion — at least one check, whatever the level.
* ``PLAN_SHARE`` with ``plan_share_min`` ≥ 1: full coverage — every subject of the level once
  (a share of 100 % of the plan for one level cannot be meant literally beside other levels'
  minimum shares).
* ``PLAN_SHARE`` otherwise: the checks of the level make up at least ``plan_share_min`` and at
  most ``plan_share_max`` of the checks in the plan.  Each subject is drawn at most once beyond
  what it needs, so a minimum share can cap the plan's size: the plan then leaves capacity unused
  and says so (``unused_capacity``) rather than padding it with low-risk subjects.
* ``NO_PROACTIVE_CHECK``: the subject is not drawn for proactive checks (unless also key-listed).
* Every other subject is in the random pool of its level, drawn with its rule's weight.

Order of precedence when capacity is short: required checks go to the worst level first (highest
rank), and within a level to subjects in draw order, first visits before second visits; what does
not fit is a :class:`Shortfall` of kind ``CAPACITY``.  Forced checks may push a level above its
maximum share, and too few subjects may keep a level below its minimum: both are reported
(``SHARE_MAX`` / ``SHARE_MIN``) — nothing is silently dropped.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace

from qcredit.core.supervision.plans.allocation import LevelPlan, allocate
from qcredit.core.supervision.plans.inputs import ALGORITHM, Candidate, PlanInput
from qcredit.core.supervision.plans.inspectors import assign_inspectors
from qcredit.core.supervision.plans.outcome import (
    CAPACITY,
    INSPECTORS,
    SHARE_MAX,
    SHARE_MIN,
    LevelSummary,
    Plan,
    PlanItem,
    Shortfall,
)
from qcredit.core.supervision.plans.randomness import stream, weighted_order
from qcredit.core.supervision.plans.requirements import due_period, level_shares, requirement
from qcredit.core.supervision.plans.serialise import inputs_digest

Drawn = dict[str, list[Candidate]]  # level code → subjects drawn at random, in draw order


def draw(inp: PlanInput) -> Plan:
    """Draw the plan.  Pure and deterministic (see the module docstring for the rules)."""
    if inp.capacity < 0:
        raise ValueError("capacity must not be negative")
    levels = _levels(inp)
    shortfalls = _required_checks(inp, levels)
    sizes = allocate(inp.capacity, levels)
    planned_total = sum(sizes.values())
    drawn = _random_draws(inp, levels, sizes)
    shortfalls += _share_shortfalls(levels, sizes, planned_total)
    unused = inp.capacity - planned_total
    items = assign_inspectors(inp, _items_in_due_order(inp, levels, drawn))
    shortfalls += _inspector_shortfall(items)
    return Plan(
        inp.policy_id,
        inp.region_code,
        inp.year,
        inp.capacity,
        inp.seed,
        ALGORITHM,
        inputs_digest(inp),
        tuple(items),
        _summary(levels, sizes, drawn, planned_total),
        tuple(shortfalls),
        unused,
        tuple(_unused_notes(inp, levels, drawn, unused)),
    )


def _levels(inp: PlanInput) -> list[LevelPlan]:
    """The levels worst first, each with its candidates in a stable order before any draw."""
    by_level: dict[str, list[Candidate]] = defaultdict(list)
    for c in sorted(inp.candidates, key=lambda c: c.key):
        by_level[c.level].append(c)
    levels: list[LevelPlan] = []
    for code, rank in sorted(dict(inp.levels).items(), key=lambda kv: (-kv[1], kv[0])):
        cands = by_level.get(code, [])
        lv = LevelPlan(code, rank, cands, {c.key: requirement(c) for c in cands})
        lv.share_min, lv.share_max, lv.full = level_shares(cands)
        levels.append(lv)
    return levels


def _required_checks(inp: PlanInput, levels: list[LevelPlan]) -> list[Shortfall]:
    """Step 1: required checks, worst level first; within a level in draw order, first visits
    first.  Fills each level's required visits and random pool; returns what did not fit."""
    shortfalls: list[Shortfall] = []
    left = inp.capacity
    for lv in levels:
        needing = [c for c in lv.cands if lv.reqs[c.key].checks > 0]
        rng = stream(inp, lv.code, "required")
        order = weighted_order(needing, [1] * len(needing), rng, len(needing))
        lv.required = sum(lv.reqs[c.key].checks for c in needing)
        visits = [
            (c, v)
            for v in range(1, max((lv.reqs[c.key].checks for c in order), default=0) + 1)
            for c in order
            if lv.reqs[c.key].checks >= v
        ]
        lv.mandatory = visits[: max(left, 0)]
        left -= len(lv.mandatory)
        if len(lv.mandatory) < lv.required:
            missing = lv.required - len(lv.mandatory)
            shortfalls.append(
                Shortfall(
                    lv.code,
                    CAPACITY,
                    lv.required,
                    len(lv.mandatory),
                    missing,
                    f"{lv.code}: {lv.required} checks required, capacity left room for "
                    f"{len(lv.mandatory)}; {missing} missing",
                )
            )
        lv.pool = [  # weight 0: never drawn at random (checked only when required)
            c
            for c in lv.cands
            if lv.reqs[c.key].checks == 0
            and not lv.reqs[c.key].excluded
            and lv.reqs[c.key].weight > 0
        ]
    return shortfalls


def _random_draws(inp: PlanInput, levels: list[LevelPlan], sizes: dict[str, int]) -> Drawn:
    """Step 3: each level's checks beyond its required ones, drawn from its pool by weight."""
    return {
        lv.code: weighted_order(
            lv.pool,
            [lv.reqs[c.key].weight for c in lv.pool],
            stream(inp, lv.code, "draw"),
            sizes[lv.code] - lv.planned_mandatory,
        )
        for lv in levels
    }


def _share_shortfalls(
    levels: list[LevelPlan], sizes: dict[str, int], planned_total: int
) -> list[Shortfall]:
    """Step 4: shares as planned — what the minimum shares could not get, and forced checks that
    pushed a level above its maximum share."""
    shortfalls: list[Shortfall] = []
    for lv in levels:
        n = sizes[lv.code]
        if lv.share_min is not None:
            need = math.ceil(lv.share_min * planned_total - 1e-9)
            if n < need:
                shortfalls.append(
                    Shortfall(
                        lv.code,
                        SHARE_MIN,
                        need,
                        n,
                        need - n,
                        f"{lv.code}: at least {lv.share_min:.0%} of {planned_total} checks = "
                        f"{need} required; only {n} possible with {len(lv.cands)} subjects",
                    )
                )
        if lv.share_max is not None:
            cap = math.floor(lv.share_max * planned_total + 1e-9)
            if n > cap:
                shortfalls.append(
                    Shortfall(
                        lv.code,
                        SHARE_MAX,
                        cap,
                        n,
                        0,
                        f"{lv.code}: at most {lv.share_max:.0%} of {planned_total} checks = {cap}; "
                        f"{n} planned because forced inclusions may not be dropped",
                    )
                )
    return shortfalls


def _unused_notes(inp: PlanInput, levels: list[LevelPlan], drawn: Drawn, unused: int) -> list[str]:
    """Why capacity is left over, if it is: the plan says so rather than padding itself."""
    if unused <= 0:
        return []
    pool_left = sum(len(lv.pool) - len(drawn[lv.code]) for lv in levels)
    why = (
        "the minimum shares cap the plan's size"
        if pool_left
        else "every eligible subject is already in the plan"
    )
    return [f"{unused} of {inp.capacity} checks unused: {why}"]


def _items_in_due_order(inp: PlanInput, levels: list[LevelPlan], drawn: Drawn) -> list[PlanItem]:
    """Step 5: the items, numbered in due order (then worse level first, then draw order)."""
    rows: list[tuple[int, int, int, PlanItem]] = []
    for lv in levels:
        for idx, (c, visit) in enumerate(lv.mandatory):
            req = lv.reqs[c.key]
            due, month = due_period(inp.year, visit, req.checks)
            item = PlanItem(
                0, c.subject_type, c.subject_id, c.enterprise_id, c.level, req.rule,
                req.article, due, visit, req.checks, (),
            )  # fmt: skip
            rows.append((month, -lv.rank, idx, item))
        base = len(lv.mandatory)
        for idx, c in enumerate(drawn[lv.code]):
            item = PlanItem(
                0, c.subject_type, c.subject_id, c.enterprise_id, c.level, "RANDOM_DRAW",
                "", str(inp.year), 1, 1, (),
            )  # fmt: skip
            rows.append((1, -lv.rank, base + idx, item))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    return [replace(r[3], sequence=i + 1) for i, r in enumerate(rows)]


def _inspector_shortfall(items: list[PlanItem]) -> list[Shortfall]:
    unassigned = sum(1 for i in items if not i.inspectors)
    if not unassigned:
        return []
    return [
        Shortfall(
            None,
            INSPECTORS,
            len(items),
            len(items) - unassigned,
            unassigned,
            f"{unassigned} checks without two eligible inspectors (see each item's note)",
        )
    ]


def _summary(
    levels: list[LevelPlan], sizes: dict[str, int], drawn: Drawn, planned_total: int
) -> tuple[LevelSummary, ...]:
    """Each level's part of the plan, best level first."""
    return tuple(
        LevelSummary(
            lv.code,
            lv.rank,
            len(lv.cands),
            sum(1 for r in lv.reqs.values() if r.excluded),
            lv.required,
            sizes[lv.code],
            len(drawn[lv.code]),
            round(sizes[lv.code] / planned_total, 4) if planned_total else 0.0,
            lv.share_min,
            lv.share_max,
            lv.full,
        )
        for lv in sorted(levels, key=lambda lv: (lv.rank, lv.code))
    )
