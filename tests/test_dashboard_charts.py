"""The dashboard's charts and map are drawn by the vendored Apache ECharts, with no internet.

Headless Chromium (as in tests/test_offline_browser.py: every host but the server unreachable)
opens the dashboard of every shipped policy and reads each chart back from ECharts itself: the
figures and colours it was given must be the API's (level colours from ``policies``, map colours
from ``regionMap``), the SVG it rendered must hold them, and the table beside each chart must
carry the same figures.  A colour the API withholds must reach the map only as the withheld grey,
with the API's reason in the tooltip.  Screenshots: artifacts/charts-<policy>.png.
"""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

from qcredit.api.web.graphiql import vendored
from qcredit.api.web.pictures import fill_of

from . import test_offline_browser as offline
from .test_dashboard_browser import ARTIFACTS, admin_token, api
from .test_offline_browser import Page, RefusingProxy, offline_tab, pages_blocked

chromium = offline.chromium
served = offline.served
proxy = offline.proxy

POLICIES = ("bingtuan", "haojiang", "jiamusi", "jiaxing", "wugang")
WITHHELD = "#9aa0a6"  # charts.js and pictures.py: coloured, but not shown to this caller
NO_DATA = "#e8eaed"

# Each chart as ECharts holds it (its option's data) and as it drew it (the SVG's fills).
CHARTS = """[...document.querySelectorAll('.echart')].map((el) => {
  const chart = echarts.getInstanceByDom(el);
  const option = chart && chart.getOption();
  return {
    kind: el.className, role: el.getAttribute('role'), label: el.getAttribute('aria-label'),
    drawn: el.dataset.drawn || null,
    fills: [...new Set([...el.querySelectorAll('svg path, svg rect')]
      .map((p) => p.getAttribute('fill')))],
    series: option ? option.series.map((s) => ({type: s.type, name: s.name || null,
      data: s.data.map((d) => ({name: d.name === undefined ? null : d.name,
        value: d.value, colour: d.itemStyle ? (d.itemStyle.areaColor || d.itemStyle.color) : null}))
    })) : [],
    colours: option ? option.series.map((s) => s.itemStyle && s.itemStyle.color) : [],
  };
})"""
# The bar chart, the map, and for callers who may see the counts over time the trend.
DRAWN = """document.body.dataset.loaded === 'dashboard'
  && document.querySelectorAll('.echart').length >= {}
  && [...document.querySelectorAll('.echart')].every((el) => el.dataset.drawn === 'echarts')"""
TABLE_BARS = """[...document.querySelectorAll('#distribution tr.bar')]
  .map((tr) => [tr.dataset.level, Number(tr.dataset.count)])"""


async def full_page_screenshot(page: Page, name: str) -> Path:
    metrics = await page.send("Page.getLayoutMetrics")
    width = metrics["cssLayoutViewport"]["clientWidth"]
    height = metrics["cssContentSize"]["height"]
    clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
    shot = await page.send(
        "Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip
    )
    path = ARTIFACTS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    assert path.stat().st_size > 30_000, path
    return path


