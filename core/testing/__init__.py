"""Building subjects in memory, for policy tests written from the texts.

Used by the shipped policies' tests and by the scaffold ``qcredit new-policy`` generates::

    b = SubjectBuilder(established_on="2019-01-01", region_code="410481")
    fail = b.event("SAMPLING_INSPECTION", "2023-05-01", result="FAIL")
    b.correct(fail, "REVOKE", on="2023-06-01")
    result = assess(policy, b.enterprise_subject(), date(2023, 12, 31))

Attributes are validated against the core vocabulary (plus ``extra_kinds``), so a test cannot
grade data the API would refuse.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from qcredit.core.grading.assess import Subject
from qcredit.core.model import (
    CORRECTION_KIND,
    CorrectionAction,
    Enterprise,
    EnterpriseRole,
    Event,
    Product,
)
from qcredit.core.vocabulary import EventKind, Vocabulary


def _date(d: date | str) -> date:
    return d if isinstance(d, date) else date.fromisoformat(d)


class SubjectBuilder:
    def __init__(
        self,
        *,
        established_on: date | str | None = "2010-01-01",
        region_code: str = "110101",
        town_code: str | None = None,
        roles: Iterable[str] = ("PRODUCER",),
        code: str = "91310110666007217T",
        name: str = "测试企业有限公司",
        extra_kinds: Iterable[EventKind] = (),
    ) -> None:
        self.enterprise = Enterprise(
            id=1,
            code=code,
            name=name,
            region_code=region_code,
            town_code=town_code,
            established_on=_date(established_on) if established_on else None,
            roles=frozenset(EnterpriseRole(r) for r in roles),
        )
        self.products: list[Product] = []
        self.events: list[Event] = []
        self.vocabulary = Vocabulary.with_core(extra_kinds)
        self._next_id = 1

    def product(
        self, trademark: str = "牌", nice_class: int = 9, category: str | None = None
    ) -> int:
        pid = 100 + len(self.products) + 1
        self.products.append(Product(pid, self.enterprise.id, trademark, nice_class, category))
        return pid

    def event(
        self,
        kind: str,
        on: date | str,
        *,
        product: int | None = None,
        recorded_at: datetime | None = None,
        **attributes: Any,
    ) -> int:
        spec = self.vocabulary.get(kind)
        attrs = spec.validate(attributes)
        occurred = _date(on)
        eid = self._next_id
        self._next_id += 1
        self.events.append(
            Event(
                id=eid,
                kind=kind,
                enterprise_id=self.enterprise.id,
                occurred_on=occurred,
                recorded_at=recorded_at or datetime.combine(occurred, time(12), tzinfo=UTC),
                attributes=attrs,
                product_id=product,
            )
        )
        return eid

    def correct(
        self,
        event_id: int,
        action: str,
        *,
        on: date | str,
        reason: str = "更正",
        changes: dict[str, Any] | None = None,
    ) -> int:
        target = next(e for e in self.events if e.id == event_id)
        act = CorrectionAction(action)
        attrs: dict[str, Any] = {"action": act.value, "reason": reason}
        if act is CorrectionAction.AMEND:
            attrs["changes"] = self.vocabulary.get(target.kind).validate(
                {**target.attributes, **(changes or {})}
            )
        eid = self._next_id
        self._next_id += 1
        occurred = _date(on)
        self.events.append(
            Event(
                id=eid,
                kind=CORRECTION_KIND,
                enterprise_id=self.enterprise.id,
                occurred_on=occurred,
                recorded_at=datetime.combine(occurred, time(12), tzinfo=UTC),
                attributes=attrs,
                product_id=target.product_id,
                corrects_id=event_id,
            )
        )
        return eid

    def enterprise_subject(self) -> Subject:
        return Subject(self.enterprise, None, tuple(self.products), tuple(self.events))

    def product_subject(self, product_id: int) -> Subject:
        product = next(p for p in self.products if p.id == product_id)
        events = tuple(e for e in self.events if e.product_id == product_id)
        return Subject(self.enterprise, product, (product,), events)
