"""舞钢 舞市监〔2022〕117号 — cases read off the text, article by article.

Local defaults used below (see docs/policies/wugang.md): unrated enterprises carry 15 credit
points; verified complaint 5, minor failed sampling 15, serious 30, general accident 25; bands
A ≤ 20 < B ≤ 40 < C ≤ 60 < D; one level of relief per 第十三条 ground; calendar-year periods.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qcredit.core.contract import Assessment, Audience, MeasureKind
from qcredit.core.errors import PolicyNotInForce
from qcredit.core.grading.assess import assess
from qcredit.core.testing import SubjectBuilder
from qcredit.policies.wugang import WugangPolicy
from qcredit.policies.wugang.adjustments import band_level
from qcredit.policies.wugang.kinds import EVENT_KINDS, KEY_INSPECTION_DESIGNATION
from qcredit.policies.wugang.scoring import event_ref

from .citations import assert_cites, cited_articles, rule_articles

POLICY = WugangPolicy()
REGION = "410481"
RANK = {"A": 1, "B": 2, "C": 3, "D": 4}

# Parameter overrides that switch one rule off, so that another can be seen alone.
NO_RELIEF = {"relief_levels_per_ground": 0}
ACCIDENT_WITHOUT_POINTS_OR_LOCK = {
    "points_accident": {"GENERAL": 0, "MAJOR": 50, "ESPECIALLY_MAJOR": 60},
    "lock_accident_years": 0,
}


def builder(established: str | None = "2015-01-01", region: str = REGION) -> SubjectBuilder:
    return SubjectBuilder(established_on=established, region_code=region, extra_kinds=EVENT_KINDS)


def grade(b: SubjectBuilder, on: str, overrides: dict[str, Any] | None = None) -> Assessment:
    params = POLICY.parameters.with_overrides(overrides) if overrides else None
    result = assess(POLICY, b.enterprise_subject(), date.fromisoformat(on), parameters=params)
    assert result is not None
    return result


def rules(a: Assessment) -> set[str]:
    return {r.rule for r in a.reasons}


def blocker_rules(a: Assessment) -> set[str]:
    return {r.rule for r in a.blockers}


# --- table of grading cases ------------------------------------------------------------------
# Each case: article, establishment date, events (kind, date, attributes), grading date,
# parameter overrides, expected level, rules that must fire, rules that must not.
Ev = tuple[str, str, dict[str, Any]]
FAIL = ("SAMPLING_INSPECTION", {"result": "FAIL", "severity": "MINOR"})
SERIOUS = ("SAMPLING_INSPECTION", {"result": "FAIL", "severity": "SERIOUS"})


def ev(spec: tuple[str, dict[str, Any]], on: str, **more: Any) -> Ev:
    return (spec[0], on, {**spec[1], **more})


def complaint(on: str, verified: bool = True) -> Ev:
    return ("COMPLAINT", on, {"verified": verified})


def rating(on: str, **attrs: Any) -> Ev:
    return ("CREDIT_RATING", on, {"source": "河南省", **attrs})


def penalty(on: str, **attrs: Any) -> Ev:
    return ("ADMINISTRATIVE_PENALTY", on, attrs)


def accident(on: str, severity: str = "GENERAL", **attrs: Any) -> Ev:
    return ("QUALITY_ACCIDENT", on, {"severity": severity, **attrs})


def listing(on: str, until: str) -> Ev:
    """A serious-dishonesty listing in effect from ``on`` to ``until`` (50 risk points)."""
    return ("LIST_ENTRY", on, {"list": "SERIOUS_DISHONESTY", "until": until})


def recognition(on: str, type_: str, **attrs: Any) -> Ev:
    return ("RECOGNITION", on, {"type": type_, **attrs})


CASES = [
    # 第六条: bands of the 100-point risk score (relief switched off to see the bands alone).
    pytest.param(
        "第六条",
        "2015-01-01",
        [rating("2023-01-01", score=50), complaint("2023-02-01")],
        "2023-06-01",
        NO_RELIEF,
        "A",
        {"band.score"},
        set(),
        id="第六条-score-20-is-A",
    ),
    pytest.param(
        "第六条",
        "2015-01-01",
        [rating("2023-01-01", score=50), complaint("2023-02-01"), complaint("2023-02-02")],
        "2023-06-01",
        NO_RELIEF,
        "B",
        {"band.score"},
        set(),
        id="第六条-score-25-is-B",
    ),
    pytest.param(
        "第六条",
        "2015-01-01",
        [
            rating("2023-01-01", score=50),
            ev(FAIL, "2023-02-01"),
            complaint("2023-02-02"),
            complaint("2023-02-03"),
        ],
        "2023-06-01",
        NO_RELIEF,
        "B",
        set(),
        set(),
        id="第六条-score-40-is-B",
    ),
    pytest.param(
        "第六条",
        "2015-01-01",
        [
            rating("2023-01-01", score=50),
            ev(FAIL, "2023-02-01"),
            complaint("2023-02-02"),
            complaint("2023-02-03"),
            complaint("2023-02-04"),
        ],
        "2023-06-01",
        NO_RELIEF,
        "C",
        set(),
        set(),
        id="第六条-score-45-is-C",
    ),
    pytest.param(
        "第六条",
        "2015-01-01",
        [rating("2023-01-01", score=50), ev(SERIOUS, "2023-02-01"), ev(FAIL, "2023-02-02")],
        "2023-06-01",
        NO_RELIEF,
        "C",
        set(),
        set(),
        id="第六条-score-60-is-C",
    ),
    pytest.param(
        "第六条",
        "2015-01-01",
        [
            rating("2023-01-01", score=50),
            ev(SERIOUS, "2023-02-01"),
            ev(FAIL, "2023-02-02"),
            complaint("2023-02-03"),
        ],
        "2023-06-01",
        NO_RELIEF,
        "D",
        set(),
        set(),
        id="第六条-score-65-is-D",
    ),
    pytest.param(
        "第六条",
        "2015-01-01",
        [],
        "2023-06-01",
        None,
        "A",
        {"score.credit_rating", "relief.no_accident_3y"},
        set(),
        id="第六条-clean-old-A",
    ),
    # 第六条 D: ordered to correct AND fined.
    pytest.param(
        "第六条",
        "2015-01-01",
        [
            rating("2023-01-01", score=100),
            penalty("2023-03-01", measure="FINE", fineYuan=5000, correctionOrdered=True),
        ],
        "2023-06-01",
        None,
        "D",
        {"force_d.correction_and_fine"},
        set(),
        id="第六条-D-correction-and-fine",
    ),
    pytest.param(
        "第六条",
        "2015-01-01",
        [penalty("2023-03-01", measure="CONFISCATION", fineYuan=800, correctionOrdered=True)],
        "2023-06-01",
        None,
        "D",
        {"force_d.correction_and_fine"},
        set(),
        id="第六条-D-confiscation-with-fine-and-correction",
    ),
    pytest.param(
        "第六条",
        "2015-01-01",
        [penalty("2023-03-01", measure="FINE", fineYuan=5000, correctionOrdered=False)],
        "2023-06-01",
        None,
        "A",
        set(),
        {"force_d.correction_and_fine"},
        id="第六条-fine-without-correction-not-D",
    ),
    pytest.param(
        "第六条",
        "2015-01-01",
        [penalty("2023-03-01", measure="WARNING", correctionOrdered=True)],
        "2023-06-01",
        None,
        "A",
        set(),
        {"force_d.correction_and_fine"},
        id="第六条-correction-without-fine-not-D",
    ),
    pytest.param(
        "第六条",
        "2015-01-01",
        [penalty("2020-06-01", measure="FINE", correctionOrdered=True)],
        "2023-06-01",
        None,
        "D",
        {"force_d.correction_and_fine"},
        set(),
        id="第六条-fine-3y-window-anniversary-D",
    ),
    pytest.param(
        "第六条",
        "2015-01-01",
        [penalty("2020-06-01", measure="FINE", correctionOrdered=True)],
        "2023-06-02",
        None,
        "B",
        {"cap.previous_period_c_or_d"},
        {"force_d.correction_and_fine"},
        id="第六条-fine-3y-window-day-after",
    ),
    # 第六条 D: accident within 3 years that could cause a major / especially major accident.
    pytest.param(
        "第六条",
        "2015-01-01",
        [accident("2023-03-01", "MAJOR")],
        "2023-06-01",
        None,
        "D",
        {"force_d.major_accident"},
        set(),
        id="第六条-D-major-accident",
    ),
    pytest.param(
        "第六条",
        "2015-01-01",
        [accident("2023-03-01", "ESPECIALLY_MAJOR")],
        "2023-06-01",
        None,
        "D",
        {"force_d.major_accident"},
        set(),
        id="第六条-D-especially-major-accident",
    ),
    pytest.param(
        "第六条",
        "2015-01-01",
        [accident("2023-03-01", "GENERAL")],
        "2023-06-01",
        None,
        "B",
        {"cap.accident_within_1y"},
        {"force_d.major_accident"},
        id="第六条-general-accident-not-D",
    ),
    pytest.param(
        "第六条",
        "2015-01-01",
        [accident("2020-06-01", "MAJOR")],
        "2023-06-01",
        None,
        "D",
        {"force_d.major_accident"},
        set(),
        id="第六条-major-accident-3y-anniversary",
    ),
    pytest.param(
        "第六条",
        "2015-01-01",
        [accident("2020-06-01", "MAJOR")],
        "2023-06-02",
        None,
        "B",
        {"cap.previous_period_c_or_d", "lock.c_to_a_1y"},
        {"force_d.major_accident", "lock.accident_3y"},
        id="第六条-major-accident-3y-day-after",
    ),
    # 第七条（一）: established less than three years.
    pytest.param(
        "第七条（一）",
        "2020-06-01",
        [],
        "2023-05-31",
        None,
        "B",
        {"cap.young_enterprise"},
        set(),
        id="第七条（一）-established-2y364d",
    ),
    pytest.param(
        "第七条（一）",
        "2020-06-01",
        [],
        "2023-06-01",
        None,
        "A",
        set(),
        {"cap.young_enterprise"},
        id="第七条（一）-established-3y-anniversary",
    ),
    pytest.param(
        "第七条（一）",
        None,
        [],
        "2023-06-01",
        None,
        "B",
        {"cap.young_enterprise"},
        set(),
        id="第七条（一）-establishment-unknown",
    ),
    pytest.param(
        "第七条（一）",
        "2021-01-01",
        [ev(SERIOUS, "2023-02-01")],
        "2023-06-01",
        None,
        "C",
        {"cap.young_enterprise"},
        set(),
        id="第七条（一）-cap-stated-at-C",
    ),
    # 第七条（三）: accident within one year (accident points and lock switched off).
    pytest.param(
        "第七条（三）",
        "2015-01-01",
        [ev(FAIL, "2022-12-01"), accident("2023-03-01")],
        "2024-03-01",
        ACCIDENT_WITHOUT_POINTS_OR_LOCK,
        "B",
        {"cap.accident_within_1y"},
        set(),
        id="第七条（三）-accident-1y-anniversary",
    ),
    pytest.param(
        "第七条（三）",
        "2015-01-01",
        [accident("2023-03-01")],
        "2024-03-02",
        ACCIDENT_WITHOUT_POINTS_OR_LOCK,
        "A",
        set(),
        {"cap.accident_within_1y"},
        id="第七条（三）-accident-1y-day-after",
    ),
    # 第七条（二）: C or D at any time in the previous period (2023), not only on its last day.
    # A serious-dishonesty listing adds 50 points (65 → D band, relief → C) while it lasts.
    pytest.param(
        "第七条（二）",
        "2015-01-01",
        [listing("2022-12-01", "2023-01-01")],
        "2024-06-01",
        None,
        "B",
        {"cap.previous_period_c_or_d"},
        {"lock.c_to_a_1y"},
        id="第七条（二）-C-on-first-day-of-previous-period",
    ),
    pytest.param(
        "第七条（二）",
        "2015-01-01",
        [listing("2022-12-01", "2022-12-31")],
        "2024-06-01",
        None,
        "A",
        set(),
        {"cap.previous_period_c_or_d"},
        id="第七条（二）-C-ended-the-day-before-previous-period",
    ),
    pytest.param(
        "第七条（二）",
        "2015-01-01",
        [listing("2023-12-31", "2024-01-05")],
        "2024-06-01",
        None,
        "B",
        {"cap.previous_period_c_or_d"},
        set(),
        id="第七条（二）-C-on-last-day-of-previous-period",
    ),
    pytest.param(
        "第七条（二）",
        "2015-01-01",
        [listing("2023-02-10", "2023-03-10")],
        "2024-03-11",
        None,
        "B",
        {"cap.previous_period_c_or_d"},
        {"lock.c_to_a_1y"},
        id="第七条（二）-C-in-February-rectified-in-March",
    ),
    pytest.param(
        "第七条（二）",
        "2015-01-01",
        [listing("2024-01-01", "2024-01-05")],
        "2024-06-01",
        None,
        "B",
        {"lock.c_to_a_1y"},
        {"cap.previous_period_c_or_d"},
        id="第七条（二）-C-in-current-period-only",
    ),
    pytest.param(
        "第七条（二）",
        "2015-01-01",
        [listing("2022-06-01", "2022-11-01")],
        "2023-12-01",
        None,
        "B",
        {"cap.previous_period_c_or_d"},
        {"lock.c_to_a_1y"},
        id="第七条（二）-C-on-the-first-day-in-force-第十七条",
    ),
    # 第十三条第二款: relief.
    pytest.param(
        "第十三条第二款",
        "2015-01-01",
        [ev(SERIOUS, "2023-03-01")],
        "2023-06-01",
        None,
        "B",
        {"relief.no_accident_3y"},
        set(),
        id="第十三条-relief-no-accident-C-to-B",
    ),
    pytest.param(
        "第十三条第二款",
        "2015-01-01",
        [recognition("2022-12-01", "DUAL_PREVENTION_BENCHMARK"), ev(SERIOUS, "2023-03-01")],
        "2023-06-01",
        None,
        "A",
        {"relief.dual_prevention_benchmark"},
        set(),
        id="第十三条-relief-benchmark",
    ),
    pytest.param(
        "第十三条第二款",
        "2015-01-01",
        [recognition("2022-12-01", "OFFSITE_MONITORING"), ev(SERIOUS, "2023-03-01")],
        "2023-06-01",
        None,
        "A",
        {"relief.offsite_monitoring"},
        set(),
        id="第十三条-relief-offsite-monitoring",
    ),
    pytest.param(
        "第十三条第二款",
        "2015-01-01",
        [
            recognition("2022-12-01", "OFFSITE_MONITORING", until="2023-05-31"),
            ev(SERIOUS, "2023-03-01"),
        ],
        "2023-06-01",
        None,
        "B",
        set(),
        {"relief.offsite_monitoring"},
        id="第十三条-relief-lapsed-recognition",
    ),
    pytest.param(
        "第十三条第二款",
        "2022-01-01",
        [recognition("2022-12-01", "DUAL_PREVENTION_BENCHMARK")],
        "2023-06-01",
        None,
        "B",
        {"relief.dual_prevention_benchmark", "cap.young_enterprise"},
        set(),
        id="第十三条-cap-wins-over-relief",
    ),
    pytest.param(
        "第十三条第二款",
        "2015-01-01",
        [
            recognition("2022-12-01", "DUAL_PREVENTION_BENCHMARK"),
            penalty("2023-03-01", measure="FINE", correctionOrdered=True),
        ],
        "2023-06-01",
        None,
        "D",
        {"force_d.correction_and_fine"},
        set(),
        id="第十三条-relief-does-not-undo-第六条-D",
    ),
    pytest.param(
        "第十三条第二款",
        "2015-01-01",
        [accident("2020-06-01"), ev(FAIL, "2023-01-15")],
        "2023-05-31",
        ACCIDENT_WITHOUT_POINTS_OR_LOCK,
        "B",
        set(),
        {"relief.no_accident_3y"},
        id="第十三条-accident-free-2y364d",
    ),
    pytest.param(
        "第十三条第二款",
        "2015-01-01",
        [accident("2020-06-01"), ev(FAIL, "2023-01-15")],
        "2023-06-01",
        ACCIDENT_WITHOUT_POINTS_OR_LOCK,
        "A",
        {"relief.no_accident_3y"},
        set(),
        id="第十三条-accident-free-3y-anniversary",
    ),
]


def graded(
    established: str | None, events: list[Ev], on: str, overrides: dict[str, Any] | None
) -> Assessment:
    b = builder(established)
    for kind, when, attrs in events:
        b.event(kind, when, **attrs)
    return grade(b, on, overrides)


@cache
def articles_by_rule() -> dict[str, set[str]]:
    """The articles each rule of the table cites where it fires."""
    return rule_articles(graded(*case.values[1:5]) for case in CASES)


@pytest.mark.parametrize(
    ("article", "established", "events", "on", "overrides", "level", "fired", "not_fired"), CASES
)
def test_grading(
    article: str,
    established: str | None,
    events: list[Ev],
    on: str,
    overrides: dict[str, Any] | None,
    level: str,
    fired: set[str],
    not_fired: set[str],
) -> None:
    result = graded(established, events, on, overrides)
    assert result.level == level, [r.text for r in result.reasons]
    assert fired <= rules(result)
    assert not (not_fired & rules(result))
    for reason in result.reasons:
        assert reason.article and reason.text and reason.rule
    spared = [a for rule in not_fired for a in articles_by_rule().get(rule, ())]
    assert_cites(article, [*cited_articles(result), *spared])


@pytest.mark.parametrize(
    ("score", "level"),
    [
        pytest.param(0, "A", id="第六条-band-0"),
        pytest.param(20, "A", id="第六条-band-A-limit"),
        pytest.param(20.01, "B", id="第六条-band-just-above-A"),
        pytest.param(40, "B", id="第六条-band-B-limit"),
        pytest.param(40.01, "C", id="第六条-band-just-above-B"),
        pytest.param(60, "C", id="第六条-band-C-limit"),
        pytest.param(60.01, "D", id="第六条-band-just-above-C"),
        pytest.param(100, "D", id="第六条-band-100"),
    ],
)
def test_band_limits(score: float, level: str) -> None:
    assert band_level(score, POLICY.parameters.at(date(2023, 6, 1))) == level


# --- Henan comprehensive credit rating (第六条) ------------------------------------------------
@pytest.mark.parametrize(
    ("ratings", "credit_points"),
    [
        pytest.param([], 15, id="第六条-no-rating-neutral"),
        pytest.param([{"score": 100}], 0, id="第六条-rating-score-100"),
        pytest.param([{"score": 40}], 18, id="第六条-rating-score-40"),
        pytest.param([{"level": "D"}], 30, id="第六条-rating-level-D"),
        pytest.param([{"level": "C级"}], 20.1, id="第六条-rating-level-written-C级"),
        pytest.param([{"score": 100}, {"level": "D"}], 30, id="第六条-latest-rating-counts"),
        pytest.param([{"level": "D"}, {"score": 90}], 3, id="第六条-latest-rating-counts-2"),
    ],
)
def test_credit_rating(ratings: list[dict[str, Any]], credit_points: float) -> None:
    b = builder()
    for i, attrs in enumerate(ratings):
        b.event("CREDIT_RATING", f"2023-0{i + 1}-01", **attrs)
    result = grade(b, "2023-06-01")
    assert result.details["creditPoints"] == pytest.approx(credit_points)


# --- 第七条（二） and 第十三条: history-dependent rules -------------------------------------------
def c_in_june_2023() -> tuple[SubjectBuilder, list[int]]:
    """Old enterprise: two serious failures on 2023-06-01 (75 → D band, relief → C)."""
    b = builder()
    fails = [b.event(*SERIOUS[:1], "2023-06-01", **SERIOUS[1]) for _ in range(2)]
    return b, fails


def test_c_on_event_date() -> None:
    b, _ = c_in_june_2023()
    assert grade(b, "2023-06-01").level == "C"


@pytest.mark.parametrize(
    ("on", "level", "locked", "capped"),
    [
        pytest.param("2024-03-01", "B", True, True, id="第十三条第一款第四句-C-to-A-within-1y"),
        pytest.param(
            "2024-08-31", "B", True, True, id="第十三条第一款第四句-C-to-A-1y-after-last-C-day"
        ),
        # The lock ends, but 2023 held a C (June–August), so 第七条（二） bars A all of 2024.
        pytest.param("2024-09-01", "B", False, True, id="第十三条第一款第四句-C-to-A-lock-ends"),
    ],
)
def test_c_cannot_become_a_within_one_year(on: str, level: str, locked: bool, capped: bool) -> None:
    b, fails = c_in_june_2023()
    for f in fails:  # both problems rectified and confirmed; C held through 2023-08-31
        b.event("RECTIFICATION", "2023-09-01", refersTo=f)
    result = grade(b, on)
    assert result.level == level
    assert ("lock.c_to_a_1y" in rules(result)) is locked
    # 2023 ended at B, but it held a C in June: 第七条（二） looks at the whole period.
    assert ("cap.previous_period_c_or_d" in rules(result)) is capped
    if locked:
        assert "lock.c_to_a_1y" in blocker_rules(result)
        assert any(r.article == "第十三条第一款第四句" for r in result.blockers)


def test_previous_period_c_caps_a() -> None:
    """第七条（二）: the grade at the end of 2022 was C → no A during 2023."""
    b = builder()
    fails = [
        b.event("SAMPLING_INSPECTION", "2022-11-15", result="FAIL", severity="SERIOUS")
        for _ in range(2)
    ]
    assert grade(b, "2022-12-31").level == "C"
    for f in fails:
        b.event("RECTIFICATION", "2023-02-01", refersTo=f)
    result = grade(b, "2023-12-30")
    assert result.level == "B"
    assert {"cap.previous_period_c_or_d", "lock.c_to_a_1y"} <= rules(result)
    cap = next(r for r in result.reasons if r.rule == "cap.previous_period_c_or_d")
    assert cap.article == "第七条（二）"
    assert set(fails) <= set(cap.events)
    assert "cap.previous_period_c_or_d" in blocker_rules(result)


def test_previous_period_cap_is_named_in_why_not_better() -> None:
    """第七条（二）: C in February 2023, rectified in March — no A in 2024; the blocker says so."""
    b = builder()
    fails = [
        b.event("SAMPLING_INSPECTION", "2023-02-10", result="FAIL", severity="SERIOUS")
        for _ in range(2)
    ]
    for f in fails:
        b.event("RECTIFICATION", "2023-03-10", refersTo=f)
    assert grade(b, "2023-12-31").level == "B"  # not C on the period's last day
    result = grade(b, "2024-06-01")
    assert result.level == "B"
    (cap,) = [r for r in result.blockers if r.rule == "cap.previous_period_c_or_d"]
    assert cap.article == "第七条（二）" and "2023-02-10" in cap.text
    assert set(fails) <= set(cap.events)


def test_previous_period_b_does_not_cap() -> None:
    b = builder()
    b.event("SAMPLING_INSPECTION", "2022-11-15", result="FAIL", severity="SERIOUS")  # 45 → B
    assert grade(b, "2022-12-31").level == "B"
    result = grade(b, "2023-06-01")
    assert "cap.previous_period_c_or_d" not in rules(result)


def test_evaluation_period_is_a_parameter() -> None:
    """A year running from 1 November: the previous period of 2023-06-01 ended on 2022-10-31,
    before the policy was in force, so no previous grade exists; that of 2023-12-30 is
    2022-11-01 – 2023-10-31, which holds the C of November 2022."""
    b = builder()
    fails = [
        b.event("SAMPLING_INSPECTION", "2022-11-15", result="FAIL", severity="SERIOUS")
        for _ in range(2)
    ]
    for f in fails:
        b.event("RECTIFICATION", "2023-02-01", refersTo=f)
    from_november = {"evaluation_period_anchor_month": 11}
    early = grade(b, "2023-06-01", from_november)
    assert "cap.previous_period_c_or_d" not in rules(early)
    assert early.details["evaluationPeriod"] == ["2022-11-01", "2023-10-31"]
    late = grade(b, "2023-12-30", from_november)
    assert "cap.previous_period_c_or_d" in rules(late)
    assert late.details["evaluationPeriod"] == ["2023-11-01", "2024-10-31"]


def test_accident_lock_keeps_grade_after_accident() -> None:
    """第十三条: after an accident the level may not be lowered for three years."""
    b = builder()
    acc = b.event("QUALITY_ACCIDENT", "2023-01-10", severity="GENERAL")
    assert grade(b, "2023-01-10").level == "B"  # 15 + 25 = 40
    b.event("RECTIFICATION", "2023-02-01", refersTo=acc)
    held = grade(b, "2024-01-11")  # cap 第七条（三） over, score back to 15 (band A)
    assert held.level == "B"
    assert "lock.accident_3y" in rules(held)
    assert "cap.accident_within_1y" not in rules(held)
    assert "lock.accident_3y" in blocker_rules(held)
    lock = next(r for r in held.reasons if r.rule == "lock.accident_3y")
    assert lock.events == (acc,) and lock.article == "第十三条第一款第五句"
    on_anniversary = grade(b, "2024-01-10")
    assert {"lock.accident_3y", "cap.accident_within_1y"} <= rules(on_anniversary)


def test_accident_lock_keeps_worst_level_since_accident() -> None:
    b = builder()
    b.event("QUALITY_ACCIDENT", "2023-01-10", severity="GENERAL")  # 40 → B
    fail = b.event("SAMPLING_INSPECTION", "2023-02-01", result="FAIL")  # 55 → C
    assert grade(b, "2023-02-01").level == "C"
    b.event("RECTIFICATION", "2023-03-01", refersTo=fail)  # back to 40 → B band
    result = grade(b, "2023-06-01")
    assert result.level == "C"
    assert "lock.accident_3y" in rules(result)


def test_revoking_the_accident_lifts_the_lock() -> None:
    b = builder()
    acc = b.event("QUALITY_ACCIDENT", "2023-01-10", severity="GENERAL")
    b.correct(acc, "REVOKE", on="2023-02-01")
    result = grade(b, "2024-01-11")
    assert result.level == "A"
    assert not {"lock.accident_3y", "cap.accident_within_1y"} & rules(result)


# --- 第十三条: rectification ---------------------------------------------------------------------
def test_rectification_lowers_risk() -> None:
    b = builder()
    fail = b.event("SAMPLING_INSPECTION", "2023-03-01", result="FAIL", severity="SERIOUS")
    fail2 = b.event("SAMPLING_INSPECTION", "2023-03-02", result="FAIL", severity="SERIOUS")
    before = grade(b, "2023-04-01")
    b.event("RECTIFICATION", "2023-04-15", refersTo=fail)
    b.event("RECTIFICATION", "2023-04-15", refersTo=fail2)
    after = grade(b, "2023-05-01")
    assert after.score < before.score
    assert "rectification.confirmed" in rules(after)
    rect = next(r for r in after.reasons if r.rule == "rectification.confirmed")
    assert fail in rect.events


def test_rectification_lifts_correction_and_fine_d() -> None:
    b = builder()
    pen = b.event("ADMINISTRATIVE_PENALTY", "2023-02-01", measure="FINE", correctionOrdered=True)
    assert grade(b, "2023-02-15").level == "D"
    b.event("RECTIFICATION", "2023-03-01", refersTo=pen)
    result = grade(b, "2023-06-01")
    # No longer D; but it was D within the year, so not A (第十三条, D included a fortiori).
    assert result.level == "B"
    assert "force_d.correction_and_fine" not in rules(result)
    assert "lock.c_to_a_1y" in rules(result)
    literal = grade(b, "2023-06-01", {"lock_c_to_a_includes_d": False})
    assert literal.level == "A"


def test_rectification_by_global_id() -> None:
    b = builder()
    pen = b.event("ADMINISTRATIVE_PENALTY", "2023-02-01", measure="FINE", correctionOrdered=True)
    import base64

    gid = base64.b64encode(f"Event:{pen}".encode()).decode()
    b.event("RECTIFICATION", "2023-03-01", refersTo=gid)
    assert "force_d.correction_and_fine" not in rules(grade(b, "2023-06-01"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7, 7), ("7", 7), ("RXZlbnQ6Nw==", 7), ("RXZlbnQ6Nw", 7), ("not an id!", None), (True, None)],
)
def test_event_ref(value: Any, expected: int | None) -> None:
    assert event_ref(value) == expected


def test_rectification_before_the_event_does_not_count() -> None:
    b = builder()
    b.event("RECTIFICATION", "2023-01-01", refersTo=2)
    b.event("ADMINISTRATIVE_PENALTY", "2023-02-01", measure="FINE", correctionOrdered=True)
    assert grade(b, "2023-06-01").level == "D"


# --- corrections ---------------------------------------------------------------------------
def test_revoking_an_event_restores_the_earlier_grade() -> None:
    b = builder()
    pen = b.event("ADMINISTRATIVE_PENALTY", "2023-02-01", measure="FINE", correctionOrdered=True)
    assert grade(b, "2023-06-01").level == "D"
    b.correct(pen, "REVOKE", on="2023-03-01")
    result = grade(b, "2023-06-01")
    assert result.level == "A"
    assert result.level == grade(builder(), "2023-06-01").level


def test_repair_ends_the_effect_from_its_date() -> None:
    b = builder()
    fail = b.event("SAMPLING_INSPECTION", "2023-02-01", result="FAIL", severity="SERIOUS")
    b.correct(fail, "REPAIR", on="2023-08-01")
    assert grade(b, "2023-07-31").score == 45
    assert grade(b, "2023-08-01").score == 15


# --- blockers ------------------------------------------------------------------------------
def test_no_blockers_at_a() -> None:
    result = grade(builder(), "2023-06-01")
    assert result.level == "A" and result.blockers == ()


def test_blockers_name_what_keeps_from_next_level() -> None:
    b = builder()
    fail = b.event("SAMPLING_INSPECTION", "2023-03-01", result="FAIL", severity="SERIOUS")
    b.event("SAMPLING_INSPECTION", "2023-03-02", result="FAIL", severity="SERIOUS")
    b.event("SAMPLING_INSPECTION", "2023-03-03", result="FAIL", severity="SERIOUS")  # 105→100
    result = grade(b, "2023-06-01")
    assert result.level == "C"  # D band, relieved one level
    assert blocker_rules(result) == {"band.score"}
    assert fail in result.blockers[0].events
    assert result.blockers[0].article == "第六条"


def test_d_blockers_list_each_d_situation() -> None:
    b = builder()
    pen = b.event("ADMINISTRATIVE_PENALTY", "2023-02-01", measure="FINE", correctionOrdered=True)
    acc = b.event("QUALITY_ACCIDENT", "2023-03-01", severity="MAJOR")
    result = grade(b, "2023-06-01")
    assert result.level == "D"
    by_rule = {r.rule: r for r in result.blockers}
    assert by_rule["force_d.correction_and_fine"].events == (pen,)
    assert by_rule["force_d.major_accident"].events == (acc,)
    assert "band.score" in by_rule  # 15 + 15 + 50 = 80 is in the D band as well
    assert "lock.accident_3y" in by_rule
    assert result.score == 80


def test_young_enterprise_blocker() -> None:
    result = grade(builder("2022-01-01"), "2023-06-01")
    assert result.level == "B"
    assert [r.article for r in result.blockers] == ["第七条（一）"]


# --- 第八–十一条: supervision per level ------------------------------------------------
def measures_of(result: Assessment) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for m in result.supervision:
        out.setdefault(str(m.kind), []).append(m)
    return out


def level_builder(level: str) -> SubjectBuilder:
    b = builder()
    if level == "B":
        b.event("SAMPLING_INSPECTION", "2023-03-01", result="FAIL", severity="SERIOUS")
    elif level == "C":
        for _ in range(2):
            b.event("SAMPLING_INSPECTION", "2023-03-01", result="FAIL", severity="SERIOUS")
    elif level == "D":
        b.event("ADMINISTRATIVE_PENALTY", "2023-03-01", measure="FINE", correctionOrdered=True)
    return b


@pytest.mark.parametrize(
    ("level", "article", "kind", "share_min", "share_max"),
    [
        pytest.param(
            "A", "第八条（一）", MeasureKind.PLAN_SHARE, None, 0.05, id="第八条（一）-A-5%"
        ),
        pytest.param(
            "A", "第八条（二）", MeasureKind.REMOTE_CHECK, None, None, id="第八条（二）-remote"
        ),
        pytest.param(
            "B", "第九条（一）", MeasureKind.PLAN_SHARE, 0.10, None, id="第九条（一）-B-10%"
        ),
        pytest.param(
            "B", "第九条（二）", MeasureKind.REMOTE_CHECK, None, None, id="第九条（二）-remote"
        ),
        pytest.param(
            "C", "第十条（一）", MeasureKind.PLAN_SHARE, 0.50, None, id="第十条（一）-C-50%"
        ),
        pytest.param(
            "C",
            "第十条（二）",
            MeasureKind.INSPECTION_FREQUENCY,
            None,
            None,
            id="第十条（二）-more-special-checks",
        ),
        pytest.param(
            "C",
            "第十条（三）",
            MeasureKind.STATIONED_SUPERVISION,
            None,
            None,
            id="第十条（三）-stationed",
        ),
        pytest.param(
            "D", "第十一条（一）", MeasureKind.PLAN_SHARE, 1.0, None, id="第十一条（一）-full"
        ),
        pytest.param(
            "D",
            "第十一条（二）",
            MeasureKind.STATIONED_SUPERVISION,
            None,
            None,
            id="第十一条（二）-stationed",
        ),
        pytest.param(
            "D",
            "第十一条（三）",
            MeasureKind.ENFORCEMENT,
            None,
            None,
            id="第十一条（三）-stop-seal-seize",
        ),
        pytest.param(
            "D",
            "第十一条（四）",
            MeasureKind.BLACKLIST,
            None,
            None,
            id="第十一条（四）-serious-dishonesty-list",
        ),
    ],
)
def test_supervision_by_level(
    level: str, article: str, kind: str, share_min: float | None, share_max: float | None
) -> None:
    result = grade(level_builder(level), "2023-06-01")
    assert result.level == level
    found = [m for m in result.supervision if m.article == article]
    assert len(found) == 1
    m = found[0]
    assert m.kind == kind and m.plan_share_min == share_min and m.plan_share_max == share_max
    others = {"A", "B", "C", "D"} - {level}
    for other in others:  # the measure belongs to its level only
        assert article not in {
            m.article for m in grade(level_builder(other), "2023-06-01").supervision
        }


# --- 第十二条: key inspection list whatever the level ----------------------------------
KEY = MeasureKind.KEY_INSPECTION_LIST


def key_articles(result: Assessment) -> set[str]:
    return {m.article for m in result.supervision if m.kind == KEY}


@pytest.mark.parametrize(
    ("events", "on", "articles"),
    [
        pytest.param(
            [accident("2021-06-01", responsible=True)],
            "2023-06-01",
            {"第十二条（一）"},
            id="第十二条（一）-responsible-accident-2y-anniversary",
        ),
        pytest.param(
            [accident("2021-06-01", responsible=True)],
            "2023-06-02",
            set(),
            id="第十二条（一）-responsible-accident-2y-day-after",
        ),
        pytest.param(
            [accident("2023-01-01", responsible=False)],
            "2023-06-01",
            set(),
            id="第十二条（一）-accident-not-responsible",
        ),
        pytest.param(
            [complaint("2022-06-01"), complaint("2023-01-01"), complaint("2023-02-01")],
            "2023-06-01",
            {"第十二条（二）"},
            id="第十二条（二）-3-verified-complaints",
        ),
        pytest.param(
            [complaint("2022-06-01"), complaint("2023-01-01"), complaint("2023-02-01")],
            "2023-06-02",
            set(),
            id="第十二条（二）-oldest-complaint-leaves-window",
        ),
        pytest.param(
            [complaint("2023-01-01"), complaint("2023-02-01")],
            "2023-06-01",
            set(),
            id="第十二条（二）-2-verified-complaints",
        ),
        pytest.param(
            [
                complaint("2023-01-01"),
                complaint("2023-02-01"),
                complaint("2023-03-01", verified=False),
            ],
            "2023-06-01",
            set(),
            id="第十二条（二）-unverified-does-not-count",
        ),
        pytest.param(
            [(KEY_INSPECTION_DESIGNATION, "2023-02-01", {"reason": "局务会决定"})],
            "2023-06-01",
            {"第十二条（三）"},
            id="第十二条（三）-bureau-designation",
        ),
        pytest.param(
            [(KEY_INSPECTION_DESIGNATION, "2023-02-01", {"reason": "局务会决定"})],
            "2024-01-01",
            set(),
            id="第十二条（三）-designation-is-annual",
        ),
        pytest.param(
            [(KEY_INSPECTION_DESIGNATION, "2023-12-01", {"reason": "下年度重点", "year": 2024})],
            "2024-03-01",
            {"第十二条（三）"},
            id="第十二条（三）-designation-for-next-year",
        ),
    ],
)
def test_key_inspection_list(events: list[Ev], on: str, articles: set[str]) -> None:
    b = builder()
    for kind, when, attrs in events:
        b.event(kind, when, **attrs)
    result = grade(b, on)
    assert key_articles(result) == articles
    assert {r.article for r in result.reasons if r.rule.startswith("key_list.")} == articles
    assert result.details["keyInspectionList"] is bool(articles)


def test_key_list_applies_at_level_a() -> None:
    b = builder()
    for d in ("2023-01-01", "2023-02-01", "2023-03-01"):
        b.event("COMPLAINT", d, verified=True)
    result = grade(b, "2023-06-01")
    assert result.level == "A"
    assert key_articles(result) == {"第十二条（二）"}
    assert any(m.plan_share_max == 0.05 for m in result.supervision)


# --- publicity ---------------------------------------------------------------------------------
@pytest.mark.parametrize("level", ["A", "D"])
def test_publicity_per_audience(level: str) -> None:
    result = grade(level_builder(level), "2023-06-01")
    by_audience = {d.audience: d for d in result.publicity}
    assert set(by_audience) == set(Audience)
    assert by_audience[Audience.PUBLIC].allowed is False
    assert "local default" in by_audience[Audience.PUBLIC].text
    assert by_audience[Audience.SUBJECT].allowed is True
    assert by_audience[Audience.REGULATOR].allowed is True
    assert by_audience[Audience.DEPARTMENT].allowed is True
    assert by_audience[Audience.DEPARTMENT].needs_review is True
    assert "第十五条" in by_audience[Audience.DEPARTMENT].article
    assert by_audience[Audience.INDUSTRY].allowed is False


# --- scope and time --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("on", "in_force"),
    [
        pytest.param("2022-10-31", False, id="第十七条-day-before-start"),
        pytest.param("2022-11-01", True, id="第十七条-first-day"),
        pytest.param("2024-10-30", True, id="第十七条-last-day"),
        pytest.param("2024-10-31", False, id="第十七条-day-after-end"),
        pytest.param("2027-01-01", False, id="第十七条-years-after"),
    ],
)
def test_in_force_window(on: str, in_force: bool) -> None:
    b = builder()
    if in_force:
        assert grade(b, on).level == "A"
    else:
        with pytest.raises(PolicyNotInForce):
            assess(POLICY, b.enterprise_subject(), date.fromisoformat(on))


@pytest.mark.parametrize(
    ("region", "graded"),
    [
        pytest.param("410481", True, id="第二条-舞钢市"),
        pytest.param("410402", False, id="第二条-平顶山新华区-out"),
        pytest.param("440512", False, id="第二条-other-province-out"),
    ],
)
def test_region_scope(region: str, graded: bool) -> None:
    b = builder(region=region)
    assert (assess(POLICY, b.enterprise_subject(), date(2023, 6, 1)) is not None) is graded


def test_products_are_not_graded() -> None:
    b = builder()
    pid = b.product("牌", 9, "电线电缆")
    assert assess(POLICY, b.product_subject(pid), date(2023, 6, 1)) is None


def test_metadata() -> None:
    assert POLICY.id == "wugang" and POLICY.document_no == "舞市监〔2022〕117号"
    assert [(lv.code, lv.rank) for lv in POLICY.levels] == [("A", 1), ("B", 2), ("C", 3), ("D", 4)]
    assert POLICY.parameters.get("plan_share_a_max", date(2023, 1, 1)).source == "第八条（一）"
    for p in POLICY.parameters.all():
        assert p.source == "local default" or p.source.startswith("第"), p
        assert p.note, p.name


def test_plugin_registers_policy_and_kind() -> None:
    from qcredit.policies import wugang

    assert [p.id for p in wugang.qcredit_policies()] == ["wugang"]
    assert [k.code for k in wugang.qcredit_event_kinds()] == [KEY_INSPECTION_DESIGNATION]


# --- properties ----------------------------------------------------------------------------------
DAYS = st.dates(min_value=date(2021, 1, 1), max_value=date(2024, 6, 1))
ADVERSE: list[Callable[[date], Ev]] = [
    lambda d: ("SAMPLING_INSPECTION", d.isoformat(), {"result": "FAIL", "severity": "MINOR"}),
    lambda d: ("SAMPLING_INSPECTION", d.isoformat(), {"result": "FAIL", "severity": "SERIOUS"}),
    lambda d: ("SUPERVISION_CHECK", d.isoformat(), {"result": "REFUSED"}),
    lambda d: ("QUALITY_ACCIDENT", d.isoformat(), {"severity": "GENERAL"}),
    lambda d: ("COMPLAINT", d.isoformat(), {"verified": True}),
    lambda d: (
        "ADMINISTRATIVE_PENALTY",
        d.isoformat(),
        {"measure": "FINE", "correctionOrdered": True},
    ),
]
NEUTRAL: list[Callable[[date], Ev]] = [
    lambda d: ("SAMPLING_INSPECTION", d.isoformat(), {"result": "PASS"}),
    lambda d: ("RECOGNITION", d.isoformat(), {"type": "DUAL_PREVENTION_BENCHMARK"}),
    lambda d: ("CREDIT_RATING", d.isoformat(), {"score": 80}),
]
EVENT = st.builds(lambda make, d: make(d), st.sampled_from(ADVERSE + NEUTRAL), DAYS)
EVENTS = st.lists(EVENT, max_size=5)
GRADING_DAY = st.dates(min_value=date(2022, 11, 1), max_value=date(2024, 10, 30))
ESTABLISHED = st.sampled_from(["2010-01-01", "2021-05-01", "2022-02-01"])


def _build(established: str, events: list[Ev]) -> SubjectBuilder:
    b = builder(established)
    for kind, when, attrs in events:
        b.event(kind, when, **attrs)
    return b


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ESTABLISHED, EVENTS, DAYS, GRADING_DAY, st.sampled_from(ADVERSE[:2]))
def test_adding_a_failed_sampling_never_improves(
    established: str, events: list[Ev], fail_day: date, on: date, fail: Callable[[date], Ev]
) -> None:
    before = grade(_build(established, events), on.isoformat())
    after = grade(_build(established, [*events, fail(fail_day)]), on.isoformat())
    assert RANK[after.level] >= RANK[before.level]
    assert after.score >= before.score


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ESTABLISHED, EVENTS, EVENT, GRADING_DAY, st.sampled_from(["REVOKE", "ERRONEOUS"]))
def test_revoking_equals_never_recorded(
    established: str, events: list[Ev], extra: Ev, on: date, action: str
) -> None:
    with_revoked = _build(established, events)
    eid = with_revoked.event(extra[0], extra[1], **extra[2])
    with_revoked.correct(eid, action, on=extra[1])
    a = grade(with_revoked, on.isoformat())
    b = grade(_build(established, events), on.isoformat())
    assert (a.level, a.score, rules(a)) == (b.level, b.score, rules(b))
    assert [(h.as_of, h.level) for h in a.history] == [(h.as_of, h.level) for h in b.history]


def _penalty_measures() -> tuple[str, ...]:
    from qcredit.core.vocabulary import CORE_EVENT_KINDS

    kind = next(k for k in CORE_EVENT_KINDS if k.code == "ADMINISTRATIVE_PENALTY")
    return kind.all_attributes["measure"].values


@pytest.mark.parametrize("measure", _penalty_measures())
def test_every_penalty_kind_is_scored_by_its_weight(measure: str) -> None:
    """第五条 生产、销售管理指标 "行政处罚": every kind a bureau may record (《行政处罚法》第九条,
    通报批评 and 责令停产停业 included) scores its parameter's points under its Chinese name; a
    kind without a weight would fail the grading instead."""
    b = builder()
    b.event("ADMINISTRATIVE_PENALTY", "2023-03-01", measure=measure)
    result = grade(b, "2023-06-01", NO_RELIEF)
    points = POLICY.parameters.at(date(2023, 6, 1))["points_penalty"][measure]
    penalty_reasons = [r for r in result.reasons if "行政处罚（" in r.text]
    assert len(penalty_reasons) == 1, [r.text for r in result.reasons]
    assert penalty_reasons[0].article == "第五条"
    assert f"{points:g}分" in penalty_reasons[0].text
    assert "（" + measure not in penalty_reasons[0].text  # the Chinese name, not the code


def test_public_criticism_weighs_as_a_warning() -> None:
    """通报批评 is 《行政处罚法》第九条（一）, beside 警告: the same points (local default)."""
    weights = POLICY.parameters.at(date(2023, 6, 1))["points_penalty"]
    assert weights["PUBLIC_CRITICISM"] == weights["WARNING"] < weights["FINE"]
    assert weights["PRODUCTION_SUSPENDED"] > weights["FINE"]
