"""第十条: information that is not a basis for the grade.

（二）–（五）（六 repair) are applied by the core before the policy sees the facts (REVOKE, AMEND,
ERRONEOUS, REPAIR corrections).  Left here are:

（一）超出法定公示期间不再予以公示的信用信息 — penalty information, by the publicity periods of
     总局令第45号 (第十三条: 3 months for 通报批评 or a lower-amount fine, 3 years otherwise).  A
     warning alone is never publicised (第二条): it has no publicity period to run out, so it stays
     a penalty received (《行政处罚法》第九条) for 第十一条（五）、第十二条（四）, but it is no
     publicised information for 第十一条（七）;
（六）超出信用影响期的 — a listing counts for "近1年…列入过" (第十一条（五）（六）、第十二条（四）
     （五）) when it held on any day of the window, and as "尚在影响期内" (第十一条（七）, the D
     case) while its ``until`` has not passed; a listing that ended before the window is past its
     impact on the grade.

When one of these takes a fact out of a window it would otherwise count in, an informational
reason citing the 第十条 item says so; a penalty still counted carries its publicity end.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from qcredit.core.contract import Reason
from qcredit.core.facts import Fact, Facts
from qcredit.core.temporal import period_end
from qcredit.policies.bingtuan.evaluation import Evaluation

PENALTY = "ADMINISTRATIVE_PENALTY"
MEASURE_LABELS = {
    "WARNING": "警告",
    "PUBLIC_CRITICISM": "通报批评",
    "FINE": "罚款",
    "CONFISCATION": "没收",
    "LICENCE_SUSPENDED": "暂扣许可证件",
    "QUALIFICATION_DOWNGRADED": "降低资质等级",
    "LICENCE_REVOKED": "吊销许可证件",
    "BUSINESS_RESTRICTED": "限制开展生产经营活动",
    "PRODUCTION_SUSPENDED": "责令停产停业",
    "CLOSURE_ORDERED": "责令关闭",
    "PRACTICE_RESTRICTED": "限制从业",
    "BUSINESS_LICENCE_REVOKED": "吊销营业执照",
    "OTHER": "其他行政处罚",
}
LIST_LABELS = {
    "ABNORMAL_OPERATION": "经营异常名录",
    "SERIOUS_DISHONESTY": "严重违法失信名单",
    "BLACKLIST": "“黑名单”",
    "DISHONEST_JUDGMENT_DEBTOR": "失信被执行人名单",
}


def penalty_publicity_end(penalty: Fact, params: Mapping[str, Any]) -> date | None:
    """Last day the penalty is publicised; ``None`` when it is never publicised."""
    measure = penalty.get("measure")
    if measure == "WARNING" and not params["warning_publicised"]:
        return None
    fine = penalty.get("fineYuan")
    if measure == "PUBLIC_CRITICISM":  # 第十三条: 仅受到通报批评 — three months, like a lower fine
        return period_end(penalty.occurred_on, months=params["publicity_months_minor_penalty"])
    if measure == "FINE" and fine is not None and fine < params["lower_fine_threshold_yuan"]:
        return period_end(penalty.occurred_on, months=params["publicity_months_minor_penalty"])
    return period_end(penalty.occurred_on, years=params["publicity_years_other_penalty"])


def _past_publicity(penalty: Fact, on: date, params: Mapping[str, Any]) -> bool:
    end = penalty_publicity_end(penalty, params)
    return end is not None and end < on


def counted_penalties(
    facts: Facts, evaluation: Evaluation, years: int, params: Mapping[str, Any]
) -> list[Fact]:
    """Penalties received within the ``years`` window (受到过行政处罚, a warning included) that
    第十条（一） leaves as a basis: not past their publicity period on the window's last day."""
    start, end = evaluation.window(years)
    return [f for f in facts.between(start, end, PENALTY) if not _past_publicity(f, end, params)]


def publicised_penalties(
    facts: Facts, evaluation: Evaluation, params: Mapping[str, Any]
) -> list[Fact]:
    """Penalties of any age still publicised on the evaluated day (第十一条（七））."""
    on = evaluation.end
    return [
        f
        for f in facts.of(PENALTY)
        if f.occurred_on <= on
        and (end := penalty_publicity_end(f, params)) is not None
        and on <= end
    ]


def listed_within(facts: Facts, start: date, end: date, *lists: str) -> list[Fact]:
    """LIST_ENTRY records of the given lists that held on any day of ``[start, end]``."""
    return facts.in_effect_between(start, end, "LIST_ENTRY", list=set(lists))


def listings(facts: Facts, on: date, *lists: str) -> list[Fact]:
    """LIST_ENTRY records of the given lists still in their credit impact period on ``on``."""
    return listed_within(facts, on, on, *lists)


def exclusion_reasons(
    facts: Facts, evaluation: Evaluation, params: Mapping[str, Any]
) -> list[Reason]:
    """What 第十条 took out of (or keeps in) the 近1年 window, each with its item."""
    start, end = evaluation.window(params["recent_years"])
    out: list[Reason] = []
    for p in facts.between(start, end, PENALTY):
        what = f"行政处罚（{MEASURE_LABELS.get(p.get('measure'), '处罚')}，{p.occurred_on}）"
        until = penalty_publicity_end(p, params)
        if until is None:
            continue
        if until < end:
            text = f"{what}公示期已于{until}届满，不再予以公示，不作为分级依据"
            out.append(Reason("exclusion.publicity_period", "第十条（一）", text, (p.id,)))
        else:
            text = f"{what}公示期至{until}，期满后不再作为分级依据"
            out.append(Reason("publicity_period.running", "第十条（一）", text, (p.id,)))
    for f in facts.of("LIST_ENTRY"):
        until = f.get("until")
        if until and date.fromisoformat(until) < start:
            text = (
                f"列入{LIST_LABELS.get(f.get('list'), '名单')}（{f.occurred_on}至{until}）"
                f"已于{start}前移出，超出信用影响期，不作为分级依据"
            )
            out.append(Reason("exclusion.impact_period", "第十条（六）", text, (f.id,)))
    return out
