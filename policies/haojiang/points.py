"""Quality-credit points of one scored object (二（一）（二）, 三（一）).

Points come from ``QUALITY_CREDIT_POINTS`` events as the bureau records them under the Guangdong
scoring rules (二（一）).  The Guangdong point values per ordinary event could not be confirmed, so
deriving points from ordinary events is off by default (``derive_points_from_events``); when it is
switched on, every derived value is a local-default parameter.

二（二） makes a product (same trademark × same Nice class) and an operator two separate scored
objects: a product counts the points recorded on it; an operator counts the points recorded on the
operator itself, and — only when ``operator_includes_product_points`` is switched on — those of
its products that are in scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qcredit.core.contract import Term
from qcredit.core.facts import Fact, Facts
from qcredit.core.model import SubjectType
from qcredit.core.temporal import within_years
from qcredit.policies.haojiang.exclusions import exclusion

POINTS_KIND = "QUALITY_CREDIT_POINTS"


def excluded(category: str | None, params: Mapping[str, Any]) -> bool:
    """一（一）: food, food additives, cosmetics, measuring instruments, special equipment
    (``exclusions``: by taxonomy)."""
    return exclusion(category, params) is not None


def in_scope_events(facts: Facts, params: Mapping[str, Any]) -> list[Fact]:
    """The subject's events, without those of excluded products (一（一）)."""
    if facts.subject_type is SubjectType.PRODUCT and facts.product is not None:
        return [f for f in facts.events if f.product_id in (None, facts.product.id)]
    out_ids = {p.id for p in facts.products if excluded(p.category, params)}
    return [f for f in facts.events if f.product_id is None or f.product_id not in out_ids]


def scored_events(facts: Facts, params: Mapping[str, Any]) -> list[Fact]:
    """Events whose points belong to this scored object (二（二）)."""
    events = in_scope_events(facts, params)
    if facts.subject_type is SubjectType.PRODUCT:
        return events
    if params["operator_includes_product_points"]:
        return events
    return [f for f in events if f.product_id is None]


def derived_points(fact: Fact, params: Mapping[str, Any]) -> float | None:
    """Points a local default gives an ordinary event (only with ``derive_points_from_events``)."""
    name = _derived_points_parameter(fact)
    if name is None:
        return None
    points: float = params[name]
    return points


def _derived_points_parameter(fact: Fact) -> str | None:
    """The parameter holding an ordinary event's derived points, or ``None`` if it has none."""
    kind, get = fact.kind, fact.get
    if kind == "SAMPLING_INSPECTION":
        if get("result") == "PASS":
            return "derived_points_sampling_pass"
        if get("severity") == "SERIOUS":
            return "derived_points_sampling_fail_serious"
        return "derived_points_sampling_fail"
    if kind == "SUPERVISION_CHECK":
        key = {"PASS": "pass", "FAIL": "fail", "REFUSED": "refused"}[get("result")]
        return f"derived_points_check_{key}"
    if kind == "ADMINISTRATIVE_PENALTY":
        return "derived_points_penalty_minor" if get("minor") else "derived_points_penalty"
    if kind == "QUALITY_ACCIDENT":
        return "derived_points_accident"
    if kind == "COMPLAINT" and get("verified") is True:
        return "derived_points_complaint_verified"
    if kind == "COUNTERFEIT":
        return "derived_points_counterfeit"
    return None


@dataclass(frozen=True)
class Points:
    total: float
    recorded: tuple[Fact, ...]  # QUALITY_CREDIT_POINTS events that count
    derived: tuple[tuple[Fact, float], ...]  # ordinary events with their local-default points

    @property
    def any(self) -> bool:
        """Whether the object has obtained quality-credit points at all (else category O)."""
        return bool(self.recorded or self.derived)

    def events(self) -> list[Fact]:
        return sorted([*self.recorded, *(f for f, _ in self.derived)], key=lambda f: f.occurred_on)

    def negative(self) -> list[Fact]:
        found = [f for f in self.recorded if f.get("points") < 0]
        found += [f for f, pts in self.derived if pts < 0]
        return sorted(found, key=lambda f: f.occurred_on)


# What an ordinary event that a local default scores is called in a breakdown.
DERIVED_LABELS = {
    "SAMPLING_INSPECTION": "监督抽查",
    "SUPERVISION_CHECK": "监督检查",
    "ADMINISTRATIVE_PENALTY": "行政处罚",
    "QUALITY_ACCIDENT": "产品质量事故",
    "COMPLAINT": "投诉举报经核实",
    "COUNTERFEIT": "假冒伪劣",
}


def point_terms(pts: Points) -> list[Term]:
    """The cumulative points (二（一）) event by event, adding up to ``pts.total``: the points
    the bureau recorded, then those a local default derives from ordinary events."""
    terms = [
        Term(
            f"质量信用记分（{f.get('rule')}）" if f.get("rule") else "质量信用记分",
            float(f.get("points")),
            "二（一）",
            None,  # recorded as the bureau scored it under the Guangdong rules
            (f.id,),
            f.product_id,
        )
        for f in pts.recorded
    ]
    for f, points in pts.derived:
        label = f"{DERIVED_LABELS.get(f.kind, f.kind)}（本地默认分值）"
        parameter = _derived_points_parameter(f)
        terms.append(Term(label, points, "二（一）", parameter, (f.id,), f.product_id))
    return terms


def cumulative_points(facts: Facts, params: Mapping[str, Any]) -> Points:
    window = params["points_window_years"]
    events = [
        f
        for f in scored_events(facts, params)
        if window <= 0 or within_years(f.occurred_on, facts.as_of, window)
    ]
    recorded = tuple(f for f in events if f.kind == POINTS_KIND)
    derived: list[tuple[Fact, float]] = []
    if params["derive_points_from_events"]:
        for f in events:
            pts = derived_points(f, params)
            if pts is not None:
                derived.append((f, float(pts)))
    total = sum(float(f.get("points")) for f in recorded) + sum(p for _, p in derived)
    return Points(round(total, 4), recorded, tuple(derived))
