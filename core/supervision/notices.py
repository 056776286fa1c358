"""Turning grade changes into notices (warnings), in the transaction that changes the grades.

A policy says what it warns about through the ``qcredit_notice_rules`` hook: it returns a
:class:`NoticeRules` for the policies it knows.  The engine calls :func:`issue_notices` at the end
of every re-grade, before the caller commits, so a notice exists exactly when the grade change
that caused it does (a rolled-back write leaves neither).  Two kinds of rule:

* **subject notices** (:meth:`NoticeRules.on_change`): one subject's grade changed — e.g. a
  coloured supervision notice to its operator.  A subject notice stays *open* while the grade it
  was issued for stands; the subject's next grade change under the same policy closes it.
* **scope notices** (:meth:`NoticeRules.on_tally`): the standing grades of a whole region, or of
  one product category within a region, meet a condition — e.g. a regional warning when the share
  of high-risk subjects passes a parameter.  The engine re-counts every scope a change touched
  (each region from the policy's own down to the subject's town, with and without the product's
  category) and asks the rules which conditions hold.  A condition that already has an open
  notice (same kind, region, category and colour) is not issued again; an open notice whose
  condition no longer holds is closed.  So a persisting condition gives one notice, not one per
  grade change.

Who may read a notice follows the grade it carries: a subject notice is open to the audiences
the assessment's publicity rules open the grade to without review (never more); a scope notice
to the audiences its rules name.  The bureau of the region always sees it (api/warnings.py).

Every change and every new notice is also staged on the event bus (:mod:`.events_bus`) so that
subscribers see it once the transaction commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from qcredit.core import clock
from qcredit.core.contract import Assessment, GradeChange, NoticeDraft, NoticeRules, Tally
from qcredit.core.identifiers import region_covers, region_prefix
from qcredit.core.model import SubjectType
from qcredit.core.parameters import ParameterView
from qcredit.core.store import convert
from qcredit.core.store.assessments import chunks, stored_assessments
from qcredit.core.store.tables import (
    EnterpriseRow,
    NoticeRow,
    ProductRow,
    StandingGradeRow,
)
from qcredit.core.supervision import live as events_bus
from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    String,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from qcredit.core.plugins import Registry
    from qcredit.core.policy import Policy


# -- the engine's entry point ------------------------------------------------------------------


@dataclass
class _Batch:
    """What one re-grade produced, gathered for one round of inserts."""

    notices: list[dict[str, Any]] = field(default_factory=list)
    closes: list[tuple[str, str, int]] = field(default_factory=list)  # subjects that moved on


async def issue_notices(
    session: AsyncSession,
    registry: Registry,
    changes: Sequence[GradeChange],
    feed_rows: Sequence[Mapping[str, Any]],
    deferred_scopes: dict[str, set[tuple[str, str | None]]] | None = None,
    *,
    assessments: Mapping[tuple[str, str, int], Assessment] | None = None,
) -> list[NoticeRow]:
    """Issue and close notices for ``changes`` and stage the changes and new notices on the
    event bus; returns the new notices.  ``feed_rows`` are the grade-change feed rows of the same
    changes, in the same order (they carry the audiences of the grades before and after).
    A constant number of statements per 2,000 changes.  ``assessments``: the new assessments by
    (policy, subject type, subject id), when the caller has them (else read back from the store)."""
    if not changes:
        return []
    now = clock.now()
    if assessments is None:
        assessments = await _assessments(session, changes)
    enterprises, categories = await _subjects(session, changes)
    batch = _Batch()
    scopes: dict[str, set[tuple[str, str | None]]] = defaultdict(set)
    notices_of: dict[int, list[int]] = defaultdict(list)  # change index → notice indexes
    for i, change in enumerate(changes):
        ent = enterprises.get(change.enterprise_id)
        if ent is None:
            continue
        key = (change.policy_id, change.subject_type.value, change.subject_id)
        batch.closes.append(key)
        policy = registry.policy(change.policy_id)
        rules = registry.notice_rules(policy)
        if not rules:
            continue
        params = ParameterView(policy.parameters, change.as_of)
        region = ent.town_code or ent.region_code
        on_product = change.subject_type is SubjectType.PRODUCT
        category = categories.get(change.subject_id) if on_product else None
        open_to = str(feed_rows[i].get("open_to") or "")
        for values in _decided(
            change, rules, params, assessments.get(key), region, category, open_to, now
        ):
            notices_of[i].append(len(batch.notices))
            batch.notices.append(values)
        for rule in rules:
            if rule.counts_scopes:
                _count_scopes(policy, rule, params, change, region, category, scopes)

    await _close_moved_on(session, batch.closes, now)
    if deferred_scopes is not None:
        # A whole run (``grade_everything``) tallies each region once at its end rather than
        # after every chunk: counting a city's standing grades per chunk is quadratic.
        for policy_id, wanted in scopes.items():
            deferred_scopes.setdefault(policy_id, set()).update(wanted)
    else:
        as_of = max(c.as_of for c in changes)
        for policy_id, wanted in scopes.items():
            await _reconcile_scopes(session, registry, policy_id, wanted, as_of, now, batch)

    rows = await _insert_notices(session, batch.notices)
    await _stage(session, changes, feed_rows, enterprises, rows, notices_of)
    return rows


async def _subjects(
    session: AsyncSession, changes: Sequence[GradeChange]
) -> tuple[dict[int, EnterpriseRow], dict[int, str | None]]:
    """The changed subjects' enterprises (by id) and products' categories (by product id)."""
    enterprise_ids = sorted({c.enterprise_id for c in changes})
    enterprises = {
        row.id: row
        for row in (
            await session.execute(select(EnterpriseRow).where(EnterpriseRow.id.in_(enterprise_ids)))
        ).scalars()
    }
    product_ids = [c.subject_id for c in changes if c.subject_type is SubjectType.PRODUCT]
    categories: dict[int, str | None] = {}
    if product_ids:
        categories = dict(
            (
                await session.execute(
                    select(ProductRow.id, ProductRow.category).where(ProductRow.id.in_(product_ids))
                )
            ).all()
        )
    return enterprises, categories


def _decided(
    change: GradeChange,
    rules: Sequence[NoticeRules],
    params: ParameterView,
    a: Assessment | None,
    region: str,
    category: str | None,
    open_to: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """The notices the policy's rules decide on for one change, as rows to insert."""
    return [
        {
            "policy_id": change.policy_id,
            "kind": d.kind,
            "subject_type": change.subject_type.value,
            "subject_id": change.subject_id,
            "enterprise_id": change.enterprise_id,
            "region_code": region,
            "category": category,
            "colour": d.colour,
            "level": change.current,
            "previous_level": change.previous,
            "text": d.text,
            "article": d.article,
            "as_of": change.as_of,
            "created_at": now,
            "open_to": open_to if d.audiences is None else ",".join(d.audiences),
            "closed_at": None,
        }
        for rule in rules
        for d in rule.on_change(change, a, params)
    ]


