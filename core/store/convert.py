"""Rows to domain values, and assessments to and from their stored form."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, date, datetime
from enum import Enum
from operator import itemgetter
from typing import Any

from qcredit.core.contract import Assessment, Audience, Disclosure, Measure, PriorGrading, Reason
from qcredit.core.model import Enterprise, EnterpriseRole, Event, Product, SubjectType
from qcredit.core.store.db import json_loads
from qcredit.core.store.tables import AssessmentRow, EnterpriseRow, EventRow, ProductRow
from sqlalchemy import Row

# The converters read attributes only, so a plain row of the same table will do: grading loads
# plain rows to skip the ORM's identity map (``grading/engine.py``).


def aware(dt: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def enterprise(row: EnterpriseRow | Row[Any]) -> Enterprise:
    roles = frozenset(EnterpriseRole(r) for r in row.roles.split(",") if r)
    return Enterprise(
        row.id, row.code, row.name, row.region_code, row.town_code, row.established_on, roles
    )


_EVENT_FIELDS = (
    *("id", "kind", "enterprise_id", "occurred_on", "recorded_at", "attributes"),
    *("product_id", "external_id", "corrects_id"),
)


def events(rows: Sequence[Any]) -> list[Event]:
    """:func:`event` for many plain rows of one statement (SQLAlchemy's or the driver's).

    A re-grade converts every event of every enterprise it grades. Read by name, each row
    paid nine attribute look-ups and a keyword call, and that took 4 µs an event. Here the
    columns are picked by position, with the positions found once from the first row's names,
    and the attributes dict is kept, not copied: a plain row's JSON is decoded for this row
    alone. It takes 1.2 µs."""
    if not rows:
        return []
    first = rows[0]
    names = list(first._fields if hasattr(first, "_fields") else first.keys())
    pick = itemgetter(*(names.index(f) for f in _EVENT_FIELDS))
    out: list[Event] = []
    append = out.append
    for row in rows:
        id_, kind, owner, on, at, attributes, product_id, external_id, corrects = pick(row)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        if type(attributes) is not dict:
            attributes = dict(attributes or {})
        append(Event(id_, kind, owner, on, at, attributes, product_id, external_id, corrects))
    return out


def product(row: ProductRow | Row[Any]) -> Product:
    return Product(row.id, row.enterprise_id, row.trademark, row.nice_class, row.category)


def event(row: EventRow | Row[Any]) -> Event:
    return Event(
        id=row.id,
        kind=row.kind,
        enterprise_id=row.enterprise_id,
        occurred_on=row.occurred_on,
        recorded_at=aware(row.recorded_at),
        attributes=dict(row.attributes or {}),
        product_id=row.product_id,
        external_id=row.external_id,
        corrects_id=row.corrects_id,
    )


def _reason(r: Reason) -> dict[str, Any]:
    return {"rule": r.rule, "article": r.article, "text": r.text, "events": list(r.events)}


def camel_dict(value: Any) -> dict[str, Any]:
    """A flat dataclass as its stored (JSON) form: camelCase keys in field order, enums by value."""
    return {
        key: v.value if isinstance(v := getattr(value, name), Enum) else v
        for name, key in _stored_names(type(value))  # type: ignore[arg-type]
    }


@functools.cache
def _stored_names(cls: type) -> tuple[tuple[str, str], ...]:
    # Once per dataclass: storing a re-grade writes these for every measure and disclosure.
    return tuple((f.name, _camel(f.name)) for f in fields(cls))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(r.title() for r in rest)


def payload(a: Assessment) -> dict[str, Any]:
    return {
        "reasons": [_reason(r) for r in a.reasons],
        "blockers": [_reason(r) for r in a.blockers],
        "supervision": [camel_dict(m) for m in a.supervision],
        "publicity": [camel_dict(d) for d in a.publicity],
        "details": a.details,
        "history": [
            {"asOf": h.as_of.isoformat(), "level": h.level, "score": h.score} for h in a.history
        ],
    }


def assessment_values(a: Assessment, graded_at: datetime) -> dict[str, Any]:
    return {
        "policy_id": a.policy_id,
        "subject_type": a.subject_type.value,
        "subject_id": a.subject_id,
        "enterprise_id": a.enterprise_id,
        "as_of": a.as_of,
        "level": a.level,
        "score": a.score,
        "payload": payload(a),
        "policy_version": a.policy_version,
        "parameters_digest": a.parameters_digest,
        "inputs_digest": a.inputs_digest,
        "graded_at": graded_at,
    }


def _reasons(items: list[dict[str, Any]]) -> tuple[Reason, ...]:
    return tuple(
        Reason(i["rule"], i["article"], i["text"], tuple(i.get("events") or ())) for i in items
    )


def disclosures(stored: Any) -> tuple[Disclosure, ...]:
    """The publicity rules of a stored assessment (its payload's ``publicity``)."""
    return tuple(
        Disclosure(Audience(d["audience"]), d["allowed"], d["needsReview"], d["text"], d["article"])
        for d in stored or ()
    )


# Gradings read back from the store, by what determines one: the row's key, its policy's
# version and parameters, and the digest of its inputs — a row with the same key and digests
# holds the same payload, so it is decoded and converted once per process, not per request.
_READ: dict[tuple[Any, ...], Assessment] = {}
_READ_KEPT = 10_000


def stored_assessment(row: Any) -> Assessment:
    """The grading of a row of ``stored_assessment_rows`` (payload as JSON text), reusing the one
    converted before for the same key and digests."""
    key = (
        row.policy_id,
        row.subject_type,
        row.subject_id,
        row.as_of,
        row.policy_version,
        row.parameters_digest,
        row.inputs_digest,
    )
    found = _READ.get(key) if row.inputs_digest else None
    if found is None:
        found = assessment(row, json_loads(row.payload_text) if row.payload_text else {})
        if row.inputs_digest:
            if len(_READ) >= _READ_KEPT:
                _READ.pop(next(iter(_READ)))  # the oldest
            _READ[key] = found
    return found


def assessment(row: AssessmentRow | Any, payload: dict[str, Any] | None = None) -> Assessment:
    p = (row.payload if payload is None else payload) or {}
    return Assessment(
        policy_id=row.policy_id,
        policy_version=row.policy_version,
        subject_type=SubjectType(row.subject_type),
        subject_id=row.subject_id,
        enterprise_id=row.enterprise_id,
        as_of=row.as_of,
        level=row.level or "",
        score=row.score,
        reasons=_reasons(p.get("reasons", [])),
        blockers=_reasons(p.get("blockers", [])),
        supervision=tuple(
            Measure(
                m["kind"],
                m["text"],
                m["article"],
                m.get("minPerYear"),
                m.get("planShareMin"),
                m.get("planShareMax"),
                m.get("color"),
            )
            for m in p.get("supervision", [])
        ),
        publicity=disclosures(p.get("publicity", [])),
        details=dict(p.get("details") or {}),
        parameters_digest=row.parameters_digest,
        inputs_digest=row.inputs_digest,
        history=tuple(
            PriorGrading(date.fromisoformat(h["asOf"]), h["level"], h.get("score"))
            for h in p.get("history", [])
        ),
    )
