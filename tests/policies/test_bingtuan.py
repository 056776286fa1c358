"""新疆生产建设兵团 (revised 办法, 修改后 column): cases read off the text, article by article."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qcredit.core.contract import Audience, MeasureKind
from qcredit.core.grading.assess import Subject, assess
from qcredit.core.testing import SubjectBuilder
from qcredit.policies.bingtuan import BingtuanPolicy

from .citations import (
    assert_cites,
    assert_scope_cited,
    cited_articles,
    rule_articles,
)

POLICY = BingtuanPolicy()
AS_OF = date(2024, 6, 30)
REGION = "659001"  # 石河子市（第八师）
RANK = {lvl.code: lvl.rank for lvl in POLICY.levels}
YOUNG = "2023-01-01"  # established < 2 years on AS_OF: 企业类型 deduction only

Ev = tuple[str, str, dict[str, Any]]


def ev(kind: str, on: str, **attrs: Any) -> Ev:
    return (kind, on, attrs)


LICENCE = ev("LICENCE", "2020-01-01", status="GRANTED", licenceNo="XK1", validUntil="2026-12-31")
OPEN_LICENCE = ev("LICENCE", "2010-01-01", status="GRANTED", licenceNo="XK0")
REPORT = ev("SELF_INSPECTION_REPORT", "2024-02-01", year=2023, onTime=True)


@dataclass
class Case:
    article: str
    level: str | None  # None: out of scope
    events: list[Ev] = field(default_factory=list)
    established: str | None = "2015-01-01"
    as_of: date = AS_OF
    score: float | None = None
    fired: str | None = None
    blocker: str | None = None
    absent: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    base: bool = True  # add the valid licence and the on-time self-inspection report
    region: str = REGION


def subject(case: Case) -> Subject:
    b = SubjectBuilder(established_on=case.established, region_code=case.region)
    for kind, on, attrs in ([LICENCE, REPORT] if case.base else []) + case.events:
        b.event(kind, on, **attrs)
    return b.enterprise_subject()


def grade(case: Case):
    params = POLICY.parameters.with_overrides(case.params) if case.params else None
    return assess(POLICY, subject(case), case.as_of, parameters=params)


def young(points: float) -> dict[str, Any]:
    """Parameters making a young enterprise's only deduction exactly ``points``."""
    return {"type_young_enterprise_deduction": points, "dimension_max_deduction": 100}


DEBTOR = "DISHONEST_JUDGMENT_DEBTOR"


def fine(on: str, yuan: float = 50000, **more: Any) -> Ev:
    return ev("ADMINISTRATIVE_PENALTY", on, measure="FINE", fineYuan=yuan, **more)


def sampling_fail(on: str) -> Ev:
    return ev("SAMPLING_INSPECTION", on, result="FAIL")


