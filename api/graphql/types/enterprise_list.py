"""The enterprise list: filters, keyset pages and counts as SQL."""

from __future__ import annotations

from dataclasses import dataclass

from qcredit.api.graphql.visibility import grade_visible
from qcredit.core.disclosure.callers import PUBLIC, Principal
from qcredit.core.errors import InvalidInput
from qcredit.core.identifiers import region_prefix, validate_region_code
from qcredit.core.model import Enterprise, SubjectType
from qcredit.core.plugins import Registry
from qcredit.core.store import convert
from qcredit.core.store.tables import EnterpriseRow, ProductRow, StandingGradeRow
from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class EnterpriseQuery:
    name_contains: str | None = None
    region_code: str | None = None
    product_category: str | None = None
    policy: str | None = None
    level: str | None = None
    principal: Principal | None = None  # filtering by level shows only levels the caller may see

    def validate(self, registry: Registry) -> None:
        if self.region_code is not None:
            validate_region_code(self.region_code, "filter.regionCode")
        if self.level is not None and self.policy is None:
            raise InvalidInput("filtering by level needs a policy", field="filter.policy")
        if self.policy is not None:
            policy = registry.policy(self.policy)
            if self.level is not None and self.level not in {
                lv.code for lv in policy.levels_for(SubjectType.ENTERPRISE)
            }:
                codes = ", ".join(lv.code for lv in policy.levels_for(SubjectType.ENTERPRISE))
                raise InvalidInput(
                    f"{self.policy} has no enterprise level {self.level!r}; levels: {codes}",
                    field="filter.level",
                )

    def statement(self) -> Select:
        stmt = select(EnterpriseRow)
        if self.name_contains:
            stmt = stmt.where(EnterpriseRow.name.contains(self.name_contains, autoescape=True))
        if self.region_code:
            if len(self.region_code) == 9:
                stmt = stmt.where(EnterpriseRow.town_code == self.region_code)
            else:
                prefix = region_prefix(self.region_code)
                stmt = stmt.where(EnterpriseRow.region_code.startswith(prefix, autoescape=True))
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
            if self.level:
                graded = graded.where(StandingGradeRow.level == self.level)
                visible = grade_visible(self.principal or PUBLIC)
                if visible is not None:
                    graded = graded.where(visible)
            stmt = stmt.where(graded.exists())
        return stmt


async def page_of_enterprises(
    session: AsyncSession, query: EnterpriseQuery, limit: int, after: int | None
) -> list[Enterprise]:
    stmt = query.statement()
    if after is not None:
        stmt = stmt.where(EnterpriseRow.id > after)
    rows = (await session.execute(stmt.order_by(EnterpriseRow.id).limit(limit + 1))).scalars()
    return [convert.enterprise(r) for r in rows]


async def count_enterprises(session: AsyncSession, query: EnterpriseQuery) -> int:
    stmt = select(func.count()).select_from(query.statement().subquery())
    return int((await session.execute(stmt)).scalar_one())
