"""佳木斯市 (佳市监发〔2020〕42号): cases read off the text, article by article."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qcredit.core.contract import Audience, MeasureKind
from qcredit.core.errors import PolicyNotInForce
from qcredit.core.grading.assess import assess
from qcredit.core.testing import SubjectBuilder
from qcredit.policies.jiamusi import JiamusiPolicy

from .citations import assert_cites, cited_articles, rule_articles

POLICY = JiamusiPolicy()
AS_OF = date(2024, 6, 30)
REGION = "230803"  # 佳木斯市向阳区
RANK = {lvl.code: lvl.rank for lvl in POLICY.levels}

Ev = tuple[str, str, dict[str, Any]]


@dataclass
class Case:
    article: str
    level: str
    events: list[Ev] = field(default_factory=list)
    established: str | None = "2015-01-01"
    as_of: date = AS_OF
    fired: str | None = None  # a rule expected among the reasons
    blocker: str | None = None  # a rule expected among the blockers
    absent: str | None = None  # a rule that must NOT fire
    params: dict[str, Any] = field(default_factory=dict)


def ev(kind: str, on: str, **attrs: Any) -> Ev:
    return (kind, on, attrs)


def fail(on: str) -> Ev:
    return ev("SAMPLING_INSPECTION", on, result="FAIL")


def ok(on: str) -> Ev:
    return ev("SAMPLING_INSPECTION", on, result="PASS")


def grade(case: Case):
    b = SubjectBuilder(established_on=case.established, region_code=REGION)
    for kind, on, attrs in case.events:
        b.event(kind, on, **attrs)
    params = POLICY.parameters.with_overrides(case.params) if case.params else None
    return assess(POLICY, b.enterprise_subject(), case.as_of, parameters=params)


CASES = [
    # --- 三（一） A 守信 ---------------------------------------------------------------------
    pytest.param(
        Case("三（一）", "A", fired="a.criteria_met"), id="三（一）-clean-old-enterprise-A"
    ),
    pytest.param(
        Case("三（一）1", "A", established="2021-06-30"), id="三（一）1-established-exactly-3y-A"
    ),
    pytest.param(
        Case("三（一）1", "B", established="2021-07-01", blocker="a.established_years"),
        id="三（一）1-established-3y-minus-1d-B",
    ),
    pytest.param(
        Case("三（一）1", "A", established="2021-06-29"), id="三（一）1-established-3y-plus-1d-A"
    ),
    pytest.param(
        Case("三（一）1", "B", [fail("2021-06-30")], blocker="a.record_within_years"),
        id="三（一）1-failed-sampling-exactly-3y-before-B",
    ),
    pytest.param(
        Case("三（一）1", "A", [fail("2021-06-29")]), id="三（一）1-failed-sampling-3y-plus-1d-A"
    ),
    pytest.param(
        Case(
            "三（一）1",
            "B",
            [ev("SUPERVISION_CHECK", "2023-03-01", result="FAIL")],
            blocker="a.record_within_years",
        ),
        id="三（一）1-failed-check-last-year-B",
    ),
    pytest.param(
        Case(
            "三（一）1",
            "B",
            [ev("ADMINISTRATIVE_PENALTY", "2022-05-01", measure="FINE", fineYuan=5000)],
            blocker="a.record_within_years",
        ),
        id="三（一）1-violation-record-2y-ago-B",
    ),
    pytest.param(
        Case(
            "三（一）5",
            "B",
            [ev("COMPLAINT", "2024-02-01", enterpriseResponsible=True, resolvedInTime=True)],
            blocker="a.complaint_this_year",
        ),
        id="三（一）5-responsible-complaint-resolved-B",
    ),
    pytest.param(
        Case(
            "三（一）5",
            "A",
            [ev("COMPLAINT", "2024-02-01", enterpriseResponsible=False, resolvedInTime=False)],
        ),
        id="三（一）5-complaint-not-enterprise-fault-A",
    ),
    pytest.param(
        Case(
            "三（一）5",
            "A",
            [ev("COMPLAINT", "2023-12-31", enterpriseResponsible=True, resolvedInTime=True)],
        ),
        id="三（一）5-responsible-complaint-last-year-A",
    ),
    pytest.param(
        Case(
            "三（一）7",
            "A",
            [
                ev(
                    "LICENCE",
                    "2020-01-01",
                    status="GRANTED",
                    licenceNo="XK1",
                    validUntil="2024-06-30",
                )
            ],
        ),
        id="三（一）7-licence-valid-until-grading-day-A",
    ),
    # --- 三（二） B 基本守信 -------------------------------------------------------------------
    pytest.param(
        Case("三（二）1", "B", established="2022-06-30", blocker="a.established_years"),
        id="三（二）1-established-exactly-2y-B",
    ),
    pytest.param(
        Case(
            "三（二）1",
            "N",
            established="2022-07-01",
            fired="gap.b_criteria_not_met",
            blocker="b.established_years",
        ),
        id="三（二）1-established-2y-minus-1d-not-yet-graded-N",
    ),
    pytest.param(
        Case("三（二）1", "N", established=None, fired="gap.b_criteria_not_met"),
        id="三（二）1-establishment-unknown-not-yet-graded-N",
    ),
    pytest.param(
        Case(
            "三（三）2",
            "C",
            [fail("2024-03-01")],
            established="2023-01-01",
            fired="c.failed_inspection_this_year",
        ),
        id="三（三）2-young-with-a-C-criterion-C",
    ),
    pytest.param(
        Case(
            "三（二）1",
            "B",
            established="2023-01-01",
            fired="gap.b_criteria_not_met",
            params={"gap_level": "B"},
        ),
        id="三（二）1-gap-level-parameter-B",
    ),
    pytest.param(
        Case("三（二）1", "B", [fail("2023-12-31")], as_of=date(2024, 1, 1)),
        id="三（二）1-当年-fail-on-31-dec-last-year-B",
    ),
    # --- 三（三） C 失信 ---------------------------------------------------------------------
    pytest.param(
        Case(
            "三（三）2",
            "C",
            [fail("2024-01-01")],
            as_of=date(2024, 1, 1),
            fired="c.failed_inspection_this_year",
        ),
        id="三（三）2-当年-fail-on-1-jan-C",
    ),
    pytest.param(
        Case("三（三）2", "C", [fail("2024-03-01")], fired="c.failed_inspection_this_year"),
        id="三（三）2-one-failed-sampling-this-year-C",
    ),
    pytest.param(
        Case(
            "三（三）2",
            "C",
            [ev("SUPERVISION_CHECK", "2024-03-01", result="FAIL")],
            fired="c.failed_inspection_this_year",
        ),
        id="三（三）2-failed-check-this-year-C",
    ),
    pytest.param(
        Case(
            "三（三）2",
            "C",
            [ev("SUPERVISION_CHECK", "2024-03-01", result="REFUSED")],
            fired="c.failed_inspection_this_year",
        ),
        id="三（三）2-refused-check-this-year-C",
    ),
    pytest.param(
        Case(
            "三（三）1",
            "C",
            [ev("LICENCE", "2024-03-01", status="NONCOMPLIANT", rectifyBy="2024-09-30")],
            fired="c.licence_rectification_pending",
        ),
        id="三（三）1-licence-noncompliant-before-deadline-C",
    ),
    pytest.param(
        Case(
            "三（三）1",
            "C",
            [ev("LICENCE", "2024-03-01", status="NONCOMPLIANT", rectifyBy="2024-06-30")],
            fired="c.licence_rectification_pending",
        ),
        id="三（三）1-licence-noncompliant-on-deadline-C",
    ),
    pytest.param(
        Case(
            "三（三）1",
            "C",
            [ev("LICENCE", "2024-03-01", status="NONCOMPLIANT")],
            fired="c.licence_rectification_pending",
        ),
        id="三（三）1-licence-noncompliant-no-deadline-C",
    ),
    pytest.param(
        Case(
            "三（三）4",
            "C",
            [ev("STANDARD_BREACH", "2024-03-01", type="BELOW_DECLARED")],
            fired="c.below_declared_standard",
        ),
        id="三（三）4-below-declared-standard-C",
    ),
    pytest.param(
        Case(
            "三（三）5", "C", [ev("FALSE_CLAIM", "2024-03-01", harm="MINOR")], fired="c.false_claim"
        ),
        id="三（三）5-false-claim-minor-harm-C",
    ),
    pytest.param(
        Case(
            "三（三）5", "C", [ev("FALSE_CLAIM", "2024-03-01", harm="NONE")], fired="c.false_claim"
        ),
        id="三（三）5-false-claim-no-harm-C",
    ),
    pytest.param(
        Case(
            "三（三）6",
            "C",
            [ev("COMPLAINT", "2024-03-01", enterpriseResponsible=True, resolvedInTime=False)],
            fired="c.complaint_not_resolved",
        ),
        id="三（三）6-complaint-not-resolved-in-time-C",
    ),
    pytest.param(
        Case(
            "三（三）6",
            "C",
            [ev("QUALITY_ACCIDENT", "2024-03-01", severity="GENERAL", responsible=True)],
            fired="c.general_accident",
        ),
        id="三（三）6-general-accident-C",
    ),
    pytest.param(
        Case(
            "三（三）6",
            "A",
            [ev("QUALITY_ACCIDENT", "2024-03-01", severity="GENERAL", responsible=False)],
            absent="c.general_accident",
        ),
        id="三（三）6-accident-not-enterprise-fault-A",
    ),
    pytest.param(
        Case(
            "三（三）7",
            "C",
            [ev("AFTER_SALES_BREACH", "2024-03-01", serious=False)],
            fired="c.after_sales_breach",
        ),
        id="三（三）7-after-sales-not-honoured-C",
    ),
    pytest.param(
        Case(
            "三（三）",
            "C",
            [ev("ADMINISTRATIVE_PENALTY", "2024-03-01", measure="FINE", fineYuan=20000)],
            fired="c.violation_record",
            absent="d.revocation_level_violation",
        ),
        id="三（三）-fine-this-year-C",
    ),
    pytest.param(
        Case(
            "三（三）",
            "C",
            [ev("COUNTERFEIT", "2024-03-01", deliberate=False)],
            fired="c.violation_record",
            absent="d.deliberate_counterfeit",
        ),
        id="三（三）-counterfeit-not-deliberate-C",
    ),
    # --- 三（四） D 严重失信 -------------------------------------------------------------------
    pytest.param(
        Case(
            "三（四）1",
            "D",
            [
                ev(
                    "LICENCE",
                    "2020-01-01",
                    status="GRANTED",
                    licenceNo="XK1",
                    validUntil="2024-06-29",
                )
            ],
            fired="d.no_valid_qualification",
        ),
        id="三（四）1-licence-expired-the-day-before-D",
    ),
    pytest.param(
        Case(
            "三（四）1",
            "D",
            [
                ev("LICENCE", "2020-01-01", status="GRANTED", licenceNo="XK1"),
                ev("LICENCE", "2024-02-01", status="REVOKED", licenceNo="XK1"),
            ],
            fired="d.no_valid_qualification",
        ),
        id="三（四）1-licence-revoked-D",
    ),
    pytest.param(
        Case(
            "三（四）1",
            "D",
            [ev("LICENCE", "2024-02-01", status="SUSPENDED", licenceNo="XK1")],
            fired="d.no_valid_qualification",
        ),
        id="三（四）1-licence-suspended-D",
    ),
    pytest.param(
        Case(
            "三（四）1",
            "D",
            [ev("LICENCE", "2024-02-01", status="EXPIRED", licenceNo="XK1")],
            fired="d.no_valid_qualification",
        ),
        id="三（四）1-licence-expired-record-D",
    ),
    pytest.param(
        Case(
            "三（四）1",
            "A",
            [
                ev("LICENCE", "2020-01-01", status="GRANTED", licenceNo="XK1"),
                ev("LICENCE", "2023-02-01", status="SUSPENDED", licenceNo="XK1"),
                ev("LICENCE", "2023-05-01", status="GRANTED", licenceNo="XK1"),
            ],
            absent="d.no_valid_qualification",
        ),
        id="三（四）1-licence-granted-again-A",
    ),
    pytest.param(
        Case(
            "三（四）2",
            "D",
            [ev("COUNTERFEIT", "2024-03-01", deliberate=True)],
            fired="d.deliberate_counterfeit",
        ),
        id="三（四）2-deliberate-counterfeit-D",
    ),
    pytest.param(
        Case(
            "三（四）3",
            "D",
            [ev("LICENCE", "2024-03-01", status="NONCOMPLIANT", rectifyBy="2024-06-29")],
            fired="d.licence_rectification_overdue",
            absent="c.licence_rectification_pending",
        ),
        id="三（四）3-licence-noncompliant-day-after-deadline-D",
    ),
    pytest.param(
        Case(
            "三（四）3",
            "A",
            [
                ev(
                    "LICENCE",
                    "2024-03-01",
                    status="NONCOMPLIANT",
                    licenceNo="XK1",
                    rectifyBy="2024-05-01",
                ),
                ev("LICENCE", "2024-04-20", status="GRANTED", licenceNo="XK1"),
            ],
            absent="d.licence_rectification_overdue",
        ),
        id="三（四）3-licence-rectified-before-deadline-A",
    ),
    pytest.param(
        Case(
            "三（四）4",
            "D",
            [fail("2024-02-01"), fail("2024-04-01")],
            fired="d.consecutive_failed_samplings",
        ),
        id="三（四）4-two-consecutive-fails-this-year-D",
    ),
    pytest.param(
        Case(
            "三（四）4",
            "D",
            [ok("2024-01-10"), fail("2024-02-01"), fail("2024-02-01")],
            fired="d.consecutive_failed_samplings",
        ),
        id="三（四）4-two-fails-same-day-D",
    ),
    pytest.param(
        Case(
            "三（四）4",
            "C",
            [fail("2024-02-01"), ok("2024-03-01"), fail("2024-04-01")],
            absent="d.consecutive_failed_samplings",
        ),
        id="三（四）4-pass-between-breaks-run-C",
    ),
    pytest.param(
        Case(
            "三（四）4",
            "C",
            [fail("2023-12-15"), fail("2024-01-15")],
            absent="d.consecutive_failed_samplings",
        ),
        id="三（四）4-consecutive-across-years-not-当年-C",
    ),
    pytest.param(
        Case(
            "三（四）5",
            "D",
            [ev("FALSE_CLAIM", "2024-03-01", harm="MAJOR")],
            fired="d.false_claim_major_harm",
        ),
        id="三（四）5-false-claim-major-harm-D",
    ),
    pytest.param(
        Case(
            "三（四）6",
            "D",
            [ev("STANDARD_BREACH", "2024-03-01", type="NO_STANDARD")],
            fired="d.no_standard",
        ),
        id="三（四）6-no-standard-D",
    ),
    pytest.param(
        Case(
            "三（四）7",
            "D",
            [ev("ADMINISTRATIVE_PENALTY", "2024-03-01", measure="LICENCE_REVOKED")],
            fired="d.revocation_level_violation",
        ),
        id="三（四）7-licence-revoked-penalty-D",
    ),
    pytest.param(
        Case(
            "三（四）7",
            "D",
            [ev("ADMINISTRATIVE_PENALTY", "2024-03-01", measure="BUSINESS_LICENCE_REVOKED")],
            fired="d.revocation_level_violation",
        ),
        id="三（四）7-business-licence-revoked-D",
    ),
    pytest.param(
        Case(
            "三（四）7",
            "D",
            [ev("ADMINISTRATIVE_PENALTY", "2024-03-01", measure="FINE", criminalReferral=True)],
            fired="d.revocation_level_violation",
        ),
        id="三（四）7-criminal-referral-D",
    ),
    pytest.param(
        Case(
            "三（四）8",
            "D",
            [ev("AFTER_SALES_BREACH", "2024-03-01", serious=True)],
            fired="d.serious_after_sales_breach",
        ),
        id="三（四）8-serious-after-sales-breach-D",
    ),
    pytest.param(
        Case(
            "三（四）",
            "D",
            [ev("QUALITY_ACCIDENT", "2024-03-01", severity="MAJOR")],
            fired="d.major_quality_accident",
        ),
        id="三（四）-major-accident-D",
    ),
    pytest.param(
        Case(
            "三（四）",
            "D",
            [ev("QUALITY_ACCIDENT", "2024-03-01", severity="ESPECIALLY_MAJOR", responsible=True)],
            fired="d.major_quality_accident",
        ),
        id="三（四）-especially-major-accident-D",
    ),
    pytest.param(
        Case(
            "三（四）2",
            "B",
            [ev("COUNTERFEIT", "2023-07-01", deliberate=True)],
            blocker="a.record_within_years",
            absent="d.deliberate_counterfeit",
        ),
        id="三（四）2-counterfeit-last-year-window-当年-B",
    ),
    pytest.param(
        Case(
            "三（四）2",
            "D",
            [ev("COUNTERFEIT", "2023-07-01", deliberate=True)],
            fired="d.deliberate_counterfeit",
            params={"criteria_window_years": 1},
        ),
        id="三（四）2-counterfeit-last-year-rolling-window-parameter-D",
    ),
    pytest.param(
        Case(
            "三（四）4",
            "D",
            [fail("2024-02-01"), fail("2024-03-01"), fail("2024-04-01")],
            params={"d_consecutive_failed_samplings": 3},
            fired="d.consecutive_failed_samplings",
        ),
        id="三（四）4-run-length-is-a-parameter-D",
    ),
]


@cache
def articles_by_rule() -> dict[str, set[str]]:
    """The articles each rule of the table cites where it fires."""
    return rule_articles(grade(case.values[0]) for case in CASES)


@pytest.mark.parametrize("case", CASES)
def test_grading_cases(case: Case) -> None:
    result = grade(case)
    assert result is not None
    assert result.level == case.level, [r.rule for r in result.reasons]
    rules = {r.rule for r in result.reasons}
    if case.fired:
        assert case.fired in rules
    if case.blocker:
        assert case.blocker in {r.rule for r in result.blockers}
    if case.absent:
        assert case.absent not in rules
    for reason in (*result.reasons, *result.blockers):
        assert reason.article and reason.text and reason.rule
    spared = articles_by_rule().get(case.absent, set()) if case.absent else set()
    assert_cites(case.article, [*cited_articles(result), *spared])


def test_failed_sampling_reason_cites_its_events() -> None:
    b = SubjectBuilder(established_on="2015-01-01", region_code=REGION)
    pid = b.product()
    first = b.event("SAMPLING_INSPECTION", "2024-02-01", product=pid, result="FAIL")
    b.event("SAMPLING_INSPECTION", "2024-03-01", result="PASS")
    result = assess(POLICY, b.enterprise_subject(), AS_OF)
    reason = next(r for r in result.reasons if r.rule == "c.failed_inspection_this_year")
    assert reason.events == (first,)
    assert reason.article == "三（三）2"


# --- blockers: what keeps the subject from the next better class ----------------------------
def test_blockers_per_class() -> None:
    a = grade(Case("三（一）", "A"))
    assert a.blockers == ()
    d = grade(Case("三（四）2", "D", [ev("COUNTERFEIT", "2024-03-01", deliberate=True)]))
    assert {r.rule for r in d.blockers} == {"d.deliberate_counterfeit"}
    assert d.blockers[0].events
    c = grade(Case("三（三）2", "C", [fail("2024-03-01")], established="2023-01-01"))
    assert {r.rule for r in c.blockers} == {"c.failed_inspection_this_year", "b.established_years"}


# --- scope and time ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("region", "in_scope"),
    [
        pytest.param("230800", True, id="五（一）-city-230800"),
        pytest.param("230881", True, id="五（一）-同江市-230881"),
        pytest.param("230811", True, id="五（一）-郊区-230811"),
        pytest.param("230100", False, id="scope-哈尔滨-230100-out"),
        pytest.param("659001", False, id="scope-石河子-out"),
    ],
)
def test_region_scope(region: str, in_scope: bool) -> None:
    b = SubjectBuilder(established_on="2015-01-01", region_code=region)
    assert (assess(POLICY, b.enterprise_subject(), AS_OF) is not None) is in_scope


def test_products_are_not_graded() -> None:
    b = SubjectBuilder(established_on="2015-01-01", region_code=REGION)
    pid = b.product()
    assert assess(POLICY, b.product_subject(pid), AS_OF) is None


@pytest.mark.parametrize(
    ("on", "in_force"),
    [
        pytest.param(date(2020, 7, 9), False, id="印发-2020-07-10-day-before"),
        pytest.param(date(2020, 7, 10), True, id="印发-2020-07-10-on-the-day"),
        pytest.param(date(2035, 1, 1), True, id="印发-no-end-date-years-later"),
    ],
)
def test_in_force_window(on: date, in_force: bool) -> None:
    subject = SubjectBuilder(established_on="2010-01-01", region_code=REGION).enterprise_subject()
    if in_force:
        assert assess(POLICY, subject, on) is not None
    else:
        with pytest.raises(PolicyNotInForce):
            assess(POLICY, subject, on)


def test_metadata() -> None:
    assert POLICY.id == "jiamusi"
    assert POLICY.document_no == "佳市监发〔2020〕42号"
    assert [lvl.code for lvl in POLICY.levels] == ["A", "B", "N", "C", "D"]
    assert [lvl.label for lvl in POLICY.levels] == [
        "守信",
        "基本守信",
        "暂不定级",
        "失信",
        "严重失信",
    ]
    assert POLICY.effective_from == date(2020, 7, 10) and POLICY.effective_until is None
    for p in POLICY.parameters.all():
        assert p.source
        if p.is_local_default:
            assert p.note


# --- corrections (applied by the core) --------------------------------------------------------
def test_revoking_a_failed_sampling_restores_the_grade() -> None:
    b = SubjectBuilder(established_on="2015-01-01", region_code=REGION)
    bad = b.event("SAMPLING_INSPECTION", "2024-03-01", result="FAIL")
    assert assess(POLICY, b.enterprise_subject(), AS_OF).level == "C"
    b.correct(bad, "REVOKE", on="2024-04-01")
    assert assess(POLICY, b.enterprise_subject(), AS_OF).level == "A"


def test_erroneous_record_never_counts() -> None:
    b = SubjectBuilder(established_on="2015-01-01", region_code=REGION)
    first = b.event("SAMPLING_INSPECTION", "2024-02-01", result="FAIL")
    b.event("SAMPLING_INSPECTION", "2024-03-01", result="FAIL")
    assert assess(POLICY, b.enterprise_subject(), AS_OF).level == "D"
    b.correct(first, "ERRONEOUS", on="2024-04-01")
    assert assess(POLICY, b.enterprise_subject(), AS_OF).level == "C"


def test_amended_harm_changes_the_class() -> None:
    b = SubjectBuilder(established_on="2015-01-01", region_code=REGION)
    claim = b.event("FALSE_CLAIM", "2024-03-01", harm="MAJOR")
    assert assess(POLICY, b.enterprise_subject(), AS_OF).level == "D"
    b.correct(claim, "AMEND", on="2024-04-01", changes={"harm": "MINOR"})
    assert assess(POLICY, b.enterprise_subject(), AS_OF).level == "C"


def test_repair_ends_the_effect_from_its_date() -> None:
    b = SubjectBuilder(established_on="2015-01-01", region_code=REGION)
    fine = b.event("ADMINISTRATIVE_PENALTY", "2024-02-01", measure="FINE", fineYuan=3000)
    b.correct(fine, "REPAIR", on="2024-05-01")
    subject = b.enterprise_subject()
    assert assess(POLICY, subject, date(2024, 4, 30)).level == "C"
    assert assess(POLICY, subject, date(2024, 5, 1)).level == "A"


# --- 四 supervision measures --------------------------------------------------------------------
def _measures(level_case: Case) -> dict[str, list]:
    result = grade(level_case)
    kinds: dict[str, list] = {}
    for m in result.supervision:
        assert m.article.startswith("四")
        kinds.setdefault(str(m.kind), []).append(m)
    return kinds


def test_supervision_a() -> None:
    kinds = _measures(Case("三（一）", "A"))
    assert MeasureKind.INCENTIVE in kinds and len(kinds[MeasureKind.INCENTIVE]) >= 4
    texts = " ".join(m.text for ms in kinds.values() for m in ms)
    for phrase in ("减少日常监管频次", "优先推荐", "免予实地抽查", "绿色通道", "自愿"):
        assert phrase in texts
    assert MeasureKind.BLACKLIST not in kinds


def test_supervision_b() -> None:
    kinds = _measures(Case("三（二）", "B", established="2022-01-01"))
    assert set(kinds) == {MeasureKind.GUIDANCE}


def test_supervision_n_not_yet_graded() -> None:
    """N 暂不定级: ordinary supervision with a quality file, none of C's measures for wrongdoing."""
    kinds = _measures(Case("三（二）1", "N", established="2023-01-01"))
    assert set(kinds) == {MeasureKind.MONITORING, MeasureKind.GUIDANCE}
    assert all("local default" in m.text for ms in kinds.values() for m in ms)


