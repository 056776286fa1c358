"""The four classes' criteria of 三（一）–（四), each mapped onto core events.

The text classifies by criteria, not by score: an enterprise is D when any D criterion
(三（四）) holds, else C when any C criterion (三（三）) holds, else B when all of B's criteria
(三（二）) hold, and A only when all of A's criteria (三（一）) hold as well.  Each function
here returns the :class:`Reason` objects of the criteria that hold (for C and D) or that fail
(for A and B).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from qcredit.core.contract import Reason
from qcredit.core.facts import Fact, Facts, ids
from qcredit.core.temporal import consecutive

# Licence states that leave the enterprise without a valid legal qualification (三（四）1).
INVALID_LICENCE = frozenset({"SUSPENDED", "REVOKED", "EXPIRED"})
# Penalties at revocation level (三（四）7): 吊销行政许可、吊销营业执照.
REVOCATION_MEASURES = frozenset({"LICENCE_REVOKED", "BUSINESS_LICENCE_REVOKED"})
SERIOUS_ACCIDENTS = frozenset({"MAJOR", "ESPECIALLY_MAJOR"})


def _not_false(value: Any) -> bool:
    """A recorded fact counts against the enterprise unless it is recorded as not its doing."""
    return value is not False


def recent(facts: Facts, params: Mapping[str, Any], *kinds: str, **attrs: Any) -> list[Fact]:
    """Events inside the period the C/D criteria look at (``criteria_window_years``; 0 = 当年)."""
    years = params["criteria_window_years"]
    if years == 0:
        return facts.this_year(*kinds, **attrs)
    return facts.within_years(years, *kinds, **attrs)


def latest_licences(facts: Facts) -> dict[str | None, Fact]:
    """The latest LICENCE record of each licence number (facts are in time order)."""
    latest: dict[str | None, Fact] = {}
    for f in facts.of("LICENCE"):
        latest[f.get("licenceNo")] = f
    return latest


def _date_attr(fact: Fact, name: str) -> date | None:
    raw = fact.get(name)
    return date.fromisoformat(raw) if raw else None


def invalid_licences(facts: Facts) -> list[Fact]:
    """Licences whose latest record says the certificate is not (or no longer) valid."""
    out = []
    for f in latest_licences(facts).values():
        valid_until = _date_attr(f, "validUntil")
        if f.get("status") in INVALID_LICENCE or (
            f.get("status") == "GRANTED" and valid_until is not None and valid_until < facts.as_of
        ):
            out.append(f)
    return out


def noncompliant_licences(facts: Facts) -> tuple[list[Fact], list[Fact]]:
    """(within the rectification period, past it) for licences whose latest record is NONCOMPLIANT.

    三（三）1 "在规定的期限内通过整改能够达到要求" / 三（四）3 "在规定的整改期限内仍未达到要求": the
    deadline day itself is still inside the period, so D starts the day after ``rectifyBy``.  A
    later GRANTED record for the same licence number ends the non-compliance.
    """
    pending: list[Fact] = []
    overdue: list[Fact] = []
    for f in latest_licences(facts).values():
        if f.get("status") != "NONCOMPLIANT":
            continue
        deadline = _date_attr(f, "rectifyBy")
        (overdue if deadline is not None and facts.as_of > deadline else pending).append(f)
    return pending, overdue


def failed_inspections_this_year(facts: Facts) -> list[Fact]:
    """当年 failed supervision samplings and failed or refused supervision checks."""
    return facts.this_year("SAMPLING_INSPECTION", result="FAIL") + facts.this_year(
        "SUPERVISION_CHECK", result={"FAIL", "REFUSED"}
    )


def _established(facts: Facts) -> str:
    return str(facts.enterprise.established_on or "未登记")


def _reason(rule: str, article: str, text: str, events: list[Fact]) -> Reason:
    return Reason(rule=rule, article=article, text=text, events=ids(events))


def d_criteria(facts: Facts, params: Mapping[str, Any]) -> list[Reason]:
    """三（四） 严重失信（D级）标准 that hold."""
    found: list[Reason] = []
    if invalid := invalid_licences(facts):
        found.append(
            _reason(
                "d.no_valid_qualification",
                "三（四）1",
                "企业无法定资质或法定资质有效证件失效",
                invalid,
            )
        )
    if counterfeit := recent(facts, params, "COUNTERFEIT", deliberate=True):
        found.append(
            _reason(
                "d.deliberate_counterfeit", "三（四）2", "企业故意生产假冒伪劣产品", counterfeit
            )
        )
    _, overdue = noncompliant_licences(facts)
    if overdue:
        found.append(
            _reason(
                "d.licence_rectification_overdue",
                "三（四）3",
                "实行行政许可管理的产品未满足行政许可要求，且在规定的整改期限内仍未达到要求",
                overdue,
            )
        )
    samplings = facts.this_year("SAMPLING_INSPECTION")
    run = params["d_consecutive_failed_samplings"]
    if consecutive(samplings, lambda f: f.get("result") == "FAIL", run):
        found.append(
            _reason(
                "d.consecutive_failed_samplings",
                "三（四）4",
                f"当年连续{run}次产品质量、计量监督抽查不合格",
                [f for f in samplings if f.get("result") == "FAIL"],
            )
        )
    if major_false := recent(facts, params, "FALSE_CLAIM", harm="MAJOR"):
        found.append(
            _reason(
                "d.false_claim_major_harm",
                "三（四）5",
                "在产品质量上存在虚假广告、对外提供的虚假数据和其他虚假宣传，造成重大危害的",
                major_false,
            )
        )
    if no_standard := recent(facts, params, "STANDARD_BREACH", type="NO_STANDARD"):
        found.append(
            _reason("d.no_standard", "三（四）6", "产品无标准生产或不按标准生产", no_standard)
        )
    revocation = [
        f
        for f in recent(facts, params, "ADMINISTRATIVE_PENALTY")
        if f.get("measure") in REVOCATION_MEASURES or f.get("criminalReferral") is True
    ]
    if revocation:
        found.append(
            _reason(
                "d.revocation_level_violation",
                "三（四）7",
                "有严重质量违法、违规行为，达到吊销行政许可、吊销营业执照或移送司法机关的程度",
                revocation,
            )
        )
    if serious_after_sales := recent(facts, params, "AFTER_SALES_BREACH", serious=True):
        found.append(
            _reason(
                "d.serious_after_sales_breach",
                "三（四）8",
                "严重违反明示或承诺服务条款，不能提供售后服务",
                serious_after_sales,
            )
        )
    major_accidents = recent(
        facts, params, "QUALITY_ACCIDENT", severity=SERIOUS_ACCIDENTS, responsible=_not_false
    )
    if major_accidents:
        # No numbered D item names accidents; the D heading defines 严重失信 as "由于企业质量责任
        # 给社会及消费者造成重大危害和损失", which a major accident is (三（三）6 keeps general
        # accidents at C).
        found.append(
            _reason(
                "d.major_quality_accident",
                "三（四）",
                "由于企业质量责任给社会及消费者造成重大危害和损失（重大及以上质量事故）",
                major_accidents,
            )
        )
    return found


def c_criteria(facts: Facts, params: Mapping[str, Any]) -> list[Reason]:
    """三（三） 失信（C级）标准 that hold."""
    found: list[Reason] = []
    pending, _ = noncompliant_licences(facts)
    if pending:
        found.append(
            _reason(
                "c.licence_rectification_pending",
                "三（三）1",
                "实行行政许可管理的企业，产品未满足行政许可要求，但在规定的期限内通过整改能够达到要求",
                pending,
            )
        )
    if failed := failed_inspections_this_year(facts):
        found.append(
            _reason(
                "c.failed_inspection_this_year",
                "三（三）2",
                "当年内发生产品质量、计量监督抽查或监督检查不合格记录",
                failed,
            )
        )
    if below := recent(facts, params, "STANDARD_BREACH", type="BELOW_DECLARED"):
        found.append(
            _reason(
                "c.below_declared_standard",
                "三（三）4",
                "产品低于企业明示或承诺标准组织生产",
                below,
            )
        )
    if false_claims := recent(facts, params, "FALSE_CLAIM", harm={"NONE", "MINOR"}):
        found.append(
            _reason(
                "c.false_claim",
                "三（三）5",
                "在产品质量上存在虚假广告、对外提供的虚假数据和其他虚假宣传现象，但未造成较大危害和损失的",
                false_claims,
            )
        )
    unresolved = recent(
        facts, params, "COMPLAINT", enterpriseResponsible=True, resolvedInTime=False
    )
    if unresolved:
        found.append(
            _reason(
                "c.complaint_not_resolved",
                "三（三）6",
                "未能及时解决因企业责任而引起的质量、计量投诉，索赔和退货",
                unresolved,
            )
        )
    general = recent(facts, params, "QUALITY_ACCIDENT", severity="GENERAL", responsible=_not_false)
    if general:
        found.append(
            _reason("c.general_accident", "三（三）6", "发生过因质量不良而导致的一般事故", general)
        )
    if after_sales := recent(facts, params, "AFTER_SALES_BREACH", serious=lambda v: v is not True):
        found.append(
            _reason(
                "c.after_sales_breach",
                "三（三）7",
                "不能够按明示或承诺服务条款做好售后服务",
                after_sales,
            )
        )
    violations = [
        f
        for f in recent(facts, params, "ADMINISTRATIVE_PENALTY")
        if f.get("measure") not in REVOCATION_MEASURES and f.get("criminalReferral") is not True
    ] + recent(facts, params, "COUNTERFEIT", deliberate=lambda v: v is not True)
    if violations:
        # The C heading: "有违反法律法规的行为 … 但未造成重大危害和损失的企业"; a penalty or a
        # non-deliberate counterfeit is such an act and also breaks B's 三（二）1
        # (无质量、计量违法、违规记录).
        found.append(
            _reason(
                "c.violation_record",
                "三（三）",
                "有违反法律法规的行为，但未造成重大危害和损失（质量、计量违法、违规记录）",
                violations,
            )
        )
    return found


def b_gaps(facts: Facts, params: Mapping[str, Any]) -> list[Reason]:
    """B's positive criteria (三（二）) not covered by the C/D criteria, that fail.

    Every other B item is the negation of a C or D criterion over 当年, so once no C/D criterion
    holds only the age of the enterprise can still fail.
    """
    years = params["b_established_years"]
    if facts.established_for(years):
        return []
    return [
        Reason(
            "b.established_years",
            "三（二）1",
            f"企业依法设立未满{years}年（成立日期：{_established(facts)}）",
        )
    ]


def a_gaps(facts: Facts, params: Mapping[str, Any]) -> list[Reason]:
    """A's criteria (三（一）) that fail, for an enterprise already meeting B's."""
    gaps: list[Reason] = []
    years = params["a_established_years"]
    if not facts.established_for(years):
        gaps.append(
            Reason(
                "a.established_years",
                "三（一）1",
                f"企业依法设立未满{years}年（成立日期：{_established(facts)}）",
            )
        )
    clean = params["a_clean_years"]
    window = facts.within_years
    records = (
        window(clean, "SAMPLING_INSPECTION", result="FAIL")
        + window(clean, "SUPERVISION_CHECK", result={"FAIL", "REFUSED"})
        + window(clean, "ADMINISTRATIVE_PENALTY")
        + window(clean, "COUNTERFEIT")
        + window(clean, "FALSE_CLAIM")
        + window(clean, "STANDARD_BREACH")
    )
    if records:
        gaps.append(
            _reason(
                "a.record_within_years",
                "三（一）1",
                f"{clean}年内有产品质量、计量监督抽查不合格、监督检查不合格或质量、计量违法、违规记录",
                sorted(records, key=lambda f: (f.occurred_on, f.id)),
            )
        )
    complaints = facts.this_year("COMPLAINT", enterpriseResponsible=True)
    if complaints:
        gaps.append(
            _reason(
                "a.complaint_this_year",
                "三（一）5",
                "当年有属于企业责任而引起的质量、计量投诉、索赔和退货",
                complaints,
            )
        )
    return gaps