CASES = [
    # --- 第十一条 A -------------------------------------------------------------------------
    pytest.param(
        Case("第十一条", "A", score=100, fired="a.conditions_met"), id="第十一条-clean-A-100"
    ),
    pytest.param(
        Case("第十一条（一）", "A", established=YOUNG, score=90, params=young(10)),
        id="第十一条（一）-score-exactly-90-含-A",
    ),
    pytest.param(
        Case("第十一条（一）", "A", established=YOUNG, score=90.01, params=young(9.99)),
        id="第十一条（一）-score-90.01-A",
    ),
    pytest.param(
        Case(
            "第十一条（一）",
            "B",
            established=YOUNG,
            score=89.99,
            params=young(10.01),
            blocker="a.score",
        ),
        id="第十一条（一）-score-89.99-B",
    ),
    pytest.param(
        Case(
            "第十一条（一）",
            "A",
            [
                ev(
                    "LICENCE",
                    "2021-01-01",
                    status="GRANTED",
                    licenceNo="XK9",
                    productCategory="电线电缆",
                )
            ],
            established=YOUNG,
            score=90,
            fired="score.quality_risk",
        ),
        id="第十一条（一）-young-and-high-risk-category-90-A",
    ),
    pytest.param(
        Case(
            "第十二条（二）",
            "C",
            [ev("LICENCE", "2024-03-01", status="NONCOMPLIANT", licenceNo="XK1")],
            score=90,
            fired="b.licence_conditions",
            blocker="b.licence_conditions",
        ),
        id="第十一条（二）-licence-conditions-not-met-also-B（二）-C",
    ),
    pytest.param(
        Case(
            "第十一条（三）",
            "B",
            [ev("COMPLAINT", "2024-01-10", verified=True)],
            score=95,
            blocker="a.media_or_complaints",
        ),
        id="第十一条（三）-verified-complaint-B",
    ),
    pytest.param(
        Case("第十一条（三）", "A", [ev("COMPLAINT", "2024-01-10", verified=False)], score=100),
        id="第十一条（三）-unverified-complaint-A",
    ),
    pytest.param(
        Case(
            "第十一条（三）",
            "B",
            [ev("PUBLIC_OPINION", "2024-01-10", verified=True)],
            score=95,
            blocker="a.media_or_complaints",
        ),
        id="第十一条（三）-verified-media-exposure-B",
    ),
    pytest.param(
        Case(
            "第十一条（四）",
            "B",
            [sampling_fail("2024-01-10")],
            score=90,
            blocker="a.quality_problem_found",
        ),
        id="第十一条（四）-failed-sampling-B",
    ),
    pytest.param(
        Case(
            "第十一条（四）",
            "B",
            [ev("SUPERVISION_CHECK", "2024-01-10", result="FAIL")],
            score=90,
            blocker="a.quality_problem_found",
        ),
        id="第十一条（四）-failed-check-B",
    ),
    pytest.param(
        Case(
            "第十一条（四）",
            "B",
            [ev("STANDARD_BREACH", "2024-01-10", type="BELOW_DECLARED")],
            score=100,
            blocker="a.quality_problem_found",
        ),
        id="第十一条（四）-quality-problem-in-special-check-B",
    ),
    pytest.param(
        Case(
            "第十二条（四）",
            "C",
            [fine("2024-01-10")],
            score=90,
            fired="b.penalty_or_listing",
        ),
        id="第十一条（五）-penalty-also-B（四）-C",
    ),
    pytest.param(
        Case(
            "第十二条（四）",
            "C",
            [ev("LIST_ENTRY", "2024-01-10", list="ABNORMAL_OPERATION")],
            fired="b.penalty_or_listing",
        ),
        id="第十一条（五）-abnormal-operations-list-C",
    ),
    pytest.param(
        Case(
            "第十二条（四）",
            "C",
            [ev("LIST_ENTRY", "2024-01-10", list="BLACKLIST")],
            fired="b.penalty_or_listing",
        ),
        id="第十一条（五）-other-blacklist-C",
    ),
    pytest.param(
        Case(
            "第十二条（五）",
            "C",
            [ev("LIST_ENTRY", "2024-01-10", list="DISHONEST_JUDGMENT_DEBTOR")],
            fired="b.judgment_debtor",
        ),
        id="第十一条（六）-dishonest-judgment-debtor-also-B（五）-C",
    ),
    pytest.param(
        Case(
            "第十一条（七）",
            "B",
            [fine("2022-06-30")],
            score=100,
            blocker="a.adverse_information_in_effect",
            absent="b.penalty_or_listing",
        ),
        id="第十一条（七）-penalty-2y-ago-still-publicised-B",
    ),
    pytest.param(
        Case("第十一条（七）", "A", [fine("2021-06-29")], score=100),
        id="第十一条（七）-penalty-publicity-3y-over-A",
    ),
    pytest.param(
        Case(
            "第十一条（八）",
            "B",
            [ev("FALSE_CLAIM", "2024-01-10", harm="NONE")],
            score=100,
            blocker="a.concealment_or_false_promise",
        ),
        id="第十一条（八）-false-promise-B",
    ),
    pytest.param(
        Case("第十一条（九）", "B", [LICENCE], base=False, blocker="a.self_inspection_report"),
        id="第十一条（九）-no-self-inspection-report-B",
    ),
    pytest.param(
        Case(
            "第十一条（九）",
            "B",
            [LICENCE, ev("SELF_INSPECTION_REPORT", "2024-05-01", year=2023, onTime=False)],
            base=False,
            blocker="a.self_inspection_report",
        ),
        id="第十一条（九）-report-late-B",
    ),
    pytest.param(
        Case(
            "第十一条（九）",
            "B",
            [LICENCE, ev("SELF_INSPECTION_REPORT", "2023-02-01", year=2022, onTime=True)],
            base=False,
            blocker="a.self_inspection_report",
        ),
        id="第十一条（九）-only-an-older-year-report-B",
    ),
    # --- 第十二条 B -------------------------------------------------------------------------
    pytest.param(
        Case("第十二条（一）", "B", established=YOUNG, score=80, params=young(20)),
        id="第十二条（一）-score-exactly-80-含-B",
    ),
    pytest.param(
        Case("第十二条（一）", "B", established=YOUNG, score=80.01, params=young(19.99)),
        id="第十二条（一）-score-80.01-B",
    ),
    pytest.param(
        Case(
            "第十二条（一）",
            "C",
            established=YOUNG,
            score=79.99,
            params=young(20.01),
            fired="c.score_band",
            blocker="b.score",
        ),
        id="第十二条（一）-score-79.99-C",
    ),
    pytest.param(
        Case(
            "第十二条（三）",
            "C",
            [ev("SUPERVISION_CHECK", "2024-01-10", result="REFUSED")],
            score=80,
            fired="b.refused_check",
            blocker="b.refused_check",
        ),
        id="第十二条（三）-refused-check-C",
    ),
    pytest.param(
        Case(
            "第十二条（四）",
            "C",
            [fine("2024-01-10")],
            fired="c.b_conditions_failed",
            blocker="b.penalty_or_listing",
        ),
        id="第十二条（四）-penalty-within-1y-C",
    ),
    # --- 近1年 edges (core.temporal: exactly one year before counts) -----------------------
    pytest.param(
        Case(
            "第十一条（四）",
            "B",
            [sampling_fail("2023-06-30")],
            score=90,
            blocker="a.quality_problem_found",
        ),
        id="第十一条（四）-近1年-fail-exactly-1y-before-B",
    ),
    pytest.param(
        Case("第十一条（四）", "A", [sampling_fail("2023-06-29")], score=100),
        id="第十一条（四）-近1年-fail-1y-plus-1d-before-A",
    ),
    pytest.param(
        Case("第十二条（四）", "C", [fine("2023-06-30")], fired="b.penalty_or_listing"),
        id="第十二条（四）-近1年-penalty-exactly-1y-before-C",
    ),
    pytest.param(
        Case(
            "第十二条（四）",
            "B",
            [fine("2023-06-29")],
            blocker="a.adverse_information_in_effect",
            absent="b.penalty_or_listing",
        ),
        id="第十二条（四）-近1年-penalty-1y-plus-1d-before-B",
    ),
    # --- 第十条 excluded information -------------------------------------------------------
    pytest.param(
        Case("第十条（一）", "C", [fine("2024-03-30", 5000)], fired="b.penalty_or_listing"),
        id="第十条（一）-small-fine-publicised-3-months-last-day-C",
    ),
    pytest.param(
        Case("第十条（一）", "A", [fine("2024-03-29", 5000)], score=100),
        id="第十条（一）-small-fine-past-3-months-publicity-A",
    ),
    # 总局令第45号 第十三条: 仅受到通报批评 — publicised three months, like a lower-amount fine.
    pytest.param(
        Case(
            "第十条（一）",
            "C",
            [ev("ADMINISTRATIVE_PENALTY", "2024-03-30", measure="PUBLIC_CRITICISM")],
            fired="b.penalty_or_listing",
        ),
        id="第十条（一）-public-criticism-publicised-3-months-last-day-C",
    ),
    pytest.param(
        Case(
            "第十条（一）",
            "A",
            [ev("ADMINISTRATIVE_PENALTY", "2024-03-29", measure="PUBLIC_CRITICISM")],
            score=100,
        ),
        id="第十条（一）-public-criticism-past-3-months-publicity-A",
    ),
    pytest.param(
        Case("第十条（一）", "C", [fine("2024-03-29", 10000)], fired="b.penalty_or_listing"),
        id="第十条（一）-fine-at-threshold-is-not-lower-amount-C",
    ),
    pytest.param(
        Case(
            "第十条（一）",
            "C",
            [ev("ADMINISTRATIVE_PENALTY", "2024-01-10", measure="FINE")],
            fired="b.penalty_or_listing",
        ),
        id="第十条（一）-fine-amount-unknown-3-years-C",
    ),
    pytest.param(
        Case(
            "第十二条（四）",
            "C",
            [ev("ADMINISTRATIVE_PENALTY", "2024-05-10", measure="WARNING")],
            fired="b.penalty_or_listing",
            absent="publicity_period.running",
        ),
        id="第十二条（四）-warning-is-a-penalty-行政处罚法第九条-C",
    ),
    pytest.param(
        Case(
            "第十一条（五）",
            "A",
            [ev("ADMINISTRATIVE_PENALTY", "2023-06-29", measure="WARNING")],
            score=100,
            absent="a.penalty_or_listing",
        ),
        id="第十一条（五）-warning-1y-plus-1d-before-A",
    ),
    pytest.param(
        Case(
            "第十条（一）",
            "C",
            [ev("ADMINISTRATIVE_PENALTY", "2024-05-10", measure="WARNING")],
            params={"warning_publicised": True},
            fired="publicity_period.running",
        ),
        id="第十条（一）-warning-publicised-parameter-C",
    ),
    pytest.param(
        Case(
            "第十二条（四）",
            "C",
            [ev("LIST_ENTRY", "2024-01-10", list="ABNORMAL_OPERATION", until="2024-06-29")],
            fired="b.penalty_or_listing",
        ),
        id="第十二条（四）-listing-ended-the-day-before-still-listed-within-1y-C",
    ),
    pytest.param(
        Case(
            "第十二条（四）",
            "C",
            [ev("LIST_ENTRY", "2024-01-10", list="ABNORMAL_OPERATION", until="2024-06-30")],
            fired="b.penalty_or_listing",
        ),
        id="第十二条（四）-listing-ends-on-grading-day-C",
    ),
    pytest.param(
        Case(
            "第十二条（四）",
            "C",
            [ev("LIST_ENTRY", "2022-01-10", list="BLACKLIST", until="2023-06-30")],
            fired="b.penalty_or_listing",
        ),
        id="第十二条（四）-listing-ended-on-the-first-day-of-the-year-C",
    ),
    pytest.param(
        Case(
            "第十条（六）",
            "A",
            [ev("LIST_ENTRY", "2022-01-10", list="BLACKLIST", until="2023-06-29")],
            fired="exclusion.impact_period",
        ),
        id="第十条（六）-listing-ended-the-day-before-the-year-A",
    ),
    pytest.param(
        Case(
            "第十二条（五）",
            "C",
            [ev("LIST_ENTRY", "2023-01-10", list=DEBTOR, until="2023-06-30")],
            fired="b.judgment_debtor",
        ),
        id="第十二条（五）-debtor-until-first-day-of-the-year-C",
    ),
    pytest.param(
        Case(
            "第十条（六）",
            "A",
            [ev("LIST_ENTRY", "2023-01-10", list=DEBTOR, until="2023-06-29")],
            fired="exclusion.impact_period",
            absent="b.judgment_debtor",
        ),
        id="第十条（六）-debtor-ended-the-day-before-the-year-A",
    ),
    # --- C and D: local defaults; each cites the article it leans on ------------------------
    pytest.param(
        Case(
            "第十一条（五）",
            "D",
            [ev("LIST_ENTRY", "2023-01-10", list="SERIOUS_DISHONESTY")],
            fired="d.serious_dishonesty_list",
            blocker="d.serious_dishonesty_list",
        ),
        id="D-serious-dishonesty-list-D",
    ),
    pytest.param(
        Case(
            "第十九条（二）",
            "D",
            [ev("ADMINISTRATIVE_PENALTY", "2024-01-10", measure="LICENCE_REVOKED")],
            fired="d.revocation_penalty",
        ),
        id="D-licence-revocation-penalty-D",
    ),
    pytest.param(
        Case(
            "第十九条（二）",
            "D",
            [ev("ADMINISTRATIVE_PENALTY", "2024-01-10", measure="FINE", criminalReferral=True)],
            fired="d.revocation_penalty",
        ),
        id="D-criminal-referral-D",
    ),
    pytest.param(
        Case("第九条", "C", established=YOUNG, score=60, params=young(40)),
        id="C-score-exactly-60-C",
    ),
    pytest.param(
        Case(
            "第九条",
            "D",
            established=YOUNG,
            score=59.99,
            params=young(40.01),
            fired="d.score_below",
        ),
        id="D-score-59.99-D",
    ),
    pytest.param(
        Case(
            "第六条",
            "D",
            [
                *(sampling_fail(f"2024-0{m}-01") for m in (1, 2, 3, 4)),
                ev("SUPERVISION_CHECK", "2024-05-01", result="FAIL"),
            ],
            score=50,
            fired="d.score_below",
        ),
        id="第六条-sampling-capped-40-plus-check-10-score-50-D",
    ),
    pytest.param(
        Case(
            "第六条",
            "C",
            [sampling_fail(f"2024-0{m}-01") for m in (1, 2, 3, 4, 5)],
            score=60,
            fired="score.sampling",
        ),
        id="第六条-dimension-cap-40-score-60-C",
    ),
    pytest.param(
        Case(
            "第六条",
            "B",
            [ev("SAMPLING_INSPECTION", "2024-01-10", result="FAIL", severity="SERIOUS")],
            score=80,
        ),
        id="第六条-serious-failed-sampling-20-B",
    ),
    pytest.param(
        Case(
            "第六条",
            "B",
            [ev("QUALITY_ACCIDENT", "2024-01-10", severity="GENERAL")],
            score=90,
            fired="score.quality_risk",
        ),
        id="第六条-quality-accident-quality-risk-B",
    ),
    # --- 第二、三条 scope -------------------------------------------------------------------
    pytest.param(Case("第三条", None, base=False), id="第三条-no-production-licence-out"),
    pytest.param(
        Case(
            "第三条",
            "B",
            [ev("LICENCE", "2020-01-01", status="GRANTED", validUntil="2024-06-30")],
            base=False,
        ),
        id="第三条-licence-valid-until-grading-day-in",
    ),
    pytest.param(
        Case(
            "第三条",
            None,
            [ev("LICENCE", "2020-01-01", status="GRANTED", validUntil="2024-06-29")],
            base=False,
        ),
        id="第三条-licence-expired-the-day-before-out",
    ),
    pytest.param(
        Case("第三条", None, [ev("LICENCE", "2024-03-01", status="REVOKED", licenceNo="XK1")]),
        id="第三条-licence-revoked-later-out",
    ),
    pytest.param(
        Case("第三条", None, [ev("LICENCE", "2024-03-01", status="SUSPENDED", licenceNo="XK1")]),
        id="第三条-licence-suspended-later-out",
    ),
    pytest.param(
        Case("第三条", None, [ev("LICENCE", "2024-03-01", status="EXPIRED", licenceNo="XK1")]),
        id="第三条-licence-expired-record-out",
    ),
    pytest.param(
        Case("第三条", "A", [ev("LICENCE", "2024-03-01", status="REVOKED", licenceNo="XK2")]),
        id="第三条-other-licence-revoked-still-in",
    ),
    pytest.param(
        Case(
            "第三条",
            "A",
            [
                ev("LICENCE", "2024-03-01", status="SUSPENDED", licenceNo="XK1"),
                ev("LICENCE", "2024-04-01", status="GRANTED", licenceNo="XK1"),
            ],
        ),
        id="第三条-licence-granted-again-in",
    ),
    pytest.param(Case("第二条", "A", region="659012"), id="第二条-白杨市-659012-in"),
    pytest.param(
        Case("第二条", None, region="659013"),
        id="第二条-659013-not-a-division-city-out",
    ),
    pytest.param(
        Case("第二条", None, region="650100"),
        id="第二条-乌鲁木齐市-650100-out",
    ),
    pytest.param(Case("第二条", None, region="230800"), id="第二条-佳木斯-out"),
    # --- in force from publication (date unknown): open.  Before revision_effective_from the
    # 修改前 (trial) version grades, whose 第二十四条 says so (修改后 第二十三条).
    pytest.param(
        Case("第二十四条", "B", [OPEN_LICENCE], base=False, as_of=date(2015, 6, 30)),
        id="修改前第二十四条-no-start-date-early-date-works",
    ),
    pytest.param(
        Case("第二十三条", "B", [OPEN_LICENCE], base=False, as_of=date(2040, 6, 30)),
        id="第二十三条-no-end-date-years-later-works",
    ),
]


