"""Test helpers: a policy for exercising the core without depending on any jurisdiction, valid
credit codes, and a GraphQL call helper."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import httpx
from qcredit.core.contract import Audience, Disclosure, Grading, History, Level, Measure, Reason
from qcredit.core.facts import Facts, ids
from qcredit.core.hookspecs import hookimpl
from qcredit.core.identifiers import credit_code_check_character
from qcredit.core.parameters import Parameter, ParameterSet, ParameterView
from qcredit.core.policy import Policy


def credit_code(n: int, region: str = "110101") -> str:
    """The n-th valid 统一社会信用代码 of a test run."""
    first17 = f"91{region}{n:09d}"
    return first17 + credit_code_check_character(first17)


class CountingPolicy(Policy):
    """A test policy: level P while there are fewer failed samplings in a year than the limit,
    F otherwise.  In force 2020-01-01 to 2030-12-31 in province 11 (Beijing)."""

    id = "testland"
    name = "测试政策"
    region_codes = ("110000",)
    effective_from = date(2020, 1, 1)
    effective_until = date(2030, 12, 31)
    levels = (Level("P", "合格", 1, "green"), Level("F", "不合格", 2, "red"))

    def __init__(self) -> None:
        super().__init__(ParameterSet([Parameter("fail_limit", 1, "local default", "test")]))

    def grade(self, facts: Facts, history: History, params: ParameterView) -> Grading:
        fails = facts.within_years(1, "SAMPLING_INSPECTION", result="FAIL")
        if len(fails) >= params["fail_limit"]:
            return Grading(
                "F", float(len(fails)), (Reason("fails", "第一条", "一年内抽查不合格", ids(fails)),)
            )
        return Grading("P", 0.0)

    def supervision(
        self, grading: Grading, facts: Facts, params: ParameterView
    ) -> Sequence[Measure]:
        return (Measure("INSPECTION_FREQUENCY", "每年检查", "第二条", min_per_year=1.0),)

    def publicity(
        self, grading: Grading, facts: Facts, params: ParameterView
    ) -> Sequence[Disclosure]:
        return tuple(Disclosure(a, a is not Audience.PUBLIC, False, "", "第三条") for a in Audience)


class _TestPlugin:
    @hookimpl
    def qcredit_policies(self) -> list[Policy]:
        return [CountingPolicy()]


TEST_PLUGIN = _TestPlugin()


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {}
    )
    assert response.status_code == 200, response.text
    return response.json()


def only_error(result: dict[str, Any]) -> dict[str, Any]:
    assert result.get("errors"), result
    assert len(result["errors"]) == 1, result["errors"]
    return result["errors"][0]
