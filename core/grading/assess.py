"""Grading one subject under one policy on one date — a pure function.

The engine (``engine.py``) loads a subject's ledger from the store once and calls :func:`assess`;
tests and the what-if simulator call it directly on in-memory subjects.  Nothing here reads the
clock or the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

import orjson
from qcredit.core.contract import Assessment, Grading, History, PriorGrading
from qcredit.core.facts import Facts, Ledger
from qcredit.core.model import Enterprise, Event, Product, SubjectType
from qcredit.core.parameters import ParameterSet, ParameterView
from qcredit.core.policy import Policy

# An adjustment hook: (policy, facts, grading) -> replacement grading or None.
Adjuster = Callable[[Policy, Facts, Grading], Grading | None]


@dataclass(frozen=True)
class Subject:
    """A subject with its whole ledger: what grading needs from the store."""

    enterprise: Enterprise
    product: Product | None = None
    products: tuple[Product, ...] = ()
    events: tuple[Event, ...] = ()  # the subject's events and the corrections that refer to them

    @property
    def type(self) -> SubjectType:
        return SubjectType.PRODUCT if self.product is not None else SubjectType.ENTERPRISE

    @property
    def id(self) -> int:
        return self.product.id if self.product is not None else self.enterprise.id

    @cached_property
    def _ledger(self) -> Ledger:
        return Ledger(self.events)

    def facts(self, as_of: date, known_at: datetime | None = None) -> Facts:
        return Facts(
            as_of=as_of,
            subject_type=self.type,
            enterprise=self.enterprise,
            product=self.product,
            products=(self.product,) if self.product is not None else self.products,
            events=self._ledger.facts(as_of, known_at),
        )


def _digest(payload: Any) -> str:
    """SHA-256 of the payload as JSON with sorted keys.  orjson writes it several times faster
    than the standard library (this ran for every grading, history ones included); what orjson
    refuses (a key that is not a string, an integer past 64 bits) goes through the standard
    library, so a payload always gives the same digest.  The digest is compared only with
    digests this code made: a new encoding re-grades nothing that an upgrade would not."""
    try:
        data = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS, default=str)
    except TypeError:
        data = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(data).hexdigest()


def inputs_digest(policy: Policy, facts: Facts, history: History, parameters_digest: str) -> str:
    """A fingerprint of everything the grade depends on (principle 1 of docs/design.md)."""
    e = facts.enterprise
    return _digest(
        {
            "policy": [policy.id, policy.version, parameters_digest],
            "asOf": facts.as_of.isoformat(),
            "subject": [facts.subject_type.value, facts.subject_id],
            "enterprise": [
                e.code,
                e.region_code,
                e.town_code,
                e.established_on and e.established_on.isoformat(),
                sorted(e.roles),
            ],
            "products": [[p.id, p.trademark, p.nice_class, p.category] for p in facts.products],
            "events": [
                [f.id, f.kind, f.occurred_on.isoformat(), dict(f.attributes), f.product_id]
                for f in facts.events
            ],
            "history": [
                [d.isoformat(), g and g.level, g and g.score]
                for d, g in sorted(history.gradings.items())
            ],
        }
    )


@dataclass
class Memo:
    """Gradings of one subject already made during one call, by date: whole assessments (the
    dates asked for) and earlier grades made only as another date's history (level and score:
    a grade asked for as history needs no supervision, publicity or fingerprint)."""

    assessments: dict[date, Assessment | None] = field(default_factory=dict)
    priors: dict[date, PriorGrading | None] = field(default_factory=dict)


def assess(
    policy: Policy,
    subject: Subject,
    as_of: date,
    *,
    parameters: ParameterSet | None = None,
    known_at: datetime | None = None,
    adjusters: Sequence[Adjuster] = (),
    check_in_force: bool = True,
    _memo: Memo | None = None,
) -> Assessment | None:
    """The assessment of ``subject`` under ``policy`` on ``as_of``; ``None`` when out of scope.

    Raises :class:`~qcredit.core.errors.PolicyNotInForce` for a date outside the policy's period.
    Earlier grades the policy asks for (:meth:`Policy.history_dates`) are computed here by the
    same function, so history is itself a function of the ledger and never depends on which
    gradings happened to be run before.
    """
    if check_in_force:
        policy.check_in_force(as_of)
    memo = Memo() if _memo is None else _memo
    if as_of in memo.assessments:
        return memo.assessments[as_of]
    params = parameters if parameters is not None else policy.parameters
    graded = _grade(policy, subject, as_of, params, known_at, adjusters, memo)
    if graded is None:
        memo.assessments[as_of] = None
        return None
    rules, view, facts, history, grading = graded
    params_digest = params.digest()
    result = Assessment(
        policy_id=policy.id,
        policy_version=rules.version,
        subject_type=facts.subject_type,
        subject_id=facts.subject_id,
        enterprise_id=facts.enterprise.id,
        as_of=as_of,
        level=grading.level,
        score=grading.score,
        reasons=tuple(grading.reasons),
        blockers=tuple(grading.blockers),
        supervision=tuple(rules.supervision(grading, facts, view)),
        publicity=tuple(rules.publicity(grading, facts, view)),
        details=dict(grading.details),
        parameters_digest=params_digest,
        inputs_digest=inputs_digest(rules, facts, history, params_digest),
        history=tuple(history.known()),
    )
    memo.assessments[as_of] = result
    return result


def _grade(
    policy: Policy,
    subject: Subject,
    as_of: date,
    params: ParameterSet,
    known_at: datetime | None,
    adjusters: Sequence[Adjuster],
    memo: Memo,
) -> tuple[Policy, ParameterView, Facts, History, Grading] | None:
    """The grading on ``as_of`` with what it was graded from; ``None`` when out of scope."""
    view = params.at(as_of)
    facts = subject.facts(as_of, known_at)
    # The version of the text in force on the date decides; the policy's id stays the same.
    rules = policy.rules_on(as_of)
    if rules.out_of_scope(facts, view) is not None:
        return None
    prior: dict[date, PriorGrading | None] = {}
    for d in sorted(set(rules.history_dates(facts, view))):
        if d >= as_of or not policy.in_force(d):
            continue
        prior[d] = _prior(policy, subject, d, params, known_at, adjusters, memo)
    history = History(prior)
    grading = rules.grade(facts, history, view)
    for adjust in adjusters:
        grading = adjust(rules, facts, grading) or grading
    return rules, view, facts, history, grading


def _prior(
    policy: Policy,
    subject: Subject,
    on: date,
    params: ParameterSet,
    known_at: datetime | None,
    adjusters: Sequence[Adjuster],
    memo: Memo,
) -> PriorGrading | None:
    """The grade on an earlier date, as the history of a later one: the same grading as
    :func:`assess` makes (the same rules, history and adjusters), kept to level and score."""
    if on in memo.assessments:
        a = memo.assessments[on]
        return PriorGrading(on, a.level, a.score) if a is not None else None
    if on not in memo.priors:
        graded = _grade(policy, subject, on, params, known_at, adjusters, memo)
        memo.priors[on] = (
            PriorGrading(on, graded[4].level, graded[4].score) if graded is not None else None
        )
    return memo.priors[on]
