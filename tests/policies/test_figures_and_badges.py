"""What policies add beside a grade, typed: figures (an index with its terms, a mode) and badges
(a coloured code).  Checked on the policies that supply them, from their texts."""

from __future__ import annotations

from datetime import date

from qcredit.core.grading.assess import assess
from qcredit.core.testing import SubjectBuilder
from qcredit.policies.jiaxing.levels import MODE_LABELS
from qcredit.policies.jiaxing.rules import JiaxingPolicy
from qcredit.policies.jiaxing.vocabulary import JIAXING_EVENT_KINDS
from qcredit.policies.wugang.rules import WugangPolicy

JIAXING = JiaxingPolicy()
AS_OF = date(2024, 6, 30)
FURNITURE = "家具及建筑装饰装修材料"


def _jiaxing_subject(fails: int) -> tuple[SubjectBuilder, int]:
    b = SubjectBuilder(region_code="330402", extra_kinds=JIAXING_EVENT_KINDS)
    pid = b.product(trademark="牌", category=FURNITURE)
    for i in range(fails):
        b.event("SAMPLING_INSPECTION", f"2024-0{i + 1}-10", product=pid, result="FAIL")
    return b, pid


def test_jiaxing_quality_safety_index_is_a_figure_whose_terms_add_up() -> None:
    """嘉兴 二2 产品质量安全指数: 100 less the deductions, each term naming its parameter."""
    b, pid = _jiaxing_subject(fails=2)
    a = assess(JIAXING, b.product_subject(pid), AS_OF)
    assert a is not None
    (index,) = JIAXING.figures(a)
    assert (index.name, index.label, index.article) == (
        "qualitySafetyIndex",
        "产品质量安全指数",
        "二2",
    )
    assert index.value == a.details["qualitySafetyIndex"]
    assert index.value == max(0.0, min(100.0, 100 + sum(t.points for t in index.terms)))
    fails = [t for t in index.terms if t.label == "监督抽查不合格"]
    assert len(fails) == 2 and all(t.events and t.parameter for t in fails)
    assert all(t.parameter in JIAXING.parameters.names() for t in index.terms if t.parameter)


def test_jiaxing_enterprise_mode_figure_and_health_code_badge() -> None:
    """嘉兴 四1 监管方式 (labelled) and 二2 企业产品质量"健康码" (a badge, not a details key)."""
    b, _ = _jiaxing_subject(fails=0)
    a = assess(JIAXING, b.enterprise_subject(), AS_OF)
    assert a is not None
    mode, tiers = JIAXING.figures(a)
    assert tiers.name == "governingProductTier" and tiers.terms[0].product is not None
    assert mode.name == "supervisionMode" and mode.value_label == MODE_LABELS[str(mode.value)]
    badge = JIAXING.badge(a)
    assert badge is not None
    assert badge.article == "二2" and badge.color == a.details["healthCode"]
    assert badge.color_label.endswith("码")


def test_wugang_risk_score_parts_are_figures() -> None:
    """舞钢 第五条 product-quality indicators and 第六条 credit rating make the 100-point score."""
    wugang = WugangPolicy()
    b = SubjectBuilder(region_code="410481", established_on="2015-01-01")
    b.event("SAMPLING_INSPECTION", "2023-03-01", result="FAIL", severity="SERIOUS")
    a = assess(wugang, b.enterprise_subject(), date(2023, 12, 31))
    assert a is not None
    figures = {f.name: f for f in wugang.figures(a)}
    assert figures["creditPoints"].article == "第六条"
    assert figures["qualityPoints"].article == "第五条"
    assert a.score == figures["creditPoints"].value + figures["qualityPoints"].value  # type: ignore[operator]


def test_a_policy_without_extras_adds_none() -> None:
    from tests.support import CountingPolicy

    policy = CountingPolicy()
    a = assess(policy, SubjectBuilder().enterprise_subject(), AS_OF)
    assert a is not None
    assert policy.figures(a) == () and policy.badge(a) is None
