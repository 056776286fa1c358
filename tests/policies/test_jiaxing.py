"""嘉兴 "三分" guidance: cases read off the text (三1–三4, 四1–四2), every boundary on both sides.

Dates: grading on 2024-06-30 unless a case says otherwise.  近三年 (三3) includes 2021-06-30 (the
anniversary) and excludes 2021-06-29 (core/temporal.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qcredit.core.contract import Assessment, Audience, MeasureKind
from qcredit.core.errors import InvalidInput, PolicyNotInForce
from qcredit.core.grading.assess import assess
from qcredit.core.model import SubjectType
from qcredit.core.parameters import LOCAL_DEFAULT
from qcredit.core.plugins import Registry
from qcredit.core.testing import SubjectBuilder
from qcredit.policies import jiaxing
from qcredit.policies.jiaxing.rules import JiaxingPolicy
from qcredit.policies.jiaxing.vocabulary import JIAXING_EVENT_KINDS, RISK_ALERT

from .citations import assert_cites, assert_scope_cited, cited_articles

POLICY = JiaxingPolicy()
AS_OF = date(2024, 6, 30)
IN_WINDOW = "2021-06-30"  # 近三年 of 2024-06-30: the anniversary still counts
OUT_OF_WINDOW = "2021-06-29"
FURNITURE = "家具及建筑装饰装修材料"  # base tier 一般风险
APPLIANCE = "家用电器及电器附件"  # base tier 较高风险
CHILDREN = "儿童用品"
ELDERLY = "老年人用品"


@dataclass(frozen=True)
class Ev:
    kind: str
    on: str
    attrs: dict[str, Any] = field(default_factory=dict)
    product: int | None = None  # index into the case's products


def ev(kind: str, on: str, product: int | None = None, **attrs: Any) -> Ev:
    return Ev(kind, on, attrs, product)


def fail(on: str = "2023-01-10", product: int | None = 0, **attrs: Any) -> Ev:
    return ev("SAMPLING_INSPECTION", on, product, result="FAIL", **attrs)


TRACE = ev("RECOGNITION", "2020-05-01", type="TRACEABILITY")
QMS = ev("RECOGNITION", "2020-05-01", type="QMS_CERTIFIED")
AA_CONDITIONS = [TRACE, QMS]


def build(
    products: list[str | None],
    events: list[Ev],
    *,
    region: str = "330402",
    roles: tuple[str, ...] = ("PRODUCER",),
) -> tuple[SubjectBuilder, list[int], list[int]]:
    b = SubjectBuilder(region_code=region, roles=roles, extra_kinds=JIAXING_EVENT_KINDS)
    pids = [b.product(trademark=f"牌{i}", category=c) for i, c in enumerate(products)]
    eids = [
        b.event(e.kind, e.on, product=None if e.product is None else pids[e.product], **e.attrs)
        for e in events
    ]
    return b, pids, eids


def grade_enterprise(
    products: list[str | None], events: list[Ev], as_of: date = AS_OF, **kw: Any
) -> Assessment | None:
    b, _, _ = build(products, events, **kw)
    return assess(POLICY, b.enterprise_subject(), as_of)


def grade_product(category: str | None, events: list[Ev], as_of: date = AS_OF) -> Assessment | None:
    b, pids, _ = build([category], events)
    return assess(POLICY, b.product_subject(pids[0]), as_of)


def level_rank(a: Assessment) -> int:
    return POLICY.level(a.level).rank


# ------------------------------------------------------------------------------ metadata
def test_metadata_and_levels() -> None:
    assert POLICY.id == "jiaxing"
    assert POLICY.region_codes == ("330400",)
    assert POLICY.effective_from == date(2020, 4, 22)
    assert POLICY.effective_until is None
    assert POLICY.subject_types == frozenset(SubjectType)
    products = [lvl.code for lvl in POLICY.levels_for(SubjectType.PRODUCT)]
    enterprises = [lvl.code for lvl in POLICY.levels_for(SubjectType.ENTERPRISE)]
    assert products == ["GENERAL", "ELEVATED", "HIGH"]
    assert enterprises == ["AA", "A", "B", "C"]
    assert [POLICY.level(c).rank for c in products] == [1, 2, 3]
    assert [POLICY.level(c).rank for c in enterprises] == [1, 2, 3, 4]


def test_every_parameter_has_provenance() -> None:
    for p in POLICY.parameters.all():
        assert p.source, p.name
        if p.source == LOCAL_DEFAULT:
            assert p.note, f"{p.name}: a local default needs a justification"
        else:
            assert p.source in {"三1", "三3"}, p.name
    params = POLICY.parameters.at(AS_OF)
    assert params["enterprise_sampling_window_years"] == 3  # 三3 近三年
    assert (params["catalogue_category_count"], params["catalogue_kind_count"]) == (13, 273)
    assert len(params["catalogue_categories"]) == params["catalogue_category_count"]
    assert set(params["product_base_tier"]) == set(params["catalogue_categories"])


def test_hooks_register_policy_and_event_kinds() -> None:
    registry = Registry.load([jiaxing], entry_points=False)
    assert isinstance(registry.policy("jiaxing"), JiaxingPolicy)
    assert "RISK_ALERT" in registry.vocabulary.kinds
    assert "ENFORCEMENT_FINDING" in registry.vocabulary.kinds


def test_risk_alert_attributes_are_validated() -> None:
    assert RISK_ALERT.validate({"scope": "FOREIGN", "severity": "HIGH"}) == {
        "scope": "FOREIGN",
        "severity": "HIGH",
    }
    with pytest.raises(InvalidInput):
        RISK_ALERT.validate({"scope": "ABROAD", "severity": "HIGH"})
    with pytest.raises(InvalidInput):
        RISK_ALERT.validate({"scope": "DOMESTIC"})
    assert RISK_ALERT.on == frozenset({SubjectType.PRODUCT})


# ------------------------------------------------------------------------------ in force
@pytest.mark.parametrize(
    ("as_of", "in_force"),
    [
        pytest.param(date(2020, 4, 21), False, id="发布日期-day-before-2020-04-22"),
        pytest.param(date(2020, 4, 22), True, id="发布日期-on-2020-04-22"),
        pytest.param(date(2020, 4, 23), True, id="发布日期-day-after"),
        pytest.param(date(2035, 1, 1), True, id="试行-no-end-date-years-later"),
    ],
)
def test_in_force_window(as_of: date, in_force: bool) -> None:
    b, _, _ = build([FURNITURE], [])
    if in_force:
        result = assess(POLICY, b.enterprise_subject(), as_of)
        assert result is not None and result.level == "A"
    else:
        with pytest.raises(PolicyNotInForce):
            assess(POLICY, b.enterprise_subject(), as_of)


# ------------------------------------------------------------------------------ scope (三1)
# Scope cases whose article no reason carries: gaps in the code (see uncited()).


@pytest.mark.parametrize(
    ("article", "category", "in_scope"),
    [
        pytest.param("三1", FURNITURE, True, id="三1-catalogue-category"),
        pytest.param("三1", "日用化学制品及卫生用品", True, id="三1-13th-category"),
        pytest.param("三1", "化妆品", False, id="三1-not-in-catalogue"),
        pytest.param("三1", None, False, id="三1-no-category"),
        pytest.param("三1", "童车", True, id="三1-catalogue-kind-mapped"),
        pytest.param("三1", "儿童用品/童车", True, id="三1-category-slash-kind"),
        pytest.param("三1", "美妆/口红", False, id="三1-slash-unknown-category"),
    ],
)
def test_product_scope(article: str, category: str | None, in_scope: bool) -> None:
    b, pids, _ = build([category], [])
    subject = b.product_subject(pids[0])
    result = assess(POLICY, subject, AS_OF)
    assert (result is not None) is in_scope
    assert_scope_cited(article, POLICY, subject, AS_OF, result)


def test_out_of_scope_reason_cites_article() -> None:
    b, pids, _ = build(["化妆品"], [])
    facts = b.product_subject(pids[0]).facts(AS_OF)
    reason = POLICY.out_of_scope(facts, POLICY.parameters.at(AS_OF))
    assert reason is not None and "三1" in reason and "化妆品" in reason
    b, _, _ = build(["化妆品", None], [])
    reason = POLICY.out_of_scope(b.enterprise_subject().facts(AS_OF), POLICY.parameters.at(AS_OF))
    assert reason is not None and "三1" in reason


@pytest.mark.parametrize(
    ("article", "products", "region", "in_scope"),
    [
        pytest.param(
            "三1",
            [FURNITURE],
            "330402",
            True,
            id="三1-enterprise-with-catalogue-product",
        ),
        pytest.param(
            "三1",
            ["化妆品", FURNITURE],
            "330483",
            True,
            id="三1-one-catalogued-product",
        ),
        pytest.param("三1", ["化妆品"], "330402", False, id="三1-enterprise-no-catalogue-product"),
        pytest.param("三1", [], "330402", False, id="三1-enterprise-without-products"),
        pytest.param("三1", [FURNITURE], "330400", True, id="三1-region-嘉兴市-itself"),
        pytest.param("三1", [FURNITURE], "440512", False, id="三1-region-outside-嘉兴"),
    ],
)
def test_enterprise_scope(article: str, products: list[str], region: str, in_scope: bool) -> None:
    b, _, _ = build(products, [], region=region)
    subject = b.enterprise_subject()
    result = assess(POLICY, subject, AS_OF)
    assert (result is not None) is in_scope
    assert_scope_cited(article, POLICY, subject, AS_OF, result)


def test_only_catalogued_products_drive_the_enterprise() -> None:
    # a non-catalogue product's failures still count as sampling results, but its tier does not
    # enter the mode matrix
    result = grade_enterprise(["化妆品", FURNITURE], AA_CONDITIONS)
    assert result is not None
    assert list(result.details["productTiers"].values()) == ["GENERAL"]


# ------------------------------------------------------------------------------ products (三2)
PRODUCT_CASES = [
    # 产品特点: base tier per category
    pytest.param("三2", FURNITURE, [], "GENERAL", id="三2-features-general-category"),
    pytest.param("三2", APPLIANCE, [], "ELEVATED", id="三2-features-elevated-category"),
    # 质量数据: failed samplings in the product quality window (3 years)
    pytest.param("三2", FURNITURE, [fail(IN_WINDOW)], "ELEVATED", id="三2-one-fail-on-anniversary"),
    pytest.param("三2", FURNITURE, [fail(OUT_OF_WINDOW)], "GENERAL", id="三2-fail-day-past-window"),
    pytest.param("三2", FURNITURE, [fail(), fail("2024-06-30")], "HIGH", id="三2-two-fails"),
    pytest.param(
        "三2",
        FURNITURE,
        [fail(OUT_OF_WINDOW), fail()],
        "ELEVATED",
        id="三2-second-fail-past-window",
    ),
    pytest.param("三2", FURNITURE, [fail(severity="SERIOUS")], "HIGH", id="三2-serious-fail"),
    pytest.param("三2", FURNITURE, [fail(severity="MINOR")], "ELEVATED", id="三2-minor-fail"),
    pytest.param(
        "三2",
        FURNITURE,
        [ev("SAMPLING_INSPECTION", "2023-01-01", 0, result="PASS")],
        "GENERAL",
        id="三2-passed-sampling",
    ),
    pytest.param("三2", APPLIANCE, [fail()], "ELEVATED", id="三2-fail-on-elevated-base"),
    pytest.param("三2", APPLIANCE, [fail(), fail()], "HIGH", id="三2-two-fails-elevated-base"),
    # 质量数据: 国内外质量安全风险预警 (1-year window, until)
    pytest.param(
        "三2",
        FURNITURE,
        [ev("RISK_ALERT", "2023-06-30", 0, scope="FOREIGN", severity="LOW")],
        "ELEVATED",
        id="三2-foreign-low-alert-on-anniversary",
    ),
    pytest.param(
        "三2",
        FURNITURE,
        [ev("RISK_ALERT", "2023-06-29", 0, scope="DOMESTIC", severity="HIGH")],
        "GENERAL",
        id="三2-alert-day-past-1-year",
    ),
    pytest.param(
        "三2",
        FURNITURE,
        [ev("RISK_ALERT", "2024-01-01", 0, scope="DOMESTIC", severity="HIGH")],
        "HIGH",
        id="三2-domestic-high-alert",
    ),
    pytest.param(
        "三2",
        FURNITURE,
        [ev("RISK_ALERT", "2024-01-01", 0, scope="FOREIGN", severity="MEDIUM")],
        "ELEVATED",
        id="三2-foreign-medium-alert",
    ),
    pytest.param(
        "三2",
        FURNITURE,
        [ev("RISK_ALERT", "2024-01-01", 0, scope="DOMESTIC", severity="HIGH", until="2024-06-29")],
        "GENERAL",
        id="三2-alert-lifted-day-before",
    ),
    pytest.param(
        "三2",
        FURNITURE,
        [ev("RISK_ALERT", "2024-01-01", 0, scope="DOMESTIC", severity="HIGH", until="2024-06-30")],
        "HIGH",
        id="三2-alert-lifted-on-grading-day-still-counts",
    ),
    # 敏感因子: users
    pytest.param("三2", CHILDREN, [], "ELEVATED", id="三2-sensitive-users-children"),
    pytest.param("三2", ELDERLY, [], "ELEVATED", id="三2-sensitive-users-elderly"),
    pytest.param("三2", "童车", [], "ELEVATED", id="三2-children-kind-via-catalogue"),
    pytest.param("三2", CHILDREN, [fail()], "HIGH", id="三2-children-plus-fail"),
    # 敏感因子: public attention (verified, 1 year)
    pytest.param(
        "三2",
        FURNITURE,
        [ev("PUBLIC_OPINION", "2023-06-30", 0, verified=True)],
        "ELEVATED",
        id="三2-attention-on-anniversary",
    ),
    pytest.param(
        "三2",
        FURNITURE,
        [ev("PUBLIC_OPINION", "2023-06-29", 0, verified=True)],
        "GENERAL",
        id="三2-attention-day-past-1-year",
    ),
    pytest.param(
        "三2",
        FURNITURE,
        [ev("PUBLIC_OPINION", "2024-01-01", 0, verified=False)],
        "GENERAL",
        id="三2-attention-unverified",
    ),
    pytest.param(
        "三2",
        APPLIANCE,
        [ev("PUBLIC_OPINION", "2024-01-01", 0, verified=True)],
        "HIGH",
        id="三2-attention-on-elevated-base",
    ),
    pytest.param(
        "三2",
        CHILDREN,
        [fail(), fail(), ev("PUBLIC_OPINION", "2024-01-01", 0, verified=True)],
        "HIGH",
        id="三2-capped-at-high",
    ),
]


@pytest.mark.parametrize(("article", "category", "events", "expected"), PRODUCT_CASES)
def test_product_tier(article: str, category: str, events: list[Ev], expected: str) -> None:
    result = grade_product(category, events)
    assert result is not None
    assert result.level == expected
    scope, *tiering = result.reasons
    assert scope.rule == "scope.catalogue" and scope.article == "三1"
    assert all(r.article == article for r in tiering)
    assert tiering[0].rule == "product.features"
    assert_cites(article, cited_articles(result))


def test_product_reasons_carry_events() -> None:
    b, pids, eids = build(
        [FURNITURE],
        [fail(), ev("RISK_ALERT", "2024-01-01", 0, scope="FOREIGN", severity="LOW")],
    )
    result = assess(POLICY, b.product_subject(pids[0]), AS_OF)
    assert result is not None
    by_rule = {r.rule: r for r in result.reasons}
    assert by_rule["product.quality.failed_sampling"].events == (eids[0],)
    assert by_rule["product.quality.risk_alert"].events == (eids[1],)
    assert "国外" in by_rule["product.quality.risk_alert"].text


def test_enterprise_events_do_not_reach_a_product() -> None:
    # a failure recorded on the enterprise (not on the product) is not the product's quality data
    assert grade_product(FURNITURE, [fail(product=None)]).level == "GENERAL"


# ---------------------------------------------------------------------- index (二2)
@pytest.mark.parametrize(
    ("category", "events", "index"),
    [
        pytest.param(FURNITURE, [], 100.0, id="二2-index-clean-general"),
        pytest.param(APPLIANCE, [], 90.0, id="二2-index-elevated-features"),
        pytest.param(FURNITURE, [fail()], 90.0, id="二2-index-minor-fail"),
        pytest.param(FURNITURE, [fail(severity="SERIOUS")], 75.0, id="二2-index-serious-fail"),
        pytest.param(CHILDREN, [], 95.0, id="二2-index-sensitive-users"),
        pytest.param(
            FURNITURE,
            [ev("RISK_ALERT", "2024-01-01", 0, scope="DOMESTIC", severity="HIGH")],
            80.0,
            id="二2-index-high-alert",
        ),
        pytest.param(
            FURNITURE,
            [ev("PUBLIC_OPINION", "2024-01-01", 0, verified=True)],
            90.0,
            id="二2-index-public-attention",
        ),
        pytest.param(
            APPLIANCE,
            [
                ev("RECOGNITION", "2020-01-01", 0, type="TRACEABILITY"),
                ev("RECOGNITION", "2020-01-01", 0, type="QMS_CERTIFIED"),
            ],
            100.0,
            id="二2-index-responsibility-bonus",
        ),
        pytest.param(FURNITURE, [fail() for _ in range(12)], 0.0, id="二2-index-floor-0"),
        pytest.param(
            FURNITURE,
            [ev("RECOGNITION", "2020-01-01", 0, type="TRACEABILITY")],
            100.0,
            id="二2-index-ceiling-100",
        ),
    ],
)
def test_quality_safety_index(category: str, events: list[Ev], index: float) -> None:
    result = grade_product(category, events)
    assert result is not None
    assert result.details["qualitySafetyIndex"] == index
    assert result.score is None


# -------------------------------------------------------------------------- enterprises (三3)
def listing(lst: str, until: str | None = None) -> Ev:
    attrs: dict[str, Any] = {"list": lst}
    if until:
        attrs["until"] = until
    return ev("LIST_ENTRY", "2023-01-01", **attrs)


ENTERPRISE_CASES = [
    pytest.param("三3", AA_CONDITIONS, "AA", id="三3-AA-clean-traceability-qms"),
    pytest.param("三3", [TRACE], "A", id="三3-A-no-qms"),
    pytest.param("三3", [QMS], "A", id="三3-A-no-traceability"),
    pytest.param("三3", [], "A", id="三3-A-clean-record"),
    pytest.param(
        "三3",
        [ev("RECOGNITION", "2020-05-01", type="TRACEABILITY", until="2024-06-29"), QMS],
        "A",
        id="三3-AA-traceability-expired-day-before",
    ),
    pytest.param(
        "三3",
        [ev("RECOGNITION", "2020-05-01", type="TRACEABILITY", until="2024-06-30"), QMS],
        "AA",
        id="三3-AA-traceability-valid-on-grading-day",
    ),
    pytest.param(
        "三3",
        [ev("RECOGNITION", "2020-05-01", 0, type="TRACEABILITY"), QMS],
        "A",
        id="三3-AA-needs-enterprise-level-traceability",
    ),
    pytest.param("三3", [*AA_CONDITIONS, fail(IN_WINDOW)], "B", id="三3-B-fail-on-anniversary"),
    pytest.param("三3", [*AA_CONDITIONS, fail(OUT_OF_WINDOW)], "AA", id="三3-fail-day-past-window"),
    pytest.param("三3", [fail(product=None)], "B", id="三3-B-fail-on-enterprise"),
    pytest.param("三3", [fail(severity="MINOR")], "B", id="三3-B-one-minor-fail"),
    pytest.param("三3", [fail(severity="SERIOUS")], "C", id="三3-C-serious-fail"),
    pytest.param("三3", [fail(), fail(IN_WINDOW)], "C", id="三3-C-two-fails"),
    pytest.param("三3", [fail(), fail(OUT_OF_WINDOW)], "B", id="三3-second-fail-past-window"),
    pytest.param(
        "三3",
        [*AA_CONDITIONS, ev("SAMPLING_INSPECTION", "2023-01-01", 0, result="PASS")],
        "AA",
        id="三3-passed-samplings",
    ),
    # 四2 一是 violations
    pytest.param("四2 一是", [ev("COUNTERFEIT", IN_WINDOW)], "C", id="四2一是-counterfeit"),
    pytest.param(
        "四2 一是", [ev("COUNTERFEIT", OUT_OF_WINDOW)], "A", id="四2一是-counterfeit-past-window"
    ),
    pytest.param(
        "四2 一是",
        [ev("ENFORCEMENT_FINDING", "2023-01-01", violation="UNLICENSED_PRODUCTION")],
        "C",
        id="四2一是-unlicensed-production",
    ),
    pytest.param(
        "四2 一是",
        [ev("ENFORCEMENT_FINDING", "2023-01-01", violation="IP_INFRINGEMENT")],
        "C",
        id="四2一是-ip-infringement",
    ),
    pytest.param(
        "四2 一是",
        [ev("ENFORCEMENT_FINDING", "2023-01-01", violation="SERIOUS_QUALITY_VIOLATION")],
        "C",
        id="四2一是-serious-quality-violation",
    ),
    pytest.param(
        "四2 一是",
        [ev("ADMINISTRATIVE_PENALTY", "2023-01-01", measure="LICENCE_REVOKED")],
        "C",
        id="四2一是-licence-revoked",
    ),
    pytest.param(
        "四2 一是",
        [ev("ADMINISTRATIVE_PENALTY", "2023-01-01", measure="FINE", criminalReferral=True)],
        "C",
        id="四2一是-criminal-referral",
    ),
    pytest.param(
        "四2 一是",
        [*AA_CONDITIONS, ev("ADMINISTRATIVE_PENALTY", "2023-01-01", measure="FINE")],
        "AA",
        id="四2一是-ordinary-fine-no-effect",
    ),
    pytest.param("四2 一是", [listing("BLACKLIST")], "C", id="四2一是-blacklisted"),
    pytest.param("四2 一是", [listing("SERIOUS_DISHONESTY")], "C", id="四2一是-serious-dishonesty"),
    pytest.param(
        "四2 一是", [listing("BLACKLIST", "2024-06-30")], "C", id="四2一是-listing-ends-today"
    ),
    pytest.param(
        "四2 一是", [listing("BLACKLIST", "2024-06-29")], "A", id="四2一是-listing-ended-yesterday"
    ),
    pytest.param(
        "四2 一是", [listing("ABNORMAL_OPERATION")], "A", id="四2一是-abnormal-operation-not-C"
    ),
    # 四2 三是 日常监管、投诉举报
    pytest.param(
        "四2 三是",
        [*AA_CONDITIONS, ev("SUPERVISION_CHECK", IN_WINDOW, result="FAIL")],
        "B",
        id="四2三是-failed-check",
    ),
    pytest.param(
        "四2 三是",
        [*AA_CONDITIONS, ev("SUPERVISION_CHECK", "2023-01-01", result="REFUSED")],
        "B",
        id="四2三是-refused-check",
    ),
    pytest.param(
        "四2 三是",
        [*AA_CONDITIONS, ev("SUPERVISION_CHECK", OUT_OF_WINDOW, result="FAIL")],
        "AA",
        id="四2三是-failed-check-past-window",
    ),
    pytest.param(
        "四2 三是",
        [*AA_CONDITIONS, ev("SUPERVISION_CHECK", "2023-01-01", result="PASS")],
        "AA",
        id="四2三是-passed-check",
    ),
    pytest.param(
        "四2 三是",
        [*AA_CONDITIONS, ev("COMPLAINT", "2023-01-01", verified=True)],
        "B",
        id="四2三是-verified-complaint",
    ),
    pytest.param(
        "四2 三是",
        [*AA_CONDITIONS, ev("COMPLAINT", "2023-01-01", verified=True, enterpriseResponsible=False)],
        "AA",
        id="四2三是-complaint-not-enterprise-responsibility",
    ),
    pytest.param(
        "四2 三是",
        [*AA_CONDITIONS, ev("COMPLAINT", "2023-01-01", verified=False)],
        "AA",
        id="四2三是-unverified-complaint",
    ),
]


@pytest.mark.parametrize(("article", "events", "expected"), ENTERPRISE_CASES)
def test_enterprise_class(article: str, events: list[Ev], expected: str) -> None:
    result = grade_enterprise([FURNITURE], events)
    assert result is not None
    assert result.level == expected
    assert result.reasons, "every grade explains itself"
    if expected in {"B", "C"}:
        assert any(r.article == article for r in result.reasons)
    assert_cites(article, cited_articles(result))


# 屡查屡犯: three offences in the three-year window (四2 一是)
@pytest.mark.parametrize(
    ("events", "repeat"),
    [
        pytest.param(
            [fail(), fail(), ev("SUPERVISION_CHECK", IN_WINDOW, result="FAIL")],
            True,
            id="四2一是-three-offences-third-on-anniversary",
        ),
        pytest.param(
            [fail(), fail(), ev("SUPERVISION_CHECK", OUT_OF_WINDOW, result="FAIL")],
            False,
            id="四2一是-third-offence-day-past-window",
        ),
        pytest.param([fail(), fail()], False, id="四2一是-two-offences-not-repeat"),
        pytest.param(
            [
                fail(),
                ev("COUNTERFEIT", "2023-02-01"),
                ev("ENFORCEMENT_FINDING", "2023-03-01", violation="IP_INFRINGEMENT"),
            ],
            True,
            id="四2一是-mixed-offences",
        ),
    ],
)
def test_repeat_offender(events: list[Ev], repeat: bool) -> None:
    b, _, eids = build([FURNITURE], events)
    result = assess(POLICY, b.enterprise_subject(), AS_OF)
    assert result is not None and result.level == "C"
    assert result.details["repeatOffender"] is repeat
    assert result.details["blacklisted"] is repeat
    kinds = {m.kind for m in result.supervision}
    assert (MeasureKind.BLACKLIST in kinds) is repeat
    assert (MeasureKind.PUBLIC_EXPOSURE in kinds) is repeat
    public = next(d for d in result.publicity if d.audience is Audience.PUBLIC)
    assert public.allowed is repeat and public.needs_review is repeat
    if repeat:
        rule = next(r for r in result.reasons if r.rule == "class.c.repeat_offender")
        assert rule.article == "四2 一是"
        assert set(rule.events) <= set(eids) and len(rule.events) == 3


def test_blacklist_entry_alone_is_public_but_not_repeat() -> None:
    result = grade_enterprise([FURNITURE], [listing("BLACKLIST")])
    assert result is not None and result.level == "C"
    assert result.details["repeatOffender"] is False
    public = next(d for d in result.publicity if d.audience is Audience.PUBLIC)
    assert public.allowed is False  # exposure follows 屡查屡犯, not any listing


# ---------------------------------------------------------------------- blockers
def test_blockers_per_class() -> None:
    aa = grade_enterprise([FURNITURE], AA_CONDITIONS)
    assert aa is not None and aa.level == "AA" and aa.blockers == ()
    a = grade_enterprise([FURNITURE], [TRACE])
    assert a is not None and [r.rule for r in a.blockers] == ["class.aa.qms"]
    a = grade_enterprise([FURNITURE], [])
    assert {r.rule for r in a.blockers} == {"class.aa.traceability", "class.aa.qms"}
    b_, _, eids = build([FURNITURE], [fail()])
    b_grade = assess(POLICY, b_.enterprise_subject(), AS_OF)
    assert [(r.rule, r.events) for r in b_grade.blockers] == [
        ("class.b.failed_sampling", (eids[0],))
    ]
    c = grade_enterprise([FURNITURE], [fail(severity="SERIOUS"), ev("COUNTERFEIT", "2023-01-01")])
    assert c is not None
    assert {r.rule for r in c.blockers} == {"class.c.serious_failure", "class.c.counterfeit"}
    assert all(r.article and r.events for r in c.blockers)


def test_product_blockers() -> None:
    assert grade_product(FURNITURE, []).blockers == ()
    # features alone hold 较高风险: nothing to fix, but the reason is named
    assert [r.rule for r in grade_product(APPLIANCE, []).blockers] == ["product.features"]
    # children + one failure = 高风险; without the failure 较高风险: the failure is the blocker
    high = grade_product(CHILDREN, [fail()])
    assert [r.rule for r in high.blockers] == ["product.quality.failed_sampling"]
    # two independent causes each holding 高风险: both must go
    both = grade_product(
        FURNITURE,
        [
            fail(severity="SERIOUS"),
            ev("RISK_ALERT", "2024-01-01", 0, scope="DOMESTIC", severity="HIGH"),
        ],
    )
    assert {r.rule for r in both.blockers} == {
        "product.quality.serious_failure",
        "product.quality.risk_alert",
    }
    # failure floor + attention step together make 高风险: removing either lowers it
    joint = grade_product(FURNITURE, [fail(), ev("PUBLIC_OPINION", "2024-01-01", 0, verified=True)])
    assert joint.level == "HIGH"
    assert {r.rule for r in joint.blockers} == {
        "product.quality.failed_sampling",
        "product.sensitivity.public_attention",
    }


# ---------------------------------------------------------------------- corrections
@pytest.mark.parametrize(
    ("action", "on", "expected"),
    [
        pytest.param("REVOKE", "2024-01-01", "AA", id="correction-revoke-restores-AA"),
        pytest.param("ERRONEOUS", "2024-01-01", "AA", id="correction-erroneous-restores-AA"),
        pytest.param("REPAIR", "2024-06-30", "AA", id="correction-repair-from-its-date"),
        pytest.param("REPAIR", "2024-07-01", "B", id="correction-repair-after-grading-date"),
    ],
)
def test_corrections(action: str, on: str, expected: str) -> None:
    b, _, eids = build([FURNITURE], [*AA_CONDITIONS, fail()])
    b.correct(eids[-1], action, on=on)
    result = assess(POLICY, b.enterprise_subject(), AS_OF)
    assert result is not None and result.level == expected


def test_amend_serious_to_minor() -> None:
    b, pids, eids = build([FURNITURE], [fail(severity="SERIOUS")])
    assert assess(POLICY, b.enterprise_subject(), AS_OF).level == "C"
    assert assess(POLICY, b.product_subject(pids[0]), AS_OF).level == "HIGH"
    b.correct(eids[0], "AMEND", on="2024-02-01", changes={"severity": "MINOR"})
    assert assess(POLICY, b.enterprise_subject(), AS_OF).level == "B"
    assert assess(POLICY, b.product_subject(pids[0]), AS_OF).level == "ELEVATED"


# ------------------------------------------------------------------ supervision (四1–2)
def measures(a: Assessment) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for m in a.supervision:
        out.setdefault(str(m.kind), []).append(m)
    return out


MATRIX_CASES = [
    # 一般风险 row: AA 信用 / A 责任 / B 常态 / C 加严
    pytest.param(FURNITURE, AA_CONDITIONS, ("PRODUCER",), "AA", "CREDIT", 0, id="四1-general-AA"),
    pytest.param(FURNITURE, [], ("PRODUCER",), "A", "RESPONSIBILITY", 1, id="四1-general-A"),
    pytest.param(
        FURNITURE, [fail(product=None)], ("PRODUCER",), "B", "ROUTINE", 2, id="四1-general-B"
    ),
    pytest.param(
        FURNITURE,
        [fail(product=None), fail(product=None)],
        ("PRODUCER",),
        "C",
        "STRICT",
        4,
        id="四1-general-C",
    ),
    # 较高风险 row: one step stricter
    pytest.param(
        APPLIANCE, AA_CONDITIONS, ("PRODUCER",), "AA", "RESPONSIBILITY", 1, id="四1-elevated-AA"
    ),
    pytest.param(APPLIANCE, [], ("PRODUCER",), "A", "ROUTINE", 2, id="四1-elevated-A"),
    pytest.param(APPLIANCE, [fail()], ("PRODUCER",), "B", "STRICT", 4, id="四1-elevated-B"),
    # 高风险: producers always 加严 (四1 二是), even AA
    pytest.param(
        APPLIANCE,
        [*AA_CONDITIONS, ev("RISK_ALERT", "2024-01-01", 0, scope="DOMESTIC", severity="HIGH")],
        ("PRODUCER",),
        "AA",
        "STRICT",
        4,
        id="四1二是-high-risk-producer-AA-strict",
    ),
    pytest.param(
        APPLIANCE,
        [*AA_CONDITIONS, ev("RISK_ALERT", "2024-01-01", 0, scope="DOMESTIC", severity="HIGH")],
        ("SELLER",),
        "AA",
        "RESPONSIBILITY",
        1,
        id="四1二是-high-risk-seller-uses-elevated-row",
    ),
]


@pytest.mark.parametrize(("category", "events", "roles", "level", "mode", "per_year"), MATRIX_CASES)
def test_supervision_mode_matrix(
    category: str, events: list[Ev], roles: tuple[str, ...], level: str, mode: str, per_year: int
) -> None:
    result = grade_enterprise([category], events, roles=roles)
    assert result is not None and result.level == level
    assert result.details["supervisionMode"] == mode
    m = measures(result)
    assert len(m["SUPERVISION_MODE"]) == 1
    freq = m[MeasureKind.INSPECTION_FREQUENCY][0]
    assert freq.min_per_year == per_year and freq.article == "四1 一是"
    assert "行业专项整治" in freq.text
    assert (MeasureKind.INTERVIEW in m) is (mode == "STRICT")
    if result.details["governingProductTier"] == "HIGH" and "PRODUCER" in roles:
        assert m["SUPERVISION_MODE"][0].article == "四1 二是"
    assert all(x.article for x in result.supervision)


def test_worst_product_governs_the_matrix() -> None:
    result = grade_enterprise([FURNITURE, APPLIANCE], AA_CONDITIONS)
    assert result is not None
    assert result.details["governingProductTier"] == "ELEVATED"
    assert result.details["supervisionMode"] == "RESPONSIBILITY"


@pytest.mark.parametrize(
    ("category", "events", "colour"),
    [
        pytest.param(FURNITURE, AA_CONDITIONS, "green", id="二2-health-code-AA-green"),
        pytest.param(FURNITURE, [], "green", id="二2-health-code-A-green"),
        pytest.param(FURNITURE, [fail()], "yellow", id="二2-health-code-B-yellow"),
        pytest.param(FURNITURE, [fail(), fail()], "red", id="二2-health-code-C-red"),
        pytest.param(
            FURNITURE,
            [*AA_CONDITIONS, ev("RISK_ALERT", "2024-01-01", 0, scope="FOREIGN", severity="HIGH")],
            "yellow",
            id="二2-health-code-AA-high-risk-product-yellow",
        ),
        pytest.param(
            FURNITURE,
            [fail(severity="SERIOUS")],
            "red",
            id="二2-health-code-C-high-risk-stays-red",
        ),
    ],
)
def test_health_code(category: str, events: list[Ev], colour: str) -> None:
    result = grade_enterprise([category], events)
    assert result is not None
    assert result.details["healthCode"] == colour
    code = measures(result)["HEALTH_CODE"][0]
    assert code.color == colour and code.article == "二2"


def test_enforcement_and_trusted_consumption_measures() -> None:
    c = grade_enterprise([FURNITURE], [ev("COUNTERFEIT", "2023-01-01")])
    m = measures(c)
    assert m[MeasureKind.ENFORCEMENT][0].article == "四2 一是"
    assert MeasureKind.BLACKLIST not in m  # one offence is not 屡查屡犯
    aa = measures(grade_enterprise([FURNITURE], AA_CONDITIONS))
    assert aa[MeasureKind.INCENTIVE][0].article == "四2 三是"
    assert MeasureKind.ENFORCEMENT not in aa
    a = measures(grade_enterprise([FURNITURE], []))
    assert MeasureKind.INCENTIVE not in a and MeasureKind.WARNING not in a
    # a 放心消费单位 that fell to B is flagged for review
    b = measures(
        grade_enterprise(
            [FURNITURE], [ev("RECOGNITION", "2020-01-01", type="TRUSTED_CONSUMPTION"), fail()]
        )
    )
    assert b[MeasureKind.WARNING][0].article == "四2 三是"
    for result in (aa, a, b, m):
        assert result["INFORMATION_SHARING"][0].article == "四2 三是、四是"


@pytest.mark.parametrize(
    ("category", "events", "tier", "per_year", "strict"),
    [
        pytest.param(FURNITURE, [], "GENERAL", 0, False, id="四1二是-product-general"),
        pytest.param(APPLIANCE, [], "ELEVATED", 1, False, id="四1二是-product-elevated"),
        pytest.param(
            FURNITURE, [fail(severity="SERIOUS")], "HIGH", 2, True, id="四1二是-product-high"
        ),
    ],
)
def test_product_supervision(
    category: str, events: list[Ev], tier: str, per_year: int, strict: bool
) -> None:
    result = grade_product(category, events)
    assert result is not None and result.level == tier
    m = measures(result)
    assert m[MeasureKind.INSPECTION_FREQUENCY][0].min_per_year == per_year
    assert ("加严监管" in m["SUPERVISION_MODE"][0].text) is strict
    assert (MeasureKind.KEY_INSPECTION_LIST in m) is strict
    assert all(x.article.startswith("四1") for x in result.supervision)


# ------------------------------------------------------------------------ publicity
EXPECTED_PUBLICITY = {
    Audience.PUBLIC: (False, False, "四2 一是、三是"),
    Audience.SUBJECT: (True, False, "local default"),
    Audience.DEPARTMENT: (True, False, "四2 四是"),
    Audience.INDUSTRY: (False, False, "local default"),
    Audience.REGULATOR: (True, False, "四3"),
}


@pytest.mark.parametrize(
    ("subject", "events"),
    [
        pytest.param("enterprise", AA_CONDITIONS, id="publicity-AA"),
        pytest.param("enterprise", [fail(), fail()], id="publicity-C-not-repeat"),
        pytest.param("product", [fail(severity="SERIOUS")], id="publicity-high-risk-product"),
    ],
)
def test_publicity_per_audience(subject: str, events: list[Ev]) -> None:
    result = (
        grade_enterprise([FURNITURE], events)
        if subject == "enterprise"
        else grade_product(FURNITURE, events)
    )
    assert result is not None
    assert {d.audience for d in result.publicity} == set(Audience)
    for d in result.publicity:
        assert (d.allowed, d.needs_review, d.article) == EXPECTED_PUBLICITY[d.audience]
        assert d.text
    subject_text = next(d.text for d in result.publicity if d.audience is Audience.SUBJECT)
    assert "local default" in subject_text


def test_department_sharing_names_the_departments() -> None:
    result = grade_enterprise([FURNITURE], [])
    dept = next(d for d in result.publicity if d.audience is Audience.DEPARTMENT)
    assert all(name in dept.text for name in ("发改", "税务", "科技"))


def test_industry_disclosure_follows_the_parameter() -> None:
    policy = JiaxingPolicy(POLICY.parameters.with_overrides({"industry_disclosure_allowed": True}))
    b, _, _ = build([FURNITURE], [])
    result = assess(policy, b.enterprise_subject(), AS_OF)
    industry = next(d for d in result.publicity if d.audience is Audience.INDUSTRY)
    assert industry.allowed and industry.needs_review


# ------------------------------------------------------------------------ parameters used
def test_parameters_drive_the_rules() -> None:
    params = POLICY.parameters.with_overrides(
        {"c_min_failed_samplings": 3, "product_failures_for_high": 3}
    )
    policy = JiaxingPolicy(params)
    b, pids, _ = build([FURNITURE], [fail(), fail()])
    assert assess(policy, b.enterprise_subject(), AS_OF).level == "B"
    assert assess(policy, b.product_subject(pids[0]), AS_OF).level == "ELEVATED"
    wider = JiaxingPolicy(
        POLICY.parameters.with_overrides(
            {"catalogue_categories": ["化妆品"], "product_base_tier": {}}
        )
    )
    b, pids, _ = build(["化妆品"], [])
    assert assess(wider, b.product_subject(pids[0]), AS_OF).level == "GENERAL"


# ------------------------------------------------------------------- region colours (三4)
REGION_CASES = [
    # red: C ≥ 10 %
    pytest.param({"C": 1, "A": 9}, "red", id="三4-C-exactly-10pct-red"),
    pytest.param({"C": 1, "A": 10}, "yellow", id="三4-C-9.1pct-yellow"),
    # yellow: C ≥ 5 %
    pytest.param({"C": 1, "A": 19}, "yellow", id="三4-C-exactly-5pct-yellow"),
    pytest.param({"C": 1, "A": 20}, "green", id="三4-C-4.8pct-green"),
    # yellow: B+C ≥ 30 %
    pytest.param({"B": 3, "A": 7}, "yellow", id="三4-BC-exactly-30pct-yellow"),
    pytest.param({"B": 3, "A": 8}, "blue", id="三4-BC-27pct-blue"),
    # blue: B+C ≥ 15 %
    pytest.param({"B": 3, "AA": 17}, "blue", id="三4-BC-exactly-15pct-blue"),
    pytest.param({"B": 3, "AA": 18}, "green", id="三4-BC-14pct-green"),
    pytest.param({"B": 2, "C": 1, "A": 17}, "yellow", id="三4-BC-sum-with-C-5pct"),
    # red: HIGH ≥ 20 %
    pytest.param({"HIGH": 1, "GENERAL": 4}, "red", id="三4-HIGH-exactly-20pct-red"),
    pytest.param({"HIGH": 1, "GENERAL": 5}, "yellow", id="三4-HIGH-16.7pct-yellow"),
    # yellow: HIGH ≥ 10 %
    pytest.param({"HIGH": 1, "GENERAL": 9}, "yellow", id="三4-HIGH-exactly-10pct-yellow"),
    pytest.param({"HIGH": 1, "GENERAL": 10}, "green", id="三4-HIGH-9.1pct-green"),
    # blue: HIGH+ELEVATED ≥ 30 %
    pytest.param({"ELEVATED": 3, "GENERAL": 7}, "blue", id="三4-HE-exactly-30pct-blue"),
    pytest.param({"ELEVATED": 3, "GENERAL": 8}, "green", id="三4-HE-27pct-green"),
    # both vocabularies: each share is of its own kind of subject
    pytest.param({"A": 10, "HIGH": 1, "GENERAL": 4}, "red", id="三4-mixed-products-red"),
    pytest.param({"AA": 5, "A": 5}, "green", id="三4-all-good-green"),
    pytest.param({"C": 1, "A": 9, "UNKNOWN": 5}, "red", id="三4-unknown-codes-ignored"),
]


@pytest.mark.parametrize(("counts", "colour"), REGION_CASES)
def test_region_colour(counts: dict[str, int], colour: str) -> None:
    result = POLICY.region_colour(counts, POLICY.parameters.at(AS_OF))
    assert result is not None
    assert result.colour == colour
    assert result.reasons and result.reasons[0].article == "三4"
    assert all(0.0 <= s <= 1.0 for s in result.shares.values())


@pytest.mark.parametrize(
    "counts", [pytest.param({}, id="三4-empty"), pytest.param({"A": 0, "HIGH": 0}, id="三4-zeros")]
)
def test_region_without_subjects_is_not_coloured(counts: dict[str, int]) -> None:
    assert POLICY.region_colour(counts, POLICY.parameters.at(AS_OF)) is None


def test_region_counts_must_be_whole_and_non_negative() -> None:
    with pytest.raises(ValueError):
        POLICY.region_colour({"A": -1, "C": 2}, POLICY.parameters.at(AS_OF))


# ------------------------------------------------------------------ property tests
EVENT_DAYS = st.dates(min_value=date(2019, 1, 1), max_value=AS_OF)


@st.composite
def adverse_or_neutral_event(draw: st.DrawFn) -> Ev:
    on = draw(EVENT_DAYS).isoformat()
    product = draw(st.sampled_from([0, 1, None]))
    choice = draw(st.integers(0, 8))
    if choice == 0:
        return ev(
            "SAMPLING_INSPECTION",
            on,
            product,
            result=draw(st.sampled_from(["PASS", "FAIL"])),
            severity=draw(st.sampled_from(["MINOR", "SERIOUS"])),
        )
    if choice == 1:
        return ev(
            "SUPERVISION_CHECK", on, result=draw(st.sampled_from(["PASS", "FAIL", "REFUSED"]))
        )
    if choice == 2:
        return ev("COMPLAINT", on, product, verified=draw(st.booleans()))
    if choice == 3:
        return ev("PUBLIC_OPINION", on, product if product is not None else 0, verified=True)
    if choice == 4:
        return ev(
            "RISK_ALERT",
            on,
            product if product is not None else 0,
            scope=draw(st.sampled_from(["DOMESTIC", "FOREIGN"])),
            severity=draw(st.sampled_from(["HIGH", "MEDIUM", "LOW"])),
        )
    if choice == 5:
        return ev("RECOGNITION", on, type=draw(st.sampled_from(["TRACEABILITY", "QMS_CERTIFIED"])))
    if choice == 6:
        return ev("COUNTERFEIT", on)
    if choice == 7:
        return ev("LIST_ENTRY", on, list=draw(st.sampled_from(["BLACKLIST", "ABNORMAL_OPERATION"])))
    return ev(
        "ADMINISTRATIVE_PENALTY", on, measure=draw(st.sampled_from(["FINE", "LICENCE_REVOKED"]))
    )


HISTORIES = st.lists(adverse_or_neutral_event(), max_size=8)
CATEGORIES = [FURNITURE, CHILDREN]


def ranks(events: list[Ev]) -> tuple[int, int, int]:
    b, pids, _ = build(CATEGORIES, events)
    ent = assess(POLICY, b.enterprise_subject(), AS_OF)
    p0 = assess(POLICY, b.product_subject(pids[0]), AS_OF)
    p1 = assess(POLICY, b.product_subject(pids[1]), AS_OF)
    return level_rank(ent), level_rank(p0), level_rank(p1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    HISTORIES,
    EVENT_DAYS,
    st.sampled_from([0, 1, None]),
    st.sampled_from(["MINOR", "SERIOUS"]),
)
def test_a_failed_sampling_never_improves_a_grade(
    events: list[Ev], on: date, product: int | None, severity: str
) -> None:
    before = ranks(events)
    after = ranks([*events, fail(on.isoformat(), product, severity=severity)])
    assert all(a >= b for a, b in zip(after, before, strict=True))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HISTORIES, st.data())
def test_revoking_an_event_equals_grading_without_it(events: list[Ev], data: st.DataObject) -> None:
    if not events:
        return
    i = data.draw(st.integers(0, len(events) - 1))
    b, pids, eids = build(CATEGORIES, events)
    b.correct(eids[i], "REVOKE", on=AS_OF.isoformat())
    without, wpids, _ = build(CATEGORIES, events[:i] + events[i + 1 :])
    pairs = [
        (b.enterprise_subject(), without.enterprise_subject()),
        (b.product_subject(pids[0]), without.product_subject(wpids[0])),
        (b.product_subject(pids[1]), without.product_subject(wpids[1])),
    ]
    for revoked, clean in pairs:
        x, y = assess(POLICY, revoked, AS_OF), assess(POLICY, clean, AS_OF)
        assert (x.level, x.details.get("healthCode"), x.details.get("supervisionMode")) == (
            y.level,
            y.details.get("healthCode"),
            y.details.get("supervisionMode"),
        )
        assert [r.rule for r in x.reasons] == [r.rule for r in y.reasons]
        assert x.supervision == y.supervision and x.publicity == y.publicity


def test_failures_of_non_catalogue_products_still_count_for_the_class() -> None:
    result = grade_enterprise(["化妆品", FURNITURE], [*AA_CONDITIONS, fail(product=0)])
    assert result is not None and result.level == "B"
    assert result.details["governingProductTier"] == "GENERAL"


COLOUR_ORDER = ["green", "blue", "yellow", "red"]


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["AA", "A", "B", "C", "GENERAL", "ELEVATED", "HIGH"]),
        st.integers(0, 40),
        min_size=1,
    ),
    st.sampled_from(["C", "HIGH"]),
)
def test_a_worse_subject_never_improves_a_region(counts: dict[str, int], worst: str) -> None:
    params = POLICY.parameters.at(AS_OF)
    before = POLICY.region_colour(counts, params)
    after = POLICY.region_colour({**counts, worst: counts.get(worst, 0) + 1}, params)
    assert after is not None
    if before is not None:
        assert COLOUR_ORDER.index(after.colour) >= COLOUR_ORDER.index(before.colour)
