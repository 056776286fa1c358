"""Pairing inspectors with checks: two per check, at random with the lightest loads first, never
one with a declared conflict of interest with the enterprise, never the pair that checked the
same enterprise last (earlier in this plan, or in its previous stored plan)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from qcredit.core.supervision.plans.inputs import PlanInput
from qcredit.core.supervision.plans.outcome import PlanItem
from qcredit.core.supervision.plans.randomness import stream


def assign_inspectors(inp: PlanInput, items: Sequence[PlanItem]) -> list[PlanItem]:
    """The items with their pair of inspectors, or with a note saying why there is none."""
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
        pair = _first_pair(eligible, last.get(item.enterprise_id))
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


def _first_pair(eligible: Sequence[str], previous: frozenset[str] | None) -> tuple[str, str] | None:
    """The first pair in preference order that is not the enterprise's previous pair."""
    for i, a in enumerate(eligible):
        for b in eligible[i + 1 :]:
            if frozenset((a, b)) != previous:
                return (a, b)
    return None
