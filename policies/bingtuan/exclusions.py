"""第十条: information that is not a basis for the grade.

（二）–（五）（六 repair) are applied by the core before the policy sees the facts (REVOKE, AMEND,
ERRONEOUS, REPAIR corrections).  Left here are:

（一）超出法定公示期间不再予以公示的信用信息 — penalty information, by the publicity periods of
     总局令第45号 (第二条: a warning alone is not publicised; 第十三条: 3 months for 通报批评 or a
     lower-amount fine, 3 years otherwise);
（六）超出信用影响期的 — a listing whose ``until`` date has passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from qcredit.core.facts import Fact, Facts
from qcredit.core.temporal import period_end


def penalty_publicity_end(penalty: Fact, params: Mapping[str, Any]) -> date | None:
    """Last day the penalty is publicised; ``None`` when it is never publicised."""
    measure = penalty.get("measure")
    if measure == "WARNING" and not params["warning_publicised"]:
        return None
    fine = penalty.get("fineYuan")
    if measure == "FINE" and fine is not None and fine < params["lower_fine_threshold_yuan"]:
        return period_end(penalty.occurred_on, months=params["publicity_months_minor_penalty"])
    return period_end(penalty.occurred_on, years=params["publicity_years_other_penalty"])


def publicised_penalties(facts: Facts, params: Mapping[str, Any]) -> list[Fact]:
    """Penalties still inside their statutory publicity period on the grading date."""
    out = []
    for f in facts.of("ADMINISTRATIVE_PENALTY"):
        end = penalty_publicity_end(f, params)
        if end is not None and facts.as_of <= end:
            out.append(f)
    return out


def listing_in_effect(entry: Fact, on: date) -> bool:
    """A listing counts until its ``until`` date (inclusive); without one, until it is removed by a
    correction (REPAIR/REVOKE, applied by the core)."""
    raw = entry.get("until")
    return raw is None or on <= date.fromisoformat(raw)


def listings(facts: Facts, *lists: str) -> list[Fact]:
    """LIST_ENTRY records of the given lists still in their credit impact period (第十条（六）)."""
    return [f for f in facts.of("LIST_ENTRY", list=set(lists)) if listing_in_effect(f, facts.as_of)]