@cache
def articles_by_rule() -> dict[str, set[str]]:
    """The articles each rule of the table cites where it fires."""
    return rule_articles(grade(case.values[0]) for case in CASES)


@pytest.mark.parametrize("case", CASES)
def test_grading_cases(case: Case) -> None:
    result = grade(case)
    if case.level is None:
        assert result is None
        assert_scope_cited(case.article, POLICY, subject(case), case.as_of, result)
        return
    assert result is not None
    assert result.level == case.level, [(r.rule, r.text) for r in result.reasons]
    if case.score is not None:
        assert result.score == pytest.approx(case.score, abs=1e-9)
    rules = {r.rule for r in result.reasons}
    if case.fired:
        assert case.fired in rules
    if case.blocker:
        assert case.blocker in {r.rule for r in result.blockers}
    if case.absent:
        assert case.absent not in rules | {r.rule for r in result.blockers}
    for reason in (*result.reasons, *result.blockers):
        assert reason.article and reason.text and reason.rule
    spared = articles_by_rule().get(case.absent, set()) if case.absent else set()
    assert_cites(case.article, [*cited_articles(result), *spared])


def test_out_of_scope_reason_cites_articles() -> None:
    b = SubjectBuilder(established_on="2015-01-01", region_code=REGION)
    facts = b.enterprise_subject().facts(AS_OF)
    reason = POLICY.out_of_scope(facts, POLICY.parameters.at(AS_OF))
    assert reason and "第二条" in reason and "第三条" in reason


