"""The conditions of 第十一条（二）–（九） (A) and 第十二条（二）–（五） (B), mapped onto events.

Every "近1年" is the window of the evaluation (``evaluation.Evaluation.window``): in the annual
evaluation of 第十五条 the evaluated calendar year, in a dynamic re-grade the year ending on the
grading date (an event exactly one year before included).  "近1年…受到过/列入过/属于" asks about
any day of that window: a listing that has since ended still counts (第十一条（五）（六）、第十二条
（四）（五）).  Each function returns the Reasons of the conditions that FAIL, so an empty list
means the level's conditions all hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qcredit.core.contract import Reason
from qcredit.core.facts import Fact, Facts, ids
from qcredit.policies.bingtuan.evaluation import Evaluation
from qcredit.policies.bingtuan.exclusions import (
    counted_penalties,
    listed_within,
    listings,
    publicised_penalties,
)
from qcredit.policies.bingtuan.licences import noncompliant_licences

Params = Mapping[str, Any]

# 经营异常、严重违法失信企业名单和其他"黑名单" (第十一条（五）、第十二条（四）).
LISTS = ("ABNORMAL_OPERATION", "SERIOUS_DISHONESTY", "BLACKLIST")
DEBTOR = "DISHONEST_JUDGMENT_DEBTOR"


def _recent(facts: Facts, ev: Evaluation, params: Params, *kinds: str, **attrs: Any) -> list[Fact]:
    start, end = ev.window(params["recent_years"])
    return facts.between(start, end, *kinds, **attrs)


def _fail(rule: str, article: str, text: str, events: list[Fact]) -> Reason:
    return Reason(rule, article, text, ids(sorted(events, key=lambda f: (f.occurred_on, f.id))))


def recent_penalties(facts: Facts, ev: Evaluation, params: Params) -> list[Fact]:
    """近1年 受到过行政处罚: every penalty of the window, a warning included (《行政处罚法》
    第九条 lists 警告、通报批评 first among penalties), unless 第十条（一） takes it out."""
    return counted_penalties(facts, ev, params["recent_years"], params)


def _listed(facts: Facts, ev: Evaluation, params: Params, *lists: str) -> list[Fact]:
    return listed_within(facts, *ev.window(params["recent_years"]), *lists)


# --- conditions shared by A and B -------------------------------------------------------------
def licence_conditions(facts: Facts, ev: Evaluation, rule: str, article: str) -> list[Reason]:
    """（二）企业不存在使用与产品不相符原辅材料、生产条件不符合卫生等级及行政许可要求的.

    A state, not a 近1年 window: the latest record of a licence, by the evaluated day, finds its
    conditions not met.
    """
    if bad := noncompliant_licences(facts, ev.end):
        return [
            _fail(
                rule,
                article,
                "企业存在使用与产品不相符原辅材料、生产条件不符合卫生等级及行政许可要求的情形",
                bad,
            )
        ]
    return []


def refused_checks(
    facts: Facts, ev: Evaluation, params: Params, rule: str, article: str
) -> list[Reason]:
    if refused := _recent(facts, ev, params, "SUPERVISION_CHECK", result="REFUSED"):
        return [_fail(rule, article, "企业近1年存在拒绝监督检查等违法行为", refused)]
    return []


def penalties_or_listings(
    facts: Facts, ev: Evaluation, params: Params, rule: str, article: str
) -> list[Reason]:
    """近1年受到过行政处罚、被列入过经营异常、严重违法失信企业名单和其他"黑名单"."""
    found = recent_penalties(facts, ev, params) + _listed(facts, ev, params, *LISTS)
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


def judgment_debtor(
    facts: Facts, ev: Evaluation, params: Params, rule: str, article: str
) -> list[Reason]:
    if found := _listed(facts, ev, params, DEBTOR):
        return [_fail(rule, article, "企业近1年属于失信被执行人", found)]
    return []


# --- 第十一条 A ----------------------------------------------------------------------------------
def a_conditions(facts: Facts, ev: Evaluation, params: Params) -> list[Reason]:
    """第十一条（二）–（九） that fail."""
    failing = licence_conditions(facts, ev, "a.licence_conditions", "第十一条（二）")

    exposure = _recent(facts, ev, params, "PUBLIC_OPINION", verified=True)
    complaints = _recent(facts, ev, params, "COMPLAINT", verified=True)
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
        _recent(facts, ev, params, "SAMPLING_INSPECTION", result="FAIL")
        + _recent(facts, ev, params, "SUPERVISION_CHECK", result={"FAIL", "REFUSED"})
        + exposure
        + _recent(facts, ev, params, "STANDARD_BREACH")
        + _recent(facts, ev, params, "COUNTERFEIT")
        + _recent(facts, ev, params, "QUALITY_ACCIDENT", responsible=lambda v: v is not False)
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

    failing += penalties_or_listings(facts, ev, params, "a.penalty_or_listing", "第十一条（五）")
    failing += judgment_debtor(facts, ev, params, "a.judgment_debtor", "第十一条（六）")

    # （七） "尚在影响期内": a state on the evaluated day, of information of any age.
    adverse = publicised_penalties(facts, ev, params) + listings(facts, ev.end, *LISTS, DEBTOR)
    if adverse:
        failing.append(
            _fail(
                "a.adverse_information_in_effect",
                "第十一条（七）",
                "企业近1年有被公示尚在影响期内的不良信用信息",
                adverse,
            )
        )

    if false := _recent(facts, ev, params, "FALSE_CLAIM"):
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
def b_conditions(facts: Facts, ev: Evaluation, params: Params) -> list[Reason]:
    """第十二条（二）–（五） that fail."""
    failing = licence_conditions(facts, ev, "b.licence_conditions", "第十二条（二）")
    failing += refused_checks(facts, ev, params, "b.refused_check", "第十二条（三）")
    failing += penalties_or_listings(facts, ev, params, "b.penalty_or_listing", "第十二条（四）")
    failing += judgment_debtor(facts, ev, params, "b.judgment_debtor", "第十二条（五）")
    return failing
