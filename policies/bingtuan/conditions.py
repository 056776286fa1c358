"""The conditions of 第十一条（二）–（九） (A) and 第十二条（二）–（五） (B), mapped onto events.

Every "近1年" is rolling: the year ending on the grading date, an event exactly one year before
included (core.temporal.within_years).  Each function returns the Reasons of the conditions that
FAIL, so an empty list means the level's conditions all hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qcredit.core.contract import Reason
from qcredit.core.facts import Fact, Facts, ids
from qcredit.core.temporal import within_years
from qcredit.policies.bingtuan.exclusions import listings, publicised_penalties
from qcredit.policies.bingtuan.licences import noncompliant_licences

Params = Mapping[str, Any]

# 经营异常、严重违法失信企业名单和其他"黑名单" (第十一条（五）、第十二条（四）).
LISTS = ("ABNORMAL_OPERATION", "SERIOUS_DISHONESTY", "BLACKLIST")
DEBTOR = "DISHONEST_JUDGMENT_DEBTOR"


def _recent(facts: Facts, params: Params, *kinds: str, **attrs: Any) -> list[Fact]:
    return facts.within_years(params["recent_years"], *kinds, **attrs)


def _fail(rule: str, article: str, text: str, events: list[Fact]) -> Reason:
    return Reason(rule, article, text, ids(sorted(events, key=lambda f: (f.occurred_on, f.id))))


def recent_penalties(facts: Facts, params: Params) -> list[Fact]:
    """近1年 penalties that still count (第十条（一）: not past their publicity period)."""
    years = params["recent_years"]
    return [
        f
        for f in publicised_penalties(facts, params)
        if within_years(f.occurred_on, facts.as_of, years)
    ]


# --- conditions shared by A and B -------------------------------------------------------------
def licence_conditions(facts: Facts, rule: str, article: str) -> list[Reason]:
    """（二）企业不存在使用与产品不相符原辅材料、生产条件不符合卫生等级及行政许可要求的.

    A state, not a 近1年 window: the latest record of a licence finds its conditions not met.
    """
    if bad := noncompliant_licences(facts):
        return [
            _fail(
                rule,
                article,
                "企业存在使用与产品不相符原辅材料、生产条件不符合卫生等级及行政许可要求的情形",
                bad,
            )
        ]
    return []


def refused_checks(facts: Facts, params: Params, rule: str, article: str) -> list[Reason]:
    if refused := _recent(facts, params, "SUPERVISION_CHECK", result="REFUSED"):
        return [_fail(rule, article, "企业近1年存在拒绝监督检查等违法行为", refused)]
    return []


def penalties_or_listings(facts: Facts, params: Params, rule: str, article: str) -> list[Reason]:
    """近1年受到过行政处罚、被列入过经营异常、严重违法失信企业名单和其他"黑名单"."""
    found = recent_penalties(facts, params) + listings(facts, *LISTS)
    if found:
        return [
            _fail(
                rule,
                article,
                "企业近1年受到过行政处罚，或被行政机关列入过经营异常、严重违法失信企业名单和其他“黑名单”",
                found,
            )
        ]
    return []


def judgment_debtor(facts: Facts, rule: str, article: str) -> list[Reason]:
    if found := listings(facts, DEBTOR):
        return [_fail(rule, article, "企业近1年属于失信被执行人", found)]
    return []


# --- 第十一条 A ----------------------------------------------------------------------------------
def a_conditions(facts: Facts, params: Params) -> list[Reason]:
    """第十一条（二）–（九） that fail."""
    failing = licence_conditions(facts, "a.licence_conditions", "第十一条（二）")

    exposure = _recent(facts, params, "PUBLIC_OPINION", verified=True)
    complaints = _recent(facts, params, "COMPLAINT", verified=True)
    strong = complaints if len(complaints) >= params["strong_complaints_min"] else []
    if exposure or strong:
        failing.append(
            _fail(
                "a.media_or_complaints",
                "第十一条（三）",
                "企业近1年有查实的媒体曝光或消费者反映强烈的产品质量问题",
                exposure + strong,
            )
        )

    problems = (
        _recent(facts, params, "SAMPLING_INSPECTION", result="FAIL")
        + _recent(facts, params, "SUPERVISION_CHECK", result={"FAIL", "REFUSED"})
        + exposure
        + _recent(facts, params, "STANDARD_BREACH")
        + _recent(facts, params, "COUNTERFEIT")
        + _recent(facts, params, "QUALITY_ACCIDENT", responsible=lambda v: v is not False)
    )
    if problems:
        failing.append(
            _fail(
                "a.quality_problem_found",
                "第十一条（四）",
                "企业近1年在产品质量监督抽查、专项检查、舆情通报等监管中发现产品质量问题，或存在拒绝监督"
                "检查等违法行为",
                problems,
            )
        )

    failing += penalties_or_listings(facts, params, "a.penalty_or_listing", "第十一条（五）")
    failing += judgment_debtor(facts, "a.judgment_debtor", "第十一条（六）")

    adverse = publicised_penalties(facts, params) + listings(facts, *LISTS, DEBTOR)
    if adverse:
        failing.append(
            _fail(
                "a.adverse_information_in_effect",
                "第十一条（七）",
                "企业近1年有被公示尚在影响期内的不良信用信息",
                adverse,
            )
        )

    if false := _recent(facts, params, "FALSE_CLAIM"):
        failing.append(
            _fail(
                "a.concealment_or_false_promise",
                "第十一条（八）",
                "企业近1年存在隐瞒情况、虚假承诺等影响信用情形",
                false,
            )
        )

    year = facts.as_of.year - params["self_inspection_report_lag_years"]
    on_time = facts.of("SELF_INSPECTION_REPORT", year=year, onTime=True)
    if not on_time:
        late = facts.of("SELF_INSPECTION_REPORT", year=year)
        failing.append(
            _fail(
                "a.self_inspection_report",
                "第十一条（九）",
                f"企业未按期完成{year}年度自查报告",
                late,
            )
        )
    return failing


# --- 第十二条 B ----------------------------------------------------------------------------------
def b_conditions(facts: Facts, params: Params) -> list[Reason]:
    """第十二条（二）–（五） that fail."""
    failing = licence_conditions(facts, "b.licence_conditions", "第十二条（二）")
    failing += refused_checks(facts, params, "b.refused_check", "第十二条（三）")
    failing += penalties_or_listings(facts, params, "b.penalty_or_listing", "第十二条（四）")
    failing += judgment_debtor(facts, "b.judgment_debtor", "第十二条（五）")
    return failing
