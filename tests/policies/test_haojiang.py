"""濠江 产品质量信用分类监管工作方案 (2023-12-18) — cases read off the text, item by item."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qcredit.core.contract import Assessment, Audience, MeasureKind
from qcredit.core.errors import PolicyNotInForce
from qcredit.core.grading.assess import assess
from qcredit.core.testing import SubjectBuilder
from qcredit.policies.haojiang import HaojiangPolicy
from qcredit.policies.haojiang.categories import category

from .citations import assert_cites, assert_mentions, cited_articles

POLICY = HaojiangPolicy()
REGION = "440512"
ON = "2024-06-01"
RANK = {lv.code: lv.rank for lv in POLICY.levels}
EXCLUDED = ["食品", "食品添加剂", "化妆品", "计量器具", "特种设备"]


def builder(region: str = REGION) -> SubjectBuilder:
    return SubjectBuilder(region_code=region, roles=("PRODUCER", "SELLER"))


def grade_enterprise(
    b: SubjectBuilder, on: str = ON, overrides: dict[str, Any] | None = None
) -> Assessment | None:
    params = POLICY.parameters.with_overrides(overrides) if overrides else None
    return assess(POLICY, b.enterprise_subject(), date.fromisoformat(on), parameters=params)


def grade_product(
    b: SubjectBuilder, pid: int, on: str = ON, overrides: dict[str, Any] | None = None
) -> Assessment | None:
    params = POLICY.parameters.with_overrides(overrides) if overrides else None
    return assess(POLICY, b.product_subject(pid), date.fromisoformat(on), parameters=params)


def rules(a: Assessment) -> set[str]:
    return {r.rule for r in a.reasons}


# --- 三（一） with 五（二）: categories ----------------------------------------------------
POINT_CASES = [
    pytest.param("三（一）", [12], "A", id="三（一）-exactly-12-is-A（以上含本数）"),
    pytest.param("三（一）", [12.5], "A", id="三（一）-12.5-is-A"),
    pytest.param("三（一）", [30], "A", id="三（一）-30-is-A"),
    pytest.param("三（一）", [11.5], "B", id="三（一）-11.5-is-B（不满不含本数）"),
    pytest.param("三（一）", [11], "B", id="三（一）-11-is-B"),
    pytest.param("三（一）", [7], "B", id="三（一）-7-is-B"),
    pytest.param("三（一）", [6.5], "B", id="三（一）-6.5-is-B"),
    pytest.param("三（一）", [6], "C", id="三（一）-exactly-6-is-C（高于不含本数）"),
    pytest.param("三（一）", [5], "C", id="三（一）-5-is-C"),
    pytest.param("三（一）", [1], "C", id="三（一）-1-is-C"),
    pytest.param("三（一）", [0.5], "C", id="三（一）-0.5-is-C"),
    pytest.param("三（一）", [0], "D", id="三（一）-exactly-0-is-D（以下含本数）"),
    pytest.param("三（一）", [-0.5], "D", id="三（一）-minus-0.5-is-D"),
    pytest.param("三（一）", [-1], "D", id="三（一）-minus-1-is-D"),
    pytest.param("三（一）", [], "O", id="三（一）-no-points-is-O"),
    pytest.param("三（一）", [10, 2], "A", id="三（一）-cumulative-10+2-is-A"),
    pytest.param("三（一）", [10, 3, -1], "A", id="三（一）-cumulative-12-with-deduction-A"),
    pytest.param("三（一）", [10, 3, -2], "B", id="三（一）-cumulative-11-is-B"),
    pytest.param("三（一）", [4, -4], "D", id="三（一）-cumulative-0-is-D-not-O"),
]


@pytest.mark.parametrize(("article", "points", "level"), POINT_CASES)
def test_operator_category(article: str, points: list[float], level: str) -> None:
    b = builder()
    for i, p in enumerate(points):
        b.event("QUALITY_CREDIT_POINTS", f"2024-0{i + 1}-01", points=p, rule="粤规范")
    result = grade_enterprise(b)
    assert result is not None
    assert result.level == level
    assert (result.score is None) is (level == "O")
    if points:
        assert result.score == pytest.approx(sum(points))
    category_reason = next(r for r in result.reasons if r.rule == f"category.{level}")
    assert category_reason.article.startswith("三（一）")
    assert_cites(article, cited_articles(result))


@pytest.mark.parametrize(("article", "points", "level"), POINT_CASES)
def test_product_category(article: str, points: list[float], level: str) -> None:
    b = builder()
    pid = b.product("海湾牌", 11, "灯具")
    for i, p in enumerate(points):
        b.event("QUALITY_CREDIT_POINTS", f"2024-0{i + 1}-01", product=pid, points=p)
    result = grade_product(b, pid)
    assert result is not None
    assert result.level == level
    assert result.subject_type.value == "PRODUCT"
    assert_cites(article, cited_articles(result))


@pytest.mark.parametrize(
    ("points", "level"),
    [
        (12, "A"),
        (11.99, "B"),
        (6.01, "B"),
        (6, "C"),
        (0.01, "C"),
        (0, "D"),
        (-100, "D"),
        (None, "O"),
    ],
)
def test_category_function_boundaries(points: float | None, level: str) -> None:
    assert category(points, POLICY.parameters.at(date(2024, 1, 1))) == level


def test_thresholds_cite_the_text() -> None:
    params = POLICY.parameters
    for name in (
        "a_min_points",
        "b_above_points",
        "b_below_points",
        "c_above_points",
        "c_max_points",
        "d_max_points",
    ):
        p = params.get(name, date(2024, 1, 1))
        assert p.source == "三（一）" and "五（二）" in p.note


# --- 二（二）: products and operators are separate scored objects -----------------------
def test_product_points_do_not_grade_the_operator_by_default() -> None:
    b = builder()
    pid = b.product("海湾牌", 11, "灯具")
    b.event("QUALITY_CREDIT_POINTS", "2024-01-01", product=pid, points=12)
    assert grade_product(b, pid).level == "A"
    operator = grade_enterprise(b)
    assert operator.level == "O"
    assert operator.details["scoredObject"] == "operator"


def test_operator_points_do_not_grade_its_products() -> None:
    b = builder()
    pid = b.product("海湾牌", 11, "灯具")
    b.event("QUALITY_CREDIT_POINTS", "2024-01-01", points=-3)
    assert grade_enterprise(b).level == "D"
    assert grade_product(b, pid).level == "O"


def test_two_products_scored_separately() -> None:
    b = builder()
    lamp = b.product("海湾牌", 11, "灯具")
    cable = b.product("海湾牌", 9, "电线电缆")  # same trademark, other Nice class: other object
    b.event("QUALITY_CREDIT_POINTS", "2024-01-01", product=lamp, points=12)
    b.event("QUALITY_CREDIT_POINTS", "2024-01-01", product=cable, points=3)
    assert grade_product(b, lamp).level == "A"
    assert grade_product(b, cable).level == "C"


def test_operator_may_include_product_points_by_parameter() -> None:
    b = builder()
    lamp = b.product("海湾牌", 11, "灯具")
    food = b.product("海湾牌", 30, "食品")
    b.event("QUALITY_CREDIT_POINTS", "2024-01-01", product=lamp, points=8)
    b.event("QUALITY_CREDIT_POINTS", "2024-01-01", product=food, points=-20)  # excluded product
    b.event("QUALITY_CREDIT_POINTS", "2024-02-01", points=4)
    result = grade_enterprise(b, overrides={"operator_includes_product_points": True})
    assert result.score == 12 and result.level == "A"
    assert grade_enterprise(b).score == 4


# --- 二（一）: points recorded by the bureau; derived points behind a switch -----------
def test_ordinary_events_give_no_points_by_default() -> None:
    b = builder()
    b.event("SAMPLING_INSPECTION", "2024-01-01", result="FAIL", severity="SERIOUS")
    b.event("ADMINISTRATIVE_PENALTY", "2024-02-01", measure="FINE")
    result = grade_enterprise(b)
    assert result.level == "O"
    assert POLICY.parameters.get("derive_points_from_events", date(2024, 1, 1)).value is False


@pytest.mark.parametrize(
    ("events", "points", "level"),
    [
        pytest.param(
            [("SAMPLING_INSPECTION", {"result": "FAIL"})],
            -4,
            "D",
            id="二（一）-derived-failed-sampling",
        ),
        pytest.param(
            [("SAMPLING_INSPECTION", {"result": "PASS"})] * 6,
            12,
            "A",
            id="二（一）-derived-six-passes",
        ),
        pytest.param(
            [("SAMPLING_INSPECTION", {"result": "PASS"})] * 3
            + [("SUPERVISION_CHECK", {"result": "PASS"})],
            7,
            "B",
            id="二（一）-derived-mixed",
        ),
        pytest.param(
            [("QUALITY_ACCIDENT", {"severity": "GENERAL"})],
            -12,
            "D",
            id="二（一）-derived-accident",
        ),
        pytest.param(
            [("COMPLAINT", {"verified": False})],
            None,
            "O",
            id="二（一）-unverified-complaint-no-points",
        ),
    ],
)
def test_derived_points_when_switched_on(
    events: list[tuple[str, dict[str, Any]]], points: float | None, level: str
) -> None:
    b = builder()
    for i, (kind, attrs) in enumerate(events):
        b.event(kind, f"2024-01-{i + 1:02d}", **attrs)
    result = grade_enterprise(b, overrides={"derive_points_from_events": True})
    assert result.level == level
    assert result.score == points
    if points is not None:
        assert "points.derived" in rules(result)
    for p in POLICY.parameters.all():
        if p.name.startswith("derived_points_") or p.name == "derive_points_from_events":
            assert p.source == "local default"


def test_points_accumulate_without_expiry_by_default() -> None:
    b = builder()
    b.event("QUALITY_CREDIT_POINTS", "2015-03-01", points=12)
    assert grade_enterprise(b, "2030-01-01").level == "A"
    windowed = grade_enterprise(b, "2030-01-01", {"points_window_years": 3})
    assert windowed.level == "O"


# --- 一（一）: exclusions ------------------------------------------------------------------------
@pytest.mark.parametrize("cat", EXCLUDED, ids=[f"一（一）-excluded-{c}" for c in EXCLUDED])
def test_excluded_product_categories(cat: str) -> None:
    b = builder()
    pid = b.product("海湾牌", 3, cat)
    b.event("QUALITY_CREDIT_POINTS", "2024-01-01", product=pid, points=12)
    assert grade_product(b, pid) is None
    assert grade_enterprise(b) is None  # its only product is excluded
    reason = POLICY.out_of_scope(
        b.product_subject(pid).facts(date(2024, 6, 1)), POLICY.parameters.at(date(2024, 6, 1))
    )
    assert reason is not None and "一（一）" in reason and cat in reason


# 一（一） by taxonomy: (category, the class the reason must name, the matched name or None).
TAXONOMY_CASES = [
    pytest.param("乘客电梯", "特种设备（电梯）", id="一（一）-特种设备-乘客电梯"),
    pytest.param("锅炉", "特种设备（锅炉）", id="一（一）-特种设备-锅炉"),
    pytest.param("液化石油气钢瓶/气瓶", "特种设备（气瓶）", id="一（一）-特种设备-slash-kind"),
    pytest.param("桥式起重机", "特种设备（起重机）", id="一（一）-特种设备-起重机"),
    pytest.param("大型游乐设施", "特种设备（大型游乐设施）", id="一（一）-特种设备-游乐设施"),
    pytest.param("叉车", "特种设备（叉车）", id="一（一）-特种设备-场内专用机动车辆"),
    pytest.param("智能电能表", "计量器具（电能表）", id="一（一）-计量器具-电能表"),
    pytest.param("冷水水表", "计量器具（水表）", id="一（一）-计量器具-水表"),
    pytest.param("电子计价秤", "计量器具（秤）", id="一（一）-计量器具-电子秤"),
    pytest.param("电子血压计", "计量器具（血压计）", id="一（一）-计量器具-血压计"),
    pytest.param("燃油加油机", "计量器具（加油机）", id="一（一）-计量器具-加油机"),
    pytest.param("出租汽车计价器", "计量器具（出租汽车计价器）", id="一（一）-计量器具-计价器"),
    pytest.param("碳酸饮料", "食品（饮料）", id="一（一）-食品-饮料"),
    pytest.param("中式糕点", "食品（糕点）", id="一（一）-食品-糕点"),
    pytest.param("乳制品", "食品（乳制品）", id="一（一）-食品-乳制品"),
    pytest.param("复合调味品", "食品（调味品）", id="一（一）-食品-调味品"),
    pytest.param("食用植物油", "食品（食用植物油）", id="一（一）-食品-食用油"),
    pytest.param("食品用香料", "食品添加剂（食品用香料）", id="一（一）-食品添加剂-香料"),
    pytest.param("天然色素", "食品添加剂（色素）", id="一（一）-食品添加剂-色素"),
    pytest.param("氨基酸洗面奶", "化妆品（洗面奶）", id="一（一）-化妆品-洗面奶"),
    pytest.param("口红", "化妆品（口红）", id="一（一）-化妆品-口红"),
    pytest.param("去屑洗发水", "化妆品（洗发水）", id="一（一）-化妆品-洗发水"),
    pytest.param("护肤品", "化妆品（护肤品）", id="一（一）-化妆品-护肤品"),
]


@pytest.mark.parametrize(("cat", "named"), TAXONOMY_CASES)
def test_excluded_by_taxonomy(cat: str, named: str) -> None:
    b = builder()
    pid = b.product("海湾牌", 9, cat)
    assert grade_product(b, pid) is None and grade_enterprise(b) is None
    on = date(2024, 6, 1)
    reason = POLICY.out_of_scope(b.product_subject(pid).facts(on), POLICY.parameters.at(on))
    assert_mentions("一（一）", reason)
    assert f"{named}不纳入本方案" in reason and cat in reason


@pytest.mark.parametrize(
    "cat",
    [
        pytest.param("电梯导轨", id="一（一）-in-scope-电梯导轨-a-part"),
        pytest.param("电能表箱", id="一（一）-in-scope-电能表箱-a-box"),
        pytest.param("食品机械", id="一（一）-in-scope-食品机械-machinery"),
        pytest.param("食品用塑料包装", id="一（一）-in-scope-食品用塑料包装"),
        pytest.param("照明电器", id="一（一）-in-scope-照明电器"),
    ],
)
def test_industrial_products_named_like_excluded_ones_stay_in_scope(cat: str) -> None:
    b = builder()
    pid = b.product("海湾牌", 9, cat)
    b.event("QUALITY_CREDIT_POINTS", "2024-01-01", product=pid, points=12)
    assert grade_product(b, pid) is not None


def test_a_deployment_extends_a_class_by_parameter_override() -> None:
    b = builder()
    pid = b.product("海湾牌", 7, "电动葫芦")
    b.event("QUALITY_CREDIT_POINTS", "2024-01-01", product=pid, points=12)
    assert grade_product(b, pid) is not None
    wider = POLICY.parameters.with_overrides(
        {
            "excluded_special_equipment": [
                *POLICY.parameters.at(date(2024, 6, 1))["excluded_special_equipment"],
                "电动葫芦",
            ]
        }
    )
    assert assess(POLICY, b.product_subject(pid), date(2024, 6, 1), parameters=wider) is None
    view = POLICY.parameters.at(date(2024, 6, 1))
    assert "特种设备目录" in view.parameter("excluded_special_equipment").source
    assert "计量器具目录" in view.parameter("excluded_measuring_instruments").source
    assert view.parameter("excluded_food").is_local_default


@pytest.mark.parametrize(
    ("categories", "graded"),
    [
        pytest.param([], True, id="一（一）-operator-without-products-in-scope"),
        pytest.param(["食品", "化妆品"], False, id="一（一）-operator-all-products-excluded"),
        pytest.param(["食品", "灯具"], True, id="一（一）-operator-mixed-in-scope"),
        pytest.param([None], True, id="一（一）-uncategorised-product-in-scope"),
        pytest.param(["灯具"], True, id="一（一）-industrial-product-in-scope"),
    ],
)
def test_operator_scope(categories: list[str | None], graded: bool) -> None:
    b = builder()
    for i, cat in enumerate(categories):
        b.product(f"牌{i}", 9, cat)
    assert (grade_enterprise(b) is not None) is graded


def test_excluded_products_do_not_count_for_clean_run() -> None:
    b = builder()
    b.event("QUALITY_CREDIT_POINTS", "2024-01-01", points=12)
    food = b.product("海湾牌", 30, "食品")
    lamp = b.product("海湾牌", 11, "灯具")
    b.event("SAMPLING_INSPECTION", "2024-02-01", product=lamp, result="PASS")
    b.event("SAMPLING_INSPECTION", "2024-03-01", product=food, result="PASS")
    assert "supervision.lower_random_coefficient" not in rules(grade_enterprise(b))
    b.event("SAMPLING_INSPECTION", "2024-04-01", product=lamp, result="PASS")
    assert "supervision.lower_random_coefficient" in rules(grade_enterprise(b))


# --- scope and time ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("on", "in_force"),
    [
        pytest.param("2023-12-17", False, id="通知-day-before-issue"),
        pytest.param("2023-12-18", True, id="通知-issue-day"),
        pytest.param("2026-05-01", True, id="通知-years-later-no-end-date"),
        pytest.param("2040-12-31", True, id="通知-far-future-no-end-date"),
    ],
)
def test_in_force(on: str, in_force: bool) -> None:
    b = builder()
    b.event("QUALITY_CREDIT_POINTS", "2023-12-18", points=12)
    if in_force:
        assert grade_enterprise(b, on).level == "A"
    else:
        with pytest.raises(PolicyNotInForce):
            grade_enterprise(b, on)
    assert POLICY.effective_until is None


@pytest.mark.parametrize(
    ("region", "graded"),
    [
        pytest.param("440512", True, id="一（一）-濠江区"),
        pytest.param("440507", False, id="一（一）-龙湖区-out"),
        pytest.param("410481", False, id="一（一）-other-province-out"),
    ],
)
def test_region(region: str, graded: bool) -> None:
    assert (grade_enterprise(builder(region)) is not None) is graded


# --- corrections ---------------------------------------------------------------------------------
def test_revoking_points_restores_earlier_category() -> None:
    b = builder()
    b.event("QUALITY_CREDIT_POINTS", "2024-01-01", points=12)
    minus = b.event("QUALITY_CREDIT_POINTS", "2024-02-01", points=-7)
    assert grade_enterprise(b).level == "C"
    b.correct(minus, "REVOKE", on="2024-03-01")
    assert grade_enterprise(b).level == "A"


def test_amended_points_count_as_amended() -> None:
    b = builder()
    pts = b.event("QUALITY_CREDIT_POINTS", "2024-01-01", points=12)
    b.correct(pts, "AMEND", on="2024-02-01", changes={"points": 6})
    assert grade_enterprise(b).level == "C"


def test_revoking_the_only_points_returns_to_o() -> None:
    b = builder()
    pts = b.event("QUALITY_CREDIT_POINTS", "2024-01-01", points=-3)
    b.correct(pts, "ERRONEOUS", on="2024-02-01")
    assert grade_enterprise(b).level == "O"


# --- blockers ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("points", "level", "needs"),
    [
        pytest.param([12], "A", None, id="三（一）-A-no-blockers"),
        pytest.param([10], "B", "12分以上", id="三（一）-B-needs-12"),
        pytest.param([8, -2], "C", "高于6分", id="三（一）-C-needs-above-6"),
        pytest.param([-1], "D", "高于0分", id="三（一）-D-needs-above-0"),
        pytest.param([], "O", "尚未获得质量信用分", id="三（一）-O-needs-points"),
    ],
)
def test_blockers(points: list[float], level: str, needs: str | None) -> None:
    b = builder()
    ids = [
        b.event("QUALITY_CREDIT_POINTS", f"2024-0{i + 1}-01", points=p)
        for i, p in enumerate(points)
    ]
    result = grade_enterprise(b)
    assert result.level == level
    if needs is None:
        assert result.blockers == ()
        return
    assert len(result.blockers) == 1
    blocker = result.blockers[0]
    assert needs in blocker.text and blocker.article == "三（一）"
    negative = [i for i, p in zip(ids, points, strict=True) if p < 0]
    assert set(blocker.events) == set(negative or ids)


# --- 三（二）: supervision ----------------------------------------------------------------------
def graded_at(level: str, *, product: bool = False) -> Assessment:
    points = {"A": 12, "B": 8, "C": 3, "D": -2, "O": None}[level]
    b = builder()
    pid = b.product("海湾牌", 11, "灯具")
    if points is not None:
        b.event(
            "QUALITY_CREDIT_POINTS", "2024-01-01", product=pid if product else None, points=points
        )
    result = grade_product(b, pid) if product else grade_enterprise(b)
    assert result is not None and result.level == level
    return result


@pytest.mark.parametrize(
    ("level", "article", "kind", "colour", "per_year"),
    [
        pytest.param(
            "A",
            "三（二）1",
            MeasureKind.RANDOM_SAMPLING,
            None,
            None,
            id="三（二）1-A-double-random",
        ),
        pytest.param(
            "B",
            "三（二）2（1）",
            MeasureKind.WARNING,
            "yellow",
            None,
            id="三（二）2（1）-B-yellow-prompt",
        ),
        pytest.param(
            "B",
            "三（二）2（2）",
            MeasureKind.RECTIFICATION_ORDER,
            None,
            None,
            id="三（二）2（2）-B-rectify",
        ),
        pytest.param(
            "B",
            "三（二）2（3）",
            MeasureKind.INSPECTION_FREQUENCY,
            None,
            1,
            id="三（二）2（3）-B-once-a-year",
        ),
        pytest.param(
            "C",
            "三（二）3（1）",
            MeasureKind.WARNING,
            "orange",
            None,
            id="三（二）3（1）-C-orange-warning",
        ),
        pytest.param(
            "C",
            "三（二）3（2）",
            MeasureKind.RECTIFICATION_ORDER,
            None,
            None,
            id="三（二）3（2）-C-rectify",
        ),
        pytest.param(
            "C",
            "三（二）3（3）",
            MeasureKind.INSPECTION_FREQUENCY,
            None,
            2,
            id="三（二）3（3）-C-twice-a-year",
        ),
        pytest.param(
            "C",
            "三（二）3（4）",
            MeasureKind.INTERVIEW,
            None,
            None,
            id="三（二）3（4）-C-interview-quality-manager",
        ),
        pytest.param(
            "C",
            "三（二）3（4）",
            MeasureKind.TRAINING,
            None,
            None,
            id="三（二）3（4）-C-train-quality-manager",
        ),
        pytest.param(
            "D",
            "三（二）4（1）",
            MeasureKind.WARNING,
            "red",
            None,
            id="三（二）4（1）-D-red-warning",
        ),
        pytest.param(
            "D",
            "三（二）4（2）",
            MeasureKind.RECTIFICATION_ORDER,
            None,
            None,
            id="三（二）4（2）-D-rectify",
        ),
        pytest.param(
            "D",
            "三（二）4（3）",
            MeasureKind.INSPECTION_FREQUENCY,
            None,
            4,
            id="三（二）4（3）-D-four-a-year",
        ),
        pytest.param(
            "D",
            "三（二）4（4）",
            MeasureKind.INTERVIEW,
            None,
            None,
            id="三（二）4（4）-D-interview-legal-rep",
        ),
        pytest.param(
            "D",
            "四（二）",
            MeasureKind.SERIOUS_CIRCUMSTANCES,
            None,
            None,
            id="四（二）-D-operator-serious-circumstances",
        ),
        pytest.param(
            "O",
            "三（二）5（1）",
            MeasureKind.GUIDANCE,
            None,
            None,
            id="三（二）5（1）-O-quality-file",
        ),
        pytest.param(
            "O",
            "三（二）5（2）",
            MeasureKind.MONITORING,
            None,
            None,
            id="三（二）5（2）-O-monitoring",
        ),
        pytest.param(
            "O",
            "三（二）5（3）",
            MeasureKind.MONITORING,
            None,
            None,
            id="三（二）5（3）-O-score-when-case-arises",
        ),
    ],
)
def test_supervision(
    level: str, article: str, kind: str, colour: str | None, per_year: float | None
) -> None:
    result = graded_at(level)
    found = [m for m in result.supervision if m.article == article and m.kind == kind]
    assert len(found) == 1
    assert found[0].color == colour and found[0].min_per_year == per_year
    for other in set(RANK) - {level}:
        assert (article, kind) not in {(m.article, m.kind) for m in graded_at(other).supervision}


def test_serious_circumstances_only_for_operators() -> None:
    kinds = {m.kind for m in graded_at("D", product=True).supervision}
    assert MeasureKind.SERIOUS_CIRCUMSTANCES not in kinds
    assert MeasureKind.WARNING in kinds


def test_level_colours() -> None:
    assert {lv.code: lv.color for lv in POLICY.levels} == {
        "A": "green",
        "B": "yellow",
        "C": "orange",
        "D": "red",
        "O": "grey",
    }


LOWER = MeasureKind.RANDOM_SAMPLING


@pytest.mark.parametrize(
    ("history", "lowered"),
    [
        pytest.param(["PASS", "PASS"], True, id="三（二）1-two-clean-in-a-row"),
        pytest.param(["PASS", "PASS", "PASS"], True, id="三（二）1-three-clean-in-a-row"),
        pytest.param(["PASS"], False, id="三（二）1-one-clean-only"),
        pytest.param(["FAIL", "PASS", "PASS"], True, id="三（二）1-clean-run-after-failure"),
        pytest.param(["PASS", "PASS", "FAIL"], False, id="三（二）1-latest-failed"),
        pytest.param(["PASS", "PENALTY", "PASS"], False, id="三（二）1-violation-breaks-run"),
        pytest.param(["PASS", "CHECK_PASS"], True, id="三（二）1-sampling-and-check-count"),
        pytest.param(["PASS", "CHECK_REFUSED"], False, id="三（二）1-refused-check-breaks-run"),
    ],
)
def test_random_coefficient_may_be_lowered(history: list[str], lowered: bool) -> None:
    b = builder()
    b.event("QUALITY_CREDIT_POINTS", "2024-01-01", points=15)
    ids = []
    for i, item in enumerate(history):
        on = f"2024-02-{i + 1:02d}"
        if item == "PENALTY":
            ids.append(b.event("ADMINISTRATIVE_PENALTY", on, measure="WARNING"))
        elif item.startswith("CHECK_"):
            ids.append(b.event("SUPERVISION_CHECK", on, result=item.removeprefix("CHECK_")))
        else:
            ids.append(b.event("SAMPLING_INSPECTION", on, result=item))
    result = grade_enterprise(b)
    assert result.level == "A"
    measures = [m for m in result.supervision if m.kind == LOWER]
    assert len(measures) == (2 if lowered else 1)
    reason = next(
        (r for r in result.reasons if r.rule == "supervision.lower_random_coefficient"), None
    )
    assert (reason is not None) is lowered
    if reason is not None:
        assert reason.article == "三（二）1"
        assert ids[-1] in reason.events and len(reason.events) >= 2


def test_clean_run_is_not_offered_below_a() -> None:
    b = builder()
    b.event("QUALITY_CREDIT_POINTS", "2024-01-01", points=8)
    for d in ("2024-02-01", "2024-03-01"):
        b.event("SAMPLING_INSPECTION", d, result="PASS")
    result = grade_enterprise(b)
    assert result.level == "B"
    assert "supervision.lower_random_coefficient" not in rules(result)


# --- 三（三）, 四: use limits and publicity ----------------------------------------------
@pytest.mark.parametrize("level", ["A", "B", "C", "D", "O"])
def test_publicity(level: str) -> None:
    result = graded_at(level)
    by = {d.audience: d for d in result.publicity}
    assert set(by) == set(Audience)
    assert by[Audience.PUBLIC].allowed is (level == "A")
    assert by[Audience.PUBLIC].article == "四（一）"
    assert "失信事项" in by[Audience.PUBLIC].text
    assert by[Audience.DEPARTMENT].allowed and by[Audience.DEPARTMENT].article == "四（三）"
    assert "发改" in by[Audience.DEPARTMENT].text and "卫生" in by[Audience.DEPARTMENT].text
    assert by[Audience.INDUSTRY].allowed and by[Audience.INDUSTRY].article == "四（四）"
    assert "电子商务平台" in by[Audience.INDUSTRY].text
    for audience in (Audience.DEPARTMENT, Audience.INDUSTRY):
        assert "不得用于商业用途" in by[audience].text and "产品标识" in by[audience].text
    assert by[Audience.SUBJECT].allowed and by[Audience.REGULATOR].allowed
    assert "不得用于商业用途" in result.details["notice"]


def test_metadata_and_plugin() -> None:
    from qcredit.policies import haojiang

    assert [p.id for p in haojiang.qcredit_policies()] == ["haojiang"]
    assert POLICY.region_codes == ("440512",)
    assert POLICY.effective_from == date(2023, 12, 18)
    assert [lv.code for lv in POLICY.levels] == ["A", "B", "C", "D", "O"]
    for p in POLICY.parameters.all():
        assert p.note, p.name
        assert p.source == "local default" or p.source[0] in "一二三四五", p


# --- properties ----------------------------------------------------------------------------------
DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2025, 6, 1))
POINTS = st.integers(min_value=-20, max_value=20)
RECORDS = st.lists(st.tuples(DAYS, POINTS), max_size=6)
ORDINARY = st.sampled_from(
    [
        ("SAMPLING_INSPECTION", {"result": "PASS"}),
        ("SAMPLING_INSPECTION", {"result": "FAIL", "severity": "SERIOUS"}),
        ("SUPERVISION_CHECK", {"result": "PASS"}),
        ("ADMINISTRATIVE_PENALTY", {"measure": "FINE"}),
        ("COMPLAINT", {"verified": True}),
    ]
)
GRADING_DAY = st.dates(min_value=date(2023, 12, 18), max_value=date(2030, 1, 1))
DERIVE = st.booleans()


def _build(records: list[tuple[date, int]], ordinary: list[tuple[date, Any]]) -> SubjectBuilder:
    b = builder()
    for d, p in records:
        b.event("QUALITY_CREDIT_POINTS", d.isoformat(), points=p)
    for d, (kind, attrs) in ordinary:
        b.event(kind, d.isoformat(), **attrs)
    return b


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RECORDS, st.lists(st.tuples(DAYS, ORDINARY), max_size=4), DAYS, GRADING_DAY, DERIVE)
def test_adverse_event_never_improves_a_graded_subject(
    records: list[tuple[date, int]],
    ordinary: list[tuple[date, Any]],
    day: date,
    on: date,
    derive: bool,
) -> None:
    overrides = {"derive_points_from_events": derive}
    before = grade_enterprise(_build(records, ordinary), on.isoformat(), overrides)
    fail = (day, ("SAMPLING_INSPECTION", {"result": "FAIL"}))
    after = grade_enterprise(_build(records, [*ordinary, fail]), on.isoformat(), overrides)
    deduction = grade_enterprise(_build([*records, (day, -3)], ordinary), on.isoformat(), overrides)
    if before.level != "O":  # O is "not yet scored", not a rank on the risk scale
        assert RANK[after.level] >= RANK[before.level]
        assert RANK[deduction.level] >= RANK[before.level]
    if not derive:
        assert after.level == before.level


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(RECORDS, st.tuples(DAYS, POINTS), GRADING_DAY, st.sampled_from(["REVOKE", "ERRONEOUS"]))
def test_revoked_points_are_as_if_never_recorded(
    records: list[tuple[date, int]], extra: tuple[date, int], on: date, action: str
) -> None:
    revoked = _build(records, [])
    eid = revoked.event("QUALITY_CREDIT_POINTS", extra[0].isoformat(), points=extra[1])
    revoked.correct(eid, action, on=extra[0].isoformat())
    a = grade_enterprise(revoked, on.isoformat())
    b = grade_enterprise(_build(records, []), on.isoformat())
    assert (a.level, a.score, rules(a)) == (b.level, b.score, rules(b))
