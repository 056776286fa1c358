"""The Jiaxing "三分" policy: product tiers (三2), enterprise classes (三3), regions (三4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from qcredit.core.contract import (
    Assessment,
    Badge,
    Disclosure,
    Figure,
    Grading,
    History,
    Measure,
    NoticeRules,
    RegionColour,
    Term,
)
from qcredit.core.facts import Facts
from qcredit.core.model import Product, SubjectType
from qcredit.core.parameters import ParameterView
from qcredit.core.policy import Policy
from qcredit.policies.jiaxing.catalogue import (
    catalogue_category,
    catalogue_label,
    catalogued_products,
    scope_reason,
)
from qcredit.policies.jiaxing.enterprises import classify, health_code, supervision_mode
from qcredit.policies.jiaxing.levels import LEVELS, MODE_LABELS, TIER_LABELS, worst_tier
from qcredit.policies.jiaxing.measures import (
    HEALTH_CODE,
    HEALTH_CODE_LABELS,
    disclosures,
    enterprise_measures,
    product_measures,
)
from qcredit.policies.jiaxing.notices import JiaxingNotices
from qcredit.policies.jiaxing.products import ProductRisk, assess_product
from qcredit.policies.jiaxing.regions import colour_region


def product_facts(facts: Facts, product: Product) -> Facts:
    """The facts of one of the enterprise's products (its own events only, as core grades it)."""
    return Facts(
        as_of=facts.as_of,
        subject_type=SubjectType.PRODUCT,
        enterprise=facts.enterprise,
        product=product,
        products=(product,),
        events=tuple(f for f in facts.events if f.product_id == product.id),
    )


