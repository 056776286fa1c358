"""The plug-in contract of qcredit: every hook a policy package may implement.

A package joins by declaring an entry point in the ``qcredit.policies`` group that names a module
(or object) carrying ``@hookimpl`` functions::

    [project.entry-points."qcredit.policies"]
    myprovince = "myprovince_policy"

and implementing the hooks below.  The five policies shipped with qcredit load through this same
path; the core knows none of them by name.

Hook implementations are called with keyword arguments; an implementation may accept any subset
of a hook's arguments (pluggy's rule).  Unless a hook says otherwise, every implementation is
called and their results are collected in a list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pluggy
from qcredit.core.contract import Grading, Measure, NoticeRules, PlanRule
from qcredit.core.facts import Facts
from qcredit.core.parameters import ParameterView
from qcredit.core.policy import Policy
from qcredit.core.vocabulary import EventKind

PROJECT = "qcredit"
ENTRY_POINT_GROUP = "qcredit.policies"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def qcredit_policies() -> Sequence[Policy]:
    """Register the policies this plug-in supplies.

    Called once, when the registry loads plug-ins (at server start, and by every CLI command).

    :returns: a sequence of :class:`~qcredit.core.policy.Policy` instances.  Each carries its
        metadata (id, official name, region codes, effective dates, levels) and its grading,
        supervision and publicity rules.  Two policies with the same ``id`` — from this plug-in or
        from two — stop the registry with a :class:`~qcredit.core.errors.PluginConflict` naming
        both sources.

    .. versionadded:: 0.1
    """


@hookspec
def qcredit_event_kinds() -> Sequence[EventKind]:
    """Register extra event kinds with their attribute schemas.

    Called once, when the registry loads plug-ins, after the core vocabulary (docs/design.md) is in
    place.  A kind whose code is already known must be identical to the known one, or the registry
    stops with a :class:`~qcredit.core.errors.PluginConflict`.

    :returns: a sequence of :class:`~qcredit.core.vocabulary.EventKind`.
    """


@hookspec(firstresult=True)
def qcredit_adjust_grading(policy: Policy, facts: Facts, grading: Grading) -> Grading | None:
    """Adjust a grading across policies — e.g. a province-wide rule wrapping its cities' policies.

    Called by the engine after ``policy.grade`` for every subject and date, before supervision and
    publicity are derived.  The first implementation that returns a grading decides (pluggy's
    order: ``tryfirst`` ones first, then the last registered first); to compose several rules,
    write them as hook wrappers (``@hookimpl(wrapper=True)``), which receive the result of the
    implementations inside them (``result = yield``) and return it or a replacement.

    :param policy: the policy that produced the grading.
    :param facts: the facts the policy graded.
    :param grading: the grading the policy returned.
    :returns: ``None`` to leave the grading as it is, or a replacement
        :class:`~qcredit.core.contract.Grading` — which must add a
        :class:`~qcredit.core.contract.Reason` saying which rule changed it and why.
    """


@hookspec
def qcredit_grade_changed(
    policy: Policy,
    subject_type: str,
    subject_id: int,
    enterprise_id: int,
    as_of: date,
    previous: str | None,
    current: str | None,
) -> None:
    """React to a subject's grade changing (warnings, notices, data-sharing sinks).

    Called by the engine after a re-grade has been stored, once per subject and policy whose level
    differs from the level stored before (``previous`` is ``None`` for a first grading, ``current``
    is ``None`` when the subject fell out of scope).  Called after the transaction commits; an
    exception raised here is logged and does not undo the grading.

    :returns: ignored.
    """


@hookspec
def qcredit_notice_rules(policy: Policy) -> NoticeRules | None:
    """Add notice rules to a policy from outside it — a cross-cutting plug-in (e.g. a province's
    own warnings on its cities' policies).

    A policy states its own rules with :meth:`~qcredit.core.policy.Policy.notice_rules`; this hook
    adds to them.  Called once per policy, the first time the engine needs its rules; the answers
    are kept for the life of the registry.  Implementations are called for every policy; every
    non-``None`` answer is used after the policy's own rules.

    Unlike :func:`qcredit_grade_changed`, the rules run *inside* the re-grade's transaction: a
    notice is stored together with the grade change that caused it, or not at all, and subscribers
    are told only after commit.  The rules object answers two questions, both pure (no clock, no
    database):

    * :meth:`~qcredit.core.contract.NoticeRules.on_change` ``(change, assessment, params)`` — the
      notices one subject's grade change issues (e.g. a coloured warning to its operator).  The
      subject's open notices under the policy are closed by its next grade change.
    * :meth:`~qcredit.core.contract.NoticeRules.on_tally` ``(tally, params)`` — with
      ``counts_scopes = True``, the regional or industry conditions that hold for the standing
      grades of a region (or of one product category in it).  The engine keeps one open notice per
      holding condition and closes it when the condition stops holding.

    :param policy: the policy whose grades changed.
    :returns: a :class:`~qcredit.core.contract.NoticeRules`, or ``None``.
    """


@hookspec(firstresult=True)
def qcredit_plan_rule(
    policy: Policy,
    subject_type: str,
    level: str,
    measures: Sequence[Measure],
    params: ParameterView,
) -> PlanRule | None:
    """Override, from outside a policy, the inspection-plan rule of one subject — a deployment's
    cross-cutting rule.

    A policy states its own rule with :meth:`~qcredit.core.policy.Policy.plan_rule`; when an
    implementation of this hook answers, its answer is used instead.  Called by the inspection
    planner once per subject in the region, while it gathers the candidates of a plan, before
    anything is drawn.  The generic reading of the measures (``min_per_year``,
    ``plan_share_min/max``, ``KEY_INSPECTION_LIST``, ``NO_PROACTIVE_CHECK``) applies to every
    policy; a plan rule adds what those cannot carry — a lower draw weight (e.g. after consecutive
    clean inspections), a number of checks for a level whose text says only "more" or "fewer", or
    keeping a level out of proactive checks.  The first non-``None`` answer is used.

    :param policy: the policy the plan is drawn under.
    :param subject_type: ``ENTERPRISE`` or ``PRODUCT``.
    :param level: the subject's standing level.
    :param measures: the supervision measures of the subject's standing assessment.
    :param params: the policy's parameters on the date the standing grades were taken; numbers a
        rule uses should be parameters (with provenance "local default" where the text is silent).
    :returns: a :class:`~qcredit.core.contract.PlanRule` citing its article or "local default", or
        ``None``.  Must be pure (no clock, no database).
    """


@hookspec
def qcredit_demo_records(today: date) -> Sequence[dict[str, Any]]:
    """Supply demonstration data for ``qcredit demo``.

    Called once by ``qcredit demo``.  A policy plug-in returns records in the import format
    (see ``docs/import-format.md``: ``{"type": "enterprise" | "product" | "event" | "correction",
    …}``) for enterprises in its own jurisdiction, chosen so that every level of its policy
    appears when the demo is graded.  Records must be deterministic for a given ``today``.

    :param today: the date the demo is loaded on; events should not lie after it.
    :returns: a sequence of records, applied in order.
    """
