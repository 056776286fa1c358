"""Disclosure: whether a caller may see a grade, the review workflow, and published lists.

The policy decides, per audience, whether a grade may be disclosed and whether a review must come
first (:class:`~qcredit.core.policy.Disclosure`).  This module applies that decision to a caller:

* allowed without review → visible;
* allowed after review → visible only once a REVIEWER has approved a request for this subject,
  policy and level (e.g. an A published on the enterprise's application after a review; a D
  exposed after its facts are re-checked);
* not allowed → hidden: the API answers ``null`` with a ``FORBIDDEN`` error, and lists and counts
  leave the subject out.

An approval is for one standing grade — the grade change that made it — not for a level code:
when the grade changes, the publication lapses with it, and a return to the same level needs a
new review.

A caller who may not see a grade learns nothing of why: the refusal is the same whatever the
level and whatever rule withholds it (no article, no "needs a review").  Only the subject itself
is told why (the bureau in charge sees every grade).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from qcredit.core import clock
from qcredit.core.contract import Audience, Disclosure
from qcredit.core.disclosure import audit
from qcredit.core.disclosure.callers import CallerRole, Principal
from qcredit.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from qcredit.core.model import SubjectType
from qcredit.core.policy import Policy
from qcredit.core.store import versioning
from qcredit.core.store.tables import (
    DisclosureRequestRow,
    EnterpriseRow,
    GradeChangeRow,
    StandingGradeRow,
)
from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

SubjectKey = tuple[str, str, int]  # (policy id, subject type, subject id)


class RequestKind(StrEnum):
    PUBLICATION = "PUBLICATION"  # the enterprise applies to have its grade published
    EXPOSURE = "EXPOSURE"  # the bureau asks to expose a grade after re-checking the facts


class RequestState(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"


def audiences(disclosures: Iterable[Disclosure]) -> tuple[str, str]:
    """(audiences that may see without review, audiences that may see after review), as
    comma-joined text for the standing-grade and feed rows."""
    items = list(disclosures)
    open_to = sorted(d.audience.value for d in items if d.allowed and not d.needs_review)
    review_to = sorted(d.audience.value for d in items if d.allowed and d.needs_review)
    return ",".join(open_to), ",".join(review_to)


@dataclass(frozen=True)
class Verdict:
    visible: bool
    reason: str
    needs_review: bool = False


# The one refusal every caller but the subject gets: a text that varied with the rule (its
# article, "needs a review") would tell the hidden level apart.
WITHHELD = Verdict(False, "its publicity rules do not disclose it to you")


def verdict(
    disclosures: Sequence[Disclosure],
    audience: Audience,
    level: str,
    approved: set[tuple[str, str]],
) -> Verdict:
    """May ``audience`` see this grade, given the approved (level, audience) pairs of its
    standing grade?  A refusal says why to the subject only."""
    result = _verdict(disclosures, audience, level, approved)
    if result.visible or audience is Audience.SUBJECT:
        return result
    return WITHHELD


def _verdict(
    disclosures: Sequence[Disclosure],
    audience: Audience,
    level: str,
    approved: set[tuple[str, str]],
) -> Verdict:
    if audience is Audience.REGULATOR:
        return Verdict(True, "the bureau in charge")
    rule = next((d for d in disclosures if d.audience is audience), None)
    if rule is None or not rule.allowed:
        article = f" ({rule.article})" if rule and rule.article else ""
        return Verdict(
            False, f"the policy does not disclose this grade to {audience.value}{article}"
        )
    if (
        rule.needs_review
        and (level, audience.value) not in approved
        and (level, Audience.PUBLIC.value) not in approved
    ):
        return Verdict(
            False,
            f"disclosure to {audience.value} needs an approved review first ({rule.article})",
            needs_review=True,
        )
    return Verdict(True, rule.text)


async def approved_for(
    session: AsyncSession, keys: Iterable[SubjectKey]
) -> dict[SubjectKey, set[tuple[str, str]]]:
    """Approved (level, audience) pairs per subject, in one statement: only approvals given for
    the subject's standing grade as it stands (its latest grade change)."""
    wanted = list(set(keys))
    out: dict[SubjectKey, set[tuple[str, str]]] = defaultdict(set)
    if not wanted:
        return out
    rows = await session.execute(
        select(
            DisclosureRequestRow.policy_id,
            DisclosureRequestRow.subject_type,
            DisclosureRequestRow.subject_id,
            DisclosureRequestRow.level,
            DisclosureRequestRow.audience,
        )
        .where(
            tuple_(
                DisclosureRequestRow.policy_id,
                DisclosureRequestRow.subject_type,
                DisclosureRequestRow.subject_id,
            ).in_(wanted)
        )
        .where(DisclosureRequestRow.state == RequestState.APPROVED.value)
        .where(DisclosureRequestRow.grade_change_id == standing_since(DisclosureRequestRow))
    )
    for policy_id, subject_type, subject_id, level, aud in rows:
        out[(policy_id, subject_type, subject_id)].add((level, aud))
    return out


