"""Building demonstration and synthetic records in the import format (docs/import-format.md).

Every policy's ``qcredit_demo_records(today)`` and ``qcredit synth`` write enterprises,
products, events and corrections as plain dicts.  What they share lives here once: valid unified
social credit codes, the four record shapes, a :class:`Ledger` that numbers externalIds and
refuses future dates like the real ledger, dated series (spaced inspections, renewed licence
terms), and :class:`Demo`, a seeded world of enterprises of given trades in given places.

Nothing here names a place, a trade or a rule: the policy's demo brings its counties, brands and
the events that make each of its levels.  Everything draws from the ``random.Random`` it is given,
in a fixed order, so the same seed and ``today`` always give the same records.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from qcredit.core.identifiers import CREDIT_CODE_CHARSET, credit_code_check_character
from qcredit.core.temporal import add_years

Record = dict[str, Any]
# (trademark, Nice class, category): a product is trademark × Nice class (docs/import-format.md).
Product = tuple[str, int, str | None]
# (GB/T 2260 code, the place word company names begin with, 3-digit town/street suffixes).
Place = tuple[str, str, tuple[str, ...]]

# GB 32100-2015 positions 1–2: 9 = registered by market supervision, 1 = enterprise.
ENTERPRISE_CODE_HEAD = "91"
CODE_BODY_LENGTH = 9  # positions 9–17, the organisation's own part


# -- identities ------------------------------------------------------------------------------


def credit_code(region: str, body: str) -> str:
    """The unified social credit code of an enterprise registered in ``region`` (6 digits),
    ``body`` its 9 own characters; the check character (GB 32100-2015 §4.3) is appended."""
    first17 = ENTERPRISE_CODE_HEAD + region + body
    return first17 + credit_code_check_character(first17)


def numbered_credit_code(number: int, region: str) -> str:
    """A valid code whose body spells ``number`` in base 31: distinct numbers, distinct codes
    (for numbers below 31⁹)."""
    digits = []
    for _ in range(CODE_BODY_LENGTH):
        number, rest = divmod(number, len(CREDIT_CODE_CHARSET))
        digits.append(CREDIT_CODE_CHARSET[rest])
    return credit_code(region, "".join(reversed(digits)))


class CreditCodes:
    """Random valid codes, never the same one twice."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._issued: set[str] = set()

    def draw(self, region: str, lead: str = "") -> str:
        """A new code in ``region``; ``lead`` fixes the first characters of the body."""
        while True:
            tail = (
                self._rng.choice(CREDIT_CODE_CHARSET) for _ in range(CODE_BODY_LENGTH - len(lead))
            )
            code = credit_code(region, lead + "".join(tail))
            if code not in self._issued:
                self._issued.add(code)
                return code


def shuffled(rng: random.Random, items: Iterable[str]) -> list[str]:
    """``items`` in a seeded random order (to pop unique words from)."""
    out = list(items)
    rng.shuffle(out)
    return out


def trademarks(
    rng: random.Random, pool: Sequence[str], offered: Iterable[tuple[int, str]]
) -> list[Product]:
    """An enterprise's products: two trademarks from ``pool`` over the (Nice class, category)
    pairs it offers, never the same trademark twice in one class."""
    marks = rng.sample(pool, 2)
    products: list[Product] = []
    for i, (nice, category) in enumerate(offered):
        mark = marks[0] if i == 0 or rng.random() < 0.5 else marks[1]
        if any(p[0] == mark and p[1] == nice for p in products):
            mark = marks[1] if mark == marks[0] else marks[0]
        products.append((mark, nice, category))
    return products


# -- records ---------------------------------------------------------------------------------


def enterprise_record(
    code: str, name: str, region: str, established: date, roles: Iterable[str]
) -> Record:
    return {
        "type": "enterprise",
        "code": code,
        "name": name,
        "regionCode": region,
        "establishedOn": established.isoformat(),
        "roles": list(roles),
    }


