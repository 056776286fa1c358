"""The grades a caller may see as of a past date, graded through the engine on the spot.

The standing table holds only today's grades, so a snapshot of another date grades every subject
of the regions under every policy in force on it — as ``regionMap(asOf:)`` does
(:func:`qcredit.core.grading.regions.graded_tally`) — and writes nothing.  Each grade is checked
against its own publicity rules for the caller with
:func:`~qcredit.core.disclosure.reviews.verdict`, the rule the API applies to a single
assessment; a grade the caller may not see is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from qcredit.core.disclosure.callers import Principal
from qcredit.core.disclosure.export import (
    SNAPSHOT_FIELDS,
    Export,
    ExportedSubject,
    Namer,
    in_regions,
    product_label,
    record_snapshot,
    snapshot_order,
    snapshot_row,
)
from qcredit.core.disclosure.reviews import approved_for, verdict
from qcredit.core.errors import InvalidInput
from qcredit.core.grading.assess import Subject
from qcredit.core.grading.engine import Engine
from qcredit.core.store.tables import EnterpriseRow
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


def _named(policy_id: str, s: Subject) -> ExportedSubject:
    e, p = s.enterprise, s.product
    return ExportedSubject(
        policy_id,
        s.type.value,
        e.code,
        e.name,
        e.town_code or e.region_code,
        product_label(p.trademark, p.nice_class) if p else None,
    )


async def graded_grades(
    session: AsyncSession,
    engine: Engine,
    principal: Principal,
    as_of: date,
    *,
    regions: Sequence[str] = (),
    chunk: int = 500,
) -> Export:
    """Every grade on ``as_of`` the caller may see, in the given regions."""
    policies = [p for p in engine.registry.all_policies() if p.in_force(as_of)]
    if not policies:
        raise InvalidInput(f"no installed policy was in force on {as_of}", field="asOf")
    where = in_regions(func.coalesce(EnterpriseRow.town_code, EnterpriseRow.region_code), regions)
    stmt = select(EnterpriseRow.id).order_by(EnterpriseRow.id)
    ids = list((await session.execute(stmt if where is None else stmt.where(where))).scalars())
    namer = Namer(engine.registry)
    rows = []
    for start in range(0, len(ids), chunk):
        bundles = await engine.load_bundles(session, ids[start : start + chunk])
        graded = [
            (policy, subject, a)
            for bundle in bundles.values()
            for subject in (bundle.enterprise, *bundle.products.values())
            for policy in policies
            if subject.type in policy.subject_types
            and (a := engine.grade(policy, subject, as_of)) is not None
        ]
        approvals = await approved_for(
            session, ((p.id, a.subject_type.value, a.subject_id) for p, _, a in graded)
        )
        for policy, subject, a in graded:
            e = subject.enterprise
            audience = principal.audience_for(e.code, e.town_code or e.region_code)
            approved = approvals.get((policy.id, a.subject_type.value, a.subject_id), set())
            if verdict(a.publicity, audience, a.level, approved).visible:
                rows.append(snapshot_row(namer, _named(policy.id, subject), a.level, a.as_of))
    rows.sort(key=snapshot_order)
    await record_snapshot(session, principal, as_of.isoformat(), rows, regions)
    return Export(SNAPSHOT_FIELDS, rows, namer.policies(), as_of=as_of, regions=tuple(regions))
