"""Connections as front ends expect: nodes beside edges, paging forwards and backwards on every
list, orderBy on enterprises (each key both ways, ties broken by code, levels as disclosed),
set filters and date ranges with their errors."""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import issue_token
from .support import credit_code, gql, only_error

REGISTER = """mutation($i: RegisterEnterpriseInput!) { registerEnterprise(input: $i) { id } }"""
PRODUCT = """mutation($i: RegisterProductInput!) { registerProduct(input: $i) { id } }"""
RECORD = """mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }"""
PAGE = (
    "edges { cursor node { %s } } nodes { %s } "
    "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount"
)


def as_role(app: Any, token: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
    )


async def register(
    client: Any, n: int, name: str, established: str | None = None, region: str = "110101"
) -> str:
    code = credit_code(n, region)
    given = {"code": code, "name": name, "regionCode": region}
    if established:
        given["establishedOn"] = established
    result = await gql(client, REGISTER, {"i": given})
    assert "errors" not in result, result
    return code


async def fail_sampling(client: Any, code: str, on: str) -> None:
    result = await gql(
        client,
        RECORD,
        {
            "i": {
                "enterpriseCode": code,
                "kind": "SAMPLING_INSPECTION",
                "occurredOn": on,
                "attributes": {"result": "FAIL"},
            }
        },
    )
    assert "errors" not in result, result


