"""GraphQL for disclosure reviews, published lists, the sharing feed, the audit log and the
caller's own identity.  Merged into Query and Mutation by ``build_schema``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import strawberry
from qcredit.api.graphql.enums import (
    AuditAction,
    CallerRole,
    RequestKind,
    RequestState,
    SubjectType,
)
from qcredit.api.graphql.pagination import (
    Connection,
    decode_cursor,
    id_page,
    make_connection,
    page_size,
    row_key,
    window,
)
from qcredit.api.graphql.types.enterprise import (
    AfterArg,
    BeforeArg,
    FirstArg,
    LastArg,
    PolicyArg,
    ctx,
    enterprise_field,
    product_field,
)
from qcredit.api.graphql.types.mirror import mirrored
from qcredit.api.graphql.visibility import grade_visible
from qcredit.core.disclosure import reviews as disclosure
from qcredit.core.disclosure.callers import PUBLIC, Principal
from qcredit.core.disclosure.callers import CallerRole as Roles
from qcredit.core.errors import InvalidInput
from qcredit.core.identifiers import region_prefix
from qcredit.core.model import SubjectType as SubjectTypeValue
from qcredit.core.store.convert import aware
from qcredit.core.store.tables import (
    AuditRow,
    DisclosureRequestRow,
    EnterpriseRow,
    GradeChangeRow,
    StandingGradeRow,
)
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import ScalarSelect
from strawberry.scalars import JSON
from strawberry.types import Info

NOT_FOR_COMMERCIAL_USE = "notForCommercialUse"
OptionalPolicyArg = Annotated[
    str | None, strawberry.argument(description="Only under this policy (its id); null: all.")
]


@strawberry.type(description="Who the caller is, as the server sees it.")
class Me:
    role: CallerRole = strawberry.field(description="The caller's role; PUBLIC without a token.")
    regions: list[str] = strawberry.field(
        description="GB/T 2260 codes of the regions it acts for (each covers its sub-regions); "
        "empty for PUBLIC, and for an ADMIN acting everywhere."
    )
    department: str | None = strawberry.field(
        description="A partner department's name (DEPARTMENT); null for other roles."
    )
    enterprise_code: str | None = strawberry.field(
        description="The enterprise a SUBJECT acts for (统一社会信用代码); null for other roles."
    )


@strawberry.type(
    description="An application to publish a grade, or a re-check before "
    "exposing one, and its review."
)
class DisclosureRequest:
    id: strawberry.ID = strawberry.field(description="The request's id (decideDisclosure).")
    policy: str = strawberry.field(description="Id of the policy whose grade it concerns.")
    kind: RequestKind = strawberry.field(description="What it asks for.")
    level: str = strawberry.field(
        description="The grade (level code) it asks to disclose, standing when it was made."
    )
    state: RequestState = strawberry.field(description="Where its review stands.")
    reason: str = strawberry.field(description="Why it was asked, in the requester's words.")
    requested_by: str = strawberry.field(description="Who asked (token subject, for the audit).")
    requested_at: dt.datetime = strawberry.field(description="When it was asked.")
    reviewer: str | None = strawberry.field(description="Who decided; null while PENDING.")
    decided_at: dt.datetime | None = strawberry.field(
        description="When it was decided; null while PENDING."
    )
    decision_reason: str | None = strawberry.field(
        description="The reviewer's reason; null while PENDING."
    )
    enterprise_id: strawberry.Private[int]

    enterprise = enterprise_field()

    @classmethod
    def of(cls, r: DisclosureRequestRow) -> DisclosureRequest:
        return mirrored(
            cls,
            r,
            id=strawberry.ID(str(r.id)),
            policy=r.policy_id,
            requested_at=aware(r.requested_at),
            decided_at=aware(r.decided_at) if r.decided_at else None,
        )


@strawberry.type(description="A subject on a published list.")
class ListedSubject:
    subject_type: SubjectType = strawberry.field(description="What is listed.")
    level: str = strawberry.field(description="Its standing level, which puts it on the list.")
    as_of: dt.date = strawberry.field(description="The day of that grade.")
    enterprise_id: strawberry.Private[int]
    product_id: strawberry.Private[int | None]

    enterprise = enterprise_field()
    product = product_field()


@strawberry.type(description="A change of a subject's standing grade, as partners pull it.")
class GradeChange:
    cursor: str = strawberry.field(description="Where this change is in the feed (pass as since).")
    policy: str = strawberry.field(description="Id of the policy graded under.")
    subject_type: SubjectType = strawberry.field(description="What changed grade.")
    as_of: dt.date = strawberry.field(description="The day the new grade holds from.")
    at: dt.datetime = strawberry.field(description="When the service recorded the change.")
    previous: str | None = strawberry.field(
        description="The level shown to you before; null when none, and also when it was not "
        "disclosed to you."
    )
    current: str | None = strawberry.field(
        description="The new level's code; null when the subject fell out of the policy's scope."
    )
    notice: JSON = strawberry.field(
        description="Conditions attached to the grade, e.g. a 'not for commercial use' notice."
    )
    enterprise_id: strawberry.Private[int]
    product_id: strawberry.Private[int | None]

    enterprise = enterprise_field()
    product = product_field()


@strawberry.type(description="A grade-change feed page; pass endCursor back as `since`.")
class GradeChangeFeed:
    changes: list[GradeChange] = strawberry.field(
        description="The changes of this page you may see, oldest first."
    )
    end_cursor: str | None = strawberry.field(
        description="Pass as since for the next page; null when the feed is empty."
    )
    has_more: bool = strawberry.field(description="Whether more changes follow this page.")


@strawberry.type(description="An entry of the audit log.")
class AuditEntry:
    id: strawberry.ID = strawberry.field(description="The entry's id; higher is later.")
    at: dt.datetime = strawberry.field(description="When it happened.")
    actor: str = strawberry.field(description="Who (token id or JWT subject; anonymous).")
    role: CallerRole = strawberry.field(description="The actor's role then.")
    action: AuditAction = strawberry.field(description="What was done.")
    target: str = strawberry.field(
        description="What it was done to, as kind:id (e.g. enterprise:9133…, event:12)."
    )
    detail: JSON = strawberry.field(description="The operation's details (op, policy, state …).")


def _last_shown(principal: Principal) -> ScalarSelect[str | None]:
    """The grade this caller's feed showed last for a change's subject (correlated to the
    change): the feed shows a change only when the grade the caller may see changed, with the
    last grade it showed as ``previous`` — never a hint of a withheld grade in between."""
    before = aliased(GradeChangeRow)
    shown = grade_visible(principal, before, "current", own_subject=False)
    stmt = select(before.current).where(
        before.policy_id == GradeChangeRow.policy_id,
        before.subject_type == GradeChangeRow.subject_type,
        before.subject_id == GradeChangeRow.subject_id,
        before.id < GradeChangeRow.id,
    )
    if shown is not None:
        stmt = stmt.where(shown)
    return stmt.order_by(before.id.desc()).limit(1).correlate(GradeChangeRow).scalar_subquery()


def notice_for(policy_id: str, info: Info) -> dict[str, Any]:
    """Conditions a policy attaches to disclosed grades (``Policy.disclosure_notice``)."""
    policy = ctx(info).registry.policy(policy_id)
    notice = getattr(policy, "disclosure_notice", None)
    return {NOT_FOR_COMMERCIAL_USE: notice} if notice else {}


@strawberry.type
class AccessQuery:
    @strawberry.field(description="The caller's role and regions.")
    def me(self, info: Info) -> Me:
        p = ctx(info).principal
        return Me(
            role=p.role.value,
            regions=list(p.regions),
            department=p.department,
            enterprise_code=p.enterprise_code,
        )

    @strawberry.field(
        description="A list a policy publishes (e.g. A_LIST, BLACKLIST): the "
        "subjects whose standing grade is public, or approved for publication."
    )
    async def public_list(
        self,
        info: Info,
        policy: PolicyArg,
        list: Annotated[
            str,
            strawberry.argument(description="The list's code under the policy (e.g. A_LIST)."),
        ],
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[ListedSubject]:
        c = ctx(info)
        p = c.registry.policy(policy)
        lists = disclosure.public_lists(p)
        if list not in lists:
            raise InvalidInput(f"{policy} publishes {', '.join(sorted(lists))}", field="list")
        w = window(c.settings, first, after, last, before)
        # Row number as the key: standing grades have a composite key, so page by a stable order.
        base = select(StandingGradeRow).where(
            StandingGradeRow.policy_id == p.id,
            StandingGradeRow.level.in_(lists[list]),
            grade_visible(PUBLIC),
        )
        order = (
            StandingGradeRow.enterprise_id,
            StandingGradeRow.subject_type,
            StandingGradeRow.subject_id,
        )
        count = c.counter(base)
        # Positions lo < n < hi (1-based); a backward page without `before` ends at the last row.
        lo = w.after or 0
        hi = w.before if w.before is not None else (await count()) + 1 if w.backward else None
        if w.backward:
            assert hi is not None
            start = max(lo, hi - 1 - (w.limit + 1))
            size = hi - 1 - start
        else:
            start = lo
            size = w.limit + 1 if hi is None else max(0, min(w.limit + 1, hi - 1 - lo))
        async with c.db() as s:
            rows = (
                (await s.execute(base.order_by(*order).offset(start).limit(size))).scalars().all()
            )
        nodes = [
            ListedSubject(
                subject_type=r.subject_type,
                level=r.level,
                as_of=r.as_of,
                enterprise_id=r.enterprise_id,
                product_id=r.subject_id
                if r.subject_type == SubjectTypeValue.PRODUCT.value
                else None,
            )
            for r in rows
        ]
        keys = [start + i + 1 for i in range(len(nodes))]
        if w.backward:
            nodes.reverse()
            keys.reverse()
        return make_connection(nodes, keys, w, count)

    @strawberry.field(
        description="Disclosure requests the caller may see: reviewers and "
        "regulators those of their regions, an enterprise its own."
    )
    async def disclosure_requests(
        self,
        info: Info,
        state: Annotated[
            str | None,
            strawberry.argument(
                description="Only requests in this state (a DisclosureRequestState name)."
            ),
        ] = None,
        policy: OptionalPolicyArg = None,
    ) -> list[DisclosureRequest]:
        c = ctx(info)
        principal = c.principal
        principal.require_role(Roles.REVIEWER, Roles.REGULATOR, Roles.ADMIN, Roles.SUBJECT)
        stmt = select(DisclosureRequestRow).order_by(DisclosureRequestRow.id)
        if state:
            stmt = stmt.where(DisclosureRequestRow.state == state)
        if policy:
            stmt = stmt.where(DisclosureRequestRow.policy_id == policy)
        if principal.role is Roles.SUBJECT:
            stmt = stmt.join(
                EnterpriseRow, EnterpriseRow.id == DisclosureRequestRow.enterprise_id
            ).where(EnterpriseRow.code == principal.enterprise_code)
        elif not (principal.role is Roles.ADMIN and not principal.regions):
            stmt = stmt.where(
                or_(
                    *[
                        DisclosureRequestRow.region_code.startswith(region_prefix(r))
                        for r in principal.regions
                    ]
                )
            )
        async with c.db() as s:
            rows = (await s.execute(stmt.limit(1000))).scalars().all()
        return [DisclosureRequest.of(r) for r in rows]

    @strawberry.field(
        description="Grade changes since a cursor, only those the caller may "
        "see; for partner departments and associations to pull."
    )
    async def grade_changes(
        self,
        info: Info,
        since: Annotated[
            str | None,
            strawberry.argument(description="endCursor of the last page; null: from the start."),
        ] = None,
        policy: OptionalPolicyArg = None,
        first: FirstArg = None,
    ) -> GradeChangeFeed:
        c = ctx(info)
        principal = c.principal
        limit = page_size(first, c.settings.max_page_size, c.settings.max_page_size)
        after = decode_cursor(since) or 0
        stmt = select(GradeChangeRow, _last_shown(principal)).where(GradeChangeRow.id > after)
        if policy:
            c.registry.policy(policy)
            stmt = stmt.where(GradeChangeRow.policy_id == policy)
        visible = grade_visible(principal, GradeChangeRow, "current", own_subject=False)
        if visible is not None:
            stmt = stmt.where(visible)
        async with c.db() as s:
            rows = (await s.execute(stmt.order_by(GradeChangeRow.id).limit(limit + 1))).all()
        has_more = len(rows) > limit
        rows = rows[:limit]
        from qcredit.api.graphql.pagination import encode_cursor

        changes = []
        for r, shown_before in rows:
            if shown_before == r.current:
                continue  # e.g. A → (B, withheld) → A: to this caller nothing changed
            changes.append(
                GradeChange(
                    cursor=encode_cursor(r.id),
                    policy=r.policy_id,
                    subject_type=r.subject_type,
                    as_of=r.as_of,
                    at=aware(r.at),
                    previous=shown_before,
                    current=r.current,
                    notice=notice_for(r.policy_id, info),
                    enterprise_id=r.enterprise_id,
                    product_id=r.subject_id
                    if r.subject_type == SubjectTypeValue.PRODUCT.value
                    else None,
                )
            )
        if changes and principal.authenticated:
            c.note_nonpublic_read(f"feed:{changes[0].cursor}..{changes[-1].cursor}")
        # Past the rows read, shown or not, so that the next page does not read them again.
        end = encode_cursor(rows[-1][0].id) if rows else since
        return GradeChangeFeed(changes=changes, end_cursor=end, has_more=has_more)

    @strawberry.field(description="The audit log, newest first (ADMIN only).")
    async def audit_log(
        self,
        info: Info,
        action: Annotated[
            str | None,
            strawberry.argument(description="Only entries of this action (an AuditAction name)."),
        ] = None,
        first: FirstArg = None,
        after: AfterArg = None,
        last: LastArg = None,
        before: BeforeArg = None,
    ) -> Connection[AuditEntry]:
        c = ctx(info)
        c.principal.require_role(Roles.ADMIN)
        w = window(c.settings, first, after, last, before)
        stmt = select(AuditRow)
        if action:
            stmt = stmt.where(AuditRow.action == action)
        counted = stmt
        async with c.db() as s:
            rows = (await s.execute(id_page(stmt, AuditRow.id, w, descending=True))).scalars().all()
        nodes = [
            AuditEntry(
                id=strawberry.ID(str(r.id)),
                at=aware(r.at),
                actor=r.actor,
                role=r.role,
                action=r.action,
                target=r.target,
                detail=r.detail,
            )
            for r in rows
        ]
        return make_connection(nodes, [r.id for r in rows], w, c.counter(counted))


@strawberry.type
class AccessMutation:
    @strawberry.mutation(
        description="Apply for publication of a grade (the enterprise itself, "
        "or its regulator on its behalf) or ask for exposure after a re-check "
        "(the regulator); a REVIEWER decides."
    )
    async def request_disclosure(
        self,
        info: Info,
        policy: PolicyArg,
        enterprise_code: Annotated[
            str, strawberry.argument(description="The enterprise's 统一社会信用代码.")
        ],
        kind: Annotated[
            str,
            strawberry.argument(description="PUBLICATION or EXPOSURE (DisclosureRequestKind)."),
        ],
        reason: Annotated[str, strawberry.argument(description="Why, for the reviewer.")],
    ) -> DisclosureRequest:
        c = ctx(info)
        p = c.registry.policy(policy)
        async with c.transaction() as s:
            row = await disclosure.request_disclosure(
                s, c.principal, p, enterprise_code=enterprise_code, kind=kind, reason=reason
            )
            await s.commit()
        return DisclosureRequest.of(row)

    @strawberry.mutation(
        description="Approve or reject a pending disclosure request (REVIEWER "
        "of the region; never the requester)."
    )
    async def decide_disclosure(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The request's id.")],
        approve: Annotated[bool, strawberry.argument(description="true approves, false rejects.")],
        reason: Annotated[str, strawberry.argument(description="The decision's reason.")],
    ) -> DisclosureRequest:
        c = ctx(info)
        key = row_key(str(id))
        if key is None:
            raise InvalidInput("not a disclosure request id", field="id")
        async with c.transaction() as s:
            row = await disclosure.decide(s, c.principal, key, approve=approve, reason=reason)
            await s.commit()
        return DisclosureRequest.of(row)