def test_products_are_not_graded() -> None:
    b = SubjectBuilder(established_on="2015-01-01", region_code=REGION)
    b.event(*LICENCE[:2], **LICENCE[2])
    pid = b.product()
    assert assess(POLICY, b.product_subject(pid), AS_OF) is None


def test_each_deduction_is_a_reason_with_its_events() -> None:
    b = SubjectBuilder(established_on="2015-01-01", region_code=REGION)
    for kind, on, attrs in (LICENCE, REPORT):
        b.event(kind, on, **attrs)
    s = b.event("SAMPLING_INSPECTION", "2024-01-10", result="FAIL")
    c = b.event("COMPLAINT", "2024-02-10", verified=True)
    o = b.event("PUBLIC_OPINION", "2024-03-10", verified=True)
    result = assess(POLICY, b.enterprise_subject(), AS_OF)
    by_rule = {r.rule: r for r in result.reasons}
    assert by_rule["score.sampling"].events == (s,)
    assert by_rule["score.complaints"].events == (c,)
    assert by_rule["score.public_opinion"].events == (o,)
    assert all(by_rule[k].article == "第六条" for k in by_rule if k.startswith("score."))
    assert result.score == 80
    assert result.details["deductions"] == {
        "enterprise_type": 0,
        "quality_risk": 0,
        "administrative_licence": 0,
        "sampling": 10,
        "inspection": 0,
        "penalty": 0,
        "complaints": 5,
        "public_opinion": 5,
    }


