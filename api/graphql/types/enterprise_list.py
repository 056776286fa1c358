"""The enterprise list: filters, orderings, keyset pages and counts as SQL.

Disclosure.  Filtering by level and ordering by level read the same thing: the standing level
under the policy *as far as the caller may see it* (:func:`grade_visible`).  An enterprise whose
level the caller may not see sorts exactly as one the policy does not grade — after the graded
ones, by code — so an ordering never tells what a filter would not.  Ordering by the last change
reads only the grade changes the caller may see, for the same reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import strawberry
from qcredit.api.graphql.pagination import SortKey, Window, keyset_after, ordered_page
from qcredit.api.graphql.visibility import grade_visible
from qcredit.core.disclosure.callers import PUBLIC, Principal
from qcredit.core.errors import InvalidInput
from qcredit.core.identifiers import region_prefix, validate_region_code
from qcredit.core.model import Enterprise, SubjectType
from qcredit.core.plugins import Registry
from qcredit.core.policy import Level, Policy
from qcredit.core.store import convert, search
from qcredit.core.store.tables import EnterpriseRow, GradeChangeRow, ProductRow, StandingGradeRow
from sqlalchemy import Select, case, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

#: The most values a set filter (levelIn, regionCodeIn) takes, and the most orderBy terms.
MAX_SET = 50
MAX_ORDER_TERMS = 4
#: Stand-ins for a missing sort value, so that keyset comparisons never meet NULL; a flag term
#: before each keeps the missing ones last in either direction.
_NO_DATE = dt.date(1, 1, 1)
_NO_TIME = dt.datetime(1, 1, 1, tzinfo=dt.UTC)


@strawberry.enum(description="The direction of one ordering term.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Smallest first (A before Z, oldest first).")
    DESC = strawberry.enum_value("DESC", description="Largest first (Z before A, newest first).")


@strawberry.enum(description="What the enterprise list can be ordered by.")
class EnterpriseOrderField(Enum):
    NAME = strawberry.enum_value("NAME", description="The registered name (by code point).")
    CODE = strawberry.enum_value("CODE", description="The 统一社会信用代码.")
    ESTABLISHED_ON = strawberry.enum_value(
        "ESTABLISHED_ON",
        description="The date of establishment; enterprises without one come last either way.",
    )
    LEVEL = strawberry.enum_value(
        "LEVEL",
        description="The standing level under the term's policy, in the order of the levels' "
        "rank (ASC: the best, rank 1, first). Enterprises the policy does not grade, and "
        "those whose level is not disclosed to the caller, come last either way, by code.",
    )
    LAST_CHANGE = strawberry.enum_value(
        "LAST_CHANGE",
        description="When the enterprise's grade under the term's policy last changed (of the "
        "changes the caller may see); enterprises with none come last either way.",
    )


@strawberry.input(description="One term of the enterprise list's ordering.")
class EnterpriseOrder:
    field: EnterpriseOrderField = strawberry.field(description="What to order by.")
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.ASC, description="ASC (the default) or DESC."
    )
    policy: str | None = strawberry.field(
        default=None,
        description="For LEVEL and LAST_CHANGE: the policy whose grades order the list; "
        "default filter.policy. Ignored by the other fields.",
    )


@dataclass(frozen=True)
class OrderTerm:
    field: EnterpriseOrderField
    descending: bool = False
    policy: str | None = None


@dataclass(frozen=True)
class EnterpriseQuery:
    name_contains: str | None = None
    region_code: str | None = None
    product_category: str | None = None
    policy: str | None = None
    level: str | None = None
    principal: Principal | None = None  # filtering by level shows only levels the caller may see
    level_in: tuple[str, ...] | None = None
    region_code_in: tuple[str, ...] | None = None
    order: tuple[OrderTerm, ...] = field(default_factory=tuple)

    @property
    def viewer(self) -> Principal:
        return self.principal or PUBLIC

    def validate(self, registry: Registry) -> None:
        if self.region_code is not None:
            validate_region_code(self.region_code, "filter.regionCode")
        for name, values in (("levelIn", self.level_in), ("regionCodeIn", self.region_code_in)):
            if values is not None and not 1 <= len(values) <= MAX_SET:
                raise InvalidInput(
                    f"{name} takes 1 to {MAX_SET} values, not {len(values)}",
                    field=f"filter.{name}",
                    maximum=MAX_SET,
                )
        for i, code in enumerate(self.region_code_in or ()):
            validate_region_code(code, f"filter.regionCodeIn[{i}]")
        wanted = [("level", self.level)] if self.level is not None else []
        wanted += [(f"levelIn[{i}]", lv) for i, lv in enumerate(self.level_in or ())]
        if wanted and self.policy is None:
            raise InvalidInput("filtering by level needs a policy", field="filter.policy")
        if self.policy is not None:
            levels = [
                lv.code for lv in registry.policy(self.policy).levels_for(SubjectType.ENTERPRISE)
            ]
            for name, code in wanted:
                if code not in levels:
                    raise InvalidInput(
                        f"{self.policy} has no enterprise level {code!r}; levels: "
                        f"{', '.join(levels)}",
                        field=f"filter.{name}",
                    )
        if len(self.order) > MAX_ORDER_TERMS:
            raise InvalidInput(
                f"orderBy takes at most {MAX_ORDER_TERMS} terms", field="orderBy", maximum=4
            )
        for i, term in enumerate(self.order):
            if term.field in (EnterpriseOrderField.LEVEL, EnterpriseOrderField.LAST_CHANGE):
                if term.policy is None:
                    raise InvalidInput(
                        f"ordering by {term.field.value} needs a policy (orderBy.policy or "
                        "filter.policy)",
                        field=f"orderBy[{i}].policy",
                    )
                registry.policy(term.policy)

    def statement(
        self, dialect: str = "sqlite", search_mode: str = search.TRIGRAM
    ) -> Select[*tuple[Any, ...]]:
        stmt = select(EnterpriseRow)
        if self.name_contains:
            stmt = stmt.where(search.name_condition(dialect, self.name_contains, search_mode))
        if self.region_code:
            stmt = stmt.where(_in_region(self.region_code))
        if self.region_code_in:
            stmt = stmt.where(or_(*[_in_region(c) for c in self.region_code_in]))
        if self.product_category:
            stmt = stmt.where(
                exists().where(
                    ProductRow.enterprise_id == EnterpriseRow.id,
                    ProductRow.category == self.product_category,
                )
            )
        if self.policy:
            graded = select(StandingGradeRow.subject_id).where(
                StandingGradeRow.policy_id == self.policy,
                StandingGradeRow.subject_type == SubjectType.ENTERPRISE.value,
                StandingGradeRow.subject_id == EnterpriseRow.id,
            )
            levels = [self.level] if self.level else []
            levels += [lv for lv in self.level_in or () if lv not in levels]
            if levels:
                graded = graded.where(StandingGradeRow.level.in_(levels))
                visible = grade_visible(self.viewer)
                if visible is not None:
                    graded = graded.where(visible)
            stmt = stmt.where(graded.exists())
        return stmt

    def sort_keys(self, registry: Registry, dialect: str = "sqlite") -> list[SortKey]:
        """The ordering as keyset terms; the list's key (id) when none is asked for, so that
        the cursors and the order of before orderBy existed stay as they were."""
        if not self.order:
            return [SortKey(EnterpriseRow.id)]
        keys: list[SortKey] = []
        for term in self.order:
            keys += _term_keys(term, self.viewer, registry, dialect)
        if not any(t.field is EnterpriseOrderField.CODE for t in self.order):
            keys.append(SortKey(_text(EnterpriseRow.code, dialect)))  # the tiebreak: unique
        return keys


def _in_region(code: str) -> ColumnElement[bool]:
    if len(code) == 9:
        return EnterpriseRow.town_code == code
    return EnterpriseRow.region_code.startswith(region_prefix(code), autoescape=True)


def _visible_standing(principal: Principal, policy: str) -> Select[Any]:
    stmt = select(StandingGradeRow.level).where(
        StandingGradeRow.policy_id == policy,
        StandingGradeRow.subject_type == SubjectType.ENTERPRISE.value,
        StandingGradeRow.subject_id == EnterpriseRow.id,
    )
    visible = grade_visible(principal)
    return stmt.where(visible) if visible is not None else stmt


def _text(column: Any, dialect: str) -> Any:
    """Text in code-point order on both databases (SQLite compares bytes of UTF-8, which is
    code-point order; PostgreSQL would use the database's collation, which varies by server)."""
    return column.collate("C") if dialect == "postgresql" else column


def _by_rank(policy: Policy) -> list[Level]:
    return sorted(policy.levels_for(SubjectType.ENTERPRISE), key=lambda lv: lv.rank)


def _term_keys(
    term: OrderTerm, principal: Principal, registry: Registry, dialect: str
) -> list[SortKey]:
    desc = term.descending
    if term.field is EnterpriseOrderField.NAME:
        return [SortKey(_text(EnterpriseRow.name, dialect), desc)]
    if term.field is EnterpriseOrderField.CODE:
        return [SortKey(_text(EnterpriseRow.code, dialect), desc)]
    if term.field is EnterpriseOrderField.ESTABLISHED_ON:
        missing = case((EnterpriseRow.established_on.is_(None), 1), else_=0)
        on = func.coalesce(
            EnterpriseRow.established_on, literal(_NO_DATE, EnterpriseRow.established_on.type)
        )
        return [SortKey(missing), SortKey(on, desc)]
    assert term.policy is not None  # validate() asks for one
    if term.field is EnterpriseOrderField.LEVEL:
        levels = [lv.code for lv in _by_rank(registry.policy(term.policy))]
        level = _visible_standing(principal, term.policy).scalar_subquery()
        rank = case({code: i for i, code in enumerate(levels)}, value=level, else_=len(levels))
        unranked = case((rank == len(levels), 1), else_=0)
        return [SortKey(unranked), SortKey(rank, desc)]
    changed = select(func.max(GradeChangeRow.at)).where(
        GradeChangeRow.policy_id == term.policy,
        GradeChangeRow.subject_type == SubjectType.ENTERPRISE.value,
        GradeChangeRow.subject_id == EnterpriseRow.id,
    )
    visible = grade_visible(principal, GradeChangeRow, "current")
    if visible is not None:
        changed = changed.where(visible)
    at = changed.scalar_subquery()
    missing = case((at.is_(None), 1), else_=0)
    return [
        SortKey(missing),
        SortKey(func.coalesce(at, literal(_NO_TIME, GradeChangeRow.at.type)), desc),
    ]


async def _sort_values(
    session: AsyncSession, keys: list[SortKey], key: int, field: str
) -> list[Any]:
    row = (
        await session.execute(
            select(*[k.expression for k in keys])
            .select_from(EnterpriseRow)
            .where(EnterpriseRow.id == key)
        )
    ).first()
    if row is None:
        raise InvalidInput(f"{field} is not a cursor of this list", field=field)
    return list(row)


async def page_of_enterprises(
    session: AsyncSession, query: EnterpriseQuery, registry: Registry, w: Window
) -> list[Enterprise]:
    """One page in scan order (reversed for ``last``), one row more than asked."""
    dialect = session.get_bind().dialect.name
    stmt = query.statement(dialect, await _search_mode(session, query))
    keys = query.sort_keys(registry, dialect)
    for cursor, name, before in ((w.after, "after", False), (w.before, "before", True)):
        if cursor is None:
            continue
        if not query.order:  # the default order, by id, needs no look-up
            stmt = stmt.where(EnterpriseRow.id < cursor if before else EnterpriseRow.id > cursor)
        else:
            values = await _sort_values(session, keys, cursor, name)
            stmt = stmt.where(keyset_after(keys, values, before=before))
    rows = (await session.execute(ordered_page(stmt, keys, w))).scalars()
    return [convert.enterprise(r) for r in rows]


async def _search_mode(session: AsyncSession, query: EnterpriseQuery) -> str:
    if query.name_contains and session.get_bind().dialect.name == "postgresql":
        return await search.postgres_mode(session)
    return search.TRIGRAM


async def count_enterprises(session: AsyncSession, query: EnterpriseQuery) -> int:
    stmt = query.statement(session.get_bind().dialect.name, await _search_mode(session, query))
    counted = select(func.count()).select_from(stmt.subquery())
    return int((await session.execute(counted)).scalar_one())