def product_record(
    enterprise_code: str, trademark: str, nice_class: int, category: str | None = None
) -> Record:
    record: Record = {
        "type": "product",
        "enterpriseCode": enterprise_code,
        "trademark": trademark,
        "niceClass": nice_class,
    }
    if category is not None:
        record["category"] = category
    return record


def event_record(
    enterprise_code: str,
    kind: str,
    on: date,
    attributes: Mapping[str, Any],
    external_id: str,
    product: tuple[str, int] | None = None,
) -> Record:
    """An event; ``product`` (trademark, Nice class) makes it a product event.  An attribute
    given as None is left out (absent, not null)."""
    record: Record = {
        "type": "event",
        "enterpriseCode": enterprise_code,
        "kind": kind,
        "occurredOn": on.isoformat(),
        "attributes": {k: v for k, v in attributes.items() if v is not None},
        "externalId": external_id,
    }
    if product is not None:
        record["trademark"], record["niceClass"] = product
    return record


def correction_record(
    target: str,
    action: str,
    reason: str,
    on: date,
    external_id: str,
    changes: Mapping[str, Any] | None = None,
) -> Record:
    """A correction of the event whose externalId is ``target``; ``changes`` for AMEND."""
    record: Record = {
        "type": "correction",
        "eventExternalId": target,
        "action": action,
        "reason": reason,
        "effectiveOn": on.isoformat(),
        "externalId": external_id,
    }
    if changes:
        record["attributes"] = dict(changes)
    return record


class Ledger:
    """A demo's records in import order, corrections after everything they may name.

    Events are numbered ``prefix`` + a serial of ``width`` digits.  A correction takes the next
    serial (``numbered_corrections``) or its target's id plus the action.  Like the real ledger,
    it refuses an event or correction dated after ``today``: it is left out (``event`` returns
    None), and so is any correction of it.
    """

    def __init__(
        self, today: date, prefix: str, *, width: int = 5, numbered_corrections: bool = True
    ) -> None:
        self.today = today
        self.records: list[Record] = []
        self.corrections: list[Record] = []
        self._prefix, self._width = prefix, width
        self._numbered = numbered_corrections
        self._serial = 0

    def next_id(self) -> str:
        self._serial += 1
        return f"{self._prefix}{self._serial:0{self._width}d}"

    def enterprise(
        self, code: str, name: str, region: str, established: date, roles: Iterable[str]
    ) -> None:
        self.records.append(enterprise_record(code, name, region, established, roles))

    def product(
        self, enterprise_code: str, trademark: str, nice_class: int, category: str | None
    ) -> None:
        self.records.append(product_record(enterprise_code, trademark, nice_class, category))

    def event(
        self,
        enterprise_code: str,
        kind: str,
        on: date,
        product: tuple[str, int] | None = None,
        **attributes: Any,
    ) -> str | None:
        if on > self.today:
            return None
        external_id = self.next_id()
        self.records.append(
            event_record(enterprise_code, kind, on, attributes, external_id, product)
        )
        return external_id

    def correct(
        self, target: str | None, action: str, reason: str, on: date, **changes: Any
    ) -> None:
        if target is None or on > self.today:
            return
        external_id = self.next_id() if self._numbered else f"{target}-{action.lower()}"
        self.corrections.append(correction_record(target, action, reason, on, external_id, changes))

    def all(self) -> list[Record]:
        return self.records + self.corrections


# -- dates -----------------------------------------------------------------------------------


def day_between(rng: random.Random, first: date, last: date) -> date:
    """A random day from ``first`` to ``last`` inclusive (``first`` when ``last`` is earlier)."""
    if last < first:
        return first
    return first + timedelta(days=rng.randint(0, (last - first).days))


def spaced_days(
    rng: random.Random,
    first: date,
    gap_days: tuple[int, int],
    *,
    until: date | None = None,
    count: int | None = None,
) -> Iterator[date]:
    """``first``, then each day a random ``gap_days`` after the one before, while on or before
    ``until`` and fewer than ``count``.

    Lazy: the gap after a day is drawn when the next day is asked for (a ``for`` loop, or
    ``zip(..., strict=True)``, asks once past the last), so the caller may draw from the same
    ``rng`` between two days and the sequence stays the same for the same seed.
    """
    day, n = first, 0
    while (until is None or day <= until) and (count is None or n < count):
        yield day
        n += 1
        day += timedelta(days=rng.randint(*gap_days))


