"""Warnings in GraphQL: the stored notices (``notices``) and the live feed of grade changes
(``assessmentChanged``, ``noticeIssued``) over graphql-transport-ws.

Disclosure (docs/design.md principle 6, api/visibility.py): a notice about a subject carries that
subject's grade, so it is shown only to those who may see the grade — the bureau of the region,
and the audiences the policy opens the grade to without review (``open_to``, from the same
publicity rules).  A grade disclosed only after a review is not carried by notices or by the live
feed: the feed cannot wait for a review.  A regional or industry notice is shown to the bureau
and to the audiences its policy names.  The live feed applies the same rule to each event, for
the subscriber's principal: a change is sent only when its new grade is visible to them, and its
previous grade only when that one was.

WebSocket connections authenticate like HTTP requests: ``Authorization: Bearer …`` in the
handshake headers, or in the ``connection_init`` payload (``{"Authorization": "Bearer …"}``),
which browsers must use.  A refused token closes the connection (4403), and so does a token
revoked or expired while the connection is open: each subscription checks it again every second
(through the token cache) and never delivers past it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from graphql import GraphQLError
from qcredit.api.graphql.colors import COLOR_CODE, COLOR_HEX, hex_of
from qcredit.api.graphql.enums import NoticeKind, SubjectType
from qcredit.api.graphql.pagination import (
    Connection,
    id_page,
    make_connection,
    window,
)
from qcredit.api.graphql.socket_checks import close_for_revocation, credentials, still_authorised
from qcredit.api.graphql.types.enterprise import (
    AfterArg,
    BeforeArg,
    Enterprise,
    FirstArg,
    LastArg,
    PolicyArg,
    ctx,
)
from qcredit.core.contract import Audience
from qcredit.core.contract import NoticeKind as NoticeKindValue
from qcredit.core.disclosure.callers import REGIONAL_ROLES, CallerRole, Principal
from qcredit.core.errors import InvalidInput, NotFound, QcreditError
from qcredit.core.identifiers import (
    region_covers,
    region_prefix,
    validate_credit_code,
    validate_region_code,
)
from qcredit.core.store.tables import EnterpriseRow, NoticeRow
from qcredit.core.supervision.live import Broker
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types import Info

if TYPE_CHECKING:
    from qcredit.api.graphql.context import Context


# -- disclosure -----------------------------------------------------------------------------------


def _audience_outside(principal: Principal) -> Audience:
    """The audience a caller is for subjects outside the regions it acts for."""
    if principal.role in REGIONAL_ROLES or principal.role is CallerRole.DEPARTMENT:
        return Audience.DEPARTMENT  # a regulator of another region is a partner department
    if principal.role is CallerRole.INDUSTRY:
        return Audience.INDUSTRY
    return Audience.PUBLIC


def _enterprise_id(code: str) -> Any:
    # Its own alias: the notices query joins EnterpriseRow too, and must not correlate with it.
    owner = aliased(EnterpriseRow)
    return select(owner.id).where(owner.code == code).scalar_subquery()


def notice_visible(principal: Principal) -> ColumnElement[bool] | None:
    """SQL condition: the caller may read this notice.  ``None`` when it reads every notice."""
    if principal.role is CallerRole.ADMIN and not principal.regions:
        return None
    conds: list[ColumnElement[bool]] = []
    if principal.role in REGIONAL_ROLES:
        conds += [NoticeRow.region_code.startswith(region_prefix(r)) for r in principal.regions]
    if principal.role is CallerRole.SUBJECT and principal.enterprise_code:
        conds.append(
            and_(
                NoticeRow.open_to.contains(Audience.SUBJECT.value),
                NoticeRow.enterprise_id.in_(_enterprise_id(principal.enterprise_code)),
            )
        )
    conds.append(NoticeRow.open_to.contains(_audience_outside(principal).value))
    return or_(*conds)


def sees(principal: Principal, event: Mapping[str, Any], open_to_key: str = "openTo") -> bool:
    """The same rule for one event of the live feed."""
    audience = principal.audience_for(event.get("enterpriseCode") or "", event["regionCode"])
    if audience is Audience.REGULATOR:
        return True
    return audience.value in (event.get(open_to_key) or "").split(",")


# -- types ----------------------------------------------------------------------------------------


@strawberry.type(
    description="A warning issued when grades changed: to one subject's operator (its grade "
    "entered a warned level), or about a region or product category (a share of high-risk "
    "subjects passed a parameter).  Open while the grade or the condition lasts."
)
class Notice:
    id: strawberry.ID = strawberry.field(description="The notice's id; higher is later.")
    policy: str = strawberry.field(description="Id of the policy that issues it.")
    kind: NoticeKind = strawberry.field(description="What the notice is about.")
    subject_type: SubjectType | None = strawberry.field(
        description="A subject notice: what it is about; null for a regional or industry notice."
    )
    enterprise_code: str | None = strawberry.field(
        description="A subject notice: the enterprise's 统一社会信用代码; null otherwise."
    )
    region_code: str = strawberry.field(
        description="GB/T 2260 code of the region: the subject's, or the one warned about."
    )
    category: str | None = strawberry.field(description="Product category (industry), if any.")
    colour: str | None = strawberry.field(
        description="0.1's spelling of color.",
        deprecation_reason="Use color (the contract's spelling; colorHex gives its fill).",
    )
    level: str | None = strawberry.field(
        description="Subject notice: the grade it was issued for; regional notice: the levels "
        "whose share the condition counts."
    )
    previous_level: str | None = strawberry.field(
        description="A subject notice: its level before; null when it had none or otherwise."
    )
    text: str = strawberry.field(description="The warning, in the policy's words.")
    article: str = strawberry.field(description="The article that requires the notice.")
    as_of: dt.date = strawberry.field(description="The day of the grades it was issued for.")
    created_at: dt.datetime = strawberry.field(description="When it was issued.")
    closed_at: dt.datetime | None = strawberry.field(
        description="When the grade or condition ended; null while open."
    )
    _enterprise_id: strawberry.Private[int | None]

    @strawberry.field(
        description=COLOR_CODE
        + " of the warning (e.g. a yellow or red card); null when uncoloured."
    )
    def color(self) -> str | None:
        return self.colour

    @strawberry.field(description=COLOR_HEX)
    def color_hex(self) -> str | None:
        return hex_of(self.colour)

    @strawberry.field(description="Still open: the grade or condition it warns about lasts.")
    def open(self) -> bool:
        return self.closed_at is None

    @strawberry.field(description="The enterprise a subject notice is about.")
    async def enterprise(self, info: Info) -> Enterprise | None:
        if self._enterprise_id is None:
            return None
        e = await ctx(info).loaders.enterprise.load(self._enterprise_id)
        return Enterprise.of(e) if e else None

    @classmethod
    def of_row(cls, row: NoticeRow, enterprise_code: str | None) -> Notice:
        return cls(
            id=strawberry.ID(str(row.id)),
            policy=row.policy_id,
            kind=row.kind,
            subject_type=row.subject_type,
            enterprise_code=enterprise_code,
            region_code=row.region_code,
            category=row.category,
            colour=row.colour,
            level=row.level,
            previous_level=row.previous_level,
            text=row.text,
            article=row.article,
            as_of=row.as_of,
            created_at=row.created_at,
            closed_at=row.closed_at,
            _enterprise_id=row.enterprise_id,
        )

    @classmethod
    def of_event(cls, e: Mapping[str, Any]) -> Notice:
        return cls(
            id=strawberry.ID(str(e["id"])),
            policy=e["policy"],
            kind=e["kind"],
            subject_type=e.get("subjectType"),
            enterprise_code=e.get("enterpriseCode"),
            region_code=e["regionCode"],
            category=e.get("category"),
            colour=e.get("colour"),
            level=e.get("level"),
            previous_level=e.get("previousLevel"),
            text=e.get("text", ""),
            article=e.get("article", ""),
            as_of=dt.date.fromisoformat(e["asOf"]),
            created_at=dt.datetime.fromisoformat(e["createdAt"]),
            closed_at=None,
            _enterprise_id=e.get("enterpriseId"),
        )


@strawberry.type(
    description="A subject's standing grade changed.  previous/current are null where the "
    "subscriber may not see them (or the subject had no grade / fell out of scope)."
)
class AssessmentChange:
    policy: str = strawberry.field(description="Id of the policy graded under.")
    subject_type: SubjectType = strawberry.field(description="What changed grade.")
    subject_id: strawberry.ID = strawberry.field(
        description="The enterprise's or product's numeric id (as in its global id)."
    )
    enterprise_code: str | None = strawberry.field(
        description="The enterprise's 统一社会信用代码; null when not known to the feed."
    )
    enterprise_name: str | None = strawberry.field(
        description="The enterprise's name; null when not known to the feed."
    )
    region_code: str = strawberry.field(description="GB/T 2260 code of the subject's region.")
    as_of: dt.date = strawberry.field(description="The day the new grade holds from.")
    previous: str | None = strawberry.field(
        description="The level before; null when none or not yours to see."
    )
    current: str | None = strawberry.field(
        description="The level now; null when the subject fell out of scope."
    )
    notices: list[Notice] = strawberry.field(
        description="Notices this change issued about the subject."
    )


# -- queries --------------------------------------------------------------------------------------


def _notice_filter(
    c: Context,
    policy: str | None,
    region_code: str | None,
    kind: str | None,
    enterprise_code: str | None,
    since: dt.date | None,
    until: dt.date | None,
    open: bool | None,
) -> list[Any]:
    """SQL conditions of the ``notices`` arguments given, and of what the caller may see."""
    conds: list[Any] = []
    if kind is not None and kind not in NoticeKindValue.__members__:
        raise InvalidInput(
            f"no notice kind {kind!r}: one of {', '.join(NoticeKindValue.__members__)}",
            field="kind",
        )
    if since is not None and until is not None and until < since:
        raise InvalidInput(f"until ({until}) is before since ({since})", field="until")
    if policy is not None:
        if policy not in c.registry.policies:
            raise NotFound(f"no policy {policy!r}", field="policy")
        conds.append(NoticeRow.policy_id == policy)
    if region_code is not None:
        region = validate_region_code(region_code)
        conds.append(NoticeRow.region_code.startswith(region_prefix(region)))
    if kind is not None:
        conds.append(NoticeRow.kind == kind)
    if enterprise_code is not None:
        code = validate_credit_code(enterprise_code, "enterpriseCode")
        conds.append(NoticeRow.enterprise_id.in_(_enterprise_id(code)))
    if since is not None:
        conds.append(NoticeRow.as_of >= since)
    if until is not None:
        conds.append(NoticeRow.as_of <= until)
    if open is not None:
        conds.append(NoticeRow.closed_at.is_(None) if open else NoticeRow.closed_at.isnot(None))
    visible = notice_visible(c.principal)
    if visible is not None:
        conds.append(visible)
    return conds


@strawberry.type
class NoticeQuery:
    @strawberry.field(
        description="Notices (warnings), newest first, as far as the caller may see them.  "
        "regionCode covers its sub-regions; since and until: issued for grades on or after, on "
        "or before these days (both included: a month's notices are since its first day until "
        "its last)."
    )
    async def notices(
        self,
        info: Info,
        policy: Annotated[
            str | None, strawberry.argument(description="Only this policy's notices; null: all.")
        ] = None,
        region_code: Annotated[
            str | None,
            strawberry.argument(description="GB/T 2260 code; covers its sub-regions. Null: all."),
        ] = None,
        kind: Annotated[
            str | None, strawberry.argument(description="Only this kind (a NoticeKind name).")
        ] = None,
        enterprise_code: Annotated[
            str | None,
            strawberry.argument(
                description="Only notices about this enterprise (统一社会信用代码)."
            ),
        ] = None,
        since: Annotated[
            dt.date | None,
            strawberry.argument(description="Only notices for grades on or after this day."),
        ] = None,
        until: Annotated[
            dt.date | None,
            strawberry.argument(
                description="Only notices for grades on or before this day (not before since)."
            ),
        ] = None,
        open: Annotated[
            bool | None,
            strawberry.argument(description="true: only open; false: only closed; null: both."),
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[Notice]:
        c = ctx(info)
        w = window(c.settings, first, after, last, before)
        conds = _notice_filter(c, policy, region_code, kind, enterprise_code, since, until, open)
        stmt = id_page(
            select(NoticeRow, EnterpriseRow.code)
            .outerjoin(EnterpriseRow, EnterpriseRow.id == NoticeRow.enterprise_id)
            .where(*conds),
            NoticeRow.id,
            w,
            descending=True,
        )
        async with c.db() as s:
            rows = (await s.execute(stmt)).all()
        _note_reads(c, [r for r, _ in rows[: w.limit]])
        return make_connection(
            [Notice.of_row(r, code) for r, code in rows],
            [r.id for r, _ in rows],
            w,
            c.counter(select(NoticeRow.id).where(*conds)),
        )


def _note_reads(c: Context, rows: list[NoticeRow]) -> None:
    if c.principal.role is CallerRole.PUBLIC:
        return
    for r in rows:
        if Audience.PUBLIC.value not in (r.open_to or "").split(","):
            c.note_nonpublic_read(f"notice:{r.id}")


# -- subscriptions --------------------------------------------------------------------------------


def _broker(info: Info) -> Broker:
    request = ctx(info).request
    broker: Broker = request.scope["app"].state.broker
    return broker


def _check(c: Context, policy: str, region_code: str) -> str:
    """The subscription's arguments, checked before it starts.  Errors of a subscription do not
    pass the ErrorCodes extension (it wraps one result, not a stream), so they carry their code
    here."""
    try:
        if policy not in c.registry.policies:
            raise NotFound(f"no policy {policy!r}", field="policy")
        _ = c.principal  # a refused token: UNAUTHENTICATED
        return validate_region_code(region_code)
    except QcreditError as exc:
        raise GraphQLError(exc.message, extensions=exc.extensions()) from None


def change_for(principal: Principal, e: Mapping[str, Any]) -> AssessmentChange | None:
    """The change as far as ``principal`` may see it; ``None`` when its new grade is hidden."""
    if not sees(principal, e):
        return None
    return AssessmentChange(
        policy=e["policy"],
        subject_type=e["subjectType"],
        subject_id=strawberry.ID(str(e["subjectId"])),
        enterprise_code=e.get("enterpriseCode"),
        enterprise_name=e.get("enterpriseName"),
        region_code=e["regionCode"],
        as_of=dt.date.fromisoformat(e["asOf"]),
        previous=e.get("previous") if sees(principal, e, "previousOpenTo") else None,
        current=e.get("current"),
        notices=[Notice.of_event(n) for n in e.get("notices", ()) if sees(principal, n)],
    )


# How often a subscription asks again whether its token still holds (through the token cache,
# so a revoked bearer token is cut off within QCREDIT_TOKEN_CACHE_SECONDS plus this).
RECHECK_SECONDS = 1.0
RegionArg = Annotated[
    str, strawberry.argument(description="GB/T 2260 code; covers its sub-regions.")
]


async def _cut_off(c: Context) -> None:
    """Close the connection of a revoked or expired token, then wait: the protocol handler
    cancels this operation when the socket's disconnect arrives."""
    await close_for_revocation(c)
    await asyncio.Event().wait()


