"""What a policy is: its metadata and the three rule sets every policy supplies.

A policy plug-in subclasses :class:`Policy` and returns an instance from the
``qcredit_policies`` hook.  The engine calls, for one subject and one date:

1. :meth:`Policy.out_of_scope` — ``None`` when the policy applies, else why not;
2. :meth:`Policy.history_dates` — earlier dates whose grades this grading needs; the engine grades
   the subject on those dates first and hands the results over as :class:`History`;
3. :meth:`Policy.grade` — the level, score, reasons and what keeps the subject from better;
4. :meth:`Policy.supervision` and :meth:`Policy.publicity` — the measures the grade triggers and
   what may be disclosed to whom.

All of them are pure: they read only their arguments (no clock, no database), so the same inputs
give the same assessment on any database, today or in five years.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from qcredit.core.errors import PolicyNotInForce
from qcredit.core.facts import Facts
from qcredit.core.identifiers import region_covers
from qcredit.core.model import SubjectType
from qcredit.core.parameters import ParameterSet, ParameterView


class Audience(StrEnum):
    PUBLIC = "PUBLIC"
    SUBJECT = "SUBJECT"  # the graded enterprise itself
    DEPARTMENT = "DEPARTMENT"  # partner departments (发改、工信、税务 …)
    INDUSTRY = "INDUSTRY"  # industry associations, e-commerce platforms
    REGULATOR = "REGULATOR"


class MeasureKind(StrEnum):
    """Kinds of supervision measure.  Policies may use other strings; these are the shared ones."""

    INSPECTION_FREQUENCY = "INSPECTION_FREQUENCY"  # checks / samplings per year (minPerYear)
    PLAN_SHARE = "PLAN_SHARE"  # share of the routine inspection plan (planShareMin/Max)
    RANDOM_SAMPLING = "RANDOM_SAMPLING"  # 双随机 ratio or coefficient
    NO_PROACTIVE_CHECK = "NO_PROACTIVE_CHECK"  # 无事不扰
    REMOTE_CHECK = "REMOTE_CHECK"  # remote / electronic checks allowed
    WARNING = "WARNING"  # a coloured notice or warning (color)
    RECTIFICATION_ORDER = "RECTIFICATION_ORDER"
    INTERVIEW = "INTERVIEW"  # 约谈
    TRAINING = "TRAINING"
    STATIONED_SUPERVISION = "STATIONED_SUPERVISION"  # 驻点监督
    KEY_INSPECTION_LIST = "KEY_INSPECTION_LIST"  # forced inclusion in key inspections
    ENFORCEMENT = "ENFORCEMENT"  # stop use, seal, seize, heavy penalties
    BLACKLIST = "BLACKLIST"
    LICENCE_ACTION = "LICENCE_ACTION"
    PUBLIC_EXPOSURE = "PUBLIC_EXPOSURE"
    INCENTIVE = "INCENTIVE"  # awards priority, fast lanes, exemptions
    GUIDANCE = "GUIDANCE"  # help, guidance, quality file
    MONITORING = "MONITORING"  # credit-information monitoring
    REPORT_TO_GOVERNMENT = "REPORT_TO_GOVERNMENT"
    SERIOUS_CIRCUMSTANCES = "SERIOUS_CIRCUMSTANCES"  # violations treated as 情节严重


@dataclass(frozen=True)
class Level:
    """One grade of a policy.  ``rank`` 1 is the best (lowest risk)."""

    code: str
    label: str
    rank: int
    color: str | None = None
    description: str = ""
    subject_types: frozenset[SubjectType] = frozenset(SubjectType)


@dataclass(frozen=True)
class Reason:
    """One rule that fired, or one obstacle to a better grade."""

    rule: str  # stable identifier, e.g. "cap.young_enterprise"
    article: str  # as written in the text: 第七条（一）, 三（一）
    text: str  # Chinese, as a regulator would recognise it
    events: tuple[int, ...] = ()


@dataclass(frozen=True)
class Measure:
    kind: str
    text: str
    article: str
    min_per_year: float | None = None
    plan_share_min: float | None = None
    plan_share_max: float | None = None
    color: str | None = None


@dataclass(frozen=True)
class Disclosure:
    audience: Audience
    allowed: bool
    needs_review: bool
    text: str
    article: str


@dataclass(frozen=True)
class Grading:
    """What :meth:`Policy.grade` returns."""

    level: str
    score: float | None = None
    reasons: tuple[Reason, ...] = ()
    blockers: tuple[Reason, ...] = ()  # what keeps the subject from the next better level
    details: Mapping[str, Any] = field(default_factory=dict)  # JSON-serialisable extras


@dataclass(frozen=True)
class PriorGrading:
    as_of: date
    level: str
    score: float | None = None


@dataclass(frozen=True)
class History:
    """Grades of the same subject under the same policy on the dates the policy asked for."""

    gradings: Mapping[date, PriorGrading | None] = field(default_factory=dict)

    def on(self, d: date) -> PriorGrading | None:
        return self.gradings.get(d)

    def known(self) -> list[PriorGrading]:
        return sorted((g for g in self.gradings.values() if g is not None), key=lambda g: g.as_of)


class Policy(ABC):
    """Base class of a jurisdiction's policy.  Subclasses set the class attributes."""

    id: ClassVar[str]
    name: ClassVar[str]  # official Chinese name of the document
    issuer: ClassVar[str] = ""  # 发文机关
    document_no: ClassVar[str] = ""  # 文号
    version: ClassVar[str] = "1"
    region_codes: ClassVar[tuple[str, ...]]
    effective_from: ClassVar[date | None] = None
    effective_until: ClassVar[date | None] = None
    levels: ClassVar[tuple[Level, ...]]
    subject_types: ClassVar[frozenset[SubjectType]] = frozenset({SubjectType.ENTERPRISE})
    parameters_file: ClassVar[str | Path | None] = None  # a parameters.toml beside the module
    # A condition attached to every disclosed grade, carried with shared data and exports
    # (e.g. "may not be printed on labels or used commercially").
    disclosure_notice: ClassVar[str | None] = None

    def __init__(self, parameters: ParameterSet | None = None) -> None:
        if parameters is None:
            parameters = (
                ParameterSet.from_toml(self.parameters_file)
                if self.parameters_file
                else ParameterSet([])
            )
        self.parameters = parameters

    # -- metadata -----------------------------------------------------------------------------
    def level(self, code: str) -> Level:
        for lvl in self.levels:
            if lvl.code == code:
                return lvl
        raise KeyError(f"{self.id} has no level {code!r}")

    def levels_for(self, subject_type: SubjectType) -> tuple[Level, ...]:
        return tuple(lvl for lvl in self.levels if subject_type in lvl.subject_types)

    def in_force(self, on: date) -> bool:
        return (self.effective_from is None or self.effective_from <= on) and (
            self.effective_until is None or on <= self.effective_until
        )

    def check_in_force(self, on: date) -> None:
        if not self.in_force(on):
            raise PolicyNotInForce(self.id, on, self.effective_from, self.effective_until)

    def covers_region(self, region_code: str) -> bool:
        return any(region_covers(code, region_code) for code in self.region_codes)

    # -- rules --------------------------------------------------------------------------------
    def out_of_scope(self, facts: Facts, params: ParameterView) -> str | None:
        """``None`` when the policy grades this subject, else the reason it does not.

        The base rule checks region and subject type; subclasses add their own exclusions and call
        ``super()`` first.
        """
        if facts.subject_type not in self.subject_types:
            return f"{self.id} does not grade {facts.subject_type.value.lower()}s"
        if not self.covers_region(facts.enterprise.region_code):
            return f"{facts.enterprise.region_code} is outside {self.id}'s jurisdiction"
        return None

    def history_dates(self, facts: Facts, params: ParameterView) -> Sequence[date]:
        """Earlier dates on which this grading needs the subject's own grades (default: none)."""
        return ()

    @abstractmethod
    def grade(self, facts: Facts, history: History, params: ParameterView) -> Grading:
        """The grade of the subject on ``facts.as_of``."""

    @abstractmethod
    def supervision(
        self, grading: Grading, facts: Facts, params: ParameterView
    ) -> Sequence[Measure]:
        """The supervision measures the grade triggers, each citing its article."""

    @abstractmethod
    def publicity(
        self, grading: Grading, facts: Facts, params: ParameterView
    ) -> Sequence[Disclosure]:
        """For each audience: may the grade be disclosed, and must a review come first?"""

    def region_colour(
        self, counts: Mapping[str, int], params: ParameterView
    ) -> RegionColour | None:
        """Colour of a region from how many of its subjects hold each level (``counts`` maps a
        level code to a number).  Policies that draw a regional map override this; the default
        colours nothing."""
        return None


@dataclass(frozen=True)
class RegionColour:
    """A colour for a region from the shares of its subjects at each level (e.g. a 四色图)."""

    colour: str
    reasons: tuple[Reason, ...] = ()
    shares: Mapping[str, float] = field(default_factory=dict)
