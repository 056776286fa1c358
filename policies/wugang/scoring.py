"""The 100-point risk score (第五、六条): Henan credit rating + product-quality indicators.

Higher score = higher risk (第六条 "风险分值越高，产品质量安全信用风险越高").  The text fixes the
scale (百分制) and the two sources; the weights, the points of each indicator and the bands are
local defaults in ``parameters.toml``.  Confirmed rectification (第十三条) scales the points of the
rectified event by ``rectified_points_factor``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from qcredit.core.contract import Reason, Term
from qcredit.core.facts import Fact, Facts

# 第五条 names three groups of product-quality indicators; each event kind feeds one of them.
PRODUCTION_SALES = "production_sales"  # 产品质量安全生产、销售管理
RISK_CONTROL = "risk_control"  # 安全风险管控和隐患排查治理
ONSITE_INSPECTION = "onsite_inspection"  # 现场监督检查

GROUP_LABELS = {
    PRODUCTION_SALES: "产品质量安全生产、销售管理指标",
    RISK_CONTROL: "安全风险管控和隐患排查治理指标",
    ONSITE_INSPECTION: "现场监督检查指标",
}

SEVERITY_LABELS = {"MINOR": "一般", "SERIOUS": "严重"}
PENALTY_LABELS = {
    "WARNING": "警告",
    "PUBLIC_CRITICISM": "通报批评",
    "FINE": "罚款",
    "CONFISCATION": "没收",
    "LICENCE_SUSPENDED": "暂扣许可证",
    "QUALIFICATION_DOWNGRADED": "降低资质等级",
    "LICENCE_REVOKED": "吊销许可证",
    "BUSINESS_RESTRICTED": "限制开展生产经营活动",
    "PRODUCTION_SUSPENDED": "责令停产停业",
    "CLOSURE_ORDERED": "责令关闭",
    "PRACTICE_RESTRICTED": "限制从业",
    "BUSINESS_LICENCE_REVOKED": "吊销营业执照",
    "OTHER": "其他行政处罚",
}
ACCIDENT_LABELS = {"GENERAL": "一般", "MAJOR": "重大", "ESPECIALLY_MAJOR": "特别重大"}
LIST_LABELS = {
    "SERIOUS_DISHONESTY": "严重违法失信名单",
    "ABNORMAL_OPERATION": "经营异常名录",
    "BLACKLIST": "黑名单",
    "DISHONEST_JUDGMENT_DEBTOR": "失信被执行人",
}


@dataclass(frozen=True)
class Item:
    """One event's contribution to a 第五条 indicator."""

    group: str
    label: str
    points: float
    fact: Fact
    rectified_by: int | None = None


@dataclass(frozen=True)
class RiskScore:
    score: float
    credit_points: float
    quality_points: float
    credit_fact: Fact | None
    items: tuple[Item, ...]

    def contributing(self) -> list[Fact]:
        """The events that add risk points (the rating, when it adds any, first)."""
        found = [self.credit_fact] if self.credit_fact and self.credit_points > 0 else []
        return found + [i.fact for i in self.items if i.points > 0]


