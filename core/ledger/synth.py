"""Deterministic synthetic data for load tests: ``qcredit synth --size S|M|L --seed N``.

Jurisdiction-free: the generator names no region, category or rule.  It learns what each installed
policy's world looks like from the policy itself — its region codes — and from the demo records
its plug-in ships (``qcredit_demo_records``): which counties and towns hold enterprises, which
product categories and Nice classes occur, and which events (kind, attributes, age) happen to an
enterprise there.  A synthetic enterprise copies the history of one demo enterprise of the same
area with its dates shifted a little, then draws further events from the area's pool, plus — with
a small probability for every core event kind — an event of any kind at all, so that every policy
meets inputs its demo never showed it.  About 1.5 % of events are later corrected.

The output is a stream of import records (:mod:`qcredit.core.ledger.importer` format), written
through the bulk path (:func:`qcredit.core.ledger.importer.import_records_bulk`): every row is
validated like any
import, and nothing goes through GraphQL or the ORM one row at a time.  Each enterprise draws from
its own random generator seeded by (seed, index), so the data set is the same whatever the batch
size, and a run of size L can be streamed without holding it in memory.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from qcredit.core.identifiers import region_prefix
from qcredit.core.model import Role
from qcredit.core.plugins import Registry
from qcredit.core.testing.demo import (
    correction_record,
    enterprise_record,
    event_record,
    numbered_credit_code,
    product_record,
)
from qcredit.core.vocabulary import AttributeSpec, EventKind, Vocabulary

# enterprises, products, events
SIZES: dict[str, tuple[int, int, int]] = {
    "S": (1_000, 3_000, 20_000),
    "M": (50_000, 150_000, 1_000_000),
    "L": (500_000, 1_500_000, 10_000_000),
}
CORRECTED_SHARE = 0.015  # share of events later corrected (revoked, repaired, found erroneous)
ANY_KIND_CHANCE = 0.004  # per enterprise and core kind: an event its area's demo never shows
HISTORY_SHIFT_DAYS = 90  # a copied history moves back by up to this many days
CORRECTION_ACTIONS = (("REVOKE", 0.45), ("REPAIR", 0.4), ("ERRONEOUS", 0.15))
CORRECTION_REASONS = ("经复议撤销", "信用修复完成", "录入错误更正", "复检合格")
NAME_HEADS = "华盛恒鑫宏泰瑞丰嘉隆金安新兴明达诚信永顺"
NAME_TAILS = ("有限公司", "有限责任公司", "股份有限公司", "厂", "实业有限公司")
TRADEMARK_CHARS = "青松白鹤金龙凤凰长城红星黄河泰山天鹅雪莲海燕牡丹"


@dataclass
class Area:
    """What one policy's demo data shows of its world."""

    policy_id: str
    counties: list[str] = field(default_factory=list)
    towns: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    histories: list[Template] = field(default_factory=list)
    products: list[tuple[int, str | None]] = field(default_factory=list)  # (Nice class, category)
    enterprise_events: list[tuple[str, dict[str, Any], int]] = field(
        default_factory=list
    )  # kind, attrs, age
    product_events: list[tuple[str, dict[str, Any], int]] = field(default_factory=list)


@dataclass
class Template:
    """One demo enterprise: its roles, age, products and dated events (days before today)."""

    county: str
    roles: list[str]
    age_days: int | None
    products: list[tuple[int, str | None]]
    events: list[
        tuple[int | None, str, dict[str, Any], int]
    ]  # (product index or None, kind, attrs, age)


def _days(raw: Any, today: date) -> int | None:
    try:
        return (today - date.fromisoformat(raw)).days
    except (TypeError, ValueError):
        return None


def _plain(vocabulary: Vocabulary, kind: str) -> bool:
    spec = vocabulary.kinds.get(kind)
    return (
        spec is not None
        and spec.recordable
        and not any(a.type == "event" for a in spec.all_attributes.values())
    )


