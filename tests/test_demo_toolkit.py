"""The demo toolkit (core/testing/demo.py): what the policies' demos and ``qcredit synth`` build
their records with — valid credit codes, record shapes the importer takes, a ledger that refuses
future dates, and dated series that land on the days they claim."""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta

import pytest
from qcredit.core.identifiers import validate_credit_code
from qcredit.core.temporal import add_years
from qcredit.core.testing.demo import (
    CreditCodes,
    Demo,
    Ledger,
    Trade,
    credit_code,
    day_between,
    numbered_credit_code,
    renewed_terms,
    spaced_days,
    trademarks,
)

TODAY = date(2026, 6, 15)


def test_drawn_codes_are_valid_unique_and_in_their_region() -> None:
    codes = CreditCodes(random.Random(1))
    drawn = [codes.draw("330402") for _ in range(300)] + [
        codes.draw("110101", "MA") for _ in range(50)
    ]
    assert len(set(drawn)) == len(drawn)
    for code in drawn:
        assert validate_credit_code(code) == code
        assert code.startswith("91")
    assert all(c[2:8] == "110101" and c[8:10] == "MA" for c in drawn[300:])


def test_numbered_codes_are_valid_and_distinct() -> None:
    numbers = [0, 1, 30, 31, 7 * 10_000_000 + 12, 31**9 - 1]
    codes = [numbered_credit_code(n, "410481") for n in numbers]
    assert len(set(codes)) == len(codes)
    assert all(validate_credit_code(c) == c for c in codes)
    assert codes[0] == credit_code("410481", "000000000")


def test_the_same_seed_draws_the_same_codes() -> None:
    first = CreditCodes(random.Random(5))
    again = CreditCodes(random.Random(5))
    assert [first.draw("230803") for _ in range(20)] == [again.draw("230803") for _ in range(20)]


def test_trademarks_never_repeat_a_trademark_in_one_class() -> None:
    rng = random.Random(3)
    for _ in range(200):
        products = trademarks(rng, ("甲", "乙", "丙"), ((9, "电缆"), (9, "电线"), (6, "钢材")))
        assert len({(mark, nice) for mark, nice, _ in products}) == 3


def test_ledger_numbers_ids_and_refuses_future_dates() -> None:
    ledger = Ledger(TODAY, "demo-x-", width=3)
    ledger.enterprise("91330402000000000X", "甲公司", "330402", date(2010, 1, 1), ("PRODUCER",))
    ledger.product("91330402000000000X", "甲", 9, None)
    first = ledger.event("C", "SUPERVISION_CHECK", TODAY, result="PASS", note=None)
    assert ledger.event("C", "SUPERVISION_CHECK", TODAY + timedelta(days=1)) is None
    ledger.correct(first, "AMEND", "更正", TODAY, result="FAIL")
    ledger.correct(None, "REVOKE", "目标未记录", TODAY)
    ledger.correct(first, "REVOKE", "尚未生效", TODAY + timedelta(days=1))
    records = ledger.all()
    assert [r["type"] for r in records] == ["enterprise", "product", "event", "correction"]
    assert "category" not in records[1]
    assert first == "demo-x-001" and records[3]["externalId"] == "demo-x-002"
    assert records[2]["attributes"] == {"result": "PASS"}  # None is left out
    assert records[3]["attributes"] == {"result": "FAIL"}
    derived = Ledger(TODAY, "demo-y-e", width=4, numbered_corrections=False)
    target = derived.event("C", "SUPERVISION_CHECK", TODAY, result="FAIL")
    derived.correct(target, "REPAIR", "修复", TODAY)
    assert derived.corrections[0]["externalId"] == "demo-y-e0001-repair"


