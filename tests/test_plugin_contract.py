"""The plug-in contract: every hook goes through pluggy's hook caller, so pluggy's rules hold —
an implementation may take fewer arguments than the spec, ``tryfirst`` runs first, a hook wrapper
sees and may replace the result — and per-policy behaviour is a typed method of the policy."""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Generator
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from qcredit.core.contract import Grading, NoticeRules, Reason
from qcredit.core.grading.engine import Engine
from qcredit.core.hookspecs import hookimpl
from qcredit.core.plugins import Registry
from qcredit.core.testing import SubjectBuilder

from .support import TEST_PLUGIN, CountingPolicy

AS_OF = date(2024, 6, 30)


def _grade(*plugins: object) -> Grading:
    registry = Registry.load([TEST_PLUGIN, *plugins], entry_points=False)
    subject = SubjectBuilder(region_code="110101").enterprise_subject()
    a = Engine(registry).grade(registry.policy("testland"), subject, AS_OF)
    assert a is not None
    return Grading(a.level, a.score, a.reasons)


def _to(level: str, rule: str) -> Grading:
    return Grading(level, None, (Reason(rule, "测试", rule),))


class OnlyGrading:
    """Takes one of the spec's three arguments: pluggy passes just that one."""

    @hookimpl
    def qcredit_adjust_grading(self, grading: Grading) -> Grading | None:
        return _to("F", "only-grading") if grading.level == "P" else None


class First:
    @hookimpl(tryfirst=True)
    def qcredit_adjust_grading(self, policy: Any) -> Grading:
        return _to("F", "tryfirst")


class Last:
    @hookimpl
    def qcredit_adjust_grading(self, policy: Any) -> Grading:
        return _to("F", "plain")


class Wrapper:
    @hookimpl(wrapper=True)
    def qcredit_adjust_grading(self, grading: Grading) -> Generator[None, Grading | None, Grading]:
        inner = yield
        base = inner or grading
        return replace(base, reasons=(*base.reasons, Reason("wrapped", "测试", "wrapped")))


def test_an_implementation_may_take_fewer_arguments_than_the_spec() -> None:
    graded = _grade(OnlyGrading())
    assert graded.level == "F"
    assert [r.rule for r in graded.reasons] == ["only-grading"]


def test_tryfirst_runs_first_and_the_first_answer_decides() -> None:
    # Registered first, so without tryfirst it would be called last.
    graded = _grade(First(), Last())
    assert [r.rule for r in graded.reasons] == ["tryfirst"]
    graded = _grade(Last(), First())
    assert [r.rule for r in graded.reasons] == ["tryfirst"]


def test_a_hook_wrapper_sees_the_inner_result_and_may_replace_it() -> None:
    assert [r.rule for r in _grade(Wrapper(), OnlyGrading()).reasons] == [
        "only-grading",
        "wrapped",
    ]
    # With nothing inside it, the wrapper still sees the policy's own grading.
    assert [r.rule for r in _grade(Wrapper()).reasons] == ["wrapped"]


def test_no_implementation_leaves_the_grading_alone() -> None:
    assert _grade().level == "P"


class DemoWithoutArguments:
    @hookimpl
    def qcredit_policies(self) -> list[CountingPolicy]:
        policy = CountingPolicy()
        policy.id = "testland2"  # type: ignore[misc]
        return [policy]

    @hookimpl
    def qcredit_demo_records(self) -> list[dict[str, Any]]:
        return [{"type": "enterprise", "code": "x"}]


def test_registry_hooks_go_through_pluggy_too() -> None:
    """``qcredit_demo_records`` implemented without its ``today`` argument."""
    registry = Registry.load([TEST_PLUGIN, DemoWithoutArguments()], entry_points=False)
    assert registry.demo_records(AS_OF) == [{"type": "enterprise", "code": "x"}]
    assert set(registry.policies) == {"testland", "testland2"}


def test_demo_records_come_only_from_loaded_policies_plugins() -> None:
    registry = Registry.load(
        [TEST_PLUGIN, DemoWithoutArguments()], entry_points=False, only=["testland"]
    )
    assert registry.demo_records(AS_OF) == []


class ExtraNotices(NoticeRules):
    pass


class CrossCuttingNotices:
    @hookimpl
    def qcredit_notice_rules(self, policy: Any) -> NoticeRules:
        return ExtraNotices()


def test_notice_rules_are_the_policys_own_then_the_hooks() -> None:
    registry = Registry.load([CrossCuttingNotices()], entry_points=True)
    for policy in registry.all_policies():
        rules = registry.notice_rules(policy)
        own = policy.notice_rules()
        assert isinstance(rules[-1], ExtraNotices)
        assert len(rules) == (2 if own is not None else 1)
    # The shipped policies that warn on grade changes do so by their own method, not a hook.
    warning = {p.id for p in registry.all_policies() if p.notice_rules() is not None}
    assert len(warning) >= 4


@pytest.mark.parametrize(
    ("path", "names"),
    [
        ("qcredit.core.engine", ["GradeChange"]),
        ("qcredit.core.notices", ["NoticeDraft", "NoticeKind", "NoticeRules", "Tally"]),
        ("qcredit.core.planning", ["PlanRule"]),
    ],
)
def test_the_old_import_paths_reexport_the_contract_types_with_a_warning(
    path: str, names: list[str]
) -> None:
    import qcredit.core.contract as contract

    sys.modules.pop(path, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(path)
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    for name in names:
        assert getattr(module, name) is getattr(contract, name)


def test_policy_and_grading_keep_their_old_names() -> None:
    import qcredit.core.contract as contract
    import qcredit.core.grading as grading
    import qcredit.core.policy as policy

    for name in ("Level", "Reason", "Measure", "Disclosure", "Grading", "Audience", "History"):
        assert getattr(policy, name) is getattr(contract, name)
    assert grading.Assessment is contract.Assessment