# --- 第十五条 evaluation period ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("as_of", "year", "annual"),
    [
        pytest.param(date(2025, 1, 1), 2024, True, id="第十五条-1-jan-previous-year"),
        pytest.param(date(2025, 3, 31), 2024, True, id="第十五条-31-mar-previous-year"),
        pytest.param(date(2025, 4, 1), 2025, False, id="第十五条-1-apr-dynamic-current-year"),
    ],
)
def test_evaluation_period(as_of: date, year: int, annual: bool) -> None:
    result = grade(Case("第十五条", "B", as_of=as_of))
    assert result.details["evaluationYear"] == year
    assert result.details["annualEvaluation"] is annual
    assert result.details["evaluationPeriod"]["from"] == f"{year}-01-01"
    assert result.details["selfInspectionYear"] == as_of.year - 1


REPORT_2024 = ev("SELF_INSPECTION_REPORT", "2024-12-20", year=2024, onTime=True)
Q1_FIRST, Q1_LAST, AFTER_Q1 = date(2025, 1, 1), date(2025, 3, 31), date(2025, 4, 1)

# 第十五条: the annual evaluation of 2024, run on the first or the last day of 2025's first
# quarter, judges 2024 as a whole: same facts, same evaluation.  The day after the quarter the
# local default (grade_outside_first_quarter = dynamic) re-grades on the rolling year.
ANNUAL_CASES = [
    pytest.param(
        "第十一条（四）",
        [sampling_fail("2024-01-01")],
        "B",
        "A",
        "a.quality_problem_found",
        id="第十五条-fail-on-first-day-of-evaluated-year",
    ),
    pytest.param(
        "第十一条（四）",
        [sampling_fail("2024-12-31")],
        "B",
        "B",
        "a.quality_problem_found",
        id="第十五条-fail-on-last-day-of-evaluated-year",
    ),
    pytest.param(
        "第十一条（四）",
        [sampling_fail("2023-12-31")],
        "A",
        "A",
        "a.quality_problem_found",
        id="第十五条-fail-the-day-before-the-evaluated-year",
    ),
    pytest.param(
        "第十一条（四）",
        [sampling_fail("2025-01-15")],
        "A",
        "B",
        "a.quality_problem_found",
        id="第十五条-fail-after-the-evaluated-year-counts-from-april",
    ),
    pytest.param(
        "第十条（一）",
        [fine("2024-11-15", 5000)],
        "C",
        "A",
        "publicity_period.running",
        id="第十五条-small-fine-publicised-on-31-December",
    ),
    pytest.param(
        "第十二条（四）",
        [ev("LIST_ENTRY", "2024-03-01", list="ABNORMAL_OPERATION", until="2024-04-01")],
        "C",
        "C",
        "b.penalty_or_listing",
        id="第十五条-listing-ended-inside-the-evaluated-year",
    ),
]