def test_spaced_days_land_inside_their_gaps_and_stop_where_told() -> None:
    rng = random.Random(9)
    first, until = date(2020, 1, 10), date(2025, 12, 31)
    days = list(spaced_days(rng, first, (120, 330), until=until))
    assert days[0] == first and days[-1] <= until
    assert all(120 <= (b - a).days <= 330 for a, b in itertools.pairwise(days))
    counted = list(spaced_days(rng, first, (30, 31), count=4))
    assert len(counted) == 4 and all(
        (b - a).days in (30, 31) for a, b in itertools.pairwise(counted)
    )


@pytest.mark.parametrize("pull_past_the_end", [True, False])
def test_spaced_days_draw_a_gap_per_day_when_pulled_past_the_end(pull_past_the_end: bool) -> None:
    """A for loop (or strict zip) asks once past the last day: one gap drawn per day, like a
    hand-written loop that adds the gap after each event."""
    rng, reference = random.Random(4), random.Random(4)
    values = ["a", "b", "c"]
    if pull_past_the_end:
        for _value, _day in zip(values, spaced_days(rng, TODAY, (1, 9), count=3), strict=True):
            pass
    else:
        next(spaced_days(rng, TODAY, (1, 9), count=3))
    for _ in range(3 if pull_past_the_end else 0):
        reference.randint(1, 9)
    assert rng.random() == reference.random()


def test_renewed_terms_run_five_years_back_to_back_until_one_covers_today() -> None:
    terms = list(
        renewed_terms(random.Random(2), date(2012, 3, 1), TODAY, years=5, renew_days=(20, 90))
    )
    for granted, until in terms:
        assert until == add_years(granted, 5) - timedelta(days=1)
    for (_, until), (renewed, _) in itertools.pairwise(terms):
        assert 20 <= (until - renewed).days <= 90
    assert len(terms) > 1
    assert terms[-1][1] >= TODAY  # the last term still runs
    assert all(until < TODAY for _, until in terms[:-1])


def test_day_between_stays_inside_and_falls_back_to_the_first_day() -> None:
    rng = random.Random(8)
    lo, hi = date(2024, 2, 1), date(2024, 2, 29)
    assert all(lo <= day_between(rng, lo, hi) <= hi for _ in range(200))
    assert day_between(rng, hi, lo) == hi


class _Tiny(Demo):
    places = (("330402", "某地", ("001", "002")), ("330411", "别处", ("101",)))
    brands = ("甲", "乙", "丙", "丁")
    trademarks = ("金", "银", "铜")
    licence_issuer = "(某)"


TRADE = Trade(
    "电缆", ("PRODUCER",), "电线电缆", "XK06-001", ((9, "电力电缆"), (9, "控制电缆")), ("330402",)
)


def test_demo_world_gives_the_same_records_for_the_same_today() -> None:
    def build() -> list[dict]:
        demo = _Tiny(TODAY, 11, "demo-t-")
        for _ in range(5):
            ent = demo.enterprise(demo.established(3, 12), TRADE, intent="A")
            demo.licence(ent)
            demo.passed_checks(ent, sampling_share=0.5, levels=("COUNTY",))
            fail = demo.failed_sampling(ent, demo.ago(30))
            demo.correct(fail, "REVOKE", TODAY, "复检合格")
        return demo.records()

    records = build()
    assert records == build()
    enterprises = [r for r in records if r["type"] == "enterprise"]
    assert all(validate_credit_code(r["code"]) for r in enterprises)
    assert all(r["regionCode"][:6] == "330402" for r in enterprises)  # the trade's places
    assert len({r["name"] for r in enterprises}) == 5
    events = [r for r in records if r["type"] == "event"]
    assert all(r["occurredOn"] <= TODAY.isoformat() for r in events)
    licences = [r for r in events if r["kind"] == "LICENCE"]
    assert all(r["attributes"]["licenceNo"].startswith("(某)XK06-001-") for r in licences)
    assert max(r["attributes"]["validUntil"] for r in licences) >= TODAY.isoformat()
    assert records[-1]["type"] == "correction"