def _count_scopes(
    policy: Policy,
    rule: NoticeRules,
    params: ParameterView,
    change: GradeChange,
    region: str,
    category: str | None,
    scopes: dict[str, set[tuple[str, str | None]]],
) -> None:
    """Add the (region, category) scopes whose tallies this change may alter under ``rule``."""
    of_rule = (
        rule.category_of(category, params) if change.subject_type is SubjectType.PRODUCT else None
    )
    for scope in _scope_chain(policy, region):
        scopes[policy.id].add((scope, None))
        if of_rule is not None:
            scopes[policy.id].add((scope, of_rule))


async def _insert_notices(session: AsyncSession, notices: list[dict[str, Any]]) -> list[NoticeRow]:
    rows = [NoticeRow(**values) for values in notices]
    if rows:
        session.add_all(rows)
        await session.flush()
    return rows


_SUBJECT = tuple_(NoticeRow.policy_id, NoticeRow.subject_type, NoticeRow.subject_id)
# PostgreSQL: the subjects as three arrays joined by hash.  A list of row values is planned as
# one index probe per subject OR-ed together: a first grading's chunk of ~3,000 subjects spent
# ~50 ms planning and probing per statement, and the client as long rendering 9,000 parameters.
_SUBJECTS = (
    func.unnest(
        bindparam("policies", type_=ARRAY(String)),
        bindparam("types", type_=ARRAY(String)),
        bindparam("subjects", type_=ARRAY(BigInteger)),
    )
    .table_valued("policy_id", "subject_type", "subject_id")
    .render_derived()
)
_CLOSE_OF_ARRAYS = (
    update(NoticeRow)
    .where(NoticeRow.closed_at.is_(None), _SUBJECT.in_(select(*_SUBJECTS.c)))
    .values(closed_at=bindparam("now"))
)