@pytest.mark.parametrize(("article", "events", "q1", "after", "rule"), ANNUAL_CASES)
def test_annual_evaluation_judges_the_previous_year_as_a_whole(
    article: str, events: list[Ev], q1: str, after: str, rule: str
) -> None:
    first, last = (
        grade(Case(article, q1, [REPORT_2024, *events], as_of=d)) for d in (Q1_FIRST, Q1_LAST)
    )
    assert first.level == last.level == q1
    assert [r.rule for r in first.reasons] == [r.rule for r in last.reasons]
    assert (
        first.details["window"]
        == last.details["window"]
        == {
            "from": "2024-01-01",
            "to": "2024-12-31",
        }
    )
    assert first.details["evaluationYear"] == 2024 and first.details["annualEvaluation"]
    if q1 != "A":
        assert rule in {r.rule for r in (*first.reasons, *first.blockers)}
    for result in (first, last):
        if result.level != "A":
            assert_cites(article, cited_articles(result))
    dynamic = grade(Case(article, after, [REPORT_2024, *events], as_of=AFTER_Q1))
    assert dynamic.level == after
    assert dynamic.details["evaluationYear"] == 2025 and not dynamic.details["annualEvaluation"]
    assert dynamic.details["window"] == {"from": "2024-04-01", "to": "2025-04-01"}


@pytest.mark.parametrize(("article", "events", "q1", "after", "rule"), ANNUAL_CASES)
def test_standing_mode_keeps_the_annual_evaluation_after_the_first_quarter(
    article: str, events: list[Ev], q1: str, after: str, rule: str
) -> None:
    standing = {"grade_outside_first_quarter": "standing"}
    later = grade(Case(article, q1, [REPORT_2024, *events], as_of=AFTER_Q1, params=standing))
    assert later.level == q1
    assert later.details["evaluationYear"] == 2024 and later.details["annualEvaluation"]


def test_evaluation_year_is_a_figure() -> None:
    (figure,) = POLICY.figures(grade(Case("第十五条", "A", [REPORT_2024], as_of=Q1_LAST)))
    assert figure.name == "evaluationYear" and figure.article == "第十五条"
    assert figure.value == 2024 and "年度评价" in (figure.value_label or "")


def test_q1_grading_needs_last_years_report() -> None:
    report = ev("SELF_INSPECTION_REPORT", "2025-02-01", year=2024, onTime=True)
    assert grade(Case("第十一条（九）", "A", [report], as_of=date(2025, 2, 1))).level == "A"
    # the 2023 report (REPORT) alone does not answer for 2024
    assert grade(Case("第十一条（九）", "B", as_of=date(2025, 2, 1))).level == "B"


# --- corrections (第十条（二）–（六）, applied by the core) ---------------------------------
def _builder() -> SubjectBuilder:
    b = SubjectBuilder(established_on="2015-01-01", region_code=REGION)
    for kind, on, attrs in (LICENCE, REPORT):
        b.event(kind, on, **attrs)
    return b


def test_revoked_penalty_restores_the_grade() -> None:
    b = _builder()
    p = b.event("ADMINISTRATIVE_PENALTY", "2024-01-10", measure="FINE", fineYuan=50000)
    assert assess(POLICY, b.enterprise_subject(), AS_OF).level == "C"
    b.correct(p, "REVOKE", on="2024-03-01")
    assert assess(POLICY, b.enterprise_subject(), AS_OF).level == "A"


