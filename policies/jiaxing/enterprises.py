"""三3 企业分类 (AA / A / B / C), 二2 企业产品质量"健康码" and 四1 the supervision-mode matrix.

Criteria (the text names the inputs, not the cut-offs — every number is a parameter):

* C — in 近三年: a 严重不合格 sampling, ``c_min_failed_samplings`` or more failed samplings, or a
  四2 一是 violation (制假售假, 无证生产, 侵犯知识产权, 严重质量违法, a licence-revoking penalty),
  屡查屡犯, or a current blacklist / serious-dishonesty listing;
* B — otherwise, a failed sampling in 近三年, or (四2 三是 日常监管、投诉举报) a failed or refused
  supervision check or a verified complaint;
* A — a clean record; AA — A plus 产品质量追溯能力 (RECOGNITION TRACEABILITY) and a 质量管理体系
  (RECOGNITION QMS_CERTIFIED), both current.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qcredit.core.contract import Reason
from qcredit.core.facts import Fact, Facts, ids
from qcredit.core.model import EnterpriseRole
from qcredit.policies.jiaxing.levels import AA, ELEVATED, HIGH, STRICT, A, B, C, current

VIOLATION_LABELS = {
    "SERIOUS_QUALITY_VIOLATION": "严重质量违法行为",
    "UNLICENSED_PRODUCTION": "无证生产",
    "IP_INFRINGEMENT": "侵犯知识产权",
}
HEALTH_CODE_ORDER = ("green", "yellow", "red")


@dataclass(frozen=True)
class EnterpriseClass:
    level: str
    reasons: tuple[Reason, ...]
    blockers: tuple[Reason, ...]
    repeat_offender: bool
    blacklisted: bool
    serious_violation: bool


def offences(facts: Facts, params: Mapping[str, Any]) -> list[Fact]:
    """四2 一是 屡查屡犯: what counts as one offence found by a check."""
    years = params["repeat_offence_window_years"]
    found = (
        facts.within_years(years, "SAMPLING_INSPECTION", result="FAIL")
        + facts.within_years(years, "SUPERVISION_CHECK", result="FAIL")
        + facts.within_years(years, "COUNTERFEIT")
        + facts.within_years(years, "ENFORCEMENT_FINDING")
    )
    return sorted(found, key=lambda f: (f.occurred_on, f.id))


def _c_triggers(facts: Facts, params: Mapping[str, Any]) -> tuple[list[Reason], bool, bool]:
    years = params["enterprise_sampling_window_years"]
    fails = facts.within_years(years, "SAMPLING_INSPECTION", result="FAIL")
    found: list[Reason] = []
    serious = [f for f in fails if f.get("severity") == "SERIOUS"]
    if serious:
        found.append(
            Reason(
                "class.c.serious_failure",
                "三3",
                f"近{years}年企业产品监督抽查严重不合格{len(serious)}次",
                ids(serious),
            )
        )
    if len(fails) >= params["c_min_failed_samplings"]:
        found.append(
            Reason(
                "class.c.repeated_failures",
                "三3",
                f"近{years}年企业产品监督抽查不合格{len(fails)}次（多次不合格）",
                ids(fails),
            )
        )
    v_years = params["violation_window_years"]
    counterfeit = facts.within_years(v_years, "COUNTERFEIT")
    if counterfeit:
        found.append(
            Reason(
                "class.c.counterfeit",
                "四2 一是",
                f"近{v_years}年存在制假售假违法行为，依法予以严惩",
                ids(counterfeit),
            )
        )
    findings = facts.within_years(v_years, "ENFORCEMENT_FINDING")
    for code, label in VIOLATION_LABELS.items():
        hits = [f for f in findings if f.get("violation") == code]
        if hits:
            found.append(
                Reason(
                    f"class.c.{code.lower()}",
                    "四2 一是",
                    f"近{v_years}年执法检查认定{label}，依法予以严惩",
                    ids(hits),
                )
            )
    penalties = [
        f
        for f in facts.within_years(v_years, "ADMINISTRATIVE_PENALTY")
        if f.get("measure") in params["c_penalty_measures"] or f.get("criminalReferral") is True
    ]
    if penalties:
        found.append(
            Reason(
                "class.c.serious_penalty",
                "四2 一是",
                f"近{v_years}年因违法行为被吊销许可证照或移送司法机关",
                ids(penalties),
            )
        )
    serious_violation = bool(counterfeit or findings or penalties)
    listed = [
        f for f in facts.of("LIST_ENTRY", list=set(params["c_lists"])) if current(f, facts.as_of)
    ]
    if listed:
        found.append(
            Reason(
                "class.c.listed",
                "四2 一是",
                "被列入黑名单（或严重违法失信名单），列入期间为C类",
                ids(listed),
            )
        )
    repeat = offences(facts, params)
    repeat_offender = len(repeat) >= params["repeat_offence_min_count"]
    if repeat_offender:
        found.append(
            Reason(
                "class.c.repeat_offender",
                "四2 一是",
                f"近{params['repeat_offence_window_years']}年查实违法/不合格{len(repeat)}次，"
                "屡查屡犯，列入“黑名单”并予以公开曝光",
                ids(repeat),
            )
        )
    blacklisted = repeat_offender or any(f.get("list") == "BLACKLIST" for f in listed)
    return found, repeat_offender and blacklisted, serious_violation


def _b_triggers(facts: Facts, params: Mapping[str, Any]) -> list[Reason]:
    years = params["enterprise_sampling_window_years"]
    fails = facts.within_years(years, "SAMPLING_INSPECTION", result="FAIL")
    found: list[Reason] = []
    if len(fails) > params["a_max_failed_samplings"]:
        found.append(
            Reason(
                "class.b.failed_sampling",
                "三3",
                f"近{years}年企业产品监督抽查不合格{len(fails)}次",
                ids(fails),
            )
        )
    d_years = params["daily_supervision_window_years"]
    checks = facts.within_years(d_years, "SUPERVISION_CHECK", result={"FAIL", "REFUSED"})
    if checks:
        found.append(
            Reason(
                "class.b.supervision_check",
                "四2 三是",
                f"近{d_years}年日常监管中监督检查不合格或拒绝检查{len(checks)}次",
                ids(checks),
            )
        )
    complaints = [
        f
        for f in facts.within_years(d_years, "COMPLAINT", verified=True)
        if f.get("enterpriseResponsible") is not False
    ]
    if complaints:
        found.append(
            Reason(
                "class.b.complaint",
                "四2 三是",
                f"近{d_years}年投诉举报经核实属企业责任{len(complaints)}次",
                ids(complaints),
            )
        )
    return found


def _aa_conditions(facts: Facts) -> tuple[list[Reason], list[Reason]]:
    """(held, missing) of the two AA conditions, from the enterprise's own recognitions."""
    held: list[Reason] = []
    missing: list[Reason] = []
    for kind, rule, label in (
        ("TRACEABILITY", "class.aa.traceability", "产品质量追溯能力"),
        ("QMS_CERTIFIED", "class.aa.qms", "质量管理体系"),
    ):
        found = [
            f
            for f in facts.own()
            if f.kind == "RECOGNITION" and f.get("type") == kind and current(f, facts.as_of)
        ]
        if found:
            held.append(Reason(rule, "三3", f"具备{label}（有效认定）", ids(found[-1:])))
        else:
            missing.append(Reason(rule, "三3", f"未具备有效的{label}认定，不能评为AA类"))
    return held, missing


