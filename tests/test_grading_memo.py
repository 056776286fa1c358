"""One subject graded on many dates (the grade-history field, a re-grade with history) shares
what it already graded: an earlier grade made as a later date's history is kept to level and
score, and the whole assessment of that date is made when it is asked for itself.  Sharing must
not change a single field: each date's assessment equals the one graded alone, whatever the
order the dates are asked in (principle 1: a grade is a function of the ledger and the date)."""

from __future__ import annotations

from typing import Any

from qcredit.core import clock
from qcredit.core.grading.assess import Memo, assess
from qcredit.core.grading.engine import standing_date
from qcredit.core.store.tables import EnterpriseRow
from sqlalchemy import select


async def test_shared_gradings_equal_each_date_graded_alone(demo_app: Any) -> None:
    services = demo_app.state.services
    engine, registry = services.engine, services.registry
    async with services.sessions() as s:
        ids = list((await s.execute(select(EnterpriseRow.id).order_by(EnterpriseRow.id))).scalars())
        bundles = await engine.load_bundles(s, ids[::7])
    compared = with_history = 0
    for policy in registry.all_policies():
        last = standing_date(policy, clock.today())
        if last is None:
            continue
        for bundle in bundles.values():
            if not policy.covers_region(bundle.enterprise.enterprise.region_code):
                continue
            for subject in (bundle.enterprise, *bundle.products.values()):
                if subject.type not in policy.subject_types:
                    continue
                dates = sorted(
                    {e.occurred_on for e in subject.events if policy.in_force(e.occurred_on)}
                    | {last}
                )[-6:]
                alone = {d: assess(policy, subject, d, check_in_force=False) for d in dates}
                for order in (dates, dates[::-1]):
                    memo = Memo()
                    shared = {
                        d: assess(policy, subject, d, check_in_force=False, _memo=memo)
                        for d in order
                    }
                    assert shared == alone, (policy.id, subject.type, subject.id)
                compared += len(dates)
                with_history += any(a is not None and a.history for a in alone.values())
    assert compared > 100 and with_history > 10  # the demo grades with history somewhere