def learn_areas(registry: Registry, today: date) -> list[Area]:
    """One area per installed policy, from its region codes and its plug-in's demo records."""
    records = registry.demo_records(today)
    vocabulary = registry.vocabulary
    policies = registry.all_policies()
    areas = {p.id: Area(p.id) for p in policies}

    def area_of(region: str) -> Area | None:
        for p in policies:
            if p.covers_region(region):
                return areas[p.id]
        return None

    templates: dict[str, Template] = {}
    owner_area: dict[str, Area] = {}
    product_index: dict[tuple[str, str, int], int] = {}
    for r in records:
        if r.get("type") == "enterprise":
            region = r["regionCode"]
            area = area_of(region)
            if area is None:
                continue
            county = region[:6]
            if county not in area.counties:
                area.counties.append(county)
            if len(region) == 9:
                area.towns[county].append(region)
            t = Template(
                county, list(r.get("roles") or []), _days(r.get("establishedOn"), today), [], []
            )
            templates[r["code"]] = t
            owner_area[r["code"]] = area
            area.histories.append(t)
        elif r.get("type") == "product" and r.get("enterpriseCode") in templates:
            t = templates[r["enterpriseCode"]]
            product_index[(r["enterpriseCode"], r["trademark"], r["niceClass"])] = len(t.products)
            item = (r["niceClass"], r.get("category"))
            t.products.append(item)
            owner_area[r["enterpriseCode"]].products.append(item)
        elif r.get("type") == "event" and r.get("enterpriseCode") in templates:
            if not _plain(vocabulary, r.get("kind", "")):
                continue
            age = _days(r.get("occurredOn"), today)
            if age is None:
                continue
            code = r["enterpriseCode"]
            index = (
                product_index.get((code, r["trademark"], r.get("niceClass")))
                if r.get("trademark")
                else None
            )
            if r.get("trademark") and index is None:
                continue
            attrs = dict(r.get("attributes") or {})
            templates[code].events.append((index, r["kind"], attrs, age))
            pool = (
                owner_area[code].product_events
                if index is not None
                else owner_area[code].enterprise_events
            )
            pool.append((r["kind"], attrs, age))
    for p in policies:  # a policy without demo data: its own region codes, generic events only
        area = areas[p.id]
        if not area.counties:
            for code in p.region_codes:
                prefix = region_prefix(code)
                area.counties.append(code[:6] if len(prefix) >= 6 else prefix.ljust(4, "0") + "02")
    return [areas[p.id] for p in policies]


def credit_code(seed: int, index: int, county: str) -> str:
    """A valid unified social credit code (GB 32100-2015) unique to (seed, index)."""
    return numbered_credit_code(seed * 10_000_000 + index, county)


def _shift_dates(attrs: dict[str, Any], spec: EventKind | None, days: int) -> dict[str, Any]:
    """Move date attributes (validUntil, until, rectifyBy …) with the event they belong to."""
    if spec is None or not days:
        return attrs
    out = dict(attrs)
    for name, a in spec.all_attributes.items():
        if a.type == "date" and isinstance(out.get(name), str):
            try:
                out[name] = (date.fromisoformat(out[name]) - timedelta(days=days)).isoformat()
            except ValueError:
                pass
    return out


def _any_value(a: AttributeSpec, rng: random.Random, today: date) -> Any:
    if a.type == "enum":
        return rng.choice(a.values)
    if a.type == "bool":
        return rng.random() < 0.5
    if a.type == "int":
        return max(int(a.minimum or 0), today.year - rng.randint(0, 3))
    if a.type == "number":
        return round(rng.uniform(a.minimum or 0, 10), 1)
    if a.type == "date":
        return (today + timedelta(days=rng.randint(-365, 365))).isoformat()
    if a.type == "object":
        return {}
    return "合成数据"


