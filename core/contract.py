"""The plug-in contract's value types: what a policy returns and what it is handed.

Everything a policy plug-in builds or reads besides its facts lives here — levels, reasons,
measures, disclosures, gradings, assessments, grade changes, notice rules, plan rules and badges —
so that a plug-in imports plain frozen dataclasses and never the engine, the store or the API.
This module depends on nothing heavier than :mod:`qcredit.core.model` and
:mod:`qcredit.core.parameters`.  The hooks that pass these values are in
:mod:`qcredit.core.hookspecs`; the :class:`~qcredit.core.policy.Policy` base class in
:mod:`qcredit.core.policy`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from qcredit.core.model import SubjectType
from qcredit.core.parameters import ParameterView


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


@dataclass(frozen=True)
class RegionColour:
    """A colour for a region from the shares of its subjects at each level."""

    colour: str
    reasons: tuple[Reason, ...] = ()
    shares: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Assessment:
    policy_id: str
    policy_version: str
    subject_type: SubjectType
    subject_id: int
    enterprise_id: int
    as_of: date
    level: str
    score: float | None
    reasons: tuple[Reason, ...]
    blockers: tuple[Reason, ...]
    supervision: tuple[Measure, ...]
    publicity: tuple[Disclosure, ...]
    details: dict[str, Any] = field(default_factory=dict)
    parameters_digest: str = ""
    inputs_digest: str = ""
    history: tuple[PriorGrading, ...] = ()


@dataclass(frozen=True)
class GradeChange:
    policy_id: str
    subject_type: SubjectType
    subject_id: int
    enterprise_id: int
    as_of: date
    previous: str | None
    current: str | None


class NoticeKind(StrEnum):
    """What a notice is about: a closed set (the API serves ``Notice.kind`` as this enum), so a
    policy that needs another kind adds it here rather than using a string of its own."""

    SUBJECT_WARNING = "SUBJECT_WARNING"  # to one subject's operator (提示、警示、黄牌、预警)
    REGIONAL_WARNING = "REGIONAL_WARNING"  # a region's share of high-risk subjects
    INDUSTRY_WARNING = "INDUSTRY_WARNING"  # a product category's share of high-risk products


@dataclass(frozen=True)
class NoticeDraft:
    """A notice a rule wants issued.

    :param audiences: who besides the bureau may read it.  ``None`` on a subject notice means
        "whoever may see the grade without review"; a scope notice must name its audiences
        (``()`` = the bureau only).
    """

    kind: str
    text: str
    article: str
    colour: str | None = None
    audiences: tuple[str, ...] | None = None
    level: str | None = None  # scope notices: the levels whose share the condition counts


@dataclass(frozen=True)
class Tally:
    """Standing grades of one policy within one scope, counted per level.

    ``region_code`` is a GB/T 2260 code (a county code covers its towns); ``category`` is
    ``None`` for every subject of the region, else only products of that category (as the
    rules' :meth:`NoticeRules.category_of` names it).  ``counts`` maps a level code to a number.
    """

    policy_id: str
    region_code: str
    category: str | None
    counts: Mapping[str, int]

    def total(self, vocabulary: Sequence[str]) -> int:
        return sum(self.counts.get(code, 0) for code in vocabulary)

    def count(self, levels: Sequence[str]) -> int:
        return sum(self.counts.get(code, 0) for code in levels)


class NoticeRules:
    """What one policy warns about.  Subclass and override what the policy's text asks for.

    Rules are pure, like the rest of a policy: they read their arguments only.
    """

    #: Set when :meth:`on_tally` is used: the engine then counts the scopes a change touched.
    counts_scopes: bool = False

    def on_change(
        self, change: GradeChange, assessment: Assessment | None, params: ParameterView
    ) -> Sequence[NoticeDraft]:
        """Notices about one subject whose grade changed (``change.previous`` →
        ``change.current``; ``assessment`` is the new one, ``None`` when out of scope)."""
        return ()

    def on_tally(self, tally: Tally, params: ParameterView) -> Sequence[NoticeDraft]:
        """The scope conditions that hold now for ``tally`` (each an open notice)."""
        return ()

    def category_of(self, category: str | None, params: ParameterView) -> str | None:
        """The industry a product category counts under in tallies (``None``: in none)."""
        return category


@dataclass(frozen=True)
class PlanRule:
    """What a policy adds to the generic reading of its measures, for one subject.

    ``weight`` scales the subject's chance in the random draw of its level (1 = normal);
    ``min_checks`` is a number of checks the measures do not carry; ``exclude`` keeps the subject
    out of proactive checks.  ``article`` and ``text`` say where the rule comes from (an article,
    or "local default")."""

    weight: float = 1.0
    min_checks: int = 0
    exclude: bool = False
    article: str = ""
    text: str = ""


@dataclass(frozen=True)
class Badge:
    """A coloured code a policy issues to an enterprise with its grade (e.g. a quality code shown
    on a verification page and as a QR code).

    It is derived from the assessment alone (:meth:`~qcredit.core.policy.Policy.badge`), so it is
    disclosed exactly when the grade it comes from is.  ``kind`` is the policy's own code for the
    badge, ``label`` its name as the text gives it, ``color`` one of the policy's colours and
    ``color_label`` the colour's name in the text.
    """

    kind: str
    label: str
    color: str
    color_label: str
    article: str


@dataclass(frozen=True)
class Term:
    """One term of a computed figure: what it counts, its points, the article and parameter that
    fix them, the events behind it, and the product it is about (an API shows the product by its
    trademark and Nice class, never by a key of the policy's ``details``)."""

    label: str
    points: float
    article: str = ""
    parameter: str | None = None
    events: tuple[int, ...] = ()
    product: int | None = None  # the product (id) the term is about, when it is about one

    def record(self) -> dict[str, Any]:
        """The term as JSON, for a policy to keep in ``Grading.details`` at grading time (a
        figure is read back from the stored assessment, without the facts)."""
        found: dict[str, Any] = {"label": self.label, "points": self.points}
        found |= {"article": self.article, "parameter": self.parameter}
        return found | {"events": list(self.events), "product": self.product}

    @classmethod
    def of_record(cls, record: Mapping[str, Any]) -> Term:
        """A term kept by :meth:`record`."""
        product = record.get("product")
        return cls(
            str(record["label"]),
            float(record["points"]),
            str(record.get("article") or ""),
            record.get("parameter"),
            tuple(int(e) for e in record.get("events") or ()),
            None if product is None else int(product),
        )


@dataclass(frozen=True)
class Figure:
    """A value a policy computed on the way to a grade (an index, a points total, a supervision
    mode), as a person reads it: ``label`` names it as the text does, ``value_label`` gives a
    coded value its name, ``terms`` break a computed value down so a front end can draw "why
    this value".  Shown with the assessment, to whoever may see the assessment."""

    name: str
    label: str
    value: str | float | bool | None
    article: str = ""
    value_label: str | None = None
    terms: tuple[Term, ...] = ()


class ChangeKind(StrEnum):
    """What a revision did to the text, article by article."""

    ADDED = "ADDED"
    DELETED = "DELETED"
    RENUMBERED = "RENUMBERED"
    AMENDED = "AMENDED"
    SCOPE = "SCOPE"  # who or what the policy applies to
    PERIOD = "PERIOD"  # when it applies, when evaluations run
    PUBLICITY = "PUBLICITY"  # what may be disclosed
    PARAMETER = "PARAMETER"  # a number or threshold


@dataclass(frozen=True)
class VersionChange:
    """One change from the previous version: ``article`` in this version, ``previous_article``
    in the one before (either is ``None`` for an article added or deleted)."""

    kind: str
    text: str
    article: str | None = None
    previous_article: str | None = None


@dataclass(frozen=True)
class PolicyVersion:
    """One dated version of a policy's text (e.g. a trial version, then the revised one).

    ``version`` is the code assessments graded under it carry (``Assessment.policy_version``).
    ``dates_source`` says where the period comes from: an article, or "local default" with why —
    a revision table often gives no dates.  ``changes`` are relative to the previous version.
    """

    version: str
    label: str
    effective_from: date | None
    effective_until: date | None
    dates_source: str = ""
    changes: tuple[VersionChange, ...] = ()

    def in_force(self, on: date) -> bool:
        return (self.effective_from is None or self.effective_from <= on) and (
            self.effective_until is None or on <= self.effective_until
        )
