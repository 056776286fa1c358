"""Name search through an index (SQLite FTS5 trigram, PostgreSQL pg_trgm), Chinese substrings
included, kept in step on every write path; fragments under three characters by a scan."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from qcredit.api.cli import main
from qcredit.core.store import search
from qcredit.core.store.tables import EnterpriseRow
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from .support import credit_code, gql

REGISTER = """mutation($i: RegisterEnterpriseInput!) { registerEnterprise(input: $i) { id } }"""
FIND = """query($q: String!, $r: String) { enterprises(filter: {nameContains: $q, regionCode: $r},
  first: 100) { totalCount nodes { name } } }"""
NAMES = [
    "武冈市食品有限公司",
    "嘉兴华为电子厂",
    "佳木斯大豆食品厂",
    "Acme Foods Ltd",
    "百分之100%_纯净水",
    'Quote "Q" Co',
]


async def register_all(client: Any, names: list[str], start: int = 1) -> None:
    for n, name in enumerate(names, start=start):
        given = {"code": credit_code(n, "110101"), "name": name, "regionCode": "110101"}
        result = await gql(client, REGISTER, {"i": given})
        assert "errors" not in result, result


async def found(client: Any, fragment: str) -> list[str]:
    result = await gql(client, FIND, {"q": fragment})
    assert "errors" not in result, result
    data = result["data"]["enterprises"]
    assert data["totalCount"] == len(data["nodes"])
    return sorted(n["name"] for n in data["nodes"])


async def test_chinese_and_latin_substrings(client: Any) -> None:
    await register_all(client, NAMES)
    assert await found(client, "食品有") == ["武冈市食品有限公司"]  # three characters: indexed
    assert await found(client, "有限公司") == ["武冈市食品有限公司"]
    assert await found(client, "市食品有限") == ["武冈市食品有限公司"]
    assert await found(client, "食品") == ["佳木斯大豆食品厂", "武冈市食品有限公司"]  # two: a scan
    assert await found(client, "华为") == ["嘉兴华为电子厂"]
    assert await found(client, "厂") == ["佳木斯大豆食品厂", "嘉兴华为电子厂"]
    assert await found(client, "华为电") == ["嘉兴华为电子厂"]
    assert await found(client, "食品公司") == []  # not a substring, though both words occur
    assert await found(client, "acme foo") == ["Acme Foods Ltd"]  # any case
    assert await found(client, "FOODS") == ["Acme Foods Ltd"]
    # What a caller types is text, never syntax: LIKE wildcards, FTS5 quotes and operators.
    assert await found(client, "100%_") == ["百分之100%_纯净水"]
    assert await found(client, "%_") == ["百分之100%_纯净水"]
    assert await found(client, '"Q"') == ['Quote "Q" Co']
    assert await found(client, "Foods OR 华为") == []
    assert await found(client, "NEAR(") == []
    assert await found(client, "Ltd*") == []


async def test_the_index_follows_every_write_path(
    client: Any, db_engine: Any, database_url: str, tmp_path: Path
) -> None:
    await register_all(client, ["浙江某某食品公司"])  # the GraphQL register
    lines = [
        {
            "type": "enterprise",
            "code": credit_code(n, "110101"),
            "name": name,
            "regionCode": "110101",
        }
        for n, name in ((2, "批量导入乳业有限公司"), (3, "逐条导入饮料厂"))
    ]
    bulk, single = tmp_path / "bulk.jsonl", tmp_path / "single.jsonl"
    bulk.write_text(json.dumps(lines[0], ensure_ascii=False) + "\n", encoding="utf-8")
    single.write_text(json.dumps(lines[1], ensure_ascii=False) + "\n", encoding="utf-8")
    assert await asyncio.to_thread(main, ["import", str(bulk), "--database", database_url]) == 0
    per_record = ["import", str(single), "--database", database_url, "--per-record"]
    assert await asyncio.to_thread(main, per_record) == 0
    assert await found(client, "某食品") == ["浙江某某食品公司"]
    assert await found(client, "导入乳业") == ["批量导入乳业有限公司"]
    assert await found(client, "导入饮") == ["逐条导入饮料厂"]
    # A name changed in the database (no API path renames; a clerk's SQL might) and a row
    # removed: the index follows both.
    async with db_engine.begin() as conn:
        await conn.execute(
            update(EnterpriseRow)
            .where(EnterpriseRow.code == credit_code(1, "110101"))
            .values(name="浙江改名饮品公司")
        )
    assert await found(client, "某食品") == []
    assert await found(client, "改名饮品") == ["浙江改名饮品公司"]


async def test_a_search_reads_the_index(client: Any, db_engine: Any) -> None:
    """The plan of a three-character search goes through the name index, not a table scan."""
    await register_all(client, NAMES)
    async with AsyncSession(db_engine) as s:
        dialect = db_engine.dialect.name
        mode = await search.postgres_mode(s) if dialect == "postgresql" else search.TRIGRAM
        stmt = select(EnterpriseRow.id).where(search.name_condition(dialect, "食品有", mode))
        compiled = stmt.compile(db_engine.sync_engine, compile_kwargs={"literal_binds": True})
        if dialect == "sqlite":
            plan = (await s.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))).all()
            details = " ".join(str(row[-1]) for row in plan)
            assert search.FTS_TABLE in details and "VIRTUAL TABLE INDEX" in details, details
        else:
            assert mode == search.TRIGRAM  # pg_trgm is available on the test server
            await s.execute(text("SET enable_seqscan = off"))  # a few rows: force the choice
            plan = (await s.execute(text(f"EXPLAIN {compiled}"))).scalars().all()
            assert any(search.TRIGRAM_INDEX in line for line in plan), plan


async def test_short_fragments_are_defined(client: Any) -> None:
    """One or two characters: every name holding them (a scan; docs/api-lists.md)."""
    await register_all(client, NAMES)
    assert await found(client, "A") == ["Acme Foods Ltd"]
    assert await found(client, "ac") == ["Acme Foods Ltd"]
    assert await found(client, "%") == ["百分之100%_纯净水"]
    assert len(await found(client, "")) == len(NAMES)  # empty: no filter, as before
