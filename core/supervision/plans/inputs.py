"""What a plan is drawn from: the candidates of one policy in one region, and the draw's input."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from qcredit.core.contract import Measure, PlanRule

ALGORITHM = "qcredit-plan/1"  # bump when the draw changes, so old seeds replay with old code


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