class JiaxingPolicy(Policy):
    id = "jiaxing"
    name = "嘉兴市市场监督管理局关于加强全市重点产品质量安全“三分”监管工作的指导意见（试行）"
    issuer = "嘉兴市市场监督管理局"
    # The text carries no 文号: it is published as a 规范性文件 notice dated 2020年4月22日.
    document_no = ""
    version = "2020.04.22-1"
    region_codes = ("330400",)  # 嘉兴市, covering 南湖区 330402 … 桐乡市 330483
    region_article = "三1"  # 监管范围: 全市 (我市 = 嘉兴市, the issuing bureau's city)
    effective_from = date(2020, 4, 22)  # the date the 市局 signed the notice
    # 试行 guidance with no end date and no validity period in the text: in force until replaced.
    effective_until = None
    levels = LEVELS
    subject_types = frozenset({SubjectType.ENTERPRISE, SubjectType.PRODUCT})
    parameters_file = Path(__file__).with_name("parameters.toml")
    # GB/T 2260 names of the city and its counties, for maps.
    region_names: ClassVar[dict[str, str]] = {
        "330400": "嘉兴市",
        "330402": "南湖区",
        "330411": "秀洲区",
        "330421": "嘉善县",
        "330424": "海盐县",
        "330481": "海宁市",
        "330482": "平湖市",
        "330483": "桐乡市",
    }

    # -- scope (三1) -----------------------------------------------------------------------
    def out_of_scope(self, facts: Facts, params: ParameterView) -> str | None:
        reason = super().out_of_scope(facts, params)
        if reason is not None:
            return reason
        label = catalogue_label(params)
        if facts.product is not None:
            if catalogue_category(facts.product.category, params) is None:
                return (
                    f"产品类别“{facts.product.category or '未登记'}”"
                    f"不在{label}重点监管范围内（三1）"
                    " / product category not in the key-supervision catalogue (三1)"
                )
            return None
        if not catalogued_products(facts.products, params):
            return (
                f"企业无列入{label}的重点监管产品（三1）"
                " / the enterprise has no product in the key-supervision catalogue (三1)"
            )
        return None

    # -- grading (三2, 三3, 二2) -----------------------------------------------------------
    def grade(self, facts: Facts, history: History, params: ParameterView) -> Grading:
        if facts.product is not None:
            return self._grade_product(facts, params)
        return self._grade_enterprise(facts, params)

    def _grade_product(self, facts: Facts, params: ParameterView) -> Grading:
        assert facts.product is not None
        risk = assess_product(facts, facts.product.category, params)
        return Grading(
            level=risk.tier,
            reasons=(scope_reason(facts.products, params), *risk.reasons),
            blockers=risk.blockers,
            details={
                "subject": "product",
                "catalogueCategory": risk.category,
                "qualitySafetyIndex": risk.index,
                "qualitySafetyIndexTerms": [dict(t) for t in risk.index_terms],
            },
        )

    def product_risks(self, facts: Facts, params: ParameterView) -> dict[int, ProductRisk]:
        return {
            p.id: assess_product(product_facts(facts, p), p.category, params)
            for p in catalogued_products(facts.products, params)
        }

    def _grade_enterprise(self, facts: Facts, params: ParameterView) -> Grading:
        risks = self.product_risks(facts, params)
        tiers = {pid: r.tier for pid, r in risks.items()}
        governing = worst_tier(list(tiers.values()))
        assert governing is not None  # out_of_scope guarantees a catalogued product
        cls = classify(facts, params)
        mode, mode_article = supervision_mode(cls.level, governing, facts.enterprise.roles, params)
        return Grading(
            level=cls.level,
            reasons=(scope_reason(facts.products, params), *cls.reasons),
            blockers=cls.blockers,
            details={
                "subject": "enterprise",
                "productTiers": {str(pid): tier for pid, tier in sorted(tiers.items())},
                "productQualitySafetyIndex": {
                    str(pid): r.index for pid, r in sorted(risks.items())
                },
                "governingProductTier": governing,
                "supervisionMode": mode,
                "modeArticle": mode_article,
                "healthCode": health_code(cls.level, tiers, params),
                "repeatOffender": cls.repeat_offender,
                "blacklisted": cls.blacklisted,
                "seriousViolation": cls.serious_violation,
            },
        )

    # -- supervision (四1–2) and publicity (四2) ------------------------------------------
    def supervision(
        self, grading: Grading, facts: Facts, params: ParameterView
    ) -> Sequence[Measure]:
        if facts.product is not None:
            return product_measures(grading, params)
        return enterprise_measures(grading, facts, params)

    def publicity(
        self, grading: Grading, facts: Facts, params: ParameterView
    ) -> Sequence[Disclosure]:
        return disclosures(grading, params)

    # -- 三4 四色图 ---------------------------------------------------------------------------
    def region_colour(
        self, counts: Mapping[str, int], params: ParameterView
    ) -> RegionColour | None:
        return colour_region(counts, params)

    def figures(self, assessment: Assessment) -> Sequence[Figure]:
        d = assessment.details
        if "qualitySafetyIndex" in d:  # a product: 二2 产品质量安全指数 and its terms
            return (
                Figure(
                    "qualitySafetyIndex",
                    "产品质量安全指数",
                    d["qualitySafetyIndex"],
                    "二2",
                    terms=_index_terms(d),
                ),
            )
        if "supervisionMode" in d:  # an enterprise: 四1 监管方式, 三2 its products' tiers
            mode = str(d["supervisionMode"])
            governing = str(d["governingProductTier"])
            indices = d.get("productQualitySafetyIndex", {})
            products = tuple(
                Term(
                    TIER_LABELS[str(tier)],
                    float(indices.get(pid, 0.0)),
                    "二2",
                    product=int(pid),
                )
                for pid, tier in d["productTiers"].items()
            )
            return (
                Figure(
                    "supervisionMode", "监管方式", mode, str(d["modeArticle"]), MODE_LABELS[mode]
                ),
                Figure(
                    "governingProductTier",
                    "重点产品风险等级（按最高风险产品）",
                    governing,
                    "三2",
                    TIER_LABELS[governing],
                    products,  # one term a product: its tier, its 产品质量安全指数 as points
                ),
            )
        return ()

    def explanation(self, assessment: Assessment) -> Figure | None:
        """A product's 产品质量安全指数 (二2), from 100 (safest): each risk factor deducts,
        质量主体责任落实 adds, and a last term where the 0–100 bounds cut the sum.  An
        enterprise's class (三3) rests on criteria, not a score: none."""
        d = assessment.details
        if "qualitySafetyIndex" not in d:
            return None
        terms = _index_terms(d)
        index = float(d["qualitySafetyIndex"])
        unbounded = 100.0 + sum(t.points for t in terms)
        bounded = (
            () if unbounded == index else (Term("指数上下限（0–100）", index - unbounded, "二2"),)
        )
        base = Term("指数满分（最安全）", 100.0, "二2")
        return Figure(
            "qualitySafetyIndex", "产品质量安全指数", index, "二2", terms=(base, *terms, *bounded)
        )

    def badge(self, assessment: Assessment) -> Badge | None:
        """二2 企业产品质量"健康码": the colour of the enterprise's class (details.healthCode)."""
        colour = assessment.details.get("healthCode")
        if colour is None:
            return None
        return Badge(
            kind=HEALTH_CODE,
            label="企业产品质量“健康码”",
            color=str(colour),
            color_label=HEALTH_CODE_LABELS[str(colour)],
            article="二2",
        )

    def notice_rules(self) -> NoticeRules:
        """Warnings on grade changes (notices.py; docs/warnings.md)."""
        return JiaxingNotices(self)


def _index_terms(details: Mapping[str, Any]) -> tuple[Term, ...]:
    """The 产品质量安全指数 terms a product's grading kept (``products._index``)."""
    return tuple(
        Term(
            str(t["factor"]),
            float(t["points"]),
            "二2",
            t.get("parameter"),
            (int(t["event"]),) if "event" in t else (),
        )
        for t in details.get("qualitySafetyIndexTerms", ())
    )
