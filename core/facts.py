"""A subject as of a date: the ledger events that count, with corrections applied.

Policies never read the ledger; they read :class:`Facts`.  Assembling facts is a pure function of
the recorded events, the grading date and (optionally) the moment up to which records are taken
into account, so that "what did we know on date X" stays answerable.

Correction rules, applied for every policy because they are the general law of credit
information (revoked or erroneous acts, changed parts and repaired credit are not grounds for a
grade; docs/design.md, principle 2), not one city's choice:

* ``REVOKE`` and ``ERRONEOUS`` — the act never counts, on any date;
* ``AMEND`` — the changed attributes replace the original ones on every date;
* ``REPAIR`` — the event counts before the repair date and not from it on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

from qcredit.core.model import (
    CORRECTION_KIND,
    CorrectionAction,
    Enterprise,
    Event,
    EventStatus,
    Product,
    SubjectType,
)
from qcredit.core.temporal import (
    established_for,
    in_calendar_year,
    overlaps,
    window_start,
)


@dataclass(frozen=True)
class Fact:
    """A ledger event as it counts on the grading date."""

    id: int
    kind: str
    occurred_on: date
    recorded_at: datetime
    attributes: Mapping[str, Any]
    product_id: int | None = None
    status: EventStatus = EventStatus.ACTIVE
    external_id: str | None = None

    def get(self, name: str, default: Any = None) -> Any:
        return self.attributes.get(name, default)

    def matches(self, kinds: tuple[str, ...], attrs: Mapping[str, Any]) -> bool:
        if kinds and self.kind not in kinds:
            return False
        for name, wanted in attrs.items():
            value = self.attributes.get(name)
            if callable(wanted):
                if not wanted(value):
                    return False
            elif isinstance(wanted, (set, frozenset, tuple, list)):
                if value not in wanted:
                    return False
            elif value != wanted:
                return False
        return True


@dataclass(frozen=True)
class CorrectionState:
    """What the corrections recorded so far say about one event."""

    status: EventStatus
    changes: Mapping[str, Any]
    repaired_on: date | None
    void: bool  # revoked or erroneous: never counts


def correction_states(
    events: Iterable[Event], known_at: datetime | None = None
) -> dict[int, CorrectionState]:
    """Fold the CORRECTION events into a state per corrected event id."""
    corrections = sorted(
        (
            e
            for e in events
            if e.kind == CORRECTION_KIND
            and e.corrects_id is not None
            and (known_at is None or e.recorded_at <= known_at)
        ),
        key=lambda e: (e.recorded_at, e.id),
    )
    states: dict[int, CorrectionState] = {}
    for c in corrections:
        target = c.corrects_id
        assert target is not None
        action = CorrectionAction(c.attributes["action"])
        prev = states.get(target, CorrectionState(EventStatus.ACTIVE, {}, None, False))
        if prev.void:
            continue
        if action is CorrectionAction.AMEND:
            changes = {**prev.changes, **dict(c.attributes.get("changes") or {})}
            states[target] = CorrectionState(
                EventStatus.REPAIRED if prev.repaired_on else EventStatus.AMENDED,
                changes,
                prev.repaired_on,
                False,
            )
        elif action is CorrectionAction.REPAIR:
            states[target] = CorrectionState(
                EventStatus.REPAIRED, prev.changes, c.occurred_on, False
            )
        else:
            states[target] = CorrectionState(action.status, prev.changes, prev.repaired_on, True)
    return states


def effective_facts(
    events: Iterable[Event], as_of: date, known_at: datetime | None = None
) -> tuple[Fact, ...]:
    """The events that count on ``as_of``, oldest first, with corrections applied."""
    return Ledger(tuple(events)).facts(as_of, known_at)


class Ledger:
    """One subject's events, ready to be asked what counts on any date.

    Grading one subject asks for its facts on the grading date and on every earlier date its
    policy looks back to (history), so what does not depend on the date is worked out once: the
    events in (date, id) order, the state the corrections put each event in (when every
    correction counts, i.e. without ``known_at``), and the fact an uncorrected event stands as."""

    def __init__(self, events: Sequence[Event]) -> None:
        self.events = sorted(events, key=lambda e: (e.occurred_on, e.id))
        self._states: dict[int, CorrectionState] | None = None
        self._plain: dict[int, Fact] = {}

    def facts(self, as_of: date, known_at: datetime | None = None) -> tuple[Fact, ...]:
        if known_at is None:
            if self._states is None:
                self._states = correction_states(self.events)
            states = self._states
        else:
            states = correction_states(self.events, known_at)
        facts: list[Fact] = []
        for e in self.events:
            if e.occurred_on > as_of:
                break  # in date order: nothing later counts
            if e.kind == CORRECTION_KIND:
                continue
            if known_at is not None and e.recorded_at > known_at:
                continue
            state = states.get(e.id)
            if state is None:
                fact = self._plain.get(e.id)
                if fact is None:
                    fact = self._plain[e.id] = _fact(e, e.attributes, EventStatus.ACTIVE)
                facts.append(fact)
                continue
            if state.void:
                continue
            if state.repaired_on is not None and as_of >= state.repaired_on:
                continue
            attributes: Mapping[str, Any] = e.attributes
            if state.changes:
                attributes = {
                    k: v for k, v in {**e.attributes, **state.changes}.items() if v is not None
                }
            facts.append(_fact(e, attributes, state.status))
        return tuple(facts)


def _fact(e: Event, attributes: Mapping[str, Any], status: EventStatus) -> Fact:
    return Fact(
        e.id, e.kind, e.occurred_on, e.recorded_at, attributes, e.product_id, status, e.external_id
    )


Filter = Callable[[Fact], bool]


@dataclass(frozen=True)
class Facts:
    """Everything a policy may know about one subject on one date."""

    as_of: date
    subject_type: SubjectType
    enterprise: Enterprise
    product: Product | None
    products: tuple[Product, ...]
    events: tuple[Fact, ...]

    @property
    def subject_id(self) -> int:
        return self.product.id if self.product is not None else self.enterprise.id

    @property
    def region_code(self) -> str:
        return self.enterprise.town_code or self.enterprise.region_code

    # -- selecting events -------------------------------------------------------------------
    @cached_property
    def _by_kind(self) -> dict[str, list[Fact]]:
        """The events of each kind, in order: a policy asks for one kind hundreds of times
        while grading one subject (its history dates included)."""
        out: dict[str, list[Fact]] = {}
        for f in self.events:
            out.setdefault(f.kind, []).append(f)
        return out

    def of(self, *kinds: str, **attrs: Any) -> list[Fact]:
        """Events of the given kinds whose attributes match (a value, a set of values, or a
        predicate).  ``facts.of("SAMPLING_INSPECTION", result="FAIL")``."""
        if len(kinds) == 1:
            found = self._by_kind.get(kinds[0], ())
            return [f for f in found if f.matches((), attrs)] if attrs else list(found)
        return [f for f in self.events if f.matches(kinds, attrs)]

    def _dated(
        self, start: date, end: date, kinds: tuple[str, ...], attrs: Mapping[str, Any]
    ) -> list[Fact]:
        """:meth:`of` restricted to ``[start, end]`` in one pass (a policy asks for windows
        dozens of times per subject and date; the lists are short, so no bisect)."""
        if len(kinds) == 1:
            found = self._by_kind.get(kinds[0], ())
            if attrs:
                return [f for f in found if start <= f.occurred_on <= end and f.matches((), attrs)]
            return [f for f in found if start <= f.occurred_on <= end]
        return [f for f in self.events if start <= f.occurred_on <= end and f.matches(kinds, attrs)]

    def within_years(self, years: int, *kinds: str, **attrs: Any) -> list[Fact]:
        """近 N 年 / N 年内: events inside the N-year period ending on the grading date
        (temporal.within_years, asked as the window it is: from window_start to the date)."""
        return self._dated(window_start(self.as_of, years=years), self.as_of, kinds, attrs)

    def within_months(self, months: int, *kinds: str, **attrs: Any) -> list[Fact]:
        return self._dated(window_start(self.as_of, months=months), self.as_of, kinds, attrs)

    def this_year(self, *kinds: str, **attrs: Any) -> list[Fact]:
        """当年: events in the calendar year of the grading date."""
        return [f for f in self.of(*kinds, **attrs) if in_calendar_year(f.occurred_on, self.as_of)]

    def between(self, start: date, end: date, *kinds: str, **attrs: Any) -> list[Fact]:
        return self._dated(start, end, kinds, attrs)

    def in_effect_between(
        self, start: date, end: date, *kinds: str, ends: str = "until", **attrs: Any
    ) -> list[Fact]:
        """Events that held at any time in ``[start, end]``: an event holds from the day it
        happened to the date in its ``ends`` attribute (ISO, inclusive; absent: still holding).
        "列入过…名单" within a window, including a listing that has since ended."""
        return [
            f
            for f in self.of(*kinds, **attrs)
            if overlaps(f.occurred_on, _date_or_none(f.get(ends)), start, end)
        ]

    def latest(self, *kinds: str, **attrs: Any) -> Fact | None:
        found = self.of(*kinds, **attrs)
        return found[-1] if found else None

    def own(self) -> list[Fact]:
        """Events recorded on the enterprise itself, not on one of its products."""
        return [f for f in self.events if f.product_id is None]

    # -- the subject ------------------------------------------------------------------------
    def established_for(self, years: int) -> bool:
        """成立满 N 年 on the grading date (an unknown date never counts as old enough)."""
        return established_for(self.enterprise.established_on, self.as_of, years)

    def product_categories(self) -> set[str]:
        return {p.category for p in self.products if p.category}


def _date_or_none(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def ids(facts: Iterable[Fact]) -> tuple[int, ...]:
    """Event ids for a :class:`~qcredit.core.policy.Reason`."""
    return tuple(f.id for f in facts)
