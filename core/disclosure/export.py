"""Exports for partner departments: the grade-change feed, or the standing grades, as rows.

Only what the caller may see is exported — the same rule as the API: the caller passes the SQL
condition of :func:`qcredit.api.graphql.visibility.grade_visible` for the table read here (core
never imports the API), and a past date graded on the spot is checked grade by grade with
:func:`qcredit.core.disclosure.reviews.verdict` (:mod:`qcredit.core.disclosure.graded`).  Every
row carries the policy's disclosure notice (e.g. not to be printed on labels or used
commercially), and every export is recorded in the audit log.

The rows hold Python values (dates stay dates); :mod:`~qcredit.core.disclosure.workbook` and
:mod:`~qcredit.core.disclosure.flat` write them out.  Subjects are named as a partner files
them — credit code, name, region, trademark and Nice class — never by internal ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from qcredit.core.contract import Audience
from qcredit.core.disclosure import audit
from qcredit.core.disclosure.callers import CallerRole, Principal
from qcredit.core.grading.regions import region_name
from qcredit.core.identifiers import region_prefix
from qcredit.core.model import SubjectType
from qcredit.core.plugins import Registry
from qcredit.core.policy import Policy
from qcredit.core.store.tables import EnterpriseRow, GradeChangeRow, ProductRow, StandingGradeRow
from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

# Change times are shown in China Standard Time, the time the bureaus and partners work in.
CHINA_TIME = timezone(timedelta(hours=8))


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Field:
    key: str  # the JSON Lines key
    header: str  # the CSV and XLSX header
    kind: Kind = Kind.TEXT


_SUBJECT = (
    Field("enterpriseCode", "统一社会信用代码"),
    Field("enterpriseName", "企业名称"),
    Field("regionCode", "行政区划代码"),
    Field("regionName", "行政区划名称"),
    Field("policy", "政策"),
    Field("subjectType", "对象类型"),
    Field("product", "产品（商标/尼斯分类）"),
)
_NOTICE = Field("notice", "使用限制")
FEED_FIELDS = (
    Field("cursor", "序号", Kind.NUMBER),
    Field("changedAt", "变更时间（北京时间）", Kind.DATETIME),
    *_SUBJECT,
    Field("previous", "变更前等级"),
    Field("current", "变更后等级"),
    Field("levelName", "等级名称"),
    Field("asOf", "评定日期", Kind.DATE),
    _NOTICE,
)
SNAPSHOT_FIELDS = (
    *_SUBJECT,
    Field("level", "等级"),
    Field("levelName", "等级名称"),
    Field("asOf", "评定日期", Kind.DATE),
    _NOTICE,
)
SUBJECT_TYPE_NAMES = {SubjectType.ENTERPRISE.value: "企业", SubjectType.PRODUCT.value: "产品"}


@dataclass(frozen=True)
class Export:
    """What was exported: the rows, their columns, the policies they come from and the cursor
    the next feed export starts from (``None`` for a snapshot)."""

    fields: tuple[Field, ...]
    rows: list[dict[str, Any]]
    policies: tuple[Policy, ...]
    next_cursor: int | None = None
    as_of: date | None = None  # a snapshot's date (None: today's standing grades)
    regions: tuple[str, ...] = ()

    @property
    def is_feed(self) -> bool:
        return self.next_cursor is not None


@dataclass(frozen=True)
class ExportedSubject:
    """A graded subject as a partner names it."""

    policy_id: str
    subject_type: str
    enterprise_code: str
    enterprise_name: str
    region_code: str
    product: str | None = None  # trademark/Nice class, e.g. 华润/25


def product_label(trademark: str | None, nice_class: int | None) -> str | None:
    """How a partner names a product: its trademark and Nice class, never an internal id."""
    return None if trademark is None else f"{trademark}/{nice_class}"


class Namer:
    """Policies' Chinese names, level names and notices, and region names, for the rows."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.used: dict[str, Policy] = {}

    def policy(self, policy_id: str) -> Policy | None:
        p = self.registry.policies.get(policy_id)
        if p is not None:
            self.used.setdefault(p.id, p)
        return p

    def region(self, code: str) -> str | None:
        """GB/T 2260 names are the same under every policy: any policy that names the code."""
        return next(
            (n for p in self.registry.policies.values() if (n := region_name(p, code))), None
        )

    def subject_columns(self, s: ExportedSubject) -> dict[str, Any]:
        p = self.policy(s.policy_id)
        return {
            "enterpriseCode": s.enterprise_code,
            "enterpriseName": s.enterprise_name,
            "regionCode": s.region_code,
            "regionName": self.region(s.region_code),
            "policy": p.name if p else s.policy_id,
            "subjectType": SUBJECT_TYPE_NAMES.get(s.subject_type, s.subject_type),
            "product": s.product,
        }

    def level_name(self, policy_id: str, level: str | None) -> str | None:
        p = self.policy(policy_id)
        return next((lv.label for lv in p.levels if lv.code == level), None) if p else None

    def notice(self, policy_id: str) -> str:
        p = self.policy(policy_id)
        return (p.disclosure_notice if p else None) or ""

    def policies(self) -> tuple[Policy, ...]:
        return tuple(self.used[k] for k in sorted(self.used))


def in_regions(column: Any, regions: Sequence[str]) -> ColumnElement[bool] | None:
    """Subjects registered in any of ``regions`` (a county covers its towns); ``None``: all."""
    if not regions:
        return None
    return or_(*[column.startswith(region_prefix(r)) for r in regions])