def event_ref(value: Any) -> int | None:
    """An event id from a ``refersTo`` value: a number, its text, or a relay global id."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        try:
            decoded = base64.b64decode(text + "=" * (-len(text) % 4), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        tail = decoded.rsplit(":", 1)[-1]
        return int(tail) if tail.isdigit() else None
    return None


def rectifications(facts: Facts) -> dict[int, Fact]:
    """Event id → the confirmed RECTIFICATION that refers to it (made on or after the event)."""
    by_id = {f.id: f for f in facts.events}
    found: dict[int, Fact] = {}
    for r in facts.of("RECTIFICATION"):
        target = event_ref(r.get("refersTo"))
        if target is None or target not in by_id:
            continue
        if r.occurred_on >= by_id[target].occurred_on and target not in found:
            found[target] = r
    return found


def _listing_active(fact: Fact, as_of: date) -> bool:
    until = fact.get("until")
    return until is None or date.fromisoformat(until) >= as_of


def indicator(fact: Fact, as_of: date, params: Mapping[str, Any]) -> tuple[str, str, float] | None:
    """(group, label, points) of one event, or ``None`` when it adds no risk."""
    kind, get = fact.kind, fact.get
    if kind == "SAMPLING_INSPECTION" and get("result") == "FAIL":
        severity = get("severity") or "MINOR"
        pts = params["points_sampling_fail"][severity]
        return PRODUCTION_SALES, f"监督抽查不合格（{SEVERITY_LABELS[severity]}）", pts
    if kind == "SUPERVISION_CHECK" and get("result") in ("FAIL", "REFUSED"):
        label = "监督检查不合格" if get("result") == "FAIL" else "拒绝监督检查"
        return ONSITE_INSPECTION, label, params["points_supervision_check"][get("result")]
    if kind == "ADMINISTRATIVE_PENALTY":
        measure = get("measure")
        return (
            PRODUCTION_SALES,
            f"行政处罚（{PENALTY_LABELS[measure]}）",
            params["points_penalty"][measure],
        )
    if kind == "QUALITY_ACCIDENT":
        severity = get("severity")
        label = f"产品质量事故（{ACCIDENT_LABELS[severity]}）"
        return RISK_CONTROL, label, params["points_accident"][severity]
    if kind == "COMPLAINT" and get("verified") is True:
        return RISK_CONTROL, "投诉举报经调查属实", params["points_complaint_verified"]
    if kind == "PUBLIC_OPINION" and get("verified") is True:
        return RISK_CONTROL, "舆情/媒体曝光经核实", params["points_public_opinion_verified"]
    if kind == "COUNTERFEIT":
        return PRODUCTION_SALES, "生产销售假冒伪劣产品", params["points_counterfeit"]
    if kind == "FALSE_CLAIM":
        return PRODUCTION_SALES, "虚假宣传/虚假数据", params["points_false_claim"][get("harm")]
    if kind == "STANDARD_BREACH":
        label = "无标准生产" if get("type") == "NO_STANDARD" else "低于明示标准"
        return PRODUCTION_SALES, label, params["points_standard_breach"][get("type")]
    if kind == "AFTER_SALES_BREACH":
        key = "SERIOUS" if get("serious") else "GENERAL"
        return PRODUCTION_SALES, "售后服务违约", params["points_after_sales"][key]
    if kind == "LIST_ENTRY" and _listing_active(fact, as_of):
        lst = get("list")
        return RISK_CONTROL, f"列入{LIST_LABELS[lst]}", params["points_list_entry"][lst]
    if kind == "SELF_INSPECTION_REPORT" and get("onTime") is False:
        return RISK_CONTROL, "年度自查报告未按时报送", params["points_self_inspection_late"]
    return None


# The parameter that fixes each event kind's points (第五条 indicators; local defaults).
POINTS_PARAMETER = {
    "SAMPLING_INSPECTION": "points_sampling_fail",
    "SUPERVISION_CHECK": "points_supervision_check",
    "ADMINISTRATIVE_PENALTY": "points_penalty",
    "QUALITY_ACCIDENT": "points_accident",
    "COMPLAINT": "points_complaint_verified",
    "PUBLIC_OPINION": "points_public_opinion_verified",
    "COUNTERFEIT": "points_counterfeit",
    "FALSE_CLAIM": "points_false_claim",
    "STANDARD_BREACH": "points_standard_breach",
    "AFTER_SALES_BREACH": "points_after_sales",
    "LIST_ENTRY": "points_list_entry",
    "SELF_INSPECTION_REPORT": "points_self_inspection_late",
}


def score_terms(risk: RiskScore, params: Mapping[str, Any]) -> list[Term]:
    """The 100-point score term by term (第六条 credit rating, 第五条 indicators), with a
    negative term where a cap cut the sum, so that the terms add up to ``risk.score``."""
    rating = risk.credit_fact
    terms = [
        Term(
            "综合信用评级风险分值",
            risk.credit_points,
            "第六条",
            "credit_weight_points",
            (rating.id,) if rating is not None else (),
        )
    ]
    for item in risk.items:
        label = item.label + ("（已整改，按比例计分）" if item.rectified_by is not None else "")
        parameter = (
            "rectified_points_factor"
            if item.rectified_by is not None
            else POINTS_PARAMETER.get(item.fact.kind)
        )
        terms.append(Term(label, item.points, "第五条", parameter, (item.fact.id,)))
    quality = sum(i.points for i in risk.items)
    if quality > risk.quality_points:
        cut = round(risk.quality_points - quality, 2)
        terms.append(Term("产品质量指标风险分值封顶", cut, "第五条", "quality_max_points"))
    before = risk.credit_points + risk.quality_points
    if before > risk.score:
        terms.append(
            Term("风险分封顶（百分制）", round(risk.score - before, 2), "第六条", "score_max")
        )
    return terms


def credit_risk(fact: Fact | None, params: Mapping[str, Any]) -> float:
    """Risk fraction 0–1 from the latest Henan comprehensive credit rating (第六条)."""
    if fact is not None and fact.get("score") is not None:
        full: float = params["credit_score_full"]
        share = min(float(fact.get("score")), full) / full
        return 1.0 - share if params["credit_score_higher_is_better"] else share
    if fact is not None and fact.get("level"):
        level = str(fact.get("level")).strip().upper().removesuffix("级")
        table = params["credit_level_risk"]
        if level in table:
            return float(table[level])
    return float(params["credit_missing_risk"])


def risk_score(facts: Facts, params: Mapping[str, Any]) -> RiskScore:
    rating = facts.latest("CREDIT_RATING")
    credit_points = params["credit_weight_points"] * credit_risk(rating, params)
    fixed = rectifications(facts)
    items: list[Item] = []
    for fact in facts.within_years(params["indicator_window_years"]):
        found = indicator(fact, facts.as_of, params)
        if found is None:
            continue
        group, label, pts = found
        rect = fixed.get(fact.id)
        if rect is not None:
            pts = pts * params["rectified_points_factor"]
        items.append(Item(group, label, float(pts), fact, rect.id if rect else None))
    quality = min(sum(i.points for i in items), params["quality_max_points"])
    score = min(round(credit_points + quality, 2), params["score_max"])
    return RiskScore(score, round(credit_points, 2), round(quality, 2), rating, tuple(items))


def score_reasons(risk: RiskScore, params: Mapping[str, Any]) -> list[Reason]:
    """Reasons explaining the score: the credit rating, each 第五条 group, each rectification."""
    reasons: list[Reason] = []
    r = risk.credit_fact
    if r is None:
        text = f"无河南省综合信用评级结果，通用型指标按中间风险计{risk.credit_points:g}分"
    else:
        shown = r.get("score") if r.get("score") is not None else r.get("level")
        text = f"河南省综合信用评级结果（{shown}）计{risk.credit_points:g}分"
    reasons.append(Reason("score.credit_rating", "第六条", text, (r.id,) if r else ()))
    for group, label in GROUP_LABELS.items():
        items = [i for i in risk.items if i.group == group and i.rectified_by is None]
        if not items:
            continue
        parts = "；".join(f"{i.label}（{i.fact.occurred_on}）{i.points:g}分" for i in items)
        reasons.append(
            Reason(
                f"indicator.{group}", "第五条", f"{label}：{parts}", tuple(i.fact.id for i in items)
            )
        )
    for i in risk.items:
        if i.rectified_by is not None:
            reasons.append(
                Reason(
                    "rectification.confirmed",
                    "第十三条第一款第三句",
                    f"{i.label}（{i.fact.occurred_on}）经整改确认，消除隐患，按{i.points:g}分计"
                    "（采取措施，消除产品质量安全隐患经整改确认后，系统自动下调信用风险等级）",
                    (i.fact.id, i.rectified_by),
                )
            )
    if risk.quality_points >= params["quality_max_points"]:
        reasons.append(
            Reason(
                "score.quality_cap",
                "第五条",
                f"产品质量安全指标计分达到上限{params['quality_max_points']:g}分",
                tuple(i.fact.id for i in risk.items if i.points > 0),
            )
        )
    return reasons
