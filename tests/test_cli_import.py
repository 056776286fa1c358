"""`qcredit import` (CSV and JSON Lines, rejected rows reported in Chinese, accepted rows
committed, the bulk and per-record paths alike), `qcredit grade` and `qcredit simulate` on the
command line, on both databases."""

from __future__ import annotations

import asyncio
import csv
import json
import re
from pathlib import Path
from typing import Any

from qcredit.api.cli import main
from qcredit.core import clock
from qcredit.core.grading.engine import Engine
from qcredit.core.ledger.importer import import_file
from qcredit.core.ledger.readers import open_source
from qcredit.core.ledger.synth import Generator
from qcredit.core.plugins import Registry
from qcredit.core.store.db import sessionmaker
from qcredit.core.store.tables import EnterpriseRow, EventRow, ProductRow
from sqlalchemy import func, select, text

from .support import credit_code

GOOD = credit_code(1, "110101")
OTHER = credit_code(2, "110101")


def records() -> list[dict[str, Any]]:
    return [
        {
            "type": "enterprise",
            "code": GOOD,
            "name": "北京甲公司",
            "regionCode": "110101",
            "establishedOn": "2012-01-01",
            "roles": ["PRODUCER"],
        },
        {
            "type": "enterprise",
            "code": GOOD[:17] + ("0" if GOOD[17] != "0" else "1"),
            "name": "错码公司",
            "regionCode": "110101",
        },  # wrong check character
        {"type": "enterprise", "code": OTHER, "name": "北京乙公司", "regionCode": "110102"},
        {"type": "product", "enterpriseCode": GOOD, "trademark": "甲牌", "niceClass": 9},
        {"type": "product", "enterpriseCode": GOOD, "trademark": "甲牌", "niceClass": 46},
        {
            "type": "event",
            "enterpriseCode": GOOD,
            "kind": "SAMPLING_INSPECTION",
            "occurredOn": "2024-03-01",
            "attributes": {"result": "FAIL"},
            "externalId": "S-1",
        },
        {
            "type": "event",
            "enterpriseCode": GOOD,
            "trademark": "甲牌",
            "niceClass": 9,
            "kind": "SAMPLING_INSPECTION",
            "occurredOn": "2024-04-01",
            "attributes": {"result": "PASS"},
            "externalId": "S-2",
        },
        {"type": "event", "enterpriseCode": GOOD, "kind": "GOSSIP", "occurredOn": "2024-03-01"},
        {
            "type": "event",
            "enterpriseCode": GOOD,
            "kind": "SAMPLING_INSPECTION",
            "occurredOn": "2023-02-30",
            "attributes": {"result": "PASS"},
        },
        {
            "type": "correction",
            "eventExternalId": "S-1",
            "action": "AMEND",
            "reason": "复检",
            "attributes": {"result": "PASS"},
            "externalId": "C-1",
        },
        {"type": "correction", "eventExternalId": "NOPE", "action": "REVOKE", "reason": "x"},
    ]


EXPECTED_REJECTIONS = [
    "第 2 行：统一社会信用代码校验位应为",
    "第 5 行：尼斯分类应为 1–45",
    "第 8 行：未知的事件类型，所填为 GOSSIP [BAD_USER_INPUT]",
    "第 9 行：occurredOn：2023-02-30 不是真实存在的日期 [BAD_USER_INPUT]",
    "第 11 行：找不到外部编号为 NOPE 的事件 [NOT_FOUND]",
]


def write_jsonl(path: Path) -> None:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records()) + "{not json\n",
        encoding="utf-8",
    )


def write_csv(path: Path) -> None:
    columns = [
        "type",
        "code",
        "name",
        "regionCode",
        "establishedOn",
        "roles",
        "enterpriseCode",
        "trademark",
        "niceClass",
        "kind",
        "occurredOn",
        "attributes",
        "externalId",
        "eventExternalId",
        "action",
        "reason",
    ]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        for r in records():
            row = {k: v for k, v in r.items()}
            if "attributes" in row:
                row["attributes"] = json.dumps(row["attributes"], ensure_ascii=False)
            if "roles" in row:
                row["roles"] = ";".join(row["roles"])
            writer.writerow(row)


async def counts(db_engine: Any) -> tuple[int, int, int]:
    async with db_engine.connect() as conn:
        got = [
            (await conn.execute(select(func.count()).select_from(t))).scalar_one()
            for t in (EnterpriseRow, ProductRow, EventRow)
        ]
    return got[0], got[1], got[2]


async def run_cli(*args: str) -> int:
    return await asyncio.to_thread(main, list(args))