def test_gap_level_c_is_refused() -> None:
    with pytest.raises(ValueError, match="gap_level"):
        grade(Case("三（二）1", "C", established="2023-01-01", params={"gap_level": "C"}))


def test_supervision_c() -> None:
    kinds = _measures(Case("三（三）", "C", [fail("2024-03-01")]))
    assert MeasureKind.KEY_INSPECTION_LIST in kinds
    assert MeasureKind.INSPECTION_FREQUENCY in kinds
    assert kinds[MeasureKind.WARNING][0].color == "yellow"
    assert any("撤销或暂停" in m.text for m in kinds["INCENTIVE_WITHDRAWN"])


def test_supervision_d() -> None:
    kinds = _measures(Case("三（四）", "D", [ev("COUNTERFEIT", "2024-03-01", deliberate=True)]))
    assert {
        MeasureKind.BLACKLIST,
        MeasureKind.PUBLIC_EXPOSURE,
        MeasureKind.ENFORCEMENT,
        MeasureKind.REPORT_TO_GOVERNMENT,
    } <= set(kinds)


# --- 三（五）、五（三） publicity ---------------------------------------------------------
LEVEL_CASES = {
    "A": Case("三（一）", "A"),
    "B": Case("三（二）", "B", established="2022-01-01"),
    "C": Case("三（三）", "C", [fail("2024-03-01")]),
    "D": Case("三（四）", "D", [ev("COUNTERFEIT", "2024-03-01", deliberate=True)]),
    "N": Case("三（二）1", "N", established="2023-01-01"),
}
# (allowed, needs_review) per level and audience
PUBLICITY = {
    "A": {"PUBLIC": (True, True), "DEPARTMENT": (True, True), "INDUSTRY": (True, True)},
    "B": {"PUBLIC": (False, False), "DEPARTMENT": (False, False), "INDUSTRY": (False, False)},
    "C": {"PUBLIC": (False, False), "DEPARTMENT": (False, False), "INDUSTRY": (False, False)},
    "D": {"PUBLIC": (True, True), "DEPARTMENT": (True, True), "INDUSTRY": (True, True)},
    "N": {"PUBLIC": (False, False), "DEPARTMENT": (False, False), "INDUSTRY": (False, False)},
}