def renewed_terms(
    rng: random.Random,
    granted: date,
    today: date,
    *,
    years: int,
    renew_days: tuple[int, int],
) -> Iterator[tuple[date, date]]:
    """(granted, valid until) of a licence granted on ``granted`` for ``years`` and renewed
    ``renew_days`` before each expiry, until a term is still running on ``today``."""
    while True:
        until = add_years(granted, years) - timedelta(days=1)
        yield granted, until
        renew = until - timedelta(days=rng.randint(*renew_days))
        if until >= today or renew > today:
            return
        granted = renew


# -- a seeded world of trades in places ------------------------------------------------------


@dataclass(frozen=True)
class Trade:
    word: str  # the trade word in the company name
    roles: tuple[str, ...]
    licence: str | None  # production licence product category (None: the trade needs none)
    licence_code: str  # XKnn-nnn part of the licence number
    products: tuple[tuple[int, str], ...]  # (Nice class, category)
    places: tuple[str, ...] = ()  # preferred place codes (empty = anywhere)


@dataclass
class DemoEnterprise:
    code: str
    name: str
    region: str
    established: date
    trade: Trade
    products: list[Product] = field(default_factory=list)
    licence_no: str | None = None


class Demo:
    """Enterprises of :class:`Trade` s in :data:`Place` s with their products, events and
    corrections, all drawn from one seeded generator.

    A subclass gives the places, brands, trademarks and licence numbering as class attributes
    and writes the designed cases of its levels with :meth:`enterprise`, :meth:`event` and the
    helpers for common histories.
    """

    places: tuple[Place, ...]
    brands: tuple[str, ...]
    trademarks: tuple[str, ...]
    suffixes: tuple[str, ...] = ("有限公司", "有限责任公司", "股份有限公司")
    town_share = 0.3  # share of enterprises registered with a town/street code
    licence_issuer = ""  # the mark a licence number begins with
    licence_serial = 100  # licence numbers count up from here
    licence_serial_step = 30  # by a random 1 to this much
    licence_grant_days = (60, 180)  # a first licence comes this long after establishment

    def __init__(self, today: date, seed: int, prefix: str) -> None:
        self.today = today
        self.rng = random.Random(seed)
        self.ledger = Ledger(today, prefix)
        self.codes = CreditCodes(self.rng)
        self.intent: dict[str, str] = {}  # code -> the level it is designed for
        self._names: set[str] = set()

    # -- dates ---------------------------------------------------------------------------------
    def ago(self, days: int) -> date:
        return self.today - timedelta(days=max(0, days))

    def established(self, low_years: float, high_years: float) -> date:
        return self.ago(int(self.rng.uniform(low_years, high_years) * 365.25))

    # -- identities ----------------------------------------------------------------------------
    def name_head(self, place: str) -> str:
        """What a company name begins with: its place word, unless a subclass says otherwise."""
        return place

    def name(self, place: str, word: str) -> str:
        while True:
            head = self.name_head(place)
            name = f"{head}{self.rng.choice(self.brands)}{word}{self.rng.choice(self.suffixes)}"
            if name not in self._names:
                self._names.add(name)
                return name

    # -- records -------------------------------------------------------------------------------
    def enterprise(
        self, established: date, trade: Trade, *, intent: str | None = None
    ) -> DemoEnterprise:
        rng = self.rng
        places = [p for p in self.places if not trade.places or p[0] in trade.places]
        code, word, towns = rng.choice(places)
        region = code + rng.choice(towns) if rng.random() < self.town_share else code
        ent = DemoEnterprise(
            self.codes.draw(code), self.name(word, trade.word), region, established, trade
        )
        self.ledger.enterprise(ent.code, ent.name, region, established, trade.roles)
        ent.products = trademarks(rng, self.trademarks, trade.products)
        for mark, nice, category in ent.products:
            self.ledger.product(ent.code, mark, nice, category)
        if intent:
            self.intent[ent.code] = intent
        return ent

    def event(
        self, ent: DemoEnterprise, kind: str, on: date, product: bool = False, **attributes: Any
    ) -> str | None:
        """An event of ``ent`` (never before its establishment); ``product``: of one of its
        products, drawn at random."""
        mark = None
        if product:
            trademark, nice, _ = self.rng.choice(ent.products)
            mark = (trademark, nice)
        return self.ledger.event(ent.code, kind, max(on, ent.established), mark, **attributes)

    def correct(
        self, target: str | None, action: str, on: date, reason: str, **changes: Any
    ) -> None:
        self.ledger.correct(target, action, reason, on, **changes)

    # -- common histories ----------------------------------------------------------------------
    def failed_sampling(
        self, ent: DemoEnterprise, on: date, severity: str = "MINOR", level: str = "PROVINCIAL"
    ) -> str | None:
        return self.event(
            ent, "SAMPLING_INSPECTION", on, True, result="FAIL", severity=severity, level=level
        )

    def licence_status(
        self, ent: DemoEnterprise, on: date, status: str, **attributes: Any
    ) -> str | None:
        """A LICENCE event on ``ent``'s current licence (noncompliant, revoked, suspended …)."""
        number, category = ent.licence_no, ent.trade.licence
        return self.event(
            ent,
            "LICENCE",
            on,
            status=status,
            licenceNo=number,
            productCategory=category,
            **attributes,
        )

    def new_licence_no(self, ent: DemoEnterprise, step: int | None = None) -> str:
        self.licence_serial += step or self.rng.randint(1, self.licence_serial_step)
        ent.licence_no = (
            f"{self.licence_issuer}XK{ent.trade.licence_code[2:]}-{self.licence_serial:05d}"
        )
        return ent.licence_no

    def licence(self, ent: DemoEnterprise) -> None:
        """A production licence granted after establishment (at most nine years ago), renewed
        every five years; nothing for a trade that needs none."""
        if ent.trade.licence is None:
            return
        self.new_licence_no(ent)
        granted = max(
            ent.established + timedelta(days=self.rng.randint(*self.licence_grant_days)),
            self.ago(9 * 365),
        )
        first = min(granted, self.ago(5))
        terms = renewed_terms(self.rng, first, self.today, years=5, renew_days=(20, 90))
        for granted_on, until in terms:
            self.licence_status(ent, granted_on, "GRANTED", validUntil=until.isoformat())

    def expired_licence(
        self, ent: DemoEnterprise, expired_days: tuple[int, int], step: int | None = None
    ) -> None:
        """A five-year licence that ran out ``expired_days`` ago and was not renewed."""
        until = self.ago(self.rng.randint(*expired_days))
        self.new_licence_no(ent, step)
        granted = add_years(until + timedelta(days=1), -5)
        self.licence_status(ent, granted, "GRANTED", validUntil=until.isoformat())

    def passed_checks(
        self,
        ent: DemoEnterprise,
        *,
        sampling_share: float,
        levels: Sequence[str],
        until: date | None = None,
    ) -> None:
        """Passed samplings (``sampling_share`` of them, at one of ``levels``) and supervision
        checks every 4 to 11 months over the last six years, up to ``until`` (today)."""
        rng = self.rng
        start = max(ent.established + timedelta(days=30), self.ago(6 * 365))
        first = start + timedelta(days=rng.randint(20, 150))
        for day in spaced_days(rng, first, (120, 330), until=until or self.today):
            if rng.random() < sampling_share:
                level = rng.choice(levels)
                self.event(ent, "SAMPLING_INSPECTION", day, True, result="PASS", level=level)
            else:
                self.event(ent, "SUPERVISION_CHECK", day, result="PASS")

    def records(self) -> list[Record]:
        return self.ledger.all()