async def _close_moved_on(
    session: AsyncSession, closes: Sequence[tuple[str, str, int]], now: datetime
) -> None:
    """Close the notices of subjects whose grade moved on, before inserting the new ones."""
    subjects = sorted(set(closes))
    if not subjects:
        return
    if session.get_bind().dialect.name == "postgresql":
        policies, types, ids = (list(column) for column in zip(*subjects, strict=True))
        await session.execute(
            _CLOSE_OF_ARRAYS,
            {"policies": policies, "types": types, "subjects": ids, "now": now},
        )
        return
    for part in chunks(subjects):
        await session.execute(
            update(NoticeRow)
            # Row values, not a chain of ORs: SQLite caps expression depth at 1000.
            .where(NoticeRow.closed_at.is_(None), _SUBJECT.in_(part))
            .values(closed_at=now)
        )


async def _stage(
    session: AsyncSession,
    changes: Sequence[GradeChange],
    feed_rows: Sequence[Mapping[str, Any]],
    enterprises: dict[int, EnterpriseRow],
    rows: list[NoticeRow],
    notices_of: dict[int, list[int]],
) -> None:
    """Stage each change (with its new notices) and each new notice on the event bus."""
    await events_bus.stage(
        session,
        [
            events_bus.change_event(
                c,
                enterprises.get(c.enterprise_id),
                feed_rows[i],
                [rows[k] for k in notices_of.get(i, ())],
            )
            for i, c in enumerate(changes)
            if c.enterprise_id in enterprises
        ]
        + [events_bus.notice_event(r, enterprises.get(r.enterprise_id or -1)) for r in rows],
    )


async def _assessments(
    session: AsyncSession, changes: Sequence[GradeChange]
) -> dict[tuple[str, str, int], Assessment]:
    """The new assessments behind the changes, as the re-grade just stored them."""
    keys = {
        (c.policy_id, c.subject_type.value, c.subject_id, c.as_of)
        for c in changes
        if c.current is not None
    }
    if not keys:
        return {}
    return {
        (r.policy_id, r.subject_type, r.subject_id): convert.assessment(r)
        for r in await stored_assessments(session, keys)
        if r.level is not None
    }


def _scope_chain(policy: Policy, region: str) -> list[str]:
    """The policy's own region(s) containing ``region``, then its county and its town."""
    chain = [code for code in policy.region_codes if region_covers(code, region)]
    county = region[:6]
    if county not in chain:
        chain.append(county)
    if len(region) == 9:
        chain.append(region)
    return chain


Holding = dict[tuple[str, str, str | None, str | None, str | None], tuple[NoticeDraft, Tally]]


async def _reconcile_scopes(
    session: AsyncSession,
    registry: Registry,
    policy_id: str,
    wanted: set[tuple[str, str | None]],
    as_of: Any,
    now: Any,
    batch: _Batch,
) -> None:
    """Regional notices of the scopes ``wanted``: close those whose condition no longer holds,
    issue those that newly hold, leave the rest open."""
    policy = registry.policy(policy_id)
    rules = [r for r in registry.notice_rules(policy) if r.counts_scopes]
    params = ParameterView(policy.parameters, as_of)
    holding: Holding = {}
    for tally in await _tallies(session, policy_id, wanted, rules, params):
        for rule in rules:
            for d in rule.on_tally(tally, params):
                key = (d.kind, tally.region_code, tally.category, d.colour, d.level)
                holding[key] = (d, tally)
    already = await _keep_or_close(session, policy_id, wanted, holding, now)
    for key, (d, tally) in holding.items():
        if key in already:
            continue
        batch.notices.append(
            {
                "policy_id": policy_id,
                "kind": d.kind,
                "subject_type": None,
                "subject_id": None,
                "enterprise_id": None,
                "region_code": tally.region_code,
                "category": tally.category,
                "colour": d.colour,
                "level": d.level,
                "previous_level": None,
                "text": d.text,
                "article": d.article,
                "as_of": as_of,
                "created_at": now,
                "open_to": ",".join(d.audiences or ()),
                "closed_at": None,
            }
        )