@pytest.mark.parametrize(
    ("level", "audience"),
    [
        pytest.param(lvl, aud, id=f"五（三）-{lvl}-{aud.value}")
        for lvl in "ABCDN"
        for aud in Audience
    ],
)
def test_publicity(level: str, audience: Audience) -> None:
    result = grade(LEVEL_CASES[level])
    assert result.level == level
    by_audience = {d.audience: d for d in result.publicity}
    assert set(by_audience) == set(Audience)
    d = by_audience[audience]
    if audience is Audience.REGULATOR:
        assert (d.allowed, d.needs_review) == (True, False)
    elif audience is Audience.SUBJECT:
        assert d.allowed and "local default" in d.text
    else:
        assert (d.allowed, d.needs_review) == PUBLICITY[level][audience.value]
    if level in "BCN" and audience in (Audience.PUBLIC, Audience.DEPARTMENT, Audience.INDUSTRY):
        assert "不对外公示" in d.text and d.article == "五（三）"
    if level == "A" and audience is Audience.PUBLIC:
        assert "自愿申请" in d.text and "省级" in d.text
    if level == "D" and audience is Audience.PUBLIC:
        assert "复核" in d.text


# --- properties -------------------------------------------------------------------------------
DATES = st.dates(min_value=date(2021, 1, 1), max_value=AS_OF).map(date.isoformat)
EVENTS = st.one_of(
    st.builds(
        lambda d, r: ev("SAMPLING_INSPECTION", d, result=r),
        DATES,
        st.sampled_from(["PASS", "FAIL"]),
    ),
    st.builds(
        lambda d, r: ev("SUPERVISION_CHECK", d, result=r),
        DATES,
        st.sampled_from(["PASS", "FAIL", "REFUSED"]),
    ),
    st.builds(
        lambda d, h: ev("FALSE_CLAIM", d, harm=h),
        DATES,
        st.sampled_from(["NONE", "MINOR", "MAJOR"]),
    ),
    st.builds(lambda d, x: ev("COUNTERFEIT", d, deliberate=x), DATES, st.booleans()),
    st.builds(
        lambda d, m: ev("ADMINISTRATIVE_PENALTY", d, measure=m),
        DATES,
        st.sampled_from(["WARNING", "FINE", "LICENCE_REVOKED"]),
    ),
    st.builds(
        lambda d, r, t: ev("COMPLAINT", d, enterpriseResponsible=r, resolvedInTime=t),
        DATES,
        st.booleans(),
        st.booleans(),
    ),
    st.builds(
        lambda d, s: ev("QUALITY_ACCIDENT", d, severity=s),
        DATES,
        st.sampled_from(["GENERAL", "MAJOR"]),
    ),
    st.builds(lambda d, s: ev("AFTER_SALES_BREACH", d, serious=s), DATES, st.booleans()),
    st.builds(
        lambda d, s: ev("LICENCE", d, status=s, licenceNo="XK1"),
        DATES,
        st.sampled_from(["GRANTED", "NONCOMPLIANT", "SUSPENDED"]),
    ),
)
ESTABLISHED = st.sampled_from(["2010-01-01", "2021-06-30", "2022-06-30", "2023-06-30"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(EVENTS, max_size=6), extra=DATES, established=ESTABLISHED)
def test_adding_a_failed_sampling_never_improves_the_class(events, extra, established) -> None:
    before = grade(Case("property", "?", events, established=established))
    after = grade(Case("property", "?", [*events, fail(extra)], established=established))
    assert RANK[after.level] >= RANK[before.level]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(EVENTS, min_size=1, max_size=6), data=st.data(), established=ESTABLISHED)
def test_revoking_an_event_equals_grading_without_it(events, data, established) -> None:
    k = data.draw(st.integers(min_value=0, max_value=len(events) - 1))
    with_revoked = SubjectBuilder(established_on=established, region_code=REGION)
    ids = [with_revoked.event(kind, on, **attrs) for kind, on, attrs in events]
    with_revoked.correct(ids[k], "REVOKE", on=AS_OF)
    without = [e for i, e in enumerate(events) if i != k]
    a = assess(POLICY, with_revoked.enterprise_subject(), AS_OF)
    b = grade(Case("property", "?", without, established=established))
    assert a.level == b.level
    assert [r.rule for r in a.reasons] == [r.rule for r in b.reasons]
    assert [r.rule for r in a.blockers] == [r.rule for r in b.blockers]