async def _live(
    info: Info, kind: str, policy: str, region_code: str
) -> AsyncGenerator[tuple[Principal, dict[str, Any]], None]:
    """The broker's events of one kind under ``policy`` in the region (and its sub-regions),
    each with the subscriber as its token says now; what it may see is the caller's to decide.

    The token is checked again at least every ``RECHECK_SECONDS``, with or without events, and
    before anything is delivered after that: a revoked or expired token closes the connection
    (4403) instead of streaming on with the rights it had when the socket opened."""
    c = ctx(info)
    region = _check(c, policy, region_code)
    given = credentials(c)
    principal = await still_authorised(c, given)
    checked = time.monotonic()
    async with _broker(info).subscribe() as queue:
        while True:
            if principal is None:
                await _cut_off(c)
            try:
                e = await asyncio.wait_for(queue.get(), RECHECK_SECONDS)
            except TimeoutError:
                e = None
            if time.monotonic() - checked >= RECHECK_SECONDS:
                principal, checked = await still_authorised(c, given), time.monotonic()
            if (
                principal is not None
                and e is not None
                and e.get("type") == kind
                and e.get("policy") == policy
                and region_covers(region, e.get("regionCode") or "")
            ):
                yield principal, e


@strawberry.type(
    description="Live feeds over graphql-transport-ws at /graphql, filtered for the subscriber "
    "as the queries are; a revoked or expired token closes the connection (4403)."
)
class Subscription:
    @strawberry.subscription(
        description="Grade changes under a policy in a region (and its sub-regions), live, as "
        "far as the subscriber may see them (graphql-transport-ws at /graphql)."
    )
    async def assessment_changed(
        self, info: Info, policy: PolicyArg, region_code: RegionArg
    ) -> AsyncGenerator[AssessmentChange, None]:
        async with aclosing(_live(info, "change", policy, region_code)) as events:
            async for principal, e in events:
                change = change_for(principal, e)
                if change is not None:
                    yield change

    @strawberry.subscription(
        description="New notices (subject, regional and industry warnings) under a policy in a "
        "region, live, as far as the subscriber may see them."
    )
    async def notice_issued(
        self, info: Info, policy: PolicyArg, region_code: RegionArg
    ) -> AsyncGenerator[Notice, None]:
        async with aclosing(_live(info, "notice", policy, region_code)) as events:
            async for principal, e in events:
                if sees(principal, e):
                    yield Notice.of_event(e)


async def authenticate_connection(view: Any, context: Context) -> None:
    """``on_ws_connect``: take the token from ``connection_init`` when the handshake had none."""
    from qcredit.api.web.auth import InvalidCredentials, principal_for

    params = getattr(context, "connection_params", None) or {}
    header = next(
        (v for k, v in params.items() if isinstance(k, str) and k.lower() == "authorization"),
        None,
    )
    if header is None:
        if context.auth_error is not None:
            raise ConnectionRejectionError()
        return None
    if not isinstance(header, str):
        raise ConnectionRejectionError()
    try:
        context._principal = await principal_for(
            {"authorization": header}, view.services.sessions, view.jwt, view.tokens
        )
        context.auth_error = None
    except InvalidCredentials:
        raise ConnectionRejectionError() from None
    return None
