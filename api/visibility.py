"""Applying the policies' publicity rules to the caller, field by field.

A hidden assessment is never returned — not its level, score, reasons or measures: the single
field answers ``null`` with a ``FORBIDDEN`` error, lists leave it out.  The raw ledger (events,
and the events behind reasons) is for the bureau in charge and the enterprise itself.  Reads of
non-public data are noted for the audit log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qcredit.core.disclosure import Verdict, verdict
from qcredit.core.errors import Forbidden
from qcredit.core.grading import Assessment
from qcredit.core.model import Enterprise
from qcredit.core.policy import Audience

if TYPE_CHECKING:
    from .context import Context


def region_of(e: Enterprise) -> str:
    return e.town_code or e.region_code


async def assessment_verdict(c: Context, a: Assessment) -> Verdict:
    ent = await c.loaders.enterprise.load(a.enterprise_id)
    assert ent is not None
    audience = c.principal.audience_for(ent.code, region_of(ent))
    approved = await c.loaders.approvals.load((a.policy_id, a.subject_type.value, a.subject_id))
    result = verdict(a.publicity, audience, a.level, approved)
    if result.visible and audience is not Audience.PUBLIC:
        if not verdict(a.publicity, Audience.PUBLIC, a.level, approved).visible:
            c.note_nonpublic_read(
                f"assessment:{a.policy_id}:{a.subject_type.value}:"
                f"{a.subject_id}:{a.as_of.isoformat()}"
            )
    return result


async def require_visible(c: Context, a: Assessment) -> Assessment:
    result = await assessment_verdict(c, a)
    if not result.visible:
        raise Forbidden(
            f"this assessment is not disclosed to you: {result.reason}",
            field="assessment",
            needsReview=result.needs_review or None,
        )
    return a


async def sees_ledger(c: Context, enterprise_id: int) -> bool:
    ent = await c.loaders.enterprise.load(enterprise_id)
    if ent is None:
        return False
    visible = c.principal.sees_ledger_of(ent.code, region_of(ent))
    if visible and c.principal.audience_for(ent.code, region_of(ent)) is Audience.REGULATOR:
        c.note_nonpublic_read(f"ledger:{ent.code}")
    return visible


async def require_ledger(c: Context, enterprise_id: int) -> None:
    if not await sees_ledger(c, enterprise_id):
        raise Forbidden(
            "the ledger of this enterprise is for its regulator and itself", field="events"
        )
