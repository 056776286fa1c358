"""The grading engine: loads subjects from the store, grades them, keeps the results.

Assessments are a cache of a pure function (:func:`qcredit.core.grading.assess.assess`) of the
ledger: a stored one is reused while its policy version and parameters are unchanged, and the rows a
new
event could change (same enterprise, on or after the event's date) are dropped when the event is
recorded.  ``standing_grades`` holds each subject's grade now under each policy — graded on today,
or on the last day a policy that has expired was in force — for lists, filters and counts.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from qcredit.core import clock
from qcredit.core.contract import Assessment, GradeChange, Grading
from qcredit.core.disclosure.reviews import audiences
from qcredit.core.errors import PolicyNotInForce, QcreditError
from qcredit.core.facts import Facts
from qcredit.core.grading.assess import Adjuster, Subject, assess
from qcredit.core.model import Event, Product, SubjectType
from qcredit.core.parameters import ParameterSet
from qcredit.core.plugins import Registry
from qcredit.core.policy import Policy
from qcredit.core.store import convert, versioning
from qcredit.core.store.assessments import stored_assessments
from qcredit.core.store.tables import (
    AssessmentRow,
    EnterpriseRow,
    EventRow,
    GradeChangeRow,
    ProductRow,
    StandingGradeRow,
)
from qcredit.core.store.upsert import upsert
from sqlalchemy import and_, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AssessmentKey:
    policy_id: str
    subject_type: SubjectType
    subject_id: int
    as_of: date


@dataclass(frozen=True)
class Bundle:
    """An enterprise with its products and the whole ledger of both."""

    enterprise: Subject
    products: dict[int, Subject]

    def subject(self, subject_type: SubjectType, subject_id: int) -> Subject | None:
        if subject_type is SubjectType.ENTERPRISE:
            return self.enterprise if self.enterprise.id == subject_id else None
        return self.products.get(subject_id)


def standing_date(policy: Policy, today: date) -> date | None:
    """The date a subject's standing grade is taken on: today, or the last day of an expired
    policy; ``None`` before a policy comes into force."""
    if policy.effective_from is not None and today < policy.effective_from:
        return None
    if policy.effective_until is not None and today > policy.effective_until:
        return policy.effective_until
    return today


class Engine:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        # Set by a whole-run re-grade: region notices are reconciled once at its end.
        self.deferred_scopes: dict[str, set[tuple[str, str | None]]] | None = None

    # -- loading ---------------------------------------------------------------------------
    async def load_bundles(
        self, session: AsyncSession, enterprise_ids: Iterable[int]
    ) -> dict[int, Bundle]:
        """Three statements for any number of enterprises.

        Plain rows, not ORM objects: the converters read the same attribute names, and skipping
        the identity map and instrumentation roughly halves the cost of loading a re-grade chunk.
        """
        ids = sorted(set(enterprise_ids))
        if not ids:
            return {}
        ent_t, prod_t, ev_t = EnterpriseRow.__table__, ProductRow.__table__, EventRow.__table__
        enterprises = (await session.execute(select(ent_t).where(ent_t.c.id.in_(ids)))).all()
        products = (
            await session.execute(
                select(prod_t).where(prod_t.c.enterprise_id.in_(ids)).order_by(prod_t.c.id)
            )
        ).all()
        events = (
            await session.execute(
                select(ev_t).where(ev_t.c.enterprise_id.in_(ids)).order_by(ev_t.c.id)
            )
        ).all()
        products_of: dict[int, list[Product]] = defaultdict(list)
        for p in products:
            products_of[p.enterprise_id].append(convert.product(p))
        events_of: dict[int, list[Event]] = defaultdict(list)
        for e in events:
            events_of[e.enterprise_id].append(convert.event(e))
        bundles: dict[int, Bundle] = {}
        for row in enterprises:
            ent = convert.enterprise(row)
            prods = tuple(products_of[row.id])
            evs = tuple(events_of[row.id])
            bundles[row.id] = Bundle(
                Subject(ent, None, prods, evs),
                {
                    p.id: Subject(ent, p, (p,), tuple(e for e in evs if e.product_id == p.id))
                    for p in prods
                },
            )
        return bundles

    async def enterprise_ids_of(
        self, session: AsyncSession, keys: Iterable[AssessmentKey]
    ) -> dict[tuple[SubjectType, int], int]:
        out: dict[tuple[SubjectType, int], int] = {}
        product_ids = set()
        for k in keys:
            if k.subject_type is SubjectType.ENTERPRISE:
                out[(k.subject_type, k.subject_id)] = k.subject_id
            else:
                product_ids.add(k.subject_id)
        if product_ids:
            rows = await session.execute(
                select(ProductRow.id, ProductRow.enterprise_id).where(
                    ProductRow.id.in_(product_ids)
                )
            )
            for pid, eid in rows:
                out[(SubjectType.PRODUCT, pid)] = eid
        return out

    # -- grading ---------------------------------------------------------------------------
    def grade(
        self,
        policy: Policy,
        subject: Subject,
        as_of: date,
        *,
        parameters: ParameterSet | None = None,
        known_at: datetime | None = None,
    ) -> Assessment | None:
        return assess(
            policy,
            subject,
            as_of,
            parameters=parameters,
            known_at=known_at,
            adjusters=self._adjusters(),
        )

    def _adjusters(self) -> tuple[Adjuster, ...]:
        """The ``qcredit_adjust_grading`` hook as one adjuster, called through pluggy (so an
        implementation may take any subset of the arguments, ``tryfirst``/``trylast`` and hook
        wrappers apply); none when no plug-in implements it."""
        hook = self.registry.pm.hook.qcredit_adjust_grading
        if not hook.get_hookimpls():
            return ()

        def adjust(policy: Policy, facts: Facts, grading: Grading) -> Grading | None:
            result: Grading | None = hook(policy=policy, facts=facts, grading=grading)
            return result

        return (adjust,)

    async def assessments(
        self,
        session: AsyncSession,
        keys: Sequence[AssessmentKey],
        *,
        known_at: datetime | None = None,
    ) -> list[Assessment | QcreditError | None]:
        """Assessments for many keys: stored ones where still valid, the rest graded and stored.

        A constant number of statements whatever the number of keys.  A key whose policy is not in
        force on its date yields a :class:`PolicyNotInForce` in its place.
        """
        results: dict[AssessmentKey, Assessment | QcreditError | None] = {}
        todo: list[AssessmentKey] = []
        for k in keys:
            policy = self.registry.policy(k.policy_id)
            if not policy.in_force(k.as_of):
                results[k] = PolicyNotInForce(
                    policy.id, k.as_of, policy.effective_from, policy.effective_until
                )
            elif k.subject_type not in policy.subject_types:
                results[k] = None
            else:
                todo.append(k)
        if todo and known_at is None:
            rows = await stored_assessments(
                session, ((k.policy_id, k.subject_type.value, k.subject_id, k.as_of) for k in todo)
            )
            for row in rows:
                policy = self.registry.policy(row.policy_id)
                if (row.policy_version, row.parameters_digest) != (
                    policy.rules_on(row.as_of).version,
                    policy.parameters.digest(),
                ):
                    continue
                key = AssessmentKey(
                    row.policy_id, SubjectType(row.subject_type), row.subject_id, row.as_of
                )
                results[key] = convert.assessment(row) if row.level is not None else None
        missing = [k for k in dict.fromkeys(todo) if k not in results]
        if missing:
            owners = await self.enterprise_ids_of(session, missing)
            bundles = await self.load_bundles(session, owners.values())
            fresh: list[tuple[AssessmentKey, int, Assessment | None]] = []
            for k in missing:
                eid = owners.get((k.subject_type, k.subject_id))
                bundle = bundles.get(eid) if eid is not None else None
                subject = bundle.subject(k.subject_type, k.subject_id) if bundle else None
                if subject is None:
                    results[k] = None
                    continue
                a = self.grade(
                    self.registry.policy(k.policy_id), subject, k.as_of, known_at=known_at
                )
                results[k] = a
                fresh.append((k, subject.enterprise.id, a))
            if known_at is None:
                await self._store(session, fresh)
        return [results[k] for k in keys]

    async def _store(
        self, session: AsyncSession, fresh: Sequence[tuple[AssessmentKey, int, Assessment | None]]
    ) -> None:
        now = clock.now()
        rows = []
        for k, enterprise_id, a in fresh:
            if a is not None:
                rows.append(convert.assessment_values(a, now))
            else:
                policy = self.registry.policy(k.policy_id)
                rows.append(
                    {
                        "policy_id": k.policy_id,
                        "subject_type": k.subject_type.value,
                        "subject_id": k.subject_id,
                        "enterprise_id": enterprise_id,
                        "as_of": k.as_of,
                        "level": None,
                        "score": None,
                        "payload": {},
                        "policy_version": policy.rules_on(k.as_of).version,
                        "parameters_digest": policy.parameters.digest(),
                        "inputs_digest": "",
                        "graded_at": now,
                    }
                )
        await upsert(
            session, AssessmentRow, rows, ("policy_id", "subject_type", "subject_id", "as_of")
        )

    async def invalidate(self, session: AsyncSession, enterprise_id: int, since: date) -> None:
        """Drop cached assessments a change on ``since`` may alter (derived data only)."""
        await session.execute(
            delete(AssessmentRow).where(
                and_(AssessmentRow.enterprise_id == enterprise_id, AssessmentRow.as_of >= since)
            )
        )

    async def regrade(
        self,
        session: AsyncSession,
        enterprise_ids: Iterable[int],
        *,
        policies: Sequence[Policy] | None = None,
        today: date | None = None,
        bundles: dict[int, Bundle] | None = None,
    ) -> list[GradeChange]:
        """Re-grade enterprises and their products under every policy that covers them, store the
        assessments and the standing grades, and return the grades that changed."""
        today = today or clock.today()
        policies = list(policies) if policies is not None else self.registry.all_policies()
        if bundles is None:
            bundles = await self.load_bundles(session, enterprise_ids)
        if not bundles:
            return []
        batch = _RegradeBatch(
            await _previous_standing(session, bundles, {p.id for p in policies}), clock.now()
        )
        adjusters = self._adjusters()
        for policy in policies:
            on = standing_date(policy, today)
            if on is not None:
                for bundle in bundles.values():
                    for subject in _graded_subjects(policy, bundle):
                        try:
                            a = assess(policy, subject, on, adjusters=adjusters)
                        except Exception:  # a faulty plug-in must not stop the others
                            log.exception(
                                "policy %s failed on %s %s", policy.id, subject.type, subject.id
                            )
                            continue
                        batch.add(policy, subject, on, a)
        await batch.write(session)
        if batch.changes:
            # Warnings in the same transaction as the changes that cause them.
            from qcredit.core.supervision.notices import issue_notices

            await issue_notices(
                session, self.registry, batch.changes, batch.change_rows, self.deferred_scopes
            )
        # Cached responses that read these enterprises or their cities' aggregates retire with
        # this transaction's commit (core/store/versioning.py).
        await versioning.bump(
            session,
            enterprises=bundles.keys(),
            regions={b.enterprise.enterprise.region_code for b in bundles.values()},
        )
        return batch.changes

    def announce(self, changes: Iterable[GradeChange]) -> None:
        """Tell plug-ins about grade changes (after commit)."""
        hook = self.registry.pm.hook.qcredit_grade_changed
        for c in changes:
            try:
                hook(
                    policy=self.registry.policy(c.policy_id),
                    subject_type=c.subject_type.value,
                    subject_id=c.subject_id,
                    enterprise_id=c.enterprise_id,
                    as_of=c.as_of,
                    previous=c.previous,
                    current=c.current,
                )
            except Exception:
                log.exception("grade-changed hook failed for %s", c)


def _graded_subjects(policy: Policy, bundle: Bundle) -> list[Subject]:
    """The enterprise and its products, as far as the policy grades them here."""
    if not policy.covers_region(bundle.enterprise.enterprise.region_code):
        return []
    return [
        s for s in (bundle.enterprise, *bundle.products.values()) if s.type in policy.subject_types
    ]


async def _previous_standing(
    session: AsyncSession, bundles: Mapping[int, Bundle], policy_ids: set[str]
) -> dict[tuple[str, str, int], tuple[str, str]]:
    """The standing (level, audiences) of every subject of the bundles before this re-grade.

    Looked up by enterprise only (its index is selective whatever the statistics say); the
    policies are filtered here."""
    rows = await session.execute(
        select(
            StandingGradeRow.policy_id,
            StandingGradeRow.subject_type,
            StandingGradeRow.subject_id,
            StandingGradeRow.level,
            StandingGradeRow.open_to,
        ).where(StandingGradeRow.enterprise_id.in_(list(bundles)))
    )
    return {
        (r.policy_id, r.subject_type, r.subject_id): (r.level, r.open_to)
        for r in rows.all()
        if r.policy_id in policy_ids
    }


@dataclass
class _RegradeBatch:
    """What one re-grade writes: assessments, standing grades, grade changes and their feed."""

    previous: dict[tuple[str, str, int], tuple[str, str]]
    now: datetime
    assessment_rows: list[dict[str, Any]] = field(default_factory=list)
    standing_rows: list[dict[str, Any]] = field(default_factory=list)
    gone: list[tuple[str, str, int]] = field(default_factory=list)
    changes: list[GradeChange] = field(default_factory=list)
    change_rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, policy: Policy, subject: Subject, on: date, a: Assessment | None) -> None:
        ent = subject.enterprise
        key = (policy.id, subject.type.value, subject.id)
        before, before_open = self.previous.get(key, (None, ""))
        open_to, review_to = audiences(a.publicity) if a is not None else ("", "")
        where = {
            "policy_id": policy.id,
            "subject_type": subject.type.value,
            "subject_id": subject.id,
            "enterprise_id": ent.id,
            "region_code": ent.town_code or ent.region_code,
        }
        if a is None:
            if before is not None:
                self.gone.append(key)
        else:
            self.assessment_rows.append(convert.assessment_values(a, self.now))
            self.standing_rows.append(
                {
                    **where,
                    "level": a.level,
                    "score": a.score,
                    "as_of": on,
                    "graded_at": self.now,
                    "open_to": open_to,
                    "review_to": review_to,
                }
            )
        current = a.level if a is not None else None
        if current != before:
            self.changes.append(
                GradeChange(policy.id, subject.type, subject.id, ent.id, on, before, current)
            )
            self.change_rows.append(
                {
                    **where,
                    "at": self.now,
                    "as_of": on,
                    "previous": before,
                    "current": current,
                    "open_to": open_to,
                    "review_to": review_to,
                    "previous_open_to": before_open,
                }
            )

    async def write(self, session: AsyncSession) -> None:
        await upsert(
            session,
            AssessmentRow,
            self.assessment_rows,
            ("policy_id", "subject_type", "subject_id", "as_of"),
        )
        await upsert(
            session,
            StandingGradeRow,
            self.standing_rows,
            ("policy_id", "subject_type", "subject_id"),
        )
        if self.change_rows:
            # The feed partner departments pull (append-only, ordered by id).
            await session.execute(insert(GradeChangeRow), self.change_rows)
        for policy_id, subject_type, subject_id in self.gone:
            await session.execute(
                delete(StandingGradeRow).where(
                    StandingGradeRow.policy_id == policy_id,
                    StandingGradeRow.subject_type == subject_type,
                    StandingGradeRow.subject_id == subject_id,
                )
            )