async def _keep_or_close(
    session: AsyncSession,
    policy_id: str,
    wanted: set[tuple[str, str | None]],
    holding: Holding,
    now: Any,
) -> set[tuple[str, str, str | None, str | None, str | None]]:
    """Close the open regional notices of the scopes ``wanted`` that no longer hold; returns
    the keys of those that still hold (already open, not to be issued again)."""
    scope_keys = {(region, category) for region, category in wanted}
    open_rows = (
        (
            await session.execute(
                select(NoticeRow).where(
                    NoticeRow.policy_id == policy_id,
                    NoticeRow.subject_id.is_(None),
                    NoticeRow.closed_at.is_(None),
                    NoticeRow.region_code.in_(sorted({r for r, _ in wanted})),
                )
            )
        )
        .scalars()
        .all()
    )
    already = set()
    for row in open_rows:
        if (row.region_code, row.category) not in scope_keys:
            continue  # a scope this change did not touch: its count did not move
        key = (row.kind, row.region_code, row.category, row.colour, row.level)
        if key in holding:
            already.add(key)
        else:
            row.closed_at = now  # the condition no longer holds
    return already


# Up to this many region prefixes are counted one by one, each grouped in the database to a
# few rows per level and category; more (a whole run's scopes) are counted in one pass over the
# widest prefixes, grouped per region code and added up here.
_PREFIXES_COUNTED_APART = 8


def _within(column: Any, prefix: str) -> list[ColumnElement[bool]]:
    """``column`` starts with the digits ``prefix``: the LIKE decides, the range lets the
    (policy, region, …) index be read from the prefix on whatever the database's collation
    (every code starting with the digits sorts between them and the next number of as many
    digits)."""
    conditions: list[ColumnElement[bool]] = [column.startswith(prefix), column >= prefix]
    if prefix.strip("9"):
        conditions.append(column < str(int(prefix) + 1).zfill(len(prefix)))
    return conditions


async def _tallies(
    session: AsyncSession,
    policy_id: str,
    wanted: set[tuple[str, str | None]],
    rules: Sequence[NoticeRules],
    params: ParameterView,
) -> list[Tally]:
    """Counts per level for every wanted scope, from the standing grades alone (each carries
    its product's category): one grouped statement, read from one index."""
    prefixes = sorted({region_prefix(r) for r, _ in wanted})
    sg = StandingGradeRow.__table__
    apart = len(prefixes) <= _PREFIXES_COUNTED_APART
    if apart:
        # (prefix, level, category, n): a scope takes the rows of its own prefix only (a
        # county's rows are already in its city's count).
        statement: Any = union_all(
            *(
                select(literal(p).label("prefix"), sg.c.level, sg.c.category, func.count())
                .where(sg.c.policy_id == policy_id, *_within(sg.c.region_code, p))
                .group_by(sg.c.level, sg.c.category)
                for p in prefixes
            )
        )
    else:
        # Widest prefixes only: a county inside a wanted city is already covered.
        widest = [p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)]
        statement = (
            select(sg.c.region_code, sg.c.level, sg.c.category, func.count())
            .where(
                sg.c.policy_id == policy_id,
                or_(*[and_(*_within(sg.c.region_code, p)) for p in widest]),
            )
            .group_by(sg.c.region_code, sg.c.level, sg.c.category)
        )
    rows = await session.execute(statement)
    counts: dict[tuple[str, str | None], dict[str, int]] = {k: defaultdict(int) for k in wanted}
    category_of = rules[0].category_of if rules else (lambda c, p: c)
    industries: dict[str | None, str | None] = {None: None}  # raw → the rules' category, once
    # The prefix each scope covers, checked once (region_covers), not once per row and scope.
    covering = [
        (scope, category, region_prefix(scope))
        for scope, category in wanted
        if region_covers(scope, scope)
    ]
    for region, level, raw_category, n in rows:
        if raw_category not in industries:
            industries[raw_category] = category_of(raw_category, params)
        industry = industries[raw_category]
        for scope, category, prefix in covering:
            inside = region == prefix if apart else region.startswith(prefix)
            if inside and (category is None or category == industry):
                counts[(scope, category)][level] += n
    return [
        Tally(policy_id, scope, category, dict(c))
        for (scope, category), c in sorted(
            counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
        )
    ]


async def reconcile_deferred(
    session: AsyncSession,
    registry: Registry,
    deferred_scopes: dict[str, set[tuple[str, str | None]]],
    as_of: Any,
) -> list[NoticeRow]:
    """Open and close the scope notices of a whole run, once, after its last chunk."""
    now = clock.now()
    batch = _Batch()
    for policy_id, wanted in deferred_scopes.items():
        await _reconcile_scopes(session, registry, policy_id, wanted, as_of, now, batch)
    rows = [NoticeRow(**values) for values in batch.notices]
    if rows:
        session.add_all(rows)
        await session.flush()
        await events_bus.stage(session, [events_bus.notice_event(r, None) for r in rows])
    return rows
