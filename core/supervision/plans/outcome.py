"""What a draw gives: the plan's items in due order, each level's summary, and the shortfalls —
what the policy asked for that the capacity, the shares or the inspectors could not give."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ShortfallKind(StrEnum):
    """What a level did not get (see qcredit.core.supervision.plans.drawing for when)."""

    CAPACITY = "CAPACITY"  # the year's capacity ran out before the level's required checks
    SHARE_MIN = "SHARE_MIN"  # the level got less of the plan than the policy's minimum share
    SHARE_MAX = "SHARE_MAX"  # required checks push the level past the policy's maximum share
    INSPECTORS = "INSPECTORS"  # too few inspectors free of conflicts for a check's pair


class CheckReason(StrEnum):
    """Why a subject is in the plan: the rule that put it there (requirements.py, drawing.py)."""

    REQUIRED = "REQUIRED"  # a measure's minimum checks per year
    KEY_LIST = "KEY_LIST"  # a measure puts the subject on the key inspection list
    FULL_COVERAGE = "FULL_COVERAGE"  # a measure asks every subject of the level to be checked
    POLICY_RULE = "POLICY_RULE"  # the policy's own plan rule (Policy.plan_rule)
    RANDOM_DRAW = "RANDOM_DRAW"  # drawn at random (双随机) from the rest of the level


CAPACITY = ShortfallKind.CAPACITY
SHARE_MIN = ShortfallKind.SHARE_MIN
SHARE_MAX = ShortfallKind.SHARE_MAX
INSPECTORS = ShortfallKind.INSPECTORS


@dataclass(frozen=True)
class PlanItem:
    sequence: int
    subject_type: str
    subject_id: int
    enterprise_id: int
    level: str
    reason: str  # a CheckReason
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
    kind: str  # a ShortfallKind
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