def test_repaired_penalty_counts_until_the_repair_date() -> None:
    b = _builder()
    p = b.event("ADMINISTRATIVE_PENALTY", "2024-01-10", measure="FINE", fineYuan=50000)
    b.correct(p, "REPAIR", on="2024-05-01")
    assert assess(POLICY, b.enterprise_subject(), date(2024, 4, 30)).level == "C"
    assert assess(POLICY, b.enterprise_subject(), date(2024, 5, 1)).level == "A"


def test_amended_penalty_part_changes_the_grade() -> None:
    b = _builder()
    p = b.event("ADMINISTRATIVE_PENALTY", "2024-01-10", measure="LICENCE_REVOKED")
    assert assess(POLICY, b.enterprise_subject(), AS_OF).level == "D"
    b.correct(p, "AMEND", on="2024-02-01", changes={"measure": "WARNING"})
    # still a penalty within 近1年 (a warning, 《行政处罚法》第九条), no longer a revocation
    assert assess(POLICY, b.enterprise_subject(), AS_OF).level == "C"


def test_erroneous_licence_revocation_restores_scope() -> None:
    b = _builder()
    r = b.event("LICENCE", "2024-03-01", status="REVOKED", licenceNo="XK1")
    assert assess(POLICY, b.enterprise_subject(), AS_OF) is None
    b.correct(r, "ERRONEOUS", on="2024-04-01")
    assert assess(POLICY, b.enterprise_subject(), AS_OF).level == "A"


# --- blockers -----------------------------------------------------------------------------------
def test_blockers_name_what_keeps_from_the_next_level() -> None:
    assert grade(Case("第十一条", "A")).blockers == ()
    b = grade(
        Case(
            "第十一条",
            "B",
            [sampling_fail("2024-01-10"), ev("FALSE_CLAIM", "2024-02-01", harm="NONE")],
        )
    )
    assert {r.rule for r in b.blockers} == {
        "a.quality_problem_found",
        "a.concealment_or_false_promise",
    }
    assert all(r.events for r in b.blockers)
    c = grade(Case("第十二条", "C", [ev("SUPERVISION_CHECK", "2024-01-10", result="REFUSED")]))
    assert {r.rule for r in c.blockers} == {"b.refused_check"}
    d = grade(Case("D", "D", [ev("LIST_ENTRY", "2024-01-10", list="SERIOUS_DISHONESTY")]))
    assert {r.rule for r in d.blockers} == {"d.serious_dishonesty_list"}


# --- 第十六–十九条 supervision -------------------------------------------------------------
LEVEL_CASES = {
    "A": Case("第十六条", "A"),
    "B": Case("第十七条", "B", [sampling_fail("2024-01-10")]),
    "C": Case("第十八条", "C", [fine("2024-01-10")]),
    "D": Case("第十九条", "D", [ev("LIST_ENTRY", "2024-01-10", list="SERIOUS_DISHONESTY")]),
}


def _kinds(level: str) -> dict[str, list]:
    result = grade(LEVEL_CASES[level])
    assert result.level == level
    out: dict[str, list] = {}
    for m in result.supervision:
        out.setdefault(str(m.kind), []).append(m)
    return out


def test_supervision_a() -> None:
    kinds = _kinds("A")
    assert {
        MeasureKind.MONITORING,
        MeasureKind.NO_PROACTIVE_CHECK,
        MeasureKind.RANDOM_SAMPLING,
    } <= set(kinds)
    assert MeasureKind.INSPECTION_FREQUENCY not in kinds
    assert "提醒" in kinds[MeasureKind.RECTIFICATION_ORDER][0].text
    assert all(m.article.startswith("第十六条") for ms in kinds.values() for m in ms)


@pytest.mark.parametrize(
    ("level", "per_year", "article"),
    [
        pytest.param("B", 2, "第十七条（一）", id="第十七条（一）-B-every-half-year"),
        pytest.param("C", 2, "第十八条（一）", id="第十八条（一）-C-at-least-every-half-year"),
        pytest.param("D", 4, "第十九条（一）", id="第十九条（一）-D-at-least-every-quarter"),
    ],
)
def test_inspection_frequency(level: str, per_year: int, article: str) -> None:
    (m,) = _kinds(level)[MeasureKind.INSPECTION_FREQUENCY]
    assert m.min_per_year == per_year and m.article == article


def test_supervision_b_c_d_specifics() -> None:
    assert "警告" in _kinds("B")[MeasureKind.WARNING][0].text
    assert MeasureKind.KEY_INSPECTION_LIST in _kinds("C")
    d = _kinds("D")
    assert {
        MeasureKind.ENFORCEMENT,
        MeasureKind.LICENCE_ACTION,
        MeasureKind.KEY_INSPECTION_LIST,
    } <= set(d)