async def test_import_jsonl_and_csv_report_rejections_and_are_idempotent(
    client: Any, db_engine: Any, database_url: str, tmp_path: Path, capsys: Any
) -> None:
    jsonl = tmp_path / "batch.jsonl"
    write_jsonl(jsonl)
    assert await run_cli("import", str(jsonl), "--database", database_url) == 1  # rows rejected
    report = capsys.readouterr().err
    for rejection in EXPECTED_REJECTIONS:
        assert rejection in report, (rejection, report)
    assert "拒绝 6 行" in report  # the five bad records and the line that is not JSON
    assert await counts(db_engine) == (2, 1, 3)  # 2 enterprises, 1 product, 2 events + 1 fix
    # The same data as CSV: everything already present, nothing added.
    table = tmp_path / "batch.csv"
    write_csv(table)
    assert await run_cli("import", str(table), "--database", database_url, "--strict") == 1
    assert await counts(db_engine) == (2, 1, 3)
    assert "已存在 6 行，拒绝 5 行" in capsys.readouterr().err


def rejection_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("第 ")]


async def test_bulk_and_per_record_paths_reject_alike_in_chinese(
    client: Any, db_engine: Any, database_url: str, tmp_path: Path, capsys: Any
) -> None:
    """The default (bulk) path and --per-record give the same verdicts and the same words;
    --bulk is still accepted; a dry run of either writes nothing."""
    jsonl = tmp_path / "batch.jsonl"
    write_jsonl(jsonl)
    db = ["--database", database_url]
    assert await run_cli("import", str(jsonl), *db, "--dry-run", "--per-record") == 1
    slow = rejection_lines(capsys.readouterr().err)
    assert await run_cli("import", str(jsonl), *db, "--dry-run", "--bulk") == 1
    fast = rejection_lines(capsys.readouterr().err)
    assert len(slow) == 6 and slow == fast
    assert await counts(db_engine) == (0, 0, 0)
    assert await run_cli("import", str(jsonl), *db, "--per-record") == 1
    assert rejection_lines(capsys.readouterr().err) == slow
    assert await counts(db_engine) == (2, 1, 3)


async def test_every_rejection_is_in_chinese_and_the_same_on_both_paths(
    client: Any, db_engine: Any, tmp_path: Path
) -> None:
    """Bad, good, repeated and conflicting records with synthetic data (as tests/test_scale.py
    compares the verdicts): both paths give every rejection the same Chinese words."""
    registry = Registry.load()
    items = records() + list(Generator(registry, "S", 7, clock.today()).records(0, 25))
    events = [r for r in items if r["type"] == "event" and r.get("externalId")]
    items += [
        dict(events[-1]),
        {**events[-2], "occurredOn": "2001-01-01"},  # same externalId, other content
        {**events[-3], "trademark": "没有这个商标", "niceClass": 9},
        {**items[0], "name": "另一个名字"},
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in items),
        encoding="utf-8",
    )
    sessions, engine = sessionmaker(db_engine), Engine(registry)
    said = []
    for bulk in (False, True):
        async with db_engine.begin() as conn:
            for table in ("events", "products", "enterprises"):
                await conn.execute(text(f"DELETE FROM {table}"))
        result = await import_file(sessions, engine, open_source(path), bulk=bulk, regrade=False)
        said.append([(r.line, r.field, r.message) for r in result.report.rejected])
    assert said[0] == said[1]
    assert len(said[0]) >= 8
    for _, _, message in said[0]:
        assert re.search(r"[\u4e00-\u9fff]", message.split("，所填为")[0]), message
        assert re.search(r" \[[A-Z_]+\]$", message), message


async def test_grade_and_simulate_commands(
    client: Any, database_url: str, tmp_path: Path, capsys: Any
) -> None:
    jsonl = tmp_path / "batch.jsonl"
    write_jsonl(jsonl)
    assert await run_cli("import", str(jsonl), "--database", database_url) == 1
    capsys.readouterr()
    young = credit_code(3, "230803")
    (tmp_path / "jiamusi.jsonl").write_text(
        json.dumps(
            {
                "type": "enterprise",
                "code": young,
                "name": "佳木斯新公司",
                "regionCode": "230803",
                "establishedOn": "2023-09-01",
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    await run_cli("import", str(tmp_path / "jiamusi.jsonl"), "--database", database_url)
    capsys.readouterr()
    db = ["--database", database_url]
    assert await run_cli("grade", "--policy", "jiamusi", "--as-of", "2024-06-01", *db) == 0
    summary = capsys.readouterr().out
    assert "jiamusi" in summary and "ENTERPRISE" in summary
    assert await run_cli("grade", "--policy", "wugang", "--as-of", "2024-10-31", *db) == 2
    assert "POLICY_NOT_IN_FORCE" in capsys.readouterr().err
    # A clean enterprise under 2 years old falls in the text's gap (local default C); a bureau
    # trying "B" instead sees it move, and nothing is written.
    assert (
        await run_cli(
            "simulate",
            "--policy",
            "jiamusi",
            "--region",
            "230800",
            "--as-of",
            "2024-06-01",
            "--set",
            "gap_level=B",
            *db,
        )
        == 0
    )
    assert "1 would change" in capsys.readouterr().out
