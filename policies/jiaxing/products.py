"""三2 产品分级 and 二2 产品质量安全指数.

The tier is built from three groups of factors the text names:

* 产品特点 — a base tier per catalogue 大类 (``product_base_tier``);
* 质量数据 — failed samplings of the product and 国内外质量安全风险预警 (``RISK_ALERT``), each
  setting a floor under the tier;
* 敏感因子 — the users (children, the elderly) and verified public attention, each raising the
  tier by steps after the floors are applied.

``tier = min(高风险, max(base, floors) + steps)``.  Every factor is a :class:`Reason`; what keeps a
product from the next better tier is every factor whose removal would lower it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qcredit.core.contract import Reason
from qcredit.core.facts import Facts, ids
from qcredit.policies.jiaxing.catalogue import catalogue_category
from qcredit.policies.jiaxing.levels import ELEVATED, GENERAL, HIGH, TIER_LABELS, TIERS, current

ARTICLE = "三2"
# Factors the enterprise cannot remove: what the product is and who uses it.
INHERENT_RULES = frozenset({"product.features", "product.sensitivity.users"})


@dataclass(frozen=True)
class Factor:
    """One reason the product sits where it does: a base tier, a floor or a number of steps."""

    reason: Reason
    base: str | None = None
    floor: str | None = None
    steps: int = 0


@dataclass(frozen=True)
class ProductRisk:
    category: str
    tier: str
    factors: tuple[Factor, ...]
    blockers: tuple[Reason, ...]
    index: float
    index_terms: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return tuple(f.reason for f in self.factors)


def combine(factors: Sequence[Factor]) -> str:
    index = 0
    for f in factors:
        for tier in (f.base, f.floor):
            if tier is not None:
                index = max(index, TIERS.index(tier))
    index += sum(f.steps for f in factors)
    return TIERS[min(index, len(TIERS) - 1)]


def _factors(facts: Facts, category: str, params: Mapping[str, Any]) -> list[Factor]:
    base = params["product_base_tier"].get(category, GENERAL)
    factors = [
        Factor(
            Reason(
                "product.features",
                ARTICLE,
                f"产品特点：{category}类产品基础分级为{TIER_LABELS[base]}",
            ),
            base=base,
        )
    ]
    window = params["product_quality_window_years"]
    fails = facts.within_years(window, "SAMPLING_INSPECTION", result="FAIL")
    if len(fails) >= params["product_failures_for_high"]:
        floor = HIGH
    elif len(fails) >= params["product_failures_for_elevated"]:
        floor = ELEVATED
    else:
        floor = None
    if floor is not None:
        factors.append(
            Factor(
                Reason(
                    "product.quality.failed_sampling",
                    ARTICLE,
                    f"质量数据：近{window}年产品监督抽查不合格{len(fails)}次，"
                    f"至少为{TIER_LABELS[floor]}",
                    ids(fails),
                ),
                floor=floor,
            )
        )
    serious = [f for f in fails if f.get("severity") == "SERIOUS"]
    if serious:
        floor = params["product_serious_failure_tier"]
        factors.append(
            Factor(
                Reason(
                    "product.quality.serious_failure",
                    ARTICLE,
                    f"质量数据：近{window}年产品监督抽查严重不合格，分级为{TIER_LABELS[floor]}",
                    ids(serious),
                ),
                floor=floor,
            )
        )
    alerts = [
        f
        for f in facts.within_years(params["risk_alert_window_years"], "RISK_ALERT")
        if current(f, facts.as_of)
    ]
    if alerts:
        floor = max((params["risk_alert_tier"][a.get("severity")] for a in alerts), key=TIERS.index)
        where = "、".join(
            sorted({"国内" if a.get("scope") == "DOMESTIC" else "国外" for a in alerts})
        )
        factors.append(
            Factor(
                Reason(
                    "product.quality.risk_alert",
                    ARTICLE,
                    f"质量数据：存在{where}质量安全风险预警{len(alerts)}项，至少为{TIER_LABELS[floor]}",
                    ids(alerts),
                ),
                floor=floor,
            )
        )
    if category in params["sensitive_user_categories"]:
        factors.append(
            Factor(
                Reason(
                    "product.sensitivity.users",
                    ARTICLE,
                    f"敏感因子：产品的使用对象（{category}）为敏感人群，风险分级上调",
                ),
                steps=params["sensitive_user_steps"],
            )
        )
    attention_years = params["public_attention_window_years"]
    opinions = facts.within_years(attention_years, "PUBLIC_OPINION", verified=True)
    if opinions:
        factors.append(
            Factor(
                Reason(
                    "product.sensitivity.public_attention",
                    ARTICLE,
                    f"敏感因子：近{attention_years}年经核实的舆情/媒体曝光{len(opinions)}次，"
                    "社会关注度高，风险分级上调",
                    ids(opinions),
                ),
                steps=params["public_attention_steps"],
            )
        )
    return factors


def _blockers(factors: list[Factor], tier: str) -> tuple[Reason, ...]:
    """What keeps the product from the next better tier.

    Product features and the user group cannot be fixed; when they alone hold the tier they are
    the blockers.  Otherwise the blockers are the fixable factors (quality data, public attention)
    that each hold the tier on their own, or else those whose removal would lower it.
    """
    if tier == GENERAL:
        return ()
    rank = TIERS.index(tier)
    inherent = [f for f in factors if f.base is not None or f.reason.rule in INHERENT_RULES]
    fixable = [f for f in factors if f not in inherent]
    if TIERS.index(combine(inherent)) >= rank:
        return tuple(f.reason for f in inherent if f.base is None or f.base != GENERAL)
    alone = [f.reason for f in fixable if TIERS.index(combine([*inherent, f])) >= rank]
    if alone:
        return tuple(alone)
    decisive = [
        f.reason for f in fixable if TIERS.index(combine([g for g in factors if g is not f])) < rank
    ]
    return tuple(decisive) or tuple(f.reason for f in fixable)


def _index(
    facts: Facts, category: str, params: Mapping[str, Any]
) -> tuple[float, tuple[Mapping[str, Any], ...]]:
    """二2 产品质量安全指数: 100 = safest; risk factors deduct, 质量主体责任落实 adds."""
    terms: list[dict[str, Any]] = []
    base = params["product_base_tier"].get(category, GENERAL)
    terms.append(
        {
            "factor": "产品特点",
            "points": -params["index_deduction_base_tier"][base],
            "parameter": "index_deduction_base_tier",
        }
    )
    fails = facts.within_years(
        params["product_quality_window_years"], "SAMPLING_INSPECTION", result="FAIL"
    )
    for f in fails:
        severity = "SERIOUS" if f.get("severity") == "SERIOUS" else "MINOR"
        points = params["index_deduction_failed_sampling"][severity]
        terms.append(
            {
                "factor": "监督抽查不合格",
                "points": -points,
                "parameter": "index_deduction_failed_sampling",
                "event": f.id,
            }
        )
    for f in facts.within_years(params["risk_alert_window_years"], "RISK_ALERT"):
        if current(f, facts.as_of):
            points = params["index_deduction_risk_alert"][f.get("severity")]
            terms.append(
                {
                    "factor": "质量安全风险预警",
                    "points": -points,
                    "parameter": "index_deduction_risk_alert",
                    "event": f.id,
                }
            )
    if category in params["sensitive_user_categories"]:
        terms.append(
            {
                "factor": "使用对象",
                "points": -params["index_deduction_sensitive_users"],
                "parameter": "index_deduction_sensitive_users",
            }
        )
    for f in facts.within_years(
        params["public_attention_window_years"], "PUBLIC_OPINION", verified=True
    ):
        points = params["index_deduction_public_attention"]
        terms.append(
            {
                "factor": "社会关注度",
                "points": -points,
                "parameter": "index_deduction_public_attention",
                "event": f.id,
            }
        )
    bonus = params["index_bonus_responsibility"]
    for kind in sorted(bonus):
        held = [f for f in facts.of("RECOGNITION", type=kind) if current(f, facts.as_of)]
        if held:
            terms.append(
                {
                    "factor": f"质量主体责任落实（{kind}）",
                    "points": bonus[kind],
                    "parameter": "index_bonus_responsibility",
                    "event": held[-1].id,
                }
            )
    top = params["index_max"]
    value = max(0, min(top, top + sum(t["points"] for t in terms)))
    return float(value), tuple(terms)


def assess_product(facts: Facts, category: str | None, params: Mapping[str, Any]) -> ProductRisk:
    """The tier, reasons, blockers and index of one catalogued product (``facts`` = its events)."""
    big = catalogue_category(category, params)
    if big is None:
        raise ValueError(f"product category {category!r} is not in the catalogue")
    factors = _factors(facts, big, params)
    tier = combine(factors)
    index, terms = _index(facts, big, params)
    return ProductRisk(big, tier, tuple(factors), _blockers(factors, tier), index, terms)
