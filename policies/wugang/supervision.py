"""Supervision by level (第八–十一条) and the key inspection list whatever the level (第十二条)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qcredit.core.contract import Grading, Measure, MeasureKind, Reason
from qcredit.core.facts import Facts, ids
from qcredit.policies.wugang.kinds import KEY_INSPECTION_DESIGNATION

K = MeasureKind


def key_list_reasons(facts: Facts, params: Mapping[str, Any]) -> list[Reason]:
    """第十二条: grounds that put the subject on the annual key routine inspection list."""
    out: list[Reason] = []
    accidents = facts.within_years(
        params["key_list_accident_years"], "QUALITY_ACCIDENT", responsible=True
    )
    if accidents:
        out.append(
            Reason(
                "key_list.responsible_accident",
                "第十二条（一）",
                "近二年使用的产品质量发生过事故并对事故负有责任，列入年度常规重点监督检查对象",
                ids(accidents),
            )
        )
    complaints = facts.within_years(params["key_list_complaints_years"], "COMPLAINT", verified=True)
    if len(complaints) >= params["key_list_complaints_min"]:
        out.append(
            Reason(
                "key_list.verified_complaints",
                "第十二条（二）",
                f"涉及产品质量安全的投诉举报较多（经调查属实{len(complaints)}件），"
                "列入年度常规重点监督检查对象",
                ids(complaints),
            )
        )
    designations = [
        d
        for d in facts.of(KEY_INSPECTION_DESIGNATION)
        if (d.get("year") or d.occurred_on.year) == facts.as_of.year
    ]
    if designations:
        out.append(
            Reason(
                "key_list.bureau_designation",
                "第十二条（三）",
                "市场监督管理部门认为应当列入："
                + "；".join(str(d.get("reason")) for d in designations),
                ids(designations),
            )
        )
    return out


def level_measures(level: str, params: Mapping[str, Any]) -> list[Measure]:
    if level == "A":
        return [
            Measure(K.GUIDANCE, "以指导服务为主，鼓励强化自主管理，适当减少检查频次", "第八条"),
            Measure(
                K.PLAN_SHARE,
                "纳入常规监督检查计划的数量不多于计划总数的5%",
                "第八条（一）",
                plan_share_max=params["plan_share_a_max"],
            ),
            Measure(
                K.REMOTE_CHECK,
                "专项监督检查可采取现场检查与远程监管、电子检查相结合的方式",
                "第八条（二）",
            ),
        ]
    if level == "B":
        return [
            Measure(
                K.PLAN_SHARE,
                "常态化监管，按计划实施常规检查：纳入常规监督检查计划的数量不少于计划总数的10%",
                "第九条（一）",
                plan_share_min=params["plan_share_b_min"],
            ),
            Measure(
                K.REMOTE_CHECK,
                "专项监督检查可采取现场检查与远程监管、电子检查相结合的监管方式，保持常态化监管频率",
                "第九条（二）",
            ),
        ]
    if level == "C":
        return [
            Measure(
                K.PLAN_SHARE,
                "重点监管：纳入常规监督检查计划的数量不少于计划总数的50%",
                "第十条（一）",
                plan_share_min=params["plan_share_c_min"],
            ),
            Measure(
                K.INSPECTION_FREQUENCY, "专项监督检查进行重点监管，增加检查频次", "第十条（二）"
            ),
            Measure(K.STATIONED_SUPERVISION, "纳入驻点监督范围，可实施驻点监督", "第十条（三）"),
        ]
    return [
        Measure(
            K.PLAN_SHARE,
            "列为专项监督检查和常规监督检查的重点关注对象，实行全覆盖检查",
            "第十一条（一）",
            plan_share_min=params["plan_share_d_min"],
        ),
        Measure(
            K.STATIONED_SUPERVISION,
            "必要时实施驻点监督，督促企业采取措施消除事故隐患",
            "第十一条（二）",
        ),
        Measure(K.ENFORCEMENT, "依法依规责令停止使用或予以查封、扣押", "第十一条（三）"),
        Measure(
            K.BLACKLIST,
            "符合《市场监督管理严重违法失信名单管理办法》第七条情形的，列入严重失信企业名单",
            "第十一条（四）",
        ),
    ]


def measures(grading: Grading, facts: Facts, params: Mapping[str, Any]) -> list[Measure]:
    out = level_measures(grading.level, params)
    for reason in key_list_reasons(facts, params):
        out.append(
            Measure(
                K.KEY_INSPECTION_LIST,
                reason.text + "（无论信用风险等级高低）",
                reason.article,
            )
        )
    return out