def _latest_change(policy_id: Any, subject_type: Any, subject_id: Any) -> Select[int]:
    return select(func.max(GradeChangeRow.id)).where(
        GradeChangeRow.policy_id == policy_id,
        GradeChangeRow.subject_type == subject_type,
        GradeChangeRow.subject_id == subject_id,
    )


def standing_since(table: Any) -> ColumnElement[int | None]:
    """The id of the latest grade change of the subject of ``table``'s row (correlated): what its
    standing grade has been since."""
    latest = _latest_change(table.policy_id, table.subject_type, table.subject_id)
    return latest.correlate_except(GradeChangeRow).scalar_subquery()


async def _since(
    session: AsyncSession, policy_id: str, subject_type: str, subject_id: int
) -> int | None:
    return (await session.execute(_latest_change(policy_id, subject_type, subject_id))).scalar()


async def _standing(
    session: AsyncSession, policy_id: str, subject_type: str, subject_id: int
) -> StandingGradeRow:
    row = await session.get(StandingGradeRow, (policy_id, subject_type, subject_id))
    if row is None:
        raise NotFound("this subject has no standing grade under this policy", field="policy")
    return row


async def request_disclosure(
    session: AsyncSession,
    principal: Principal,
    policy: Policy,
    *,
    enterprise_code: str,
    kind: str,
    reason: str,
    subject_type: SubjectType = SubjectType.ENTERPRISE,
    subject_id: int | None = None,
) -> DisclosureRequestRow:
    """Open a request to disclose a subject's standing grade to the public.

    PUBLICATION: the enterprise itself applies (SUBJECT), or a regulator records its application.
    EXPOSURE: a regulator of the region asks to expose after re-checking the facts.
    """
    try:
        k = RequestKind(kind)
    except ValueError:
        raise InvalidInput(f"kind must be one of {', '.join(RequestKind)}", field="kind") from None
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required", field="reason")
    ent = (
        await session.execute(select(EnterpriseRow).where(EnterpriseRow.code == enterprise_code))
    ).scalar_one_or_none()
    if ent is None:
        raise NotFound(f"no enterprise {enterprise_code}", field="enterpriseCode")
    region = ent.town_code or ent.region_code
    _may_request(principal, k, ent.code, region)
    sid = ent.id if subject_id is None else subject_id
    standing = await _standing(session, policy.id, subject_type.value, sid)
    _check_disclosable(policy, standing)
    await _none_pending(session, policy.id, subject_type.value, sid)
    row = DisclosureRequestRow(
        policy_id=policy.id,
        subject_type=subject_type.value,
        subject_id=sid,
        enterprise_id=ent.id,
        region_code=region,
        kind=k.value,
        level=standing.level,
        grade_change_id=await _since(session, policy.id, subject_type.value, sid),
        audience=Audience.PUBLIC.value,
        state=RequestState.PENDING.value,
        reason=reason.strip(),
        requested_by=principal.subject,
        requested_at=clock.now(),
    )
    session.add(row)
    details = {
        "policy": policy.id,
        "enterprise": ent.code,
        "kind": k.value,
        "level": standing.level,
    }
    await _kept(session, principal, audit.Action.DISCLOSURE_REQUEST, row, details)
    return row


def _may_request(principal: Principal, k: RequestKind, enterprise_code: str, region: str) -> None:
    """PUBLICATION: the enterprise itself, or its regulator on its behalf; EXPOSURE: the regulator
    of the region."""
    own = principal.role is CallerRole.SUBJECT and principal.enterprise_code == enterprise_code
    if not principal.authenticated:
        raise Unauthenticated("requesting a disclosure needs a token")
    regulator = principal.role in (CallerRole.REGULATOR, CallerRole.ADMIN) and principal.covers(
        region
    )
    if k is RequestKind.PUBLICATION and not (own or regulator):
        raise Forbidden(
            "only the enterprise itself, or its regulator on its behalf, applies",
            field="enterpriseCode",
        )
    if k is RequestKind.EXPOSURE and not regulator:
        raise Forbidden(
            "only the regulator of the region asks for exposure", field="enterpriseCode"
        )


