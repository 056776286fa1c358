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
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence, Set
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any

from qcredit.core import clock
from qcredit.core.contract import Assessment, GradeChange, Grading
from qcredit.core.disclosure.reviews import audiences
from qcredit.core.errors import PolicyNotInForce, QcreditError
from qcredit.core.facts import Facts
from qcredit.core.grading.assess import Adjuster, Subject, assess
from qcredit.core.grading.inputs import event_list, grading_key, ledger_digest
from qcredit.core.model import Event, Product, SubjectType
from qcredit.core.parameters import ParameterSet
from qcredit.core.plugins import Registry
from qcredit.core.policy import Policy
from qcredit.core.store import convert, driver, versioning
from qcredit.core.store.assessments import stored_assessment_rows, stored_inputs
from qcredit.core.store.statements import keys_in, rows_where_in
from qcredit.core.store.tables import (
    AssessmentRow,
    EnterpriseRow,
    EventRow,
    GradeChangeRow,
    GradingInputRow,
    ProductRow,
    StandingGradeRow,
)
from qcredit.core.store.upsert import upsert
from sqlalchemy import (
    Delete,
    Select,
    String,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

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
        ent_t, prod_t = EnterpriseRow.__table__, ProductRow.__table__
        enterprises: Sequence[Any]
        if len(ids) == 1:
            # A write re-grades the enterprise it has just looked up: the session has its row.
            one = await session.get(EnterpriseRow, ids[0])
            enterprises = [one] if one is not None else []
        else:
            by_id = rows_where_in(ent_t, "id", dialect=session.get_bind().dialect.name)
            enterprises = await driver.fetch(session, by_id, {"keys": ids})
        of_enterprises = rows_where_in(
            prod_t, "enterprise_id", ordered=True, dialect=session.get_bind().dialect.name
        )
        products = await driver.fetch(session, of_enterprises, {"keys": ids})
        return _bundles(enterprises, products, await _events_of(session, ids))

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
            rows = await stored_assessment_rows(
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
                results[key] = convert.stored_assessment(row) if row.level is not None else None
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
                newest = {
                    eid: max((e.id for e in b.enterprise.events), default=0)
                    for eid, b in bundles.items()
                }
                await self._store(session, fresh, newest)
        return [results[k] for k in keys]

    async def _store(
        self,
        session: AsyncSession,
        fresh: Sequence[tuple[AssessmentKey, int, Assessment | None]],
        newest: Mapping[int, int],
    ) -> None:
        """Keep gradings a read made (derived data), unless an event of their enterprise
        committed after the read took its ledger (``newest``: the last event id it graded
        from): such a grading misses that event, and every later read of its date would serve
        it.  On PostgreSQL the check and the store run in one transaction that first takes the
        enterprises ``FOR SHARE``, so a writer holding them (``hold``) is waited for and none
        takes them until the store commits; the writer's invalidation then removes what it
        makes stale.  SQLite writes one transaction at a time: the store writes first, which
        keeps other writers out, and then drops what the check finds stale."""
        rows = self._stored_rows(fresh)
        if not rows:
            return
        ids = sorted({int(r["enterprise_id"]) for r in rows})
        if session.get_bind().dialect.name != "postgresql":
            await upsert(session, AssessmentRow, rows, _ASSESSMENT_KEY)
            stale = await _moved_since(session, ids, newest)
            if stale:
                await session.execute(
                    delete(AssessmentRow).where(
                        AssessmentRow.enterprise_id.in_(sorted(stale)),
                        AssessmentRow.graded_at == rows[0]["graded_at"],
                    )
                )
            return
        async with _transaction_of(session) as s:
            await s.execute(_SHARE, {"keys": ids})
            stale = await _moved_since(s, ids, newest)
            kept = [r for r in rows if r["enterprise_id"] not in stale]
            await upsert(s, AssessmentRow, kept, _ASSESSMENT_KEY)

    def _stored_rows(
        self, fresh: Sequence[tuple[AssessmentKey, int, Assessment | None]]
    ) -> list[dict[str, Any]]:
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
        return rows

    async def invalidate(
        self,
        session: AsyncSession,
        enterprise_id: int,
        since: date,
        subjects: Set[tuple[SubjectType, int]] | None = None,
    ) -> None:
        """Drop cached assessments a change on ``since`` may alter (derived data only): of the
        whole enterprise, or of ``subjects`` only (those whose ledger the change is part of)."""
        await self.hold(session, [enterprise_id])
        params: dict[str, Any] = {"enterprise": enterprise_id, "since": since}
        if not subjects:  # no subject named: the whole enterprise (derived data only)
            await session.execute(_invalidation(None), params)
            return
        for n, (t, i) in enumerate(sorted(subjects)):
            params[f"type_{n}"], params[f"id_{n}"] = t.value, i
        await session.execute(_invalidation(len(subjects)), params)

    async def hold(self, session: AsyncSession, enterprise_ids: Iterable[int]) -> None:
        """Take the enterprises for this transaction's re-grade (PostgreSQL: their rows
        ``FOR NO KEY UPDATE``, in id order), before anything derived from them is read or
        written.  Two writes to one enterprise otherwise both read its ledger before either
        committed, and the later commit stored a grade that misses the other's event until the
        next full run.  Inserting an event (its key-share lock on the enterprise) is not
        blocked; a second re-grade of the same enterprise waits for the first to commit.
        Taken once per transaction; SQLite's one writer at a time needs none."""
        if session.get_bind().dialect.name != "postgresql":
            return
        transaction = session.sync_session.get_transaction()
        holding: tuple[object, set[int]] | None = session.info.get(_HELD)
        if holding is None or holding[0] is not transaction:
            holding = session.info[_HELD] = (transaction, set())
        ids = sorted(set(enterprise_ids) - holding[1])
        if ids:
            await session.execute(_HOLD, {"keys": ids})
            holding[1].update(ids)

    async def regrade(
        self,
        session: AsyncSession,
        enterprise_ids: Iterable[int],
        *,
        policies: Sequence[Policy] | None = None,
        today: date | None = None,
        bundles: dict[int, Bundle] | None = None,
        skip_unchanged: bool = False,
        only: Set[tuple[SubjectType, int]] | None = None,
    ) -> list[GradeChange]:
        """Re-grade enterprises and their products under every policy that covers them, store the
        assessments and the standing grades, and return the grades that changed.

        ``skip_unchanged`` (whole runs): grade an enterprise under a policy only if its ledger or
        the grading changed since it was last graded so, or some of its standing grades are
        missing (:mod:`qcredit.core.grading.inputs`).  ``only``: grade just these subjects (those
        a new event is about; the others' inputs did not change)."""
        enterprise_ids = sorted(set(enterprise_ids))
        await self.hold(session, enterprise_ids)
        today = today or clock.today()
        policies = list(policies) if policies is not None else self.registry.all_policies()
        dated = [(p, on) for p in policies if (on := standing_date(p, today)) is not None]
        adjusters = self._adjusters()
        plan: _Plan | None = None
        if skip_unchanged:
            plan = await self._plan(session, enterprise_ids, dated)
            bundles = plan.bundles
        elif bundles is None:
            bundles = await self.load_bundles(session, enterprise_ids)
        if not bundles:
            return []
        batch = _RegradeBatch(
            await _previous_standing(session, bundles, {p.id for p in policies}), clock.now()
        )
        inputs: list[dict[str, Any]] = []
        for policy, on in dated:
            for eid, bundle in bundles.items():
                if plan is not None and policy.id not in plan.work.get(eid, ()):
                    continue
                standing, failed = 0, False
                for subject in _graded_subjects(policy, bundle):
                    if only is not None and (subject.type, subject.id) not in only:
                        continue
                    try:
                        a = assess(policy, subject, on, adjusters=adjusters)
                    except Exception:  # a faulty plug-in must not stop the others
                        log.exception(
                            "policy %s failed on %s %s", policy.id, subject.type, subject.id
                        )
                        failed = True
                        continue
                    batch.add(policy, subject, on, a)
                    standing += a is not None
                if plan is not None and not failed:  # a failure is tried again next run
                    inputs.append(
                        {
                            "enterprise_id": eid,
                            "policy_id": policy.id,
                            "ledger_digest": plan.ledgers[eid],
                            "grading_key": plan.keys[policy.id],
                            "standing": standing,
                        }
                    )
        await batch.write(session)
        await upsert(session, GradingInputRow, inputs, ("enterprise_id", "policy_id"))
        if batch.changes:
            # Warnings in the same transaction as the changes that cause them.
            from qcredit.core.supervision.notices import issue_notices

            await issue_notices(
                session,
                self.registry,
                batch.changes,
                batch.change_rows,
                self.deferred_scopes,
                assessments=batch.fresh,
            )
        if batch.wrote or not skip_unchanged:
            # Cached responses that read these enterprises or their cities' aggregates retire
            # with this transaction's commit (core/store/versioning.py); a write's re-grade bumps
            # them for the write itself, even when no grade moved.
            await versioning.bump(
                session,
                enterprises=bundles.keys(),
                regions={b.enterprise.enterprise.region_code for b in bundles.values()},
            )
        return batch.changes

    def adjuster_names(self) -> list[str]:
        """The plug-ins adjusting gradings (part of every grading key)."""
        hook = self.registry.pm.hook.qcredit_adjust_grading
        return sorted(impl.plugin_name for impl in hook.get_hookimpls())

    async def _plan(
        self,
        session: AsyncSession,
        enterprise_ids: Iterable[int],
        dated: Sequence[tuple[Policy, date]],
    ) -> _Plan:
        """Which enterprises of a chunk to grade under which policies, and their bundles.

        The stored fingerprints come first (one small statement, and a count of standing
        grades); where the grading itself changed, the ledger is read whole once.  Elsewhere
        only the events' ids and content digests are read, and the whole ledger only of the
        enterprises whose fingerprint moved."""
        ids = sorted(set(enterprise_ids))
        plan = _Plan({}, {}, {}, {})
        if not ids or not dated:
            return plan
        ent_t, prod_t = EnterpriseRow.__table__, ProductRow.__table__
        dialect = session.get_bind().dialect.name
        keys = {"keys": ids}
        # The chunk's first statement goes through the session, which begins the transaction
        # on the driver; the rest may then run there (core/store/driver.py).
        stored = await stored_inputs(session, ids)
        enterprises = await driver.fetch(session, rows_where_in(ent_t, "id", False, dialect), keys)
        products = await driver.fetch(
            session, rows_where_in(prod_t, "enterprise_id", True, dialect), keys
        )
        names = self.adjuster_names()
        plan.keys.update({p.id: grading_key(p, on, names) for p, on in dated})
        covers: dict[str, list[str]] = {}  # region code → ids of the policies covering it
        for region in {row.region_code for row in enterprises}:
            covers[region] = [p.id for p, _ in dated if p.covers_region(region)]
        covering = {row.id: covers[row.region_code] for row in enterprises}
        # Grading changed (or grades missing): the whole ledger is needed whatever it holds.
        for eid, pids in covering.items():
            for pid in pids:
                have = stored.get((eid, pid))
                if have is None or have.grading_key != plan.keys[pid] or have.missing:
                    plan.work.setdefault(eid, set()).add(pid)
        products_of: dict[int, list[Any]] = defaultdict(list)
        for p in products:
            products_of[p.enterprise_id].append(p)
        by_id = {row.id: row for row in enterprises}

        def moved(eid: int, digest: str) -> None:
            plan.ledgers[eid] = digest
            for pid in covering[eid]:
                have = stored.get((eid, pid))
                if have is None or have.ledger_digest != digest:
                    plan.work.setdefault(eid, set()).add(pid)

        check = [eid for eid, pids in covering.items() if pids and eid not in plan.work]
        if check:
            listed = await _event_lists(session, check)
            for eid in check:
                moved(eid, ledger_digest(by_id[eid], products_of[eid], listed.get(eid, "")))
        todo = sorted(plan.work)
        if todo:
            events = await _events_of(session, todo)
            pairs: dict[int, list[tuple[int, str]]] = defaultdict(list)
            for e in events:
                pairs[e.enterprise_id].append((e.id, e.content_digest))
            for eid in todo:
                if eid not in plan.ledgers:
                    moved(eid, ledger_digest(by_id[eid], products_of[eid], event_list(pairs[eid])))
            wanted = set(todo)
            plan.bundles.update(
                _bundles(
                    [r for r in enterprises if r.id in wanted],
                    [p for p in products if p.enterprise_id in wanted],
                    events,
                )
            )
        return plan

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


@cache
def _event_lists_statement(dialect: str) -> Select[Any]:
    """Per enterprise, its events' ids and content digests: on PostgreSQL one ``string_agg``
    row per enterprise, elsewhere one row per event in (enterprise, id) order."""
    ev_t = EventRow.__table__
    if dialect == "postgresql":
        item = func.cast(ev_t.c.id, String) + ":" + ev_t.c.content_digest + ";"
        return (
            select(
                ev_t.c.enterprise_id,
                func.string_agg(item, aggregate_order_by(literal(""), ev_t.c.id)),
            )
            .where(keys_in(ev_t.c.enterprise_id, dialect))
            .group_by(ev_t.c.enterprise_id)
        )
    return (
        select(ev_t.c.enterprise_id, ev_t.c.id, ev_t.c.content_digest)
        .where(keys_in(ev_t.c.enterprise_id, dialect))
        .order_by(ev_t.c.enterprise_id, ev_t.c.id)
    )


async def _event_lists(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    """Enterprise id → :func:`event_list` of its events, read without the events' attributes.
    PostgreSQL builds the lists itself (one short row per enterprise instead of one row per
    event through the driver); elsewhere they are built here."""
    dialect = session.get_bind().dialect.name
    rows = await driver.fetch(session, _event_lists_statement(dialect), {"keys": list(ids)})
    if dialect == "postgresql":
        return {eid: text or "" for eid, text in rows}
    pairs: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for eid, event_id, digest in rows:
        pairs[eid].append((event_id, digest))
    return {eid: event_list(p) for eid, p in pairs.items()}


async def _events_of(session: AsyncSession, ids: Sequence[int]) -> Sequence[Any]:
    stmt = rows_where_in(
        EventRow.__table__, "enterprise_id", ordered=True, dialect=session.get_bind().dialect.name
    )
    # On the driver's connection where that is the session's own (core/store/driver.py): a
    # re-grade reads every event of every enterprise, and SQLAlchemy's result rows were a
    # tenth of its CPU.
    return await driver.fetch(session, stmt, {"keys": list(ids)})


def _bundles(
    enterprises: Iterable[Any], products: Iterable[Any], events: Sequence[Any]
) -> dict[int, Bundle]:
    products_of: dict[int, list[Product]] = defaultdict(list)
    for p in products:
        products_of[p.enterprise_id].append(convert.product(p))
    events_of: dict[int, list[Event]] = defaultdict(list)
    for e in convert.events(events):
        events_of[e.enterprise_id].append(e)
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


@dataclass
class _Plan:
    """What a chunk of a whole run grades: per enterprise, the policies whose inputs changed."""

    bundles: dict[int, Bundle]
    work: dict[int, set[str]]
    ledgers: dict[int, str]  # enterprise id → ledger fingerprint
    keys: dict[str, str]  # policy id → grading key


@lru_cache(maxsize=8)
def _invalidation(subjects: int | None) -> Delete:
    """``Engine.invalidate``'s DELETE for an enterprise's whole cache (``None``) or for so many
    subjects of it, built once per count (a write touches one or two)."""
    table = AssessmentRow.__table__
    assert isinstance(table, Table)  # Core, not the ORM's delete: no session synchronising
    t = table.c
    where = [t.enterprise_id == bindparam("enterprise"), t.as_of >= bindparam("since")]
    if subjects is not None:
        where.append(
            or_(
                *(
                    and_(
                        t.subject_type == bindparam(f"type_{n}"),
                        t.subject_id == bindparam(f"id_{n}"),
                    )
                    for n in range(subjects)
                )
            )
        )
    return delete(table).where(*where)


_ASSESSMENT_KEY = ("policy_id", "subject_type", "subject_id", "as_of")


def _enterprises_locked(*, share: bool) -> Select[int]:
    """The enterprises of ``:keys`` locked in id order (PostgreSQL): ``FOR NO KEY UPDATE`` for
    a re-grade (``Engine.hold``), ``FOR SHARE`` for a read's store, which waits for such a
    writer and keeps new ones out until it ends."""
    stmt = select(EnterpriseRow.id).where(keys_in(EnterpriseRow.id, "postgresql"))
    stmt = stmt.order_by(EnterpriseRow.id)
    return stmt.with_for_update(read=True) if share else stmt.with_for_update(key_share=True)


_SHARE = _enterprises_locked(share=True)
_HOLD = _enterprises_locked(share=False)


@cache
def _newest_statement(dialect: str) -> Select[int, int]:
    """Each enterprise's newest event id."""
    return (
        select(EventRow.enterprise_id, func.max(EventRow.id))
        .where(keys_in(EventRow.enterprise_id, dialect))
        .group_by(EventRow.enterprise_id)
    )


async def _moved_since(
    session: AsyncSession, ids: Sequence[int], newest: Mapping[int, int]
) -> set[int]:
    """The enterprises with an event newer than the newest a grading was made from."""
    statement = _newest_statement(session.get_bind().dialect.name)
    rows = await session.execute(statement, {"keys": list(ids)})
    return {int(eid) for eid, last in rows if int(last) > newest.get(int(eid), 0)}


@asynccontextmanager
async def _transaction_of(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """``session`` when it is in a transaction of its own (a write's); for a read's autocommit
    session on PostgreSQL, a short transaction of its own on the same database."""
    bind = session.bind
    autocommit = (
        isinstance(bind, AsyncEngine)
        and bind.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    )
    if not autocommit:
        yield session
        return
    assert isinstance(bind, AsyncEngine)
    async with AsyncSession(bind=bind.execution_options(isolation_level="READ COMMITTED")) as s:
        async with s.begin():
            yield s


_HELD = "qcredit.held_enterprises"  # session.info: (transaction, enterprise ids it holds)

_STANDING_OF = select(
    StandingGradeRow.policy_id,
    StandingGradeRow.subject_type,
    StandingGradeRow.subject_id,
    StandingGradeRow.level,
    StandingGradeRow.open_to,
).where(StandingGradeRow.enterprise_id.in_(bindparam("keys", expanding=True)))


async def _previous_standing(
    session: AsyncSession, bundles: Mapping[int, Bundle], policy_ids: set[str]
) -> dict[tuple[str, str, int], tuple[str, str]]:
    """The standing (level, audiences) of every subject of the bundles before this re-grade.

    Looked up by enterprise only (its index is selective whatever the statistics say); the
    policies are filtered here."""
    rows = await session.execute(_STANDING_OF, {"keys": list(bundles)})
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
    # The new assessments of changed subjects, for their notices (not read back from the store).
    fresh: dict[tuple[str, str, int], Assessment] = field(default_factory=dict)

    @property
    def wrote(self) -> bool:
        return bool(self.assessment_rows or self.gone or self.change_rows)

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
                    "category": subject.product.category if subject.product is not None else None,
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
            if a is not None:
                self.fresh[key] = a
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
            _ASSESSMENT_KEY,
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
