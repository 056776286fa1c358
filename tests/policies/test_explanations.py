""" "Why this score": each policy's breakdown of the number its grade rests on
(``Policy.explanation``), read back from the stored assessment.  The terms add up to the number,
each cites the article that fixes it, and a parameter it names is one of the policy's.  A policy
that grades on criteria alone (佳木斯) explains nothing this way: its reasons do."""

from __future__ import annotations

from datetime import date

import pytest
from qcredit.core.contract import Assessment, Figure
from qcredit.core.grading.assess import assess
from qcredit.core.policy import Policy
from qcredit.core.testing import SubjectBuilder
from qcredit.policies.bingtuan import BingtuanPolicy
from qcredit.policies.haojiang import HaojiangPolicy
from qcredit.policies.jiamusi import JiamusiPolicy
from qcredit.policies.jiaxing.levels import TIER_LABELS
from qcredit.policies.jiaxing.rules import JiaxingPolicy
from qcredit.policies.jiaxing.vocabulary import JIAXING_EVENT_KINDS
from qcredit.policies.wugang.rules import WugangPolicy

AS_OF = date(2024, 6, 30)


def explained(policy: Policy, a: Assessment | None) -> Figure:
    assert a is not None
    found = policy.explanation(a)
    assert found is not None
    assert isinstance(found.value, float | int)
    assert sum(t.points for t in found.terms) == pytest.approx(found.value)
    names = policy.parameters.names()
    assert all(t.parameter in names for t in found.terms if t.parameter), found.terms
    assert all(t.article for t in found.terms)
    return found


def test_wugang_risk_score_term_by_term_第五条_第六条() -> None:
    """舞钢 第六条 100-point risk score: the credit rating (第六条) plus each 第五条 indicator."""
    policy = WugangPolicy()
    b = SubjectBuilder(region_code="410481", established_on="2015-01-01")
    fail = b.event("SAMPLING_INSPECTION", "2024-03-01", result="FAIL", severity="SERIOUS")
    penalty = b.event("ADMINISTRATIVE_PENALTY", "2024-04-01", measure="FINE")
    a = assess(policy, b.enterprise_subject(), AS_OF)
    why = explained(policy, a)
    assert a is not None and why.value == a.score and why.article == "第六条"
    credit, *indicators = why.terms
    assert (credit.article, credit.parameter) == ("第六条", "credit_weight_points")
    by_event = {t.events: t for t in indicators}
    assert by_event[(fail,)].article == "第五条"
    assert by_event[(fail,)].parameter == "points_sampling_fail"
    assert by_event[(penalty,)].parameter == "points_penalty"


def test_haojiang_cumulative_points_event_by_event_二一_三一() -> None:
    """濠江 三（一） places the category by the points recorded under 二（一）."""
    policy = HaojiangPolicy()
    b = SubjectBuilder(region_code="440512", roles=("PRODUCER", "SELLER"))
    first = b.event("QUALITY_CREDIT_POINTS", "2024-01-01", points=10, rule="粤规范")
    second = b.event("QUALITY_CREDIT_POINTS", "2024-02-01", points=-3)
    a = assess(policy, b.enterprise_subject(), AS_OF)
    why = explained(policy, a)
    assert (why.value, why.article) == (7, "三（一）")
    assert [(t.events, t.points, t.article) for t in why.terms] == [
        ((first,), 10, "二（一）"),
        ((second,), -3, "二（一）"),
    ]
    assert why.terms[0].label == "质量信用记分（粤规范）"
    # category O: no points obtained, no number to explain
    nothing = assess(policy, SubjectBuilder(region_code="440512").enterprise_subject(), AS_OF)
    assert nothing is not None and nothing.level == "O" and policy.explanation(nothing) is None