def classify(facts: Facts, params: Mapping[str, Any]) -> EnterpriseClass:
    c_found, blacklisted, serious_violation = _c_triggers(facts, params)
    repeat_offender = any(r.rule == "class.c.repeat_offender" for r in c_found)
    b_found = _b_triggers(facts, params)
    if c_found:
        return EnterpriseClass(
            C,
            tuple(c_found + b_found),
            tuple(c_found),
            repeat_offender,
            blacklisted,
            serious_violation,
        )
    if b_found:
        return EnterpriseClass(B, tuple(b_found), tuple(b_found), False, False, False)
    years = params["enterprise_sampling_window_years"]
    clean = Reason(
        "class.a.clean_record",
        "三3",
        f"近{years}年企业产品监督抽查无不合格，日常监管未发现问题",
        ids(facts.within_years(years, "SAMPLING_INSPECTION")),
    )
    held, missing = _aa_conditions(facts)
    if missing:
        return EnterpriseClass(A, (clean, *held), tuple(missing), False, False, False)
    return EnterpriseClass(AA, (clean, *held), (), False, False, False)


def health_code(level: str, product_tiers: Mapping[Any, str], params: Mapping[str, Any]) -> str:
    """二2 企业产品质量"健康码": colour of the class, at least ``health_code_if_high_risk_product``
    when the enterprise has a high-risk product."""
    colour: str = params["health_code_by_class"][level]
    if HIGH in product_tiers.values():
        floor = params["health_code_if_high_risk_product"]
        if HEALTH_CODE_ORDER.index(floor) > HEALTH_CODE_ORDER.index(colour):
            colour = floor
    return colour


def supervision_mode(
    level: str, governing_tier: str, roles: frozenset[EnterpriseRole], params: Mapping[str, Any]
) -> tuple[str, str]:
    """四1 the mode (and the article behind it) for the enterprise's worst product tier × class."""
    if governing_tier == HIGH:
        if EnterpriseRole.PRODUCER in roles:
            return STRICT, "四1 二是"
        governing_tier = ELEVATED  # a non-producer of high-risk products: the next row
    return params["supervision_matrix"][governing_tier][level], "四1 一是、二是"
