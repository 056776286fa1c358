"""Dated versions of a policy's text, a core capability: grading a date uses the version in force
on it, an assessment names that version, history that crosses a revision is graded under each
version for its own dates, and the revision date may itself be a (dated, overridable) parameter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from qcredit.core.contract import (
    ChangeKind,
    Grading,
    History,
    PolicyVersion,
    Reason,
    VersionChange,
)
from qcredit.core.facts import Facts
from qcredit.core.grading.assess import assess
from qcredit.core.parameters import LOCAL_DEFAULT, Parameter, ParameterSet, ParameterView
from qcredit.core.policy import Policy
from qcredit.core.testing import SubjectBuilder

from .support import CountingPolicy

REVISION = date(2023, 7, 1)


class Revised(CountingPolicy):
    """v2 from the revision date: F from two failed samplings within a year (v1: one), and the
    grade a year earlier is read (to show history crossing the revision)."""

    id = "versioned"
    version = "v2"
    version_label = "修订版"
    effective_from = None

    def __init__(self) -> None:
        Policy.__init__(
            self,
            ParameterSet(
                [
                    Parameter("fail_limit", 2, "第一条"),
                    Parameter("trial_fail_limit", 1, "试行版 第一条"),
                    Parameter("revision_date", REVISION, LOCAL_DEFAULT, "the text gives no date"),
                ]
            ),
        )
        self._trial = Trial(self)

    def versions(self) -> Sequence[PolicyVersion]:
        revised_on = self.parameters.get("revision_date", date.max).value
        return (
            PolicyVersion("v1", "试行版", None, revised_on - timedelta(days=1), LOCAL_DEFAULT),
            PolicyVersion(
                "v2",
                "修订版",
                revised_on,
                None,
                LOCAL_DEFAULT,
                (VersionChange(ChangeKind.PARAMETER, "两次不合格方为F", "第一条", "第一条"),),
            ),
        )

    def rules_on(self, on: date) -> Policy:
        return self if on >= self.parameters.get("revision_date", on).value else self._trial

    def history_dates(self, facts: Facts, params: ParameterView) -> Sequence[date]:
        return (facts.as_of - timedelta(days=365),)

    def grade(self, facts: Facts, history: History, params: ParameterView) -> Grading:
        own = super().grade(facts, history, params)
        before = history.on(facts.as_of - timedelta(days=365))
        note = Reason("history", "第二条", f"一年前：{before.level if before else '无'}")
        return Grading(own.level, own.score, (*own.reasons, note))


class Trial(Revised):
    """v1, the trial version: F from one failed sampling within a year (its own parameter)."""

    version = "v1"
    version_label = "试行版"

    def __init__(self, revised: Revised) -> None:
        Policy.__init__(self, revised.parameters)

    def history_dates(self, facts: Facts, params: ParameterView) -> Sequence[date]:
        return ()

    def grade(self, facts: Facts, history: History, params: ParameterView) -> Grading:
        fails = facts.within_years(1, "SAMPLING_INSPECTION", result="FAIL")
        return Grading("F" if len(fails) >= params["trial_fail_limit"] else "P", float(len(fails)))


def _subject(*fails: str) -> SubjectBuilder:
    b = SubjectBuilder(region_code="110101")
    for on in fails:
        b.event("SAMPLING_INSPECTION", on, result="FAIL")
    return b


def test_a_date_is_graded_under_the_version_in_force_on_it() -> None:
    policy = Revised()
    b = _subject("2023-06-01")
    last_trial_day = assess(policy, b.enterprise_subject(), REVISION - timedelta(days=1))
    first_revised_day = assess(policy, b.enterprise_subject(), REVISION)
    assert last_trial_day is not None and first_revised_day is not None
    # v1: one failure makes F; v2 needs two.
    assert (last_trial_day.level, last_trial_day.policy_version) == ("F", "v1")
    assert (first_revised_day.level, first_revised_day.policy_version) == ("P", "v2")
    assert policy.version_on(REVISION - timedelta(days=1)).label == "试行版"  # type: ignore[union-attr]
    assert policy.version_on(REVISION).label == "修订版"  # type: ignore[union-attr]


def test_history_that_crosses_a_revision_uses_each_version_for_its_own_dates() -> None:
    policy = Revised()
    a = assess(policy, _subject("2023-03-01").enterprise_subject(), date(2024, 3, 1))
    assert a is not None
    # A year earlier (2023-03-02) the trial version was in force: one failure was F then.
    assert [r.text for r in a.reasons if r.rule == "history"] == ["一年前：F"]
    assert a.level == "P"  # under v2 the same single failure is not enough


def test_the_revision_date_is_a_parameter_a_deployment_may_override() -> None:
    policy = Revised()
    policy.parameters = policy.parameters.with_overrides({"revision_date": date(2023, 9, 1)})
    (trial, revised) = policy.versions()
    assert trial.effective_until == date(2023, 8, 31) and revised.effective_from == date(2023, 9, 1)
    a = assess(policy, _subject("2023-06-01").enterprise_subject(), date(2023, 8, 31))
    assert a is not None and a.policy_version == "v1" and a.level == "F"


def test_an_unrevised_policy_has_one_version_its_own() -> None:
    policy = CountingPolicy()
    (only,) = policy.versions()
    assert only.version == policy.version and only.effective_from == policy.effective_from
    assert policy.rules_on(date(2024, 1, 1)) is policy
    assert only.changes == ()
