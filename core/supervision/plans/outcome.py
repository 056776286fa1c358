"""What a draw gives: the plan's items in due order, each level's summary, and the shortfalls —
what the policy asked for that the capacity, the shares or the inspectors could not give."""

from __future__ import annotations

from dataclasses import dataclass

# Kinds of shortfall (see qcredit.core.supervision.plans.drawing for when each is reported).
CAPACITY = "CAPACITY"
SHARE_MIN = "SHARE_MIN"
SHARE_MAX = "SHARE_MAX"
INSPECTORS = "INSPECTORS"


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
