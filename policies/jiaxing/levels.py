"""The two level vocabularies of the "三分" model and the small helpers around them.

* products (三2 产品分级): 一般风险 / 较高风险 / 高风险 — national lineage Ⅲ / Ⅱ / Ⅰ
  (质检总局2012年第74号);
* enterprises (三3 企业分类): AA / A / B / C.

Rank 1 is the best level inside each vocabulary (``Level.subject_types`` keeps them apart).
"""

from __future__ import annotations

from datetime import date

from qcredit.core.contract import Level
from qcredit.core.facts import Fact
from qcredit.core.model import SubjectType

PRODUCT = frozenset({SubjectType.PRODUCT})
ENTERPRISE = frozenset({SubjectType.ENTERPRISE})

# Product tiers, best (lowest risk) first.
GENERAL, ELEVATED, HIGH = "GENERAL", "ELEVATED", "HIGH"
TIERS: tuple[str, ...] = (GENERAL, ELEVATED, HIGH)
TIER_LABELS = {GENERAL: "一般风险产品", ELEVATED: "较高风险产品", HIGH: "高风险产品"}

# Enterprise classes, best first.
AA, A, B, C = "AA", "A", "B", "C"
CLASSES: tuple[str, ...] = (AA, A, B, C)

# Supervision modes (DB3304/T 055 from 质检总局2012年第74号), mildest first.
CREDIT, RESPONSIBILITY, ROUTINE, STRICT = "CREDIT", "RESPONSIBILITY", "ROUTINE", "STRICT"
MODES: tuple[str, ...] = (CREDIT, RESPONSIBILITY, ROUTINE, STRICT)
MODE_LABELS = {
    CREDIT: "信用监管",
    RESPONSIBILITY: "责任监管",
    ROUTINE: "常态监管",
    STRICT: "加严监管",
}

# Colours, best first (the health code uses green/yellow/red, the region map all four).
COLOURS: tuple[str, ...] = ("green", "blue", "yellow", "red")

LEVELS: tuple[Level, ...] = (
    Level(GENERAL, "一般风险", 1, "green", "三2 一般风险产品（国家分级Ⅲ级）", PRODUCT),
    Level(ELEVATED, "较高风险", 2, "yellow", "三2 较高风险产品（国家分级Ⅱ级）", PRODUCT),
    Level(
        HIGH,
        "高风险",
        3,
        "red",
        "三2 高风险产品（国家分级Ⅰ级）；生产企业实施加严监管（四1 二是）",
        PRODUCT,
    ),
    Level(
        AA,
        "AA类",
        1,
        "green",
        "三3 近三年抽查无不合格，具备质量追溯能力并建立质量管理体系",
        ENTERPRISE,
    ),
    Level(A, "A类", 2, "blue", "三3 近三年抽查无不合格，日常监管未发现问题", ENTERPRISE),
    Level(B, "B类", 3, "yellow", "三3 近三年有一次一般不合格或日常监管发现问题", ENTERPRISE),
    Level(
        C, "C类", 4, "red", "三3/四2 一是 严重不合格、多次不合格、屡查屡犯或严重违法", ENTERPRISE
    ),
)


def worst_tier(tiers: list[str]) -> str | None:
    return max(tiers, key=TIERS.index) if tiers else None


def current(fact: Fact, as_of: date) -> bool:
    """A recognition, listing or alert still runs on ``as_of`` (no ``until``, or not yet past)."""
    until = fact.get("until")
    return until is None or date.fromisoformat(until) >= as_of
