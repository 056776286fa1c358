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
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

from qcredit.core.contract import (  # re-exported one release: plug-ins imported them from here
    Assessment,
    Audience,
    Badge,
    Disclosure,
    Figure,
    Grading,
    History,
    Level,
    Measure,
    MeasureKind,
    NoticeRules,
    PlanRule,
    PolicyVersion,
    PriorGrading,
    Reason,
    RegionColour,
    Term,
)
from qcredit.core.errors import PolicyNotInForce
from qcredit.core.facts import Facts
from qcredit.core.identifiers import region_covers
from qcredit.core.model import SubjectType
from qcredit.core.parameters import ParameterSet, ParameterView


class Policy(ABC):
    """Base class of a jurisdiction's policy.  Subclasses set the class attributes."""

    id: ClassVar[str]
    name: ClassVar[str]  # official Chinese name of the document
    issuer: ClassVar[str] = ""  # 发文机关
    document_no: ClassVar[str] = ""  # 文号
    version: ClassVar[str] = "1"  # the code of the version these rules implement
    version_label: ClassVar[str] = ""  # its name, e.g. 修订版
    region_codes: ClassVar[tuple[str, ...]]
    region_article: ClassVar[str] = ""  # the article that fixes the region, cited when outside
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

    # -- versions ------------------------------------------------------------------------------
    def versions(self) -> Sequence[PolicyVersion]:
        """The dated versions of the policy's text, oldest first, each with its period and what
        changed from the one before.  Default: a single version, this class's own metadata.

        A policy whose text was revised overrides this and :meth:`rules_on`; the versions' dates
        may come from parameters (a revision table often gives none)."""
        return (
            PolicyVersion(
                self.version, self.version_label, self.effective_from, self.effective_until
            ),
        )

    def rules_on(self, on: date) -> Policy:
        """The rules in force on ``on``: this policy, or — for a revised text — the object that
        implements the version in force then.  It shares this policy's ``id`` and parameters,
        and its ``version`` is that version's code, which the assessments graded under it
        carry.  Grading a date always goes through here, so a subject's history that crosses a
        revision is graded under each version for its own dates."""
        return self

    def version_on(self, on: date) -> PolicyVersion | None:
        """The version in force on ``on`` (``None`` outside every version)."""
        return next((v for v in self.versions() if v.in_force(on)), None)

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
        codes = self.region_codes
        # A plug-in may have declared a list; the memo needs a hashable key.
        return _covers_any(codes if isinstance(codes, tuple) else tuple(codes), region_code)

    # -- rules --------------------------------------------------------------------------------
    def out_of_scope(self, facts: Facts, params: ParameterView) -> str | None:
        """``None`` when the policy grades this subject, else the reason it does not.

        The base rule checks region and subject type; subclasses add their own exclusions and call
        ``super()`` first.
        """
        if facts.subject_type not in self.subject_types:
            return f"{self.id} does not grade {facts.subject_type.value.lower()}s"
        if not self.covers_region(facts.enterprise.region_code):
            where = f"（{self.region_article}）" if self.region_article else ""
            return f"{facts.enterprise.region_code} is outside {self.id}'s jurisdiction{where}"
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

    # -- optional rules: a policy overrides the ones its text asks for -------------------------
    def notice_rules(self) -> NoticeRules | None:
        """The notices (warnings) this policy issues when grades change, or ``None`` for none.

        Asked once per registry; the answer is kept.  The engine runs the rules inside the
        re-grade's transaction (:mod:`qcredit.core.supervision.notices`).  A cross-cutting plug-in
        may add rules to any policy through the ``qcredit_notice_rules`` hook."""
        return None

    def plan_rule(
        self,
        subject_type: str,
        level: str,
        measures: Sequence[Measure],
        params: ParameterView,
    ) -> PlanRule | None:
        """What this policy adds to the generic reading of its measures when an inspection plan
        is drawn, for one subject at ``level`` (a lower draw weight, a number of checks the
        measures do not carry, or keeping a level out of proactive checks); ``None`` for the
        generic reading alone.  Pure: ``params`` are the policy's parameters on the date the
        standing grades were taken.  The ``qcredit_plan_rule`` hook, when an implementation
        answers, takes precedence (a deployment's cross-cutting rule)."""
        return None

    def figures(self, assessment: Assessment) -> Sequence[Figure]:
        """The values this policy computed on the way to the grade that a person should see
        beside it (an index with its terms, a points total, a mode), each labelled and citing
        its article; read from ``assessment.details``, which the policy filled.  Default: none."""
        return ()

    def explanation(self, assessment: Assessment) -> Figure | None:
        """Why the score (or the index the grade rests on) is what it is: a figure whose
        ``value`` is that number and whose ``terms`` add up to it, each term citing its article
        and, where one fixes its points, the parameter; read from ``assessment.details``, which
        the policy filled.  Default: ``None``, for a policy that grades without a score."""
        return None

    def badge(self, assessment: Assessment) -> Badge | None:
        """The coloured code this policy issues with an enterprise's grade (e.g. a quality code
        on a verification page), or ``None``.  Derived from the assessment alone, so it is shown
        exactly when the grade is.  Whether a badge exists must not depend on the level (return
        one for every graded enterprise, or for none): its presence is shown even where its colour
        is withheld."""
        return None


__all__ = [
    "Assessment",
    "Audience",
    "Badge",
    "Disclosure",
    "Figure",
    "Grading",
    "History",
    "Level",
    "Measure",
    "MeasureKind",
    "Policy",
    "PolicyVersion",
    "PriorGrading",
    "Reason",
    "RegionColour",
    "Term",
]


@lru_cache(maxsize=65536)
def _covers_any(region_codes: tuple[str, ...], region_code: str) -> bool:
    # Asked for every assessment served (a page of 100 asks ~1,500 times) over a few thousand
    # distinct region codes; the answer depends only on the two arguments, so it is remembered.
    return any(region_covers(code, region_code) for code in region_codes)