# --- publicity: the revised text deleted 第七条 → local defaults ---------------------------------
EXPECTED_PUBLICITY = {
    Audience.PUBLIC: (False, False),
    Audience.SUBJECT: (True, False),
    Audience.DEPARTMENT: (True, True),
    Audience.INDUSTRY: (False, False),
    Audience.REGULATOR: (True, False),
}


@pytest.mark.parametrize(
    ("level", "audience"),
    [
        pytest.param(lvl, aud, id=f"第七条删除-{lvl}-{aud.value}")
        for lvl in "ABCD"
        for aud in Audience
    ],
)
def test_publicity(level: str, audience: Audience) -> None:
    result = grade(LEVEL_CASES[level])
    by_audience = {d.audience: d for d in result.publicity}
    assert set(by_audience) == set(Audience)
    d = by_audience[audience]
    assert (d.allowed, d.needs_review) == EXPECTED_PUBLICITY[audience]
    if audience is not Audience.REGULATOR:
        assert "local default" in d.text and "第七条" in d.text


def test_metadata_and_parameters() -> None:
    assert POLICY.region_codes == tuple(f"6590{n:02d}" for n in range(1, 13))
    assert POLICY.effective_from is None and POLICY.effective_until is None
    assert [lvl.code for lvl in POLICY.levels] == ["A", "B", "C", "D"]
    view = POLICY.parameters.at(AS_OF)
    assert view.parameter("a_min_score").source == "第十一条（一）"
    assert view.parameter("b_min_score").source == "第十二条（一）"
    assert view.parameter("c_min_score").is_local_default
    for p in POLICY.parameters.all():
        if p.is_local_default:
            assert p.note


# --- properties -------------------------------------------------------------------------------
DATES = st.dates(min_value=date(2021, 1, 1), max_value=AS_OF).map(date.isoformat)
EVENTS = st.one_of(
    st.builds(
        lambda d, r, s: ev("SAMPLING_INSPECTION", d, result=r, severity=s),
        DATES,
        st.sampled_from(["PASS", "FAIL"]),
        st.sampled_from(["MINOR", "SERIOUS"]),
    ),
    st.builds(
        lambda d, r: ev("SUPERVISION_CHECK", d, result=r),
        DATES,
        st.sampled_from(["PASS", "FAIL", "REFUSED"]),
    ),
    st.builds(
        lambda d, m, y: ev("ADMINISTRATIVE_PENALTY", d, measure=m, fineYuan=y),
        DATES,
        st.sampled_from(["WARNING", "FINE", "LICENCE_SUSPENDED", "LICENCE_REVOKED"]),
        st.sampled_from([1000, 50000]),
    ),
    st.builds(lambda d, v: ev("COMPLAINT", d, verified=v), DATES, st.booleans()),
    st.builds(lambda d, v: ev("PUBLIC_OPINION", d, verified=v), DATES, st.booleans()),
    st.builds(
        lambda d, x: ev("LIST_ENTRY", d, list=x),
        DATES,
        st.sampled_from(["ABNORMAL_OPERATION", "SERIOUS_DISHONESTY", "DISHONEST_JUDGMENT_DEBTOR"]),
    ),
    st.builds(lambda d: ev("FALSE_CLAIM", d, harm="MINOR"), DATES),
    st.builds(
        lambda d, s: ev("LICENCE", d, status=s, licenceNo="XK2"),
        DATES,
        st.sampled_from(["GRANTED", "NONCOMPLIANT"]),
    ),
    st.builds(
        lambda d, s: ev("QUALITY_ACCIDENT", d, severity=s),
        DATES,
        st.sampled_from(["GENERAL", "MAJOR", "ESPECIALLY_MAJOR"]),
    ),
)
ESTABLISHED = st.sampled_from(["2010-01-01", YOUNG])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(EVENTS, max_size=7), extra=DATES, established=ESTABLISHED)
def test_adding_a_failed_sampling_never_improves_the_level(events, extra, established) -> None:
    before = grade(Case("property", "?", events, established=established))
    after = grade(Case("property", "?", [*events, sampling_fail(extra)], established=established))
    assert RANK[after.level] >= RANK[before.level]
    assert after.score <= before.score


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(EVENTS, min_size=1, max_size=7), data=st.data(), established=ESTABLISHED)
def test_revoking_an_event_equals_grading_without_it(events, data, established) -> None:
    k = data.draw(st.integers(min_value=0, max_value=len(events) - 1))
    b = SubjectBuilder(established_on=established, region_code=REGION)
    for kind, on, attrs in (LICENCE, REPORT):
        b.event(kind, on, **attrs)
    ids = [b.event(kind, on, **attrs) for kind, on, attrs in events]
    b.correct(ids[k], "REVOKE", on=AS_OF)
    with_revoked = assess(POLICY, b.enterprise_subject(), AS_OF)
    without = grade(
        Case("property", "?", [e for i, e in enumerate(events) if i != k], established=established)
    )
    assert (with_revoked.level, with_revoked.score) == (without.level, without.score)
    assert [r.rule for r in with_revoked.reasons] == [r.rule for r in without.reasons]
    assert [r.rule for r in with_revoked.blockers] == [r.rule for r in without.blockers]
