"""``qcredit export`` as a partner department receives it, on the demo data (both databases): the
workbook's layout and 说明 sheet, CSV and JSON Lines with the same fields, ``--region``, the
snapshot beside the feed, bad input refused with exit 2 — and, per audience, never a grade the
same role could not read through GraphQL."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from qcredit.api.app import create_app
from qcredit.api.cli import main
from qcredit.api.settings import Settings
from qcredit.core import clock
from qcredit.core.disclosure.export import FEED_FIELDS, SNAPSHOT_FIELDS
from qcredit.core.disclosure.tokens import create_token
from qcredit.core.disclosure.workbook import display_width
from qcredit.core.grading.engine import standing_date
from qcredit.core.plugins import Registry

from .support import gql

ISSUER = "某某市市场监督管理局"
PAST = "2025-06-01"
NAMES = {p.id: p for p in Registry.load().all_policies()}


def export(url: str, tmp: Path, name: str, *args: str) -> Path:
    out = tmp / name
    assert main(["export", *args, "--database", url, "-o", str(out)]) == 0
    return out


def sheet_rows(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    values = list(load_workbook(path).active.iter_rows(values_only=True))
    header = list(values[0])
    return header, [dict(zip(header, v, strict=True)) for v in values[1:]]


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


# -- the workbook -----------------------------------------------------------------------------
def test_the_feed_workbook_is_ready_to_file(demo_database_url: str, tmp_path: Path) -> None:
    path = export(
        demo_database_url, tmp_path, "feed.xlsx",
        "--for", "DEPARTMENT", "--department", "税务", "--format", "xlsx", "--issuer", ISSUER,
    )  # fmt: skip
    wb = load_workbook(path)
    assert wb.sheetnames == ["等级变更", "说明"]
    ws = wb["等级变更"]
    header = [c.value for c in ws[1]]
    assert header == [f.header for f in FEED_FIELDS]
    assert {"统一社会信用代码", "企业名称", "政策", "变更前等级", "变更后等级", "评定日期"} <= set(
        header
    )
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{get_column_letter(ws.max_column)}{ws.max_row}"
    assert ws.max_row > 100
    on = header.index("评定日期") + 1
    for (cell,) in ws.iter_rows(min_row=2, min_col=on, max_col=on):
        assert cell.is_date and cell.number_format == "yyyy-mm-dd"
    # Widths by content, a CJK character counting double.
    name_col = get_column_letter(header.index("企业名称") + 1)
    longest = max(display_width(c.value) for (c,) in ws.iter_rows(min_row=2, min_col=2, max_col=2))
    assert ws.column_dimensions[name_col].width >= min(longest, 58)
    assert display_width("企业") == 4 and display_width("A1") == 2
    # Policies by their Chinese names, products by trademark/Nice class, no internal ids.
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]
    assert {r["政策"] for r in rows} <= {p.name for p in NAMES.values()}
    products = [r["产品（商标/尼斯分类）"] for r in rows if r["对象类型"] == "产品"]
    assert products and all(p.rsplit("/", 1)[1].isdigit() for p in products)
    notes = {}
    for label, value in wb["说明"].iter_rows(min_row=2, values_only=True):
        notes.setdefault(label, []).append(value)
    assert notes["发布机关"] == [ISSUER]
    assert notes["导出日期"][0].date() == clock.today()
    assert "税务" in notes["接收方"][0]
    assert notes["行数"] == [len(rows)]
    haojiang = NAMES["haojiang"]
    assert any(haojiang.name in basis for basis in notes["法律依据"])
    assert any("不得用于商业用途" in n and haojiang.name in n for n in notes["使用限制"])


def test_csv_and_jsonl_carry_the_same_fields(demo_database_url: str, tmp_path: Path) -> None:
    base = ("--for", "DEPARTMENT", "--department", "税务", "--snapshot")
    url = demo_database_url
    header, rows = sheet_rows(
        export(url, tmp_path, "s.xlsx", *base, "--format", "xlsx", "--issuer", ISSUER)
    )
    raw = export(url, tmp_path, "s.csv", *base).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == header == [f.header for f in SNAPSHOT_FIELDS]
    assert len(table) - 1 == len(rows)
    gb = export(url, tmp_path, "gb.csv", *base, "--encoding", "gb18030").read_bytes()
    assert list(csv.reader(io.StringIO(gb.decode("gb18030")))) == table
    lines = jsonl(export(url, tmp_path, "s.jsonl", *base, "--format", "jsonl"))
    assert [list(r) for r in lines[:1]] == [[f.key for f in SNAPSHOT_FIELDS]]
    as_csv = [dict(zip(table[0], r, strict=True)) for r in table[1:]]
    for line, row, cells in zip(lines, as_csv, rows, strict=True):
        assert line["enterpriseCode"] == row["统一社会信用代码"] == cells["统一社会信用代码"]
        assert line["asOf"] == row["评定日期"] == cells["评定日期"].date().isoformat()
        assert line["level"] == row["等级"] == cells["等级"]


# -- region, snapshot and feed ----------------------------------------------------------------
def test_region_filters_every_audience(demo_database_url: str, tmp_path: Path) -> None:
    for i, audience in enumerate(
        (
            ["--for", "PUBLIC"],
            ["--for", "INDUSTRY"],
            ["--for", "DEPARTMENT", "--department", "发改"],
        )
    ):
        for mode in ([], ["--snapshot"]):
            everywhere = jsonl(
                export(demo_database_url, tmp_path, f"a{i}{len(mode)}", *audience, *mode,
                       "--format", "jsonl")
            )  # fmt: skip
            here = jsonl(
                export(demo_database_url, tmp_path, f"r{i}{len(mode)}", *audience, *mode,
                       "--format", "jsonl", "--region", "440512")
            )  # fmt: skip
            assert here == [r for r in everywhere if r["regionCode"].startswith("440512")]
    assert here and {r["policy"] for r in here} == {NAMES["haojiang"].name}


def test_snapshot_beside_the_feed(demo_database_url: str, tmp_path: Path) -> None:
    who = ("--for", "DEPARTMENT", "--department", "工信", "--format", "jsonl")
    feed = jsonl(export(demo_database_url, tmp_path, "f", *who))
    snapshot = jsonl(export(demo_database_url, tmp_path, "s", *who, "--snapshot"))
    assert {"cursor", "previous", "current"} <= set(feed[0]) and "level" not in feed[0]
    assert "level" in snapshot[0] and "cursor" not in snapshot[0]

    def key(r: dict[str, Any]) -> tuple[Any, ...]:
        return (r["enterpriseCode"], r["policy"], r["product"])

    latest = {key(r): r["current"] for r in feed}  # the feed is in cursor order
    assert {key(r): r["level"] for r in snapshot} == {k: v for k, v in latest.items() if v}
    past = jsonl(export(demo_database_url, tmp_path, "p", *who, "--snapshot", "--as-of", PAST))
    assert past and {r["asOf"] for r in past} == {PAST}
    wugang = NAMES["wugang"]  # not in force on PAST
    assert wugang.name not in {r["policy"] for r in past}


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["--for", "PUBLIC", "--department", "税务"],
        ["--for", "DEPARTMENT"],
        ["--for", "DEPARTMENT", "--department", " "],
        ["--for", "REGULATOR"],
        ["--for", "INDUSTRY", "--region", "12345"],
        ["--for", "INDUSTRY", "--region", "990000"],
        ["--for", "INDUSTRY", "--snapshot", "--as-of", "2025-02-30"],
        ["--for", "INDUSTRY", "--snapshot", "--as-of", "2999-01-01"],
        ["--for", "INDUSTRY", "--as-of", PAST],
        ["--for", "INDUSTRY", "--snapshot", "--since", "3"],
        ["--for", "INDUSTRY", "--format", "jsonl", "--encoding", "gb18030"],
        ["--for", "INDUSTRY", "--format", "xlsx"],
        ["--for", "INDUSTRY", "-o", "/nonexistent-folder/out.csv"],
        ["--for", "INDUSTRY", "-o", "/"],
    ],
)
def test_bad_input_is_one_error_and_exit_2(
    args: list[str], demo_database_url: str, capsys: Any, monkeypatch: Any
) -> None:
    monkeypatch.delenv("QCREDIT_ISSUER", raising=False)
    capsys.readouterr()
    assert main(["export", *args, "--database", demo_database_url]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("BAD_USER_INPUT"), line


# -- nothing the audience may not see --------------------------------------------------------
@pytest.fixture(scope="module")
async def demo_app(demo_database_url: str) -> AsyncIterator[Any]:
    application = create_app(
        Settings(
            database_url=demo_database_url,
            migrate_on_start=False,
            rate_limit_per_minute=0,
            response_cache_entries=0,
            token_cache_seconds=0,
            max_cost=10**9,
        )
    )
    yield application
    await application.state.db_engine.dispose()


async def _as(app: Any, role: str, **kwargs: Any) -> httpx.AsyncClient:
    headers = {}
    if role != "PUBLIC":
        async with app.state.services.sessions() as s:
            token, _ = await create_token(s, role=role, **kwargs)
            await s.commit()
        headers["Authorization"] = f"Bearer {token}"
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers)


def _grades_query(dates: list[str]) -> str:
    picks = " ".join(
        f'd{i}: assessments(asOf: "{d}") {{ policy {{ id }} level asOf }}'
        for i, d in enumerate(dates)
    )
    return (
        "query($r: String, $after: String) { enterprises(filter: {regionCode: $r}, first: 100, "
        "after: $after) { pageInfo { hasNextPage endCursor } edges { node { code "
        f"{picks} products(first: 100) {{ edges {{ node {{ trademark niceClass {picks} }} }} }}"
        " } } } }"
    )


async def _graphql_grades(
    c: httpx.AsyncClient, region: str | None, on: dict[str, str]
) -> Counter[tuple[Any, ...]]:
    """(code, product, policy name, level, date) of every grade the caller reads, each policy
    on its date in ``on``."""
    dates = sorted(set(on.values()))
    seen: Counter[tuple[Any, ...]] = Counter()
    after = None
    while True:
        body = await gql(c, _grades_query(dates), {"r": region, "after": after})
        assert "errors" not in body, body["errors"][:2]
        page = body["data"]["enterprises"]
        for edge in page["edges"]:
            node = edge["node"]
            subjects = [(node, None)] + [
                (p["node"], f"{p['node']['trademark']}/{p['node']['niceClass']}")
                for p in node["products"]["edges"]
            ]
            for subject, product in subjects:
                for i, d in enumerate(dates):
                    for a in subject[f"d{i}"]:
                        if on.get(a["policy"]["id"]) == d:
                            name = NAMES[a["policy"]["id"]].name
                            seen[(node["code"], product, name, a["level"], a["asOf"])] += 1
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


def _exported(rows: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    return Counter(
        (r["enterpriseCode"], r["product"], r["policy"], r["level"], r["asOf"]) for r in rows
    )


@dataclass(frozen=True)
class Who:
    """An audience: its token for GraphQL, its options for the export, the region compared."""

    role: str
    token: dict[str, Any]
    flags: tuple[str, ...]
    region: str | None = None

    def __str__(self) -> str:
        return f"{self.role}-{self.region or 'all'}"

    def export_flags(self) -> tuple[str, ...]:
        return (
            *self.flags,
            *(("--region", self.region) if self.region else ()),
            "--format",
            "jsonl",
        )


TAX = ("--for", "DEPARTMENT", "--department", "税务")
AUDIENCES = [
    Who("PUBLIC", {}, ("--for", "PUBLIC")),
    Who("INDUSTRY", {}, ("--for", "INDUSTRY")),
    Who("DEPARTMENT", {"department": "税务"}, TAX),
    Who("DEPARTMENT", {"department": "税务"}, TAX, "330400"),
    Who("REGULATOR", {"regions": ["230800"]}, ("--for", "REGULATOR"), "230800"),
]


@pytest.mark.parametrize("who", AUDIENCES, ids=str)
async def test_the_snapshot_is_what_graphql_shows_that_role(
    demo_app: Any, demo_database_url: str, tmp_path: Path, who: Who
) -> None:
    role, region = who.role, who.region
    today = clock.today()
    on = {p.id: d.isoformat() for p in NAMES.values() if (d := standing_date(p, today)) is not None}
    async with await _as(demo_app, role, **who.token) as c:
        shown = await _graphql_grades(c, region, on)
        past = await _graphql_grades(
            c, region, {p.id: PAST for p in NAMES.values() if p.in_force(date.fromisoformat(PAST))}
        )
    args = (*who.export_flags(), "--snapshot")
    standing = await asyncio.to_thread(export, demo_database_url, tmp_path, "now", *args)
    assert shown and _exported(jsonl(standing)) == shown
    graded = await asyncio.to_thread(
        export, demo_database_url, tmp_path, "past", *args, "--as-of", PAST
    )
    assert _exported(jsonl(graded)) == past
    if role in ("PUBLIC", "INDUSTRY"):  # most grades are not public: the rule did hide some
        async with await _as(demo_app, "ADMIN") as admin:
            assert sum(shown.values()) < sum((await _graphql_grades(admin, region, on)).values())


@pytest.mark.parametrize("who", AUDIENCES, ids=str)
async def test_the_feed_is_what_graphql_feeds_that_role(
    demo_app: Any, demo_database_url: str, tmp_path: Path, who: Who
) -> None:
    query = (
        "query($s: String) { gradeChanges(since: $s, first: 100) { endCursor hasMore "
        "changes { policy previous current asOf } } }"
    )
    fed: Counter[tuple[Any, ...]] = Counter()
    async with await _as(demo_app, who.role, **who.token) as c:
        since = None
        while True:
            page = (await gql(c, query, {"s": since}))["data"]["gradeChanges"]
            for ch in page["changes"]:
                fed[(NAMES[ch["policy"]].name, ch["previous"], ch["current"], ch["asOf"])] += 1
            if not page["hasMore"]:
                break
            since = page["endCursor"]
    args = who.export_flags()
    rows = jsonl(await asyncio.to_thread(export, demo_database_url, tmp_path, "feed", *args))
    exported = Counter((r["policy"], r["previous"], r["current"], r["asOf"]) for r in rows)
    if who.region is None:
        assert exported == fed
    else:  # the API's feed has no region filter: the region's part of it
        assert exported and not exported - fed
