"""Inspection plans (双随机、一公开): who is checked this year, when, and by whom — a pure function.

:func:`draw` turns a :class:`PlanInput` (the subjects of one policy in one region with their
standing levels and the supervision :class:`~qcredit.core.policy.Measure` each assessment carries,
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

import hashlib
import json
import math
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from qcredit.core.contract import Measure, MeasureKind, PlanRule

ALGORITHM = "qcredit-plan/1"  # bump when the draw changes, so old seeds replay with old code
WEIGHT_UNITS = 1000  # weights are compared as integers (1/1000ths) so no float maths decides
FULL_COVERAGE = 1.0

CAPACITY = "CAPACITY"
SHARE_MIN = "SHARE_MIN"
SHARE_MAX = "SHARE_MAX"
INSPECTORS = "INSPECTORS"


@dataclass(frozen=True)
class Candidate:
    """A subject the plan may include: its standing level and the measures that level carries."""

    subject_type: str
    subject_id: int
    enterprise_id: int
    level: str
    measures: tuple[Measure, ...] = ()
    rule: PlanRule | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.subject_type, self.subject_id)


@dataclass(frozen=True)
class PlanInput:
    policy_id: str
    region_code: str
    year: int
    capacity: int
    seed: str
    levels: tuple[tuple[str, int], ...]  # (code, rank): rank 1 is the best
    candidates: tuple[Candidate, ...]
    inspectors: tuple[str, ...] = ()
    conflicts: Mapping[int, frozenset[str]] = field(default_factory=dict)  # enterprise → codes
    previous_pairs: Mapping[int, frozenset[str]] = field(default_factory=dict)  # last stored pair


@dataclass(frozen=True)
class Requirement:
    """What the policy asks for one subject this year."""

    checks: int  # required checks (0: only in the random pool)
    excluded: bool
    weight: int  # draw weight in WEIGHT_UNITS (0: never drawn at random)
    rule: str
    article: str


@dataclass(frozen=True)
class PlanItem:
    sequence: int
    subject_type: str
    subject_id: int
    enterprise_id: int
    level: str
    reason: str  # REQUIRED / KEY_LIST / FULL_COVERAGE / RANDOM_DRAW / POLICY_RULE
    article: str
    due: str  # 2025, 2025-H1, 2025-Q3 …
    visit: int  # 1-based visit of this subject in the year
    visits: int  # visits the subject needs (or 1 when drawn at random)
    inspectors: tuple[str, ...]
    note: str = ""  # why no inspectors could be assigned


@dataclass(frozen=True)
class LevelSummary:
    level: str
    rank: int
    subjects: int
    excluded: int
    required_checks: int
    planned_checks: int
    drawn_at_random: int
    share: float
    share_min: float | None
    share_max: float | None
    full_coverage: bool


@dataclass(frozen=True)
class Shortfall:
    level: str | None
    kind: str  # CAPACITY / SHARE_MIN / SHARE_MAX / INSPECTORS
    required: int
    planned: int
    missing: int
    text: str


@dataclass(frozen=True)
class Plan:
    policy_id: str
    region_code: str
    year: int
    capacity: int
    seed: str
    algorithm: str
    inputs_digest: str
    items: tuple[PlanItem, ...]
    summary: tuple[LevelSummary, ...]
    shortfalls: tuple[Shortfall, ...]
    unused_capacity: int
    notes: tuple[str, ...] = ()

    @property
    def planned(self) -> int:
        return len(self.items)


# -- deterministic randomness ------------------------------------------------------------------
def stream(inp: PlanInput, *purpose: str) -> random.Random:
    """A PRNG for one purpose, seeded from (seed, policy, region, year, purpose …) through SHA-256.

    Only ``randrange`` is used on it (MT19937 ``getrandbits``), whose output for an integer seed
    has not changed since Python 3.2."""
    material = "\x1f".join([inp.seed, inp.policy_id, inp.region_code, str(inp.year), *purpose])
    return random.Random(int.from_bytes(hashlib.sha256(material.encode()).digest(), "big"))


def weighted_order(
    items: Sequence[Any], weights: Sequence[int], rng: random.Random, k: int
) -> list[Any]:
    """The first ``k`` of a weighted draw without replacement (integer weights > 0).

    Integer arithmetic only, so the same on every platform: a partial Fisher–Yates shuffle when
    all weights are equal, else sequential selection (O(k·n))."""
    if len(set(weights)) <= 1:
        order = list(items)
        for i in range(min(k, len(order))):
            j = i + rng.randrange(len(order) - i)
            order[i], order[j] = order[j], order[i]
        return order[:k]
    pool = list(zip(items, weights, strict=True))
    out: list[Any] = []
    while pool and len(out) < k:
        total = sum(w for _, w in pool)
        r = rng.randrange(total)
        for i, (item, w) in enumerate(pool):
            if r < w:
                out.append(item)
                del pool[i]
                break
            r -= w
    return out


# -- reading the measures ----------------------------------------------------------------------
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


# -- the draw ----------------------------------------------------------------------------------
def inputs_digest(inp: PlanInput) -> str:
    return hashlib.sha256(canonical_json(inp).encode()).hexdigest()


def canonical_json(inp: PlanInput) -> str:
    """The plan's inputs as canonical JSON: what is published with the seed for a re-draw."""
    data = {
        "algorithm": ALGORITHM,
        "policy": inp.policy_id,
        "region": inp.region_code,
        "year": inp.year,
        "capacity": inp.capacity,
        "seed": inp.seed,
        "levels": [list(lv) for lv in inp.levels],
        "candidates": [
            {
                "subjectType": c.subject_type,
                "subjectId": c.subject_id,
                "enterpriseId": c.enterprise_id,
                "level": c.level,
                "measures": [asdict(m) for m in c.measures],
                "rule": asdict(c.rule) if c.rule else None,
            }
            for c in sorted(inp.candidates, key=lambda c: c.key)
        ],
        "inspectors": sorted(inp.inspectors),
        "conflicts": {str(k): sorted(v) for k, v in sorted(inp.conflicts.items()) if v},
        "previousPairs": {str(k): sorted(v) for k, v in sorted(inp.previous_pairs.items())},
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def input_from_json(text: str) -> PlanInput:
    """Read :func:`canonical_json` back (a re-draw by anyone holding the published inputs)."""
    d = json.loads(text)
    return PlanInput(
        policy_id=d["policy"],
        region_code=d["region"],
        year=d["year"],
        capacity=d["capacity"],
        seed=d["seed"],
        levels=tuple((code, rank) for code, rank in d["levels"]),
        candidates=tuple(
            Candidate(
                c["subjectType"],
                c["subjectId"],
                c["enterpriseId"],
                c["level"],
                tuple(Measure(**m) for m in c["measures"]),
                PlanRule(**c["rule"]) if c["rule"] else None,
            )
            for c in d["candidates"]
        ),
        inspectors=tuple(d["inspectors"]),
        conflicts={int(k): frozenset(v) for k, v in d["conflicts"].items()},
        previous_pairs={int(k): frozenset(v) for k, v in d["previousPairs"].items()},
    )


@dataclass
class _Level:
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


def draw(inp: PlanInput) -> Plan:
    """Draw the plan.  Pure and deterministic (see the module docstring for the rules)."""
    if inp.capacity < 0:
        raise ValueError("capacity must not be negative")
    ranks = dict(inp.levels)
    by_level: dict[str, list[Candidate]] = defaultdict(list)
    for c in sorted(inp.candidates, key=lambda c: c.key):  # a stable order before any draw
        by_level[c.level].append(c)
    levels: list[_Level] = []
    for code, rank in sorted(ranks.items(), key=lambda kv: (-kv[1], kv[0])):  # worst first
        cands = by_level.get(code, [])
        lv = _Level(code, rank, cands, {c.key: requirement(c) for c in cands})
        lv.share_min, lv.share_max, lv.full = level_shares(cands)
        levels.append(lv)
    notes: list[str] = []
    shortfalls: list[Shortfall] = []

    # 1. Required checks, worst level first; within a level in draw order, first visits first.
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

    # 2. The plan's size and each level's number of checks, within the shares.
    sizes = _allocate(inp.capacity, levels)
    planned_total = sum(sizes.values())

    # 3. Random draws from each level's pool.
    drawn: dict[str, list[Candidate]] = {}
    for lv in levels:
        extra = sizes[lv.code] - lv.planned_mandatory
        drawn[lv.code] = weighted_order(
            lv.pool,
            [lv.reqs[c.key].weight for c in lv.pool],
            stream(inp, lv.code, "draw"),
            extra,
        )

    # 4. Shares as planned: report what the shares could not get.
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
    unused = inp.capacity - planned_total
    if unused > 0:
        pool_left = sum(len(lv.pool) - len(drawn[lv.code]) for lv in levels)
        notes.append(
            f"{unused} of {inp.capacity} checks unused: "
            + (
                "the minimum shares cap the plan's size"
                if pool_left
                else "every eligible subject is already in the plan"
            )
        )

    # 5. Items in due order, then inspectors.
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
    ordered = [replace(r[3], sequence=i + 1) for i, r in enumerate(rows)]
    items = assign_inspectors(inp, ordered)
    unassigned = sum(1 for i in items if not i.inspectors)
    if unassigned:
        shortfalls.append(
            Shortfall(
                None,
                INSPECTORS,
                len(items),
                len(items) - unassigned,
                unassigned,
                f"{unassigned} checks without two eligible inspectors (see each item's note)",
            )
        )

    summary = tuple(
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
    return Plan(
        inp.policy_id,
        inp.region_code,
        inp.year,
        inp.capacity,
        inp.seed,
        ALGORITHM,
        inputs_digest(inp),
        tuple(items),
        summary,
        tuple(shortfalls),
        unused,
        tuple(notes),
    )


def _bounds(levels: Sequence[_Level], n: int) -> tuple[dict[str, int], dict[str, int], int]:
    """Per level (lowest, highest) number of checks in a plan of ``n``, and the share violations
    (in checks) these bounds could not avoid."""
    lo: dict[str, int] = {}
    hi: dict[str, int] = {}
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


def _allocate(capacity: int, levels: Sequence[_Level]) -> dict[str, int]:
    """Checks per level: the largest plan within capacity that breaks no share, or — when every
    size breaks one — the size that breaks them least (then the largest)."""
    fixed = sum(lv.planned_mandatory for lv in levels)
    best: tuple[int, int] | None = None  # (violation, -n)
    chosen = (fixed, {}, {})
    for n in range(capacity if capacity >= fixed else fixed, fixed - 1, -1):
        lo, hi, violation = _bounds(levels, n)
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
        lo, hi, _ = _bounds(levels, n)
    sizes = dict(lo)
    # Minimum shares that add up to more than the plan: the better levels give way first.
    excess = sum(sizes.values()) - n
    for lv in sorted(levels, key=lambda lv: (lv.rank, lv.code)):
        cut = min(max(excess, 0), sizes[lv.code] - lv.planned_mandatory)
        sizes[lv.code] -= cut
        excess -= cut
    free = n - sum(sizes.values())
    # Spread the rest over the levels' pools in proportion to their draw weight (largest
    # remainder, worse level first on ties), never above a level's bound.
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


def assign_inspectors(inp: PlanInput, items: Sequence[PlanItem]) -> list[PlanItem]:
    """Two inspectors per check, at random with the lightest loads first; never an inspector with
    a declared conflict with the enterprise, never the pair that checked the same enterprise last
    (earlier in this plan, or in its previous stored plan)."""
    rng = stream(inp, "inspectors")
    pool = sorted(set(inp.inspectors))
    load = dict.fromkeys(pool, 0)
    last: dict[int, frozenset[str]] = dict(inp.previous_pairs)
    out: list[PlanItem] = []
    for item in items:
        ties = {code: rng.randrange(1 << 32) for code in pool}
        conflicted = inp.conflicts.get(item.enterprise_id, frozenset())
        eligible = sorted(
            (code for code in pool if code not in conflicted), key=lambda c: (load[c], ties[c], c)
        )
        previous = last.get(item.enterprise_id)
        pair: tuple[str, str] | None = None
        for i, a in enumerate(eligible):
            for b in eligible[i + 1 :]:
                if frozenset((a, b)) != previous:
                    pair = (a, b)
                    break
            if pair:
                break
        if pair is None:
            note = (
                "fewer than two inspectors without a declared conflict of interest"
                if len(eligible) < 2
                else "the only eligible pair checked this enterprise last time"
            )
            out.append(replace(item, inspectors=(), note=note))
            continue
        for code in pair:
            load[code] += 1
        last[item.enterprise_id] = frozenset(pair)
        out.append(replace(item, inspectors=tuple(sorted(pair))))
    return out