def _check_disclosable(policy: Policy, standing: StandingGradeRow) -> None:
    """Only a level the policy discloses to the public after review can be asked for."""
    if Audience.PUBLIC.value not in standing.review_to.split(","):
        if Audience.PUBLIC.value in standing.open_to.split(","):
            raise InvalidInput(
                f"{policy.id} level {standing.level} is public without review", field="kind"
            )
        raise InvalidInput(
            f"{policy.id} never discloses level {standing.level} to the public", field="kind"
        )


async def _none_pending(
    session: AsyncSession, policy_id: str, subject_type: str, subject_id: int
) -> None:
    pending = (
        await session.execute(
            select(DisclosureRequestRow.id).where(
                DisclosureRequestRow.policy_id == policy_id,
                DisclosureRequestRow.subject_type == subject_type,
                DisclosureRequestRow.subject_id == subject_id,
                DisclosureRequestRow.state == RequestState.PENDING.value,
            )
        )
    ).scalar_one_or_none()
    if pending is not None:
        raise Conflict(f"request {pending} for this subject is still pending", field="policy")


async def _kept(
    session: AsyncSession,
    principal: Principal,
    action: audit.Action,
    row: DisclosureRequestRow,
    details: Mapping[str, Any],
) -> None:
    """Write the request, bump the data version and audit who did it."""
    await session.flush()
    await versioning.bump(session)
    await audit.record(session, principal, action, f"disclosure:{row.id}", details)


async def decide(
    session: AsyncSession, principal: Principal, request_id: int, *, approve: bool, reason: str
) -> DisclosureRequestRow:
    """A REVIEWER of the region approves or rejects a pending request (never their own)."""
    principal.require_role(CallerRole.REVIEWER, CallerRole.ADMIN)
    row = await session.get(DisclosureRequestRow, request_id)
    if row is None:
        raise NotFound(f"no disclosure request {request_id}", field="id")
    if not principal.covers(row.region_code):
        raise Forbidden("this request is outside the reviewer's regions", field="id")
    if row.requested_by == principal.subject:
        raise Forbidden("a request is reviewed by someone other than who made it", field="id")
    if row.state != RequestState.PENDING.value:
        raise Conflict(f"request {request_id} is already {row.state}", field="id")
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required", field="reason")
    standing = await session.get(
        StandingGradeRow, (row.policy_id, row.subject_type, row.subject_id)
    )
    since = await _since(session, row.policy_id, row.subject_type, row.subject_id)
    if approve and (standing is None or since != row.grade_change_id):
        raise Conflict("the grade has changed since the request; ask again", field="id")
    row.state = (RequestState.APPROVED if approve else RequestState.REJECTED).value
    row.reviewer = principal.subject
    row.decided_at = clock.now()
    row.decision_reason = reason.strip()
    details = {"state": row.state, "policy": row.policy_id, "level": row.level}
    await _kept(session, principal, audit.Action.DISCLOSURE_DECISION, row, details)
    return row


def public_lists(policy: Policy) -> dict[str, tuple[str, ...]]:
    """Names of the lists a policy publishes, with the levels each holds: ``<LEVEL>_LIST`` for
    every level, ``A_LIST`` for the best and ``BLACKLIST`` for the worst, unless the policy
    declares its own (``Policy.public_lists``)."""
    declared = getattr(policy, "public_lists", None)
    if declared:
        return {k: tuple(v) for k, v in declared.items()}
    out: dict[str, tuple[str, ...]] = {}
    for st in sorted(policy.subject_types):
        levels = policy.levels_for(st)
        if not levels:
            continue
        for lv in levels:
            out.setdefault(f"{lv.code}_LIST", (lv.code,))
        best = min(lv.rank for lv in levels)
        worst = max(lv.rank for lv in levels)
        out.setdefault("A_LIST", tuple(lv.code for lv in levels if lv.rank == best))
        out.setdefault("BLACKLIST", tuple(lv.code for lv in levels if lv.rank == worst))
    return out