def by_kind(charts: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [c for c in charts if kind in c["kind"].split()]


async def test_every_policy_dashboard_draws_echarts_offline(
    chromium: str, served: str, proxy: RefusingProxy, demo_database_url: str, tmp_path: Path
) -> None:
    token = await admin_token(demo_database_url)
    policies = (await api(served, "{ policies { id regionCodes levels { code color } } }", {}))[
        "policies"
    ]
    colours = {p["id"]: {lv["code"]: lv["color"] for lv in p["levels"]} for p in policies}
    assert sorted(colours) == list(POLICIES)
    jiaxing = (
        await api(
            served,
            """{ regionMap(policy: "jiaxing", regionCode: "330400") {
                 region { counts { level count } } subRegions { code color colorWithheld } } }""",
            {},
            token,
        )
    )["regionMap"]
    async with offline_tab(chromium, proxy, tmp_path) as page:
        for policy in POLICIES:
            await page.open(f"{served}/dashboard?policy={policy}#token={token}")
            await page.until(DRAWN.format(3), f"{policy}: every ECharts chart drawn")
            charts = await page.run(CHARTS)
            for chart in charts:
                assert chart["role"] == "img" and chart["label"], chart["kind"]
                assert chart["fills"], f"{policy} {chart['kind']}: ECharts rendered no SVG"

            # The distribution: one bar per level, the table's figures, the policy's colours.
            [bar] = by_kind(charts, "bar-chart")
            table = await page.run(TABLE_BARS)
            assert [d["value"] for d in bar["series"][0]["data"]] == [n for _, n in table]
            expected = [fill_of(colours[policy][level]) for level, _ in table]
            assert [d["colour"] for d in bar["series"][0]["data"]] == expected
            assert set(expected) <= set(bar["fills"])  # drawn, not only configured

            # The trend: stacked series in the levels' colours.
            stacked = by_kind(charts, "stacked-chart")
            assert stacked, f"{policy}: no trend chart"
            for chart in stacked:
                assert {s["type"] for s in chart["series"]} == {"bar"}
                assert set(chart["colours"]) <= {fill_of(c) for c in colours[policy].values()}

            # The map: real outlines where every cell has one, tiles otherwise.
            [region_map] = by_kind(charts, "region-map-chart")
            cells = region_map["series"][0]["data"]
            if policy == "jiaxing":
                assert [d["level"] for d in jiaxing["region"]["counts"]] == [lv for lv, _ in table]
                assert [d["count"] for d in jiaxing["region"]["counts"]] == [n for _, n in table]
                assert region_map["series"][0]["type"] == "map"
                assert "outline" in region_map["kind"].split()
                truth = {
                    c["code"]: fill_of(c["color"]) if c["color"] else WITHHELD
                    for c in jiaxing["subRegions"]
                }
                assert {d["name"]: d["colour"] for d in cells} == truth
                assert set(truth.values()) <= set(region_map["fills"])
            else:
                # Policies without a colour map show where they apply, uncoloured.
                # (a city by its counties: 佳木斯 230800 by 230803 … 230883).
                codes = next(p["regionCodes"] for p in policies if p["id"] == policy)
                names = [d["name"] for d in cells]
                assert names == codes or (codes == ["230800"] and len(names) == 10), names
                assert all(n in codes or n[:4] + "00" in codes for n in names)
                assert {d["colour"] for d in cells} == {NO_DATA}
                tiles = policy == "bingtuan"  # 659011 and 659012 have no outline in the source
                assert region_map["series"][0]["type"] == ("custom" if tiles else "map")
            await asyncio.sleep(0.5)
            await full_page_screenshot(page, f"charts-{policy}.png")
        requested = page.requested()
    assert f"{served}{vendored('echarts')}/echarts.min.js" in requested
    assert f"{served}/dashboard/static/outlines/330402.geojson" in requested
    assert offline._outside(requested, served) == []
    assert pages_blocked(proxy) == []


async def test_a_withheld_colour_stays_withheld_on_the_map(
    chromium: str, served: str, proxy: RefusingProxy, demo_database_url: str, tmp_path: Path
) -> None:
    query = """{ regionMap(policy: "jiaxing", regionCode: "330402") {
                   subRegions { code color colorWithheld } } }"""
    public = (await api(served, query, {}))["regionMap"]["subRegions"]
    bureau = (await api(served, query, {}, await admin_token(demo_database_url)))["regionMap"]
    hidden = {c["code"] for c in public if c["colorWithheld"]}
    assert hidden and all(c["color"] is None for c in public if c["code"] in hidden)
    known = {c["code"]: c["color"] for c in bureau["subRegions"]}
    assert all(known[code] for code in hidden)  # the bureau sees colours the public does not
    async with offline_tab(chromium, proxy, tmp_path) as page:
        await page.open(f"{served}/dashboard?policy=jiaxing&region=330402")
        await page.until(DRAWN.format(1), "the public dashboard's map")  # no levels to draw
        [region_map] = by_kind(await page.run(CHARTS), "region-map-chart")
        assert "tiles" in region_map["kind"].split()  # towns have no packaged outline
        drawn = {d["name"]: d["colour"] for d in region_map["series"][0]["data"]}
        for c in public:
            assert drawn[c["code"]] == (fill_of(c["color"]) if c["color"] else WITHHELD)
        # The tooltip of a withheld town gives the API's reason, and no colour.
        for i, c in enumerate(public):
            if c["code"] not in hidden:
                continue
            await page.run(
                "echarts.getInstanceByDom(document.querySelector('.region-map-chart'))"
                f".dispatchAction({{type: 'showTip', seriesIndex: 0, dataIndex: {i}}}), true"
            )
            tip = await page.until(
                "(() => { const text = document.querySelector('.region-map-chart').innerText;"
                f" return text.includes({json.dumps(c['code'])}) && text; }})()",
                f"the tooltip of {c['code']}",
            )
            assert c["colorWithheld"] in tip and "不公开" in tip, tip
            assert json.dumps(known[c["code"]]).strip('"') not in tip
        await full_page_screenshot(page, "charts-public-towns.png")