def _dig(data: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        data = data[part]
    return data


async def walk(
    client: Any, template: str, path: str, fields: str, key: str, variables: dict | None = None
) -> None:
    """Page through a list two at a time forwards and backwards: both give the whole list,
    nodes match edges, pageInfo says where more is, and a cursor from either direction works in
    the other."""
    variables = variables or {}
    page = PAGE % (fields, fields)

    async def ask(args: str) -> dict[str, Any]:
        result = await gql(client, template % (args, page), variables)
        assert "errors" not in result, result
        conn = _dig(result["data"], path)
        assert [e["node"] for e in conn["edges"]] == conn["nodes"]
        return conn

    whole = await ask("first: 100")
    expected = [n[key] for n in whole["nodes"]]
    assert len(expected) >= 3, "a walk needs at least two pages"
    assert not whole["pageInfo"]["hasNextPage"] and not whole["pageInfo"]["hasPreviousPage"]

    forward: list[Any] = []
    args = "first: 2"
    while True:
        conn = await ask(args)
        forward += [n[key] for n in conn["nodes"]]
        assert conn["totalCount"] == len(expected)
        assert conn["pageInfo"]["hasPreviousPage"] == (args != "first: 2")
        if not conn["pageInfo"]["hasNextPage"]:
            break
        args = f'first: 2, after: "{conn["pageInfo"]["endCursor"]}"'
    assert forward == expected

    backward: list[Any] = []
    args = "last: 2"
    while True:
        conn = await ask(args)
        backward = [n[key] for n in conn["nodes"]] + backward
        assert conn["pageInfo"]["hasNextPage"] == (args != "last: 2")
        if not conn["pageInfo"]["hasPreviousPage"]:
            break
        args = f'last: 2, before: "{conn["pageInfo"]["startCursor"]}"'
    assert backward == expected

    # Across the boundary: back from the second forward page lands on the first.
    first = await ask("first: 2")
    second = await ask(f'first: 2, after: "{first["pageInfo"]["endCursor"]}"')
    back = await ask(f'last: 2, before: "{second["pageInfo"]["startCursor"]}"')
    assert back["nodes"] == first["nodes"] and not back["pageInfo"]["hasPreviousPage"]
    between = await ask(
        f'first: 5, after: "{first["edges"][0]["cursor"]}", '
        f'before: "{second["edges"][-1]["cursor"]}"'
    )
    assert [n[key] for n in between["nodes"]] == expected[1 : 1 + len(second["nodes"])]


async def test_enterprises_products_events_and_audit_log_page_both_ways(client: Any) -> None:
    codes = [await register(client, n, f"企业{n}") for n in range(1, 6)]
    for i, mark in enumerate(["甲", "乙", "丙"]):
        result = await gql(
            client,
            PRODUCT,
            {"i": {"enterpriseCode": codes[0], "trademark": mark, "niceClass": 29 + i}},
        )
        assert "errors" not in result, result
    for on in ["2024-01-01", "2024-02-01", "2024-03-01"]:
        await fail_sampling(client, codes[0], on)
    await walk(client, "{ enterprises(%s) { %s } }", "enterprises", "code", "code")
    one = f'{{ enterprise(code: "{codes[0]}") {{ '
    await walk(
        client, one + "products(%s) { %s } } }", "enterprise.products", "trademark", "trademark"
    )
    await walk(client, one + "events(%s) { %s } } }", "enterprise.events", "id occurredOn", "id")
    await walk(client, "{ auditLog(%s) { %s } }", "auditLog", "id action", "id")


async def test_notices_and_public_lists_page_both_ways(demo_app: Any) -> None:
    admin = await issue_token(demo_app, role="ADMIN")
    async with as_role(demo_app, admin) as caller:
        await walk(caller, "{ notices(%s) { %s } }", "notices", "id", "id")
    async with as_role(demo_app, None) as public:
        for policy, name in (("haojiang", "A_LIST"),):
            await walk(
                public,
                f'{{ publicList(policy: "{policy}", list: "{name}", %s) {{ %s }} }}',
                "publicList",
                "level enterprise { code }",
                "enterprise",
            )


async def test_page_arguments_are_checked(client: Any) -> None:
    code = await register(client, 1, "企业1")
    cases = [
        ("first: 1, last: 1", "last"),
        ("last: 101", "last"),
        ("first: 101", "first"),
        ("last: -1", "last"),
        ('before: "bm90IGEgY3Vyc29y"', "before"),
        ('after: "bm90IGEgY3Vyc29y"', "after"),
    ]
    for args, field in cases:
        for query in (
            "{ enterprises(%s) { totalCount } }",
            '{ enterprise(code: "CODE") { events(%s) { totalCount } } }'.replace("CODE", code),
            "{ notices(%s) { totalCount } }",
            "{ auditLog(%s) { totalCount } }",
        ):
            error = only_error(await gql(client, query % args))
            assert error["extensions"]["code"] == "BAD_USER_INPUT", (query, args, error)
            assert error["extensions"]["field"] == field, (query, args, error)
    big = only_error(await gql(client, "{ enterprises(last: 101) { totalCount } }"))
    assert big["extensions"]["maximum"] == 100


ORDERED = """query($o: [EnterpriseOrder!], $f: EnterpriseFilter, $n: Int, $a: String, $l: Int,
  $b: String) { enterprises(orderBy: $o, filter: $f, first: $n, after: $a, last: $l, before: $b) {
  nodes { code name } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


async def ordered(client: Any, order: list[dict], **kw: Any) -> list[str]:
    result = await gql(client, ORDERED, {"o": order, **kw})
    assert "errors" not in result, result
    return [n["code"] for n in result["data"]["enterprises"]["nodes"]]


async def test_order_by_each_key_both_ways_with_ties(client: Any) -> None:
    # Names with a tie (两个"同名"), dates with a tie and a missing one.
    c = {
        1: await register(client, 5, "乙公司", "2015-01-01"),
        2: await register(client, 3, "同名", "2010-06-01"),
        3: await register(client, 4, "同名", "2010-06-01"),
        4: await register(client, 1, "甲公司"),
        5: await register(client, 2, "丙公司", "2020-03-03"),
    }
    by_code = sorted(c.values())
    assert await ordered(client, [{"field": "CODE"}]) == by_code
    assert await ordered(client, [{"field": "CODE", "direction": "DESC"}]) == by_code[::-1]
    names = {
        v: n
        for v, n in zip(c.values(), ["乙公司", "同名", "同名", "甲公司", "丙公司"], strict=False)
    }
    asc = sorted(c.values(), key=lambda code: (names[code], code))
    assert await ordered(client, [{"field": "NAME"}]) == asc
    # DESC reverses the names; the tie stays by code, ascending.
    desc = sorted(c.values(), key=lambda code: code)
    desc = sorted(desc, key=lambda code: names[code], reverse=True)
    assert await ordered(client, [{"field": "NAME", "direction": "DESC"}]) == desc
    assert await ordered(client, [{"field": "ESTABLISHED_ON"}]) == [c[2], c[3], c[1], c[5], c[4]]
    assert await ordered(client, [{"field": "ESTABLISHED_ON", "direction": "DESC"}]) == [
        c[5],
        c[1],
        c[2],
        c[3],
        c[4],  # no date: last either way
    ]
    # Paging an ordering forwards and backwards across a tie gives the same list.
    for order in ([{"field": "NAME"}], [{"field": "ESTABLISHED_ON", "direction": "DESC"}]):
        whole = await ordered(client, order)
        got: list[str] = []
        after = None
        while True:
            r = await gql(client, ORDERED, {"o": order, "n": 2, "a": after})
            got += [n["code"] for n in r["data"]["enterprises"]["nodes"]]
            info = r["data"]["enterprises"]["pageInfo"]
            if not info["hasNextPage"]:
                break
            after = info["endCursor"]
        assert got == whole
        back: list[str] = []
        before = None
        while True:
            r = await gql(client, ORDERED, {"o": order, "l": 2, "b": before})
            back = [n["code"] for n in r["data"]["enterprises"]["nodes"]] + back
            info = r["data"]["enterprises"]["pageInfo"]
            if not info["hasPreviousPage"]:
                break
            before = info["startCursor"]
        assert back == whole


async def test_order_by_level_and_last_change_as_disclosed(app: Any, client: Any) -> None:
    # testland: P (rank 1) without a failed sampling in a year, F with one; its grades are
    # open to every audience but the public.
    p1 = await register(client, 3, "甲")
    f1 = await register(client, 1, "乙")
    p2 = await register(client, 2, "丙")
    await fail_sampling(client, f1, "2026-11-20")
    outside = await register(client, 9, "外地", region="330402")  # testland does not grade it
    level = [{"field": "LEVEL", "policy": "testland"}]
    assert await ordered(client, level) == [p2, p1, f1, outside]
    down = [{"field": "LEVEL", "policy": "testland", "direction": "DESC"}]
    assert await ordered(client, down) == [f1, p2, p1, outside]
    change = [{"field": "LAST_CHANGE", "policy": "testland", "direction": "DESC"}]
    newest = await ordered(client, change)
    assert newest[0] == f1 and newest[-1] == outside  # F came last; never graded: last
    department = await issue_token(app, role="DEPARTMENT", department="税务")
    async with as_role(app, department) as caller:
        assert await ordered(caller, level) == [p2, p1, f1, outside]
    async with as_role(app, None) as public:
        # The public sees no testland level: the order must not tell F from P — every
        # enterprise sorts as one without a grade, by code, whichever way.
        by_code = sorted([p1, f1, p2, outside])
        assert await ordered(public, level) == by_code
        assert await ordered(public, down) == by_code
        assert await ordered(public, change) == by_code
        # Nor can a cursor taken from the public's list probe the level through a keyset.
        r = await gql(public, ORDERED, {"o": down, "n": 1})
        after = r["data"]["enterprises"]["pageInfo"]["endCursor"]
        assert await ordered(public, down, a=after) == by_code[1:]


async def test_order_by_needs_a_policy_for_levels(client: Any) -> None:
    await register(client, 1, "甲")
    error = only_error(await gql(client, ORDERED, {"o": [{"field": "LEVEL"}]}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "orderBy[0].policy"
    # filter.policy stands in for the term's policy
    assert await ordered(client, [{"field": "LEVEL"}], f={"policy": "testland"})
    error = only_error(await gql(client, ORDERED, {"o": [{"field": "NAME"}] * 5}))
    assert error["extensions"]["field"] == "orderBy"
    error = only_error(await gql(client, ORDERED, {"o": [{"field": "HEIGHT"}]}))
    assert error["extensions"]["code"] in (
        "BAD_USER_INPUT",
        "BAD_USER_INPUT",
        "GRAPHQL_VALIDATION_FAILED",
    )


FILTERED = """query($f: EnterpriseFilter) { enterprises(filter: $f, first: 100) {
  totalCount nodes { code } } }"""


async def test_set_filters(app: Any, client: Any) -> None:
    a = await register(client, 1, "甲", region="110101")
    b = await register(client, 2, "乙", region="110102")
    c = await register(client, 3, "丙", region="110105")
    await fail_sampling(client, b, "2026-11-20")

    async def codes(f: dict, caller: Any = client) -> list[str]:
        result = await gql(caller, FILTERED, {"f": f})
        assert "errors" not in result, result
        data = result["data"]["enterprises"]
        assert data["totalCount"] == len(data["nodes"])
        return sorted(n["code"] for n in data["nodes"])

    assert await codes({"regionCodeIn": ["110101", "110105"]}) == sorted([a, c])
    assert await codes({"regionCodeIn": ["110000"]}) == sorted([a, b, c])
    assert await codes({"regionCodeIn": ["110101"], "regionCode": "110102"}) == []
    assert await codes({"policy": "testland", "levelIn": ["F"]}) == [b]
    assert await codes({"policy": "testland", "levelIn": ["P", "F"]}) == sorted([a, b, c])
    assert await codes({"policy": "testland", "level": "F", "levelIn": ["P"]}) == sorted([a, b, c])
    async with as_role(app, None) as public:  # levels the public may not see match nothing
        assert await codes({"policy": "testland", "levelIn": ["P", "F"]}, public) == []

    bad = [
        ({"levelIn": ["P"]}, "filter.policy"),
        ({"policy": "testland", "levelIn": ["P", "X"]}, "filter.levelIn[1]"),
        ({"policy": "testland", "levelIn": []}, "filter.levelIn"),
        ({"regionCodeIn": []}, "filter.regionCodeIn"),
        ({"regionCodeIn": ["110101", "12345"]}, "filter.regionCodeIn[1]"),
        ({"regionCodeIn": ["110101"] * 51}, "filter.regionCodeIn"),
    ]
    for f, field in bad:
        error = only_error(await gql(client, FILTERED, {"f": f}))
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (f, error)
        assert error["extensions"]["field"] == field, (f, error)


EVENTS = """query($c: String!, $from: Date, $to: Date) { enterprise(code: $c) {
  events(occurredFrom: $from, occurredTo: $to) { totalCount nodes { occurredOn } } } }"""


async def test_event_date_ranges_are_inclusive(client: Any) -> None:
    code = await register(client, 1, "甲")
    for on in ["2024-01-31", "2024-02-01", "2024-02-29", "2024-03-01"]:
        await fail_sampling(client, code, on)

    async def days(start: str | None, end: str | None) -> list[str]:
        result = await gql(client, EVENTS, {"c": code, "from": start, "to": end})
        assert "errors" not in result, result
        events = result["data"]["enterprise"]["events"]
        assert events["totalCount"] == len(events["nodes"])
        return [e["occurredOn"] for e in events["nodes"]]

    assert await days("2024-02-01", "2024-02-29") == ["2024-02-01", "2024-02-29"]
    assert await days("2024-02-29", "2024-02-29") == ["2024-02-29"]
    assert await days("2024-02-01", None) == ["2024-02-01", "2024-02-29", "2024-03-01"]
    assert await days(None, "2024-01-31") == ["2024-01-31"]
    error = only_error(
        await gql(client, EVENTS, {"c": code, "from": "2024-03-01", "to": "2024-02-01"})
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "occurredTo"


def test_the_examples_of_the_lists_doc_are_valid_operations() -> None:
    """Every ```graphql block of docs/api-lists.md parses and validates against the schema
    (costs included)."""
    import re
    from pathlib import Path

    from graphql import parse, specified_rules, validate
    from qcredit.api.graphql.cost import cost_rule
    from qcredit.api.graphql.schema import build_schema

    text = (Path(__file__).parents[1] / "docs" / "api-lists.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```graphql\n(.*?)```", text, re.S)
    assert len(blocks) >= 8
    schema = build_schema()._schema
    for block in blocks:
        errors = validate(schema, parse(block), [*specified_rules, cost_rule()])
        assert errors == [], (block, errors)
