"""The second reading of the texts, end to end: recorded through the API, graded and read back on
SQLite and PostgreSQL (the full edge tables are in tests/policies/)."""

from __future__ import annotations

from typing import Any

from .support import gql
from .test_policies_through_api import _bingtuan_holder, grade, record, subject

VERSIONED = """query($c: String!, $d: Date) { enterprise(code: $c) {
  assessment(policy: "bingtuan", asOf: $d) { level policyVersion publicity { audience allowed }
    reasons { rule article } whyNotBetter { article } } } }"""


def _articles(a: dict[str, Any]) -> set[str]:
    return {r["article"] for r in a["reasons"]}


async def test_bingtuan_a_warning_within_a_year_bars_a_and_b(client: Any) -> None:
    """兵团 第十一条（五）、第十二条（四）: 警告 is an administrative penalty (行政处罚法第九条)."""
    code = await _bingtuan_holder(client)
    await record(client, code, "ADMINISTRATIVE_PENALTY", "2023-07-01", measure="WARNING")
    a = await grade(client, code, "bingtuan", "2024-06-01")
    assert a is not None and a["level"] not in ("A", "B")
    assert any(x.startswith("第十二条（四）") for x in _articles(a))


async def test_bingtuan_a_listing_that_ended_within_the_year_still_bars_a(client: Any) -> None:
    """兵团 第十一条（五）: 近1年未被…列入过经营异常名录 — a listing ended since still counts."""
    code = await _bingtuan_holder(client)
    await record(
        client, code, "LIST_ENTRY", "2023-09-01", list="ABNORMAL_OPERATION", until="2023-12-01"
    )
    a = await grade(client, code, "bingtuan", "2024-06-01")
    assert a is not None and a["level"] != "A"


async def test_bingtuan_annual_evaluation_is_the_same_all_first_quarter(client: Any) -> None:
    """兵团 第十五条 每年度1季度开展上一年度评价: 1 January and 31 March judge the same year."""
    code = await _bingtuan_holder(client)
    await record(client, code, "SELF_INSPECTION_REPORT", "2024-12-20", year=2024, onTime=True)
    await record(client, code, "SAMPLING_INSPECTION", "2025-02-01", result="FAIL")
    first = await grade(client, code, "bingtuan", "2025-01-01")
    last = await grade(client, code, "bingtuan", "2025-03-31")
    assert first is not None and last is not None
    # The same facts about 2024 (a failure in February 2025 lies outside the evaluated year).
    assert (first["level"], first["score"]) == (last["level"], last["score"])


async def test_bingtuan_dates_before_the_revision_use_the_trial_version(client: Any) -> None:
    """兵团 修改前第七条 (分级情况不对外公布) before revision_effective_from; 修改后 after."""
    code = await _bingtuan_holder(client)
    body = await gql(client, VERSIONED, {"c": code, "d": "2022-12-31"})
    trial = body["data"]["enterprise"]["assessment"]
    assert trial["policyVersion"] == "trial-1"
    assert not [d for d in trial["publicity"] if d["audience"] == "PUBLIC" and d["allowed"]]
    body = await gql(client, VERSIONED, {"c": code, "d": "2023-01-01"})
    assert body["data"]["enterprise"]["assessment"]["policyVersion"] == "revised-1"


async def test_jiamusi_a_clean_young_enterprise_is_not_dishonest(client: Any) -> None:
    """佳木斯 三（三）（四): 失信 means wrongdoing; clean but under two years is 暂不定级 (N)."""
    code = await subject(client, 5, "230803", established="2023-09-01")
    a = await grade(client, code, "jiamusi", "2024-06-01")
    assert a is not None and a["level"] == "N"
