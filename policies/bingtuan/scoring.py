"""The 100-point score of 第九条 over the eight dimensions of 第六条.

The 评价细则 that would fix indicators and weights (第四条、第六条) are not part of the text, so
every deduction is a local-default parameter.  Each dimension deducts points for the events of
the last ``score_window_years`` (after 第十条's exclusions), capped at
``dimension_max_deduction``; each non-zero deduction becomes a :class:`Reason` citing 第六条.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from qcredit.core.contract import Reason, Term
from qcredit.core.facts import Fact, Facts, ids
from qcredit.core.temporal import established_for
from qcredit.policies.bingtuan.evaluation import Evaluation
from qcredit.policies.bingtuan.exclusions import counted_penalties
from qcredit.policies.bingtuan.licences import noncompliant_licences, valid_licences


@dataclass(frozen=True)
class Deduction:
    dimension: str  # stable id
    label: str  # the dimension as 第六条 names it
    points: float
    events: tuple[Fact, ...]
    detail: str


Params = Mapping[str, Any]
Found = tuple[float, list[Fact], str]  # points, the events behind them, a note


def _windowed(
    facts: Facts, ev: Evaluation, params: Params, *kinds: str, **attrs: Any
) -> list[Fact]:
    return facts.between(*ev.window(params["score_window_years"]), *kinds, **attrs)


def _enterprise_type(facts: Facts, ev: Evaluation, params: Params) -> Found:
    years = params["type_young_enterprise_years"]
    if established_for(facts.enterprise.established_on, ev.end, years):
        return 0, [], ""
    return params["type_young_enterprise_deduction"], [], f"成立未满{years}年"


def _quality_risk(facts: Facts, ev: Evaluation, params: Params) -> Found:
    points: float = 0
    events: list[Fact] = []
    notes = []
    risky = [
        f
        for f in valid_licences(facts, ev.end)
        if f.get("productCategory") in set(params["high_risk_categories"])
    ]
    if risky:
        points += params["quality_risk_category_deduction"]
        events += risky
        notes.append(
            "高风险产品类别：" + "、".join(sorted({f.get("productCategory") for f in risky}))
        )
    table = params["quality_accident_deduction"]
    accidents = _windowed(
        facts, ev, params, "QUALITY_ACCIDENT", responsible=lambda v: v is not False
    )
    for f in accidents:
        points += table[f.get("severity")]
    if accidents:
        events += accidents
        notes.append(f"质量事故{len(accidents)}起")
    return points, events, "；".join(notes)


def _licence(facts: Facts, ev: Evaluation, params: Params) -> Found:
    bad = noncompliant_licences(facts, ev.end)
    return len(bad) * params["licence_noncompliant_deduction"], bad, "生产许可条件不符合要求"


def _sampling(facts: Facts, ev: Evaluation, params: Params) -> Found:
    fails = _windowed(facts, ev, params, "SAMPLING_INSPECTION", result="FAIL")
    points = sum(
        params["sampling_fail_serious_deduction"]
        if f.get("severity") == "SERIOUS"
        else params["sampling_fail_deduction"]
        for f in fails
    )
    return points, fails, f"监督抽查不合格{len(fails)}次"


def _inspection(facts: Facts, ev: Evaluation, params: Params) -> Found:
    bad = _windowed(facts, ev, params, "SUPERVISION_CHECK", result={"FAIL", "REFUSED"})
    points = sum(
        params["check_refused_deduction"]
        if f.get("result") == "REFUSED"
        else params["check_fail_deduction"]
        for f in bad
    )
    return points, bad, f"监督检查不合格或拒绝检查{len(bad)}次"


def _penalty(facts: Facts, ev: Evaluation, params: Params) -> Found:
    penalties = counted_penalties(facts, ev, params["score_window_years"], params)
    points: float = 0
    for f in penalties:
        if f.get("measure") in set(params["d_penalty_measures"]) or f.get("criminalReferral"):
            points += params["penalty_revocation_deduction"]
        elif f.get("measure") == "LICENCE_SUSPENDED":
            points += params["penalty_licence_suspended_deduction"]
        else:
            points += params["penalty_deduction"]
    return points, penalties, f"行政处罚{len(penalties)}次"


def _complaints(facts: Facts, ev: Evaluation, params: Params) -> Found:
    found = _windowed(facts, ev, params, "COMPLAINT", verified=True)
    return len(found) * params["complaint_deduction"], found, f"经核实的投诉举报{len(found)}件"


def _public_opinion(facts: Facts, ev: Evaluation, params: Params) -> Found:
    found = _windowed(facts, ev, params, "PUBLIC_OPINION", verified=True)
    return len(found) * params["public_opinion_deduction"], found, f"经核实的舆情通报{len(found)}次"


DIMENSIONS: tuple[tuple[str, str, Callable[[Facts, Evaluation, Params], Found]], ...] = (
    ("enterprise_type", "企业类型", _enterprise_type),
    ("quality_risk", "质量风险", _quality_risk),
    ("administrative_licence", "行政许可", _licence),
    ("sampling", "监督抽查", _sampling),
    ("inspection", "监督检查", _inspection),
    ("penalty", "行政处罚", _penalty),
    ("complaints", "经核实的投诉举报", _complaints),
    ("public_opinion", "舆情通报", _public_opinion),
)


def deductions(facts: Facts, ev: Evaluation, params: Params) -> list[Deduction]:
    cap = params["dimension_max_deduction"]
    out = []
    for key, label, rule in DIMENSIONS:
        points, events, detail = rule(facts, ev, params)
        out.append(Deduction(key, label, min(points, cap), tuple(events), detail))
    return out


# The parameter that alone fixes a dimension's deduction; a dimension whose points depend on
# several (by severity, by measure) names none in its term.
DEDUCTION_PARAMETER = {
    "enterprise_type": "type_young_enterprise_deduction",
    "administrative_licence": "licence_noncompliant_deduction",
    "complaints": "complaint_deduction",
    "public_opinion": "public_opinion_deduction",
}


def score_terms(found: list[Deduction], params: Params) -> list[Term]:
    """The 100-point score (第六条) as terms: the full score, then each dimension's deduction
    (negative), and a last term where the floor of 0 cut the sum; they add up to the score."""
    full = float(params["full_score"])
    terms = [Term("满分", full, "第六条", "full_score")]
    for d in found:
        if d.points:
            label = f"{d.label}：{d.detail}"
            parameter = DEDUCTION_PARAMETER.get(d.dimension)
            terms.append(Term(label, -d.points, "第六条", parameter, ids(list(d.events))))
    below = full - sum(d.points for d in found)
    if below < 0:
        terms.append(Term("得分最低为0分", -below, "第六条"))
    return terms


def score(found: list[Deduction], params: Params) -> float:
    # Rounded to kill float noise only (100 − 10.01 must read 89.99, not 89.99000000000001).
    return max(0.0, round(float(params["full_score"]) - sum(d.points for d in found), 6))


def reasons(found: list[Deduction]) -> list[Reason]:
    return [
        Reason(
            f"score.{d.dimension}",
            "第六条",
            f"{d.label}：{d.detail}，扣{d.points:g}分（评价细则未公布，扣分标准为本地默认）",
            ids(d.events),
        )
        for d in found
        if d.points
    ]
