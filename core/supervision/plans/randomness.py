"""Deterministic randomness: the same seed and inputs give the same draw on any machine and any
Python 3 version, so anyone holding the published seed can re-draw a plan (docs/planning.md)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import Any

from qcredit.core.supervision.plans.inputs import PlanInput


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