class Generator:
    """Import records for one size and seed, enterprise by enterprise."""

    def __init__(self, registry: Registry, size: str, seed: int, today: date) -> None:
        self.size, self.seed, self.today = size, seed, today
        self.vocabulary = registry.vocabulary
        self.areas = [a for a in learn_areas(registry, today) if a.counties]
        self.enterprises, products, events = SIZES[size]
        self.products_per = products / self.enterprises
        self.events_per = events / self.enterprises
        self.any_kinds = [
            k
            for k in self.vocabulary.kinds.values()
            if k.source == "core" and _plain(self.vocabulary, k.code)
        ]

    def records(self, start: int = 0, stop: int | None = None) -> Iterator[dict[str, Any]]:
        for i in range(start, self.enterprises if stop is None else stop):
            yield from self.enterprise(i)

    def enterprise(self, i: int) -> list[dict[str, Any]]:
        rng = random.Random(self.seed * 1_000_003 + i)
        area = self.areas[i % len(self.areas)]
        t = rng.choice(area.histories) if area.histories else None
        county = t.county if t else rng.choice(area.counties)
        towns = area.towns.get(county) or []
        if towns and rng.random() < 0.7:
            region = county + f"{rng.randint(1, 12):03d}"
        else:
            region = county
        code = credit_code(self.seed, i, county)
        age = (t.age_days if t and t.age_days else rng.randint(365, 30 * 365)) + rng.randint(
            -700, 700
        )
        age = max(age, 400)
        roles = list(t.roles) if t and t.roles else [rng.choice([r.value for r in Role])]
        name = rng.choice(NAME_HEADS) + rng.choice(NAME_HEADS) + f"{i}" + rng.choice(NAME_TAILS)
        established = self.today - timedelta(days=age)
        out = [enterprise_record(code, name, region, established, roles)]
        # Products: the template's, then more drawn from the area until the mean is reached.
        products = list(t.products) if t else []
        extra = int(rng.expovariate(1 / max(self.products_per - len(products) * 0.6, 0.3)))
        for _ in range(extra):
            if area.products:
                products.append(rng.choice(area.products))
        marks: list[tuple[str, int]] = []
        for n, (nice, category) in enumerate(products):
            mark = "".join(rng.choice(TRADEMARK_CHARS) for _ in range(2)) + f"{n + 1}"
            marks.append((mark, nice))
            out.append(product_record(code, mark, nice, category))
        # Events: the template's history shifted back, then the area's pool, then anything.
        shift = rng.randint(0, HISTORY_SHIFT_DAYS)
        # (product index or None, kind, attributes, age in days, the template event's age)
        events: list[tuple[int | None, str, dict[str, Any], int, int]] = []
        if t:
            for index, kind, attrs, ev_age in t.events:
                events.append((index, kind, attrs, ev_age + shift, ev_age))
        wanted = max(0, int(rng.expovariate(1 / max(self.events_per - len(events), 1))))
        for _ in range(wanted):
            if marks and area.product_events and rng.random() < 0.3:
                kind, attrs, ev_age = rng.choice(area.product_events)
                moved_age = ev_age + rng.randint(0, 60)
                events.append((rng.randrange(len(marks)), kind, attrs, moved_age, ev_age))
            elif area.enterprise_events:
                kind, attrs, ev_age = rng.choice(area.enterprise_events)
                events.append((None, kind, attrs, ev_age + rng.randint(0, 60), ev_age))
        for spec in self.any_kinds:
            if rng.random() < ANY_KIND_CHANCE:
                attrs = {
                    a.name: _any_value(a, rng, self.today) for a in spec.attributes if a.required
                }
                ev_age = rng.randint(0, 3 * 365)
                events.append((None, spec.code, attrs, ev_age, ev_age))
        events.sort(key=lambda e: -e[3])
        for n, (index, kind, attrs, ev_age, template_age) in enumerate(events):
            ev_age = min(max(ev_age, 0), age)
            occurred = self.today - timedelta(days=ev_age)
            spec = self.vocabulary.kinds.get(kind)
            # Date attributes (validUntil, until …) keep their distance to the event.
            moved = _shift_dates(attrs, spec, ev_age - template_age)
            ext = f"synth-{self.seed}-{i}-{n}"
            mark = None  # a product event only where the kind may be one (spec.on)
            if index is not None and index < len(marks) and spec is not None and len(spec.on) > 1:
                mark = marks[index]
            out.append(event_record(code, kind, occurred, moved, ext, mark))
            if rng.random() < CORRECTED_SHARE:
                action = rng.choices(
                    [a for a, _ in CORRECTION_ACTIONS], [w for _, w in CORRECTION_ACTIONS]
                )[0]
                reason = rng.choice(CORRECTION_REASONS)
                effective = occurred + timedelta(days=rng.randint(0, ev_age))
                out.append(correction_record(ext, action, reason, effective, f"{ext}-c"))
        return out


def generate(registry: Registry, size: str, seed: int, today: date) -> Iterator[dict[str, Any]]:
    return Generator(registry, size, seed, today).records()
