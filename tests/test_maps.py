"""Regional colour maps, the map picture, health codes, their QR codes and the public
verification page — through the API, on SQLite and PostgreSQL.

The colour boundaries use the shipped four-colour rules (三4, local defaults): red from 10 % C
enterprises (含本数), yellow from 5 %, green below every rule.  Each enterprise has one product
of a 一般风险 category, so no product rule interferes.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
import segno
from qcredit.api.app import create_app
from qcredit.api.settings import Settings
from qcredit.core import clock
from qcredit.core.grading.regions import PUBLIC_MIN_ENTERPRISES, sub_region_of

from .conftest import issue_token
from .support import credit_code, gql

CITY, COUNTY, OTHER_COUNTY = "330400", "330402", "330411"
GENERAL_CATEGORY = "家具及建筑装饰装修材料"  # base tier 一般风险 (parameters.toml)
RECENT = (clock.today() - timedelta(days=200)).isoformat()
LEVEL_LABELS = ("AA类", "A类", "B类", "C类")

MAP = """query($p: String!, $r: String!, $d: Date) {
  regionMap(policy: $p, regionCode: $r, asOf: $d) {
    asOf subRegionKind publicMinEnterprises publicMinSubjects
    region { code colour subjects counts { level count share } }
    subRegions { code colour colourWithheld subjects counts { level count share }
                 reasons { article text } } } }"""


async def enterprise(
    client: httpx.AsyncClient, n: int, *, c_class: bool, region: str = COUNTY
) -> str:
    code = credit_code(n, region)
    mutations = [
        (
            "mutation($i: RegisterEnterpriseInput!) { registerEnterprise(input: $i) { id } }",
            {
                "code": code,
                "name": f"测试企业{n}",
                "regionCode": region,
                "establishedOn": "2015-01-01",
                "roles": ["PRODUCER"],
            },
        ),
        (
            "mutation($i: RegisterProductInput!) { registerProduct(input: $i) { id } }",
            {
                "enterpriseCode": code,
                "trademark": f"牌{n}",
                "niceClass": 20,
                "category": GENERAL_CATEGORY,
            },
        ),
    ]
    if c_class:  # 三3: a serious failure in a sampling inspection within three years
        mutations.append(
            (
                "mutation($i: RecordEventInput!) { recordEvent(input: $i) { id } }",
                {
                    "enterpriseCode": code,
                    "kind": "SAMPLING_INSPECTION",
                    "occurredOn": RECENT,
                    "attributes": {"result": "FAIL", "severity": "SERIOUS", "level": "MUNICIPAL"},
                },
            )
        )
    for query, data in mutations:
        result = await gql(client, query, {"i": data})
        assert "errors" not in result, result
    return code


async def region_map(client: httpx.AsyncClient, region: str = CITY, **kw: Any) -> dict:
    result = await gql(client, MAP, {"p": "jiaxing", "r": region, "d": kw.get("as_of")})
    assert "errors" not in result, result
    return result["data"]["regionMap"]


def cell(m: dict, code: str) -> dict:
    return next(c for c in m["subRegions"] if c["code"] == code)


async def test_colour_boundaries_both_sides(client: httpx.AsyncClient) -> None:
    await enterprise(client, 1, c_class=True)
    for n in range(2, 11):
        await enterprise(client, n, c_class=False)
    m = await region_map(client)  # 1 C in 10 = 10 %: red (含本数)
    county = cell(m, COUNTY)
    assert county["colour"] == "red"
    assert {c["level"]: c["count"] for c in county["counts"]}["C"] == 1
    assert county["subjects"] == 20  # ten enterprises and their ten products
    assert county["reasons"][0]["article"] == "三4"
    assert m["subRegionKind"] == "COUNTY" and m["region"]["colour"] == "red"

    await enterprise(client, 11, c_class=False)  # 1 in 11 = 9.1 %: below red, yellow from 5 %
    assert cell(await region_map(client), COUNTY)["colour"] == "yellow"

    for n in range(12, 21):
        await enterprise(client, n, c_class=False)  # 1 in 20 = 5 %: still yellow (含本数)
    assert cell(await region_map(client), COUNTY)["colour"] == "yellow"

    await enterprise(client, 21, c_class=False)  # 1 in 21 = 4.8 %: green
    m = await region_map(client)
    assert cell(m, COUNTY)["colour"] == "green"
    assert cell(m, COUNTY)["reasons"][0]["text"].endswith("标注为绿色")

    # Before the failure the same region was graded green on that date; the town map of the
    # county holds the same subjects (no towns recorded: one cell of the county's own code).
    before = (date.fromisoformat(RECENT) - timedelta(days=1)).isoformat()
    past = await region_map(client, as_of=before)
    assert past["asOf"] == before
    assert {c["level"] for c in cell(past, COUNTY)["counts"]} == {"A", "GENERAL"}
    towns = await region_map(client, COUNTY)
    assert towns["subRegionKind"] == "TOWN"
    assert [c["code"] for c in towns["subRegions"]] == [COUNTY]


async def test_counts_only_for_callers_who_see_every_level(
    app: Any, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    await enterprise(client, 1, c_class=True)
    for n in range(2, 6):
        await enterprise(client, n, c_class=False)
    await enterprise(client, 6, c_class=True, region=OTHER_COUNTY)  # a lone enterprise

    public = await region_map(anonymous)
    assert public["publicMinEnterprises"] == public["publicMinSubjects"] == PUBLIC_MIN_ENTERPRISES
    big, lone = cell(public, COUNTY), cell(public, OTHER_COUNTY)
    # Five enterprises: the colour is public, the counts and reasons (which quote shares) are not.
    assert big["colour"] == "red" and big["counts"] is None and big["subjects"] is None
    assert big["reasons"] is None
    # Two subjects: even the colour would betray a hidden level.
    assert lone["colour"] is None and "fewer than" in lone["colourWithheld"]
    assert lone["colourWithheld"].startswith("此处已评定企业少于")  # a person reads it first
    assert lone["counts"] is None

    admin = await region_map(client)
    assert cell(admin, OTHER_COUNTY)["colour"] == "red"

    own = await issue_token(app, "REGULATOR", regions=[COUNTY])
    seen = await region_map(anonymous_with(anonymous, own))
    assert cell(seen, COUNTY)["counts"] is not None  # the bureau in charge
    # The other county's grades are disclosed to partner departments (四2 四是), so a regulator
    # of another region — a partner there — sees them too; an association does not (local
    # default: no industry disclosure).
    assert cell(seen, OTHER_COUNTY)["counts"] is not None
    assert seen["region"]["counts"] is not None
    industry = await issue_token(app, "INDUSTRY")
    other = await region_map(anonymous_with(anonymous, industry))
    assert all(c["counts"] is None for c in other["subRegions"])
    assert cell(other, COUNTY)["colour"] == "red"


def anonymous_with(client: httpx.AsyncClient, token: str) -> httpx.AsyncClient:
    client.headers["Authorization"] = f"Bearer {token}"
    return client


@pytest.mark.parametrize(
    ("policy", "region", "field"),
    [("wugang", "410481", "policy"), ("jiaxing", "410481", "regionCode")],
)
async def test_bad_map_requests(
    client: httpx.AsyncClient, policy: str, region: str, field: str
) -> None:
    result = await gql(client, MAP, {"p": policy, "r": region})
    error = result["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == field
    too_early = await gql(client, MAP, {"p": "jiaxing", "r": CITY, "d": "2019-12-31"})
    assert too_early["errors"][0]["extensions"]["code"] == "POLICY_NOT_IN_FORCE"


def test_sub_regions_follow_gbt2260() -> None:
    assert sub_region_of("330400", "330402101") == "330402"
    assert sub_region_of("330402", "330402101") == "330402101"
    assert sub_region_of("330402", "330402") == "330402"
    assert sub_region_of("330000", "330402101") == "330400"


# -- on the demo data (read-only) ----------------------------------------------------------------
@pytest.fixture(scope="module")
async def demo(demo_database_url: str) -> Any:
    application = create_app(
        Settings(
            database_url=demo_database_url,
            migrate_on_start=False,
            rate_limit_per_minute=0,
            public_url="http://qcredit.test",  # published URLs come from here, not from Host
        )
    )
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://qcredit.test") as c:
        c.app = application  # type: ignore[attr-defined]
        yield c
    await application.state.db_engine.dispose()


async def test_svg_map_has_the_colours_of_the_api(demo: httpx.AsyncClient) -> None:
    m = await region_map(demo)
    response = await demo.get(f"/maps/jiaxing/{CITY}.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(response.text)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    cells = {g.get("data-code"): g for g in root.iter(f"{ns}g") if g.get("class") == "cell"}
    assert set(cells) == {c["code"] for c in m["subRegions"]}
    colours = {c["colour"] for c in m["subRegions"]}
    assert {"red", "yellow", "green"} <= colours  # the demo's counties differ
    from qcredit.api.web.pictures import fill_of

    for c in m["subRegions"]:
        g = cells[c["code"]]
        assert g.get("data-colour") == (c["colour"] or "")
        if c["colour"]:
            assert g.find(f"{ns}rect").get("fill") == fill_of(c["colour"])
    assert "个评定对象" not in response.text  # counts are not public
    bad = await demo.get("/maps/wugang/410481.svg")
    assert bad.status_code == 400


async def demo_codes(demo: httpx.AsyncClient, n: int = 40) -> list[str]:
    token = await issue_token(demo.app, "ADMIN")  # type: ignore[attr-defined]
    result = await gql(
        demo,
        'query($n: Int) { enterprises(filter: {policy: "jiaxing"}, first: $n) '
        "{ edges { node { code } } } }",
        {"n": n},
        headers={"Authorization": f"Bearer {token}"},
    )
    return [e["node"]["code"] for e in result["data"]["enterprises"]["edges"]]


async def test_qr_encodes_the_verification_url(demo: httpx.AsyncClient) -> None:
    code = (await demo_codes(demo, 1))[0]
    url = f"http://qcredit.test/verify/{code}"
    svg = await demo.get(f"/badge/{code}.svg")
    png = await demo.get(f"/badge/{code}.png")
    assert svg.status_code == png.status_code == 200
    # 0.1's path, printed on QR codes already handed out, answers the same.
    assert (await demo.get(f"/health-code/{code}.svg")).text == svg.text
    assert svg.headers["x-encoded-url"] == url
    assert png.content.startswith(b"\x89PNG")
    # segno cannot decode; the same URL made into a QR again gives the very same picture.
    again = io.BytesIO()
    segno.make(url, error="m").save(again, kind="svg", scale=8, border=2, dark="#202124", title=url)
    assert svg.text == again.getvalue().decode()
    other = io.BytesIO()
    segno.make(url + "x", error="m").save(other, kind="svg", scale=8, border=2, dark="#202124")
    assert svg.text != other.getvalue().decode()
    assert (await demo.get(f"/badge/{code}.gif")).status_code == 404


async def test_verification_page_never_shows_hidden_data(demo: httpx.AsyncClient) -> None:
    admin = await issue_token(demo.app, "ADMIN")  # type: ignore[attr-defined]
    headers = {"Authorization": f"Bearer {admin}"}
    for code in await demo_codes(demo):
        codes = await gql(
            demo,
            "query($c: String!) { badges(code: $c) { policy label color colorLabel } "
            "healthCodes(code: $c) { policy colour } }",
            {"c": code},
        )
        badges = {b["policy"]: b for b in codes["data"]["badges"]}
        public = {p: b["color"] for p, b in badges.items()}
        # The deprecated name answers the same colours.
        assert public == {h["policy"]: h["colour"] for h in codes["data"]["healthCodes"]}
        # A token changes nothing: the page is what the public sees.
        for extra in ({}, headers):
            page = (await demo.get(f"/verify/{code}", headers=extra)).text
            assert code in page
            for label in LEVEL_LABELS:
                assert label not in page
            b = badges["jiaxing"]  # 嘉兴 二2 企业产品质量"健康码"
            if b["color"] is None:
                assert b["colorLabel"] is None
                assert f"{b['label']}：颜色不向社会公众公开" in page
            else:
                assert f"{b['label']}：{b['colorLabel']}" in page
        seen = await gql(
            demo,
            "query($c: String!) { badges(code: $c) { color colorLabel } }",
            {"c": code},
            headers=headers,
        )
        assert all(b["color"] and b["colorLabel"] for b in seen["data"]["badges"])  # the bureau
    assert (await demo.get("/verify/123")).status_code == 400
    assert (await demo.get(f"/verify/{credit_code(999, '330402')}")).status_code == 404


async def test_a_cell_is_anonymous_by_enterprises_not_subjects(
    app: Any, client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    """Products of the same enterprises do not make a cell anonymous: a county holding two
    enterprises stays dark to the public however many products they register."""
    codes = [await enterprise(client, n, c_class=n == 1, region=OTHER_COUNTY) for n in (1, 2)]
    for code in codes:
        for k in range(4):  # 2 enterprises and 10 products: 12 subjects, well over 5
            result = await gql(
                client,
                "mutation($i: RegisterProductInput!) { registerProduct(input: $i) { id } }",
                {"i": {"enterpriseCode": code, "trademark": f"副牌{k}", "niceClass": 20,
                       "category": GENERAL_CATEGORY}},
            )  # fmt: skip
            assert "errors" not in result, result
    public = cell(await region_map(anonymous), OTHER_COUNTY)
    assert public["colour"] is None and "enterprises" in public["colourWithheld"]
    bureau = cell(await region_map(client), OTHER_COUNTY)
    assert bureau["colour"] is not None and bureau["subjects"] == 12
