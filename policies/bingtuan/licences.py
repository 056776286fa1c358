"""Production licences: who is a 获证企业 (第二、三条); whose conditions fail (第十一条（二）)."""

from __future__ import annotations

from datetime import date

from qcredit.core.facts import Fact, Facts

# Records that end a granted licence (第三条 "依法取得工业产品生产许可证": no longer held).
ENDING = frozenset({"SUSPENDED", "REVOKED", "EXPIRED"})


def _valid_until(fact: Fact) -> date | None:
    raw = fact.get("validUntil")
    return date.fromisoformat(raw) if raw else None


def _records_by(facts: Facts, on: date) -> list[Fact]:
    return [f for f in facts.of("LICENCE") if f.occurred_on <= on]


def valid_licences(facts: Facts, on: date | None = None) -> list[Fact]:
    """GRANTED licence records still held on ``on`` (default: the grading date).

    A grant counts when its ``validUntil`` (if recorded) is not before the grading date — the last
    day of validity still counts — and no later SUSPENDED/REVOKED/EXPIRED record exists for the
    same licence number.  A NONCOMPLIANT record does not end the licence (it is 第十一条（二）'s
    concern); a later GRANTED record for the same number renews it.
    """
    on = facts.as_of if on is None else on
    records = _records_by(facts, on)  # oldest first, by (occurred_on, id)
    held = []
    for i, grant in enumerate(records):
        if grant.get("status") != "GRANTED":
            continue
        until = _valid_until(grant)
        if until is not None and until < on:
            continue
        number = grant.get("licenceNo")
        ended = any(
            later.get("licenceNo") == number and later.get("status") in ENDING
            for later in records[i + 1 :]
        )
        if not ended:
            held.append(grant)
    return held


def noncompliant_licences(facts: Facts, on: date) -> list[Fact]:
    """Licences whose latest record by ``on`` finds the licence conditions not met (not yet
    re-granted)."""
    latest: dict[str | None, Fact] = {}
    for f in _records_by(facts, on):
        latest[f.get("licenceNo")] = f
    return [f for f in latest.values() if f.get("status") == "NONCOMPLIANT"]