def test_haojiang_derived_points_name_their_parameter_二一() -> None:
    policy = HaojiangPolicy()
    b = SubjectBuilder(region_code="440512")
    check = b.event("SAMPLING_INSPECTION", "2024-01-10", result="FAIL")
    params = policy.parameters.with_overrides({"derive_points_from_events": True})
    why = explained(policy, assess(policy, b.enterprise_subject(), AS_OF, parameters=params))
    (term,) = why.terms
    assert term.events == (check,) and term.parameter == "derived_points_sampling_fail"


def test_jiaxing_quality_safety_index_from_100_二2() -> None:
    """嘉兴 二2 产品质量安全指数: 100 (safest), less each risk factor."""
    policy = JiaxingPolicy()
    b = SubjectBuilder(region_code="330402", extra_kinds=JIAXING_EVENT_KINDS)
    pid = b.product(trademark="牌", category="家具及建筑装饰装修材料")
    fail = b.event("SAMPLING_INSPECTION", "2024-01-10", product=pid, result="FAIL")
    a = assess(policy, b.product_subject(pid), AS_OF)
    why = explained(policy, a)
    assert a is not None and why.value == a.details["qualitySafetyIndex"]
    assert why.article == "二2" and why.terms[0].points == 100
    (sampling,) = [t for t in why.terms if t.events == (fail,)]
    assert sampling.parameter == "index_deduction_failed_sampling" and sampling.points < 0


def test_jiaxing_enterprise_names_its_products_not_their_ids_二2_三2() -> None:
    """An enterprise's class (三3) rests on criteria: no score to explain; its products' tiers
    are a figure whose terms each name the product (by id, shown by trademark and Nice class)."""
    policy = JiaxingPolicy()
    b = SubjectBuilder(region_code="330402", extra_kinds=JIAXING_EVENT_KINDS)
    pid = b.product(trademark="牌", category="家具及建筑装饰装修材料")
    a = assess(policy, b.enterprise_subject(), AS_OF)
    assert a is not None and policy.explanation(a) is None
    tiers = {f.name: f for f in policy.figures(a)}["governingProductTier"]
    assert tiers.article == "三2" and tiers.value_label == TIER_LABELS[str(tiers.value)]
    (term,) = tiers.terms
    assert term.product == pid and term.article == "二2" and term.label in TIER_LABELS.values()


def test_bingtuan_score_is_100_less_each_dimension_第六条() -> None:
    """兵团 第六条: 100 less the deduction of each of the 8 dimensions, with its events."""
    policy = BingtuanPolicy()
    b = SubjectBuilder(established_on="2015-01-01", region_code="659001")
    b.event("LICENCE", "2020-01-01", status="GRANTED", licenceNo="XK1", validUntil="2026-12-31")
    b.event("SELF_INSPECTION_REPORT", "2024-02-01", year=2023, onTime=True)
    sampling = b.event("SAMPLING_INSPECTION", "2024-01-10", result="FAIL")
    complaint = b.event("COMPLAINT", "2024-02-10", verified=True)
    a = assess(policy, b.enterprise_subject(), AS_OF)
    why = explained(policy, a)
    assert a is not None and why.value == a.score == 85 and why.article == "第六条"
    full, *deductions = why.terms
    assert (full.points, full.parameter) == (100, "full_score")
    by_event = {t.events: t for t in deductions}
    assert by_event[(sampling,)].points == -10
    assert by_event[(sampling,)].label.startswith("监督抽查")
    assert by_event[(complaint,)].parameter == "complaint_deduction"


def test_jiamusi_grades_on_criteria_and_explains_by_reasons() -> None:
    """佳木斯 grades A–D by criteria (no score): no explanation; the reasons cite articles."""
    policy = JiamusiPolicy()
    b = SubjectBuilder(region_code="230803", established_on="2015-01-01")
    a = assess(policy, b.enterprise_subject(), AS_OF)
    assert a is not None and a.score is None
    assert policy.explanation(a) is None
    assert a.reasons and all(r.article for r in a.reasons)