def _with_names(
    table: Any, visible: ColumnElement[bool] | None, regions: Sequence[str]
) -> Select[Any]:
    """Rows of ``table`` (standing grades or changes) the caller may see in ``regions``, with
    the names a partner files them by: the enterprise's, and a product's trademark and class."""
    product = and_(
        table.subject_type == SubjectType.PRODUCT.value, ProductRow.id == table.subject_id
    )
    names = (EnterpriseRow.code, EnterpriseRow.name, ProductRow.trademark, ProductRow.nice_class)
    stmt = (
        select(table, *names)
        .join(EnterpriseRow, EnterpriseRow.id == table.enterprise_id)
        .outerjoin(ProductRow, product)
    )
    for cond in (visible, in_regions(table.region_code, regions)):
        if cond is not None:
            stmt = stmt.where(cond)
    return stmt


def subject_of(
    row: Any, code: str, name: str, trademark: str | None, nice: int | None
) -> ExportedSubject:
    product = product_label(trademark, nice)
    return ExportedSubject(row.policy_id, row.subject_type, code, name, row.region_code, product)


def china_time(at: datetime) -> datetime:
    """A stored time (SQLite hands it back without a zone: it is UTC) in China Standard Time."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(CHINA_TIME)


async def grade_changes(
    session: AsyncSession,
    registry: Registry,
    principal: Principal,
    visible: ColumnElement[bool] | None,
    *,
    since: int = 0,
    regions: Sequence[str] = (),
    limit: int = 100_000,
) -> Export:
    """The changes after cursor ``since`` the caller may see (``visible``: the API's condition
    on ``grade_changes``, ``None`` for all), in the given regions."""
    stmt = (
        _with_names(GradeChangeRow, visible, regions)
        .where(GradeChangeRow.id > since)
        .order_by(GradeChangeRow.id)
        .limit(limit)
    )
    namer = Namer(registry)
    rows = []
    last = since
    for change, code, name, trademark, nice in (await session.execute(stmt)).all():
        # As in the API's feed, an enterprise's own token reads the feed as the public: the
        # previous grade shows only where its rules opened it to the caller's audience.
        audience = principal.audience_for("", change.region_code)
        previous_ok = audience is Audience.REGULATOR or audience.value in (
            change.previous_open_to or ""
        ).split(",")
        rows.append(
            {
                "cursor": change.id,
                "changedAt": china_time(change.at),
                **namer.subject_columns(subject_of(change, code, name, trademark, nice)),
                "previous": change.previous if previous_ok else None,
                "current": change.current,
                "levelName": namer.level_name(change.policy_id, change.current),
                "asOf": change.as_of,
                "notice": namer.notice(change.policy_id),
            }
        )
        last = change.id
    await audit.record(
        session,
        principal,
        audit.Action.EXPORT,
        f"grade_changes:{since}..{last}",
        {"rows": len(rows), "since": since, "next": last, "regions": list(regions)},
    )
    return Export(FEED_FIELDS, rows, namer.policies(), next_cursor=last, regions=tuple(regions))


def snapshot_row(namer: Namer, s: ExportedSubject, level: str, as_of: date) -> dict[str, Any]:
    return {
        **namer.subject_columns(s),
        "level": level,
        "levelName": namer.level_name(s.policy_id, level),
        "asOf": as_of,
        "notice": namer.notice(s.policy_id),
    }


def snapshot_order(row: dict[str, Any]) -> tuple[str, ...]:
    return (row["enterpriseCode"], row["policy"], row["subjectType"], row["product"] or "")


async def standing_grades(
    session: AsyncSession,
    registry: Registry,
    principal: Principal,
    visible: ColumnElement[bool] | None,
    *,
    regions: Sequence[str] = (),
) -> Export:
    """Today's standing grades the caller may see (``visible``: the API's condition on
    ``standing_grades``, ``None`` for all), in the given regions."""
    stmt = _with_names(StandingGradeRow, visible, regions)
    namer = Namer(registry)
    rows = [
        snapshot_row(namer, subject_of(g, code, name, tm, nice), g.level, g.as_of)
        for g, code, name, tm, nice in (await session.execute(stmt)).all()
    ]
    rows.sort(key=snapshot_order)
    await record_snapshot(session, principal, "standing", rows, regions)
    return Export(SNAPSHOT_FIELDS, rows, namer.policies(), regions=tuple(regions))


async def record_snapshot(
    session: AsyncSession,
    principal: Principal,
    on: str,
    rows: Sequence[dict[str, Any]],
    regions: Sequence[str],
) -> None:
    await audit.record(
        session,
        principal,
        audit.Action.EXPORT,
        f"standing_grades:{on}",
        {"rows": len(rows), "asOf": on, "regions": list(regions)},
    )


AUDIENCE_NAMES = {
    CallerRole.PUBLIC: "社会公众",
    CallerRole.INDUSTRY: "行业协会、平台",
    CallerRole.DEPARTMENT: "有关部门",
    CallerRole.REGULATOR: "监管部门",
    CallerRole.ADMIN: "系统管理员",
}


def audience_label(principal: Principal) -> str:
    """Who the export is for, as the 说明 sheet states it."""
    label = AUDIENCE_NAMES.get(principal.role, principal.role.value)
    if principal.department:
        label += f"：{principal.department}"
    if principal.regions:
        label += f"（{'、'.join(principal.regions)}）"
    return f"{label}（{principal.role.value}）"
