"""A bureau's data clerk imports the spreadsheet they have: an .xlsx with sheets 企业 / 产品 / 事件
and Chinese headers, a GBK CSV with a 类型 column, a UTF-8-with-BOM CSV, dates written every way
bureaus write them.  Good rows are kept with the right values; bad rows come back in a rejects
file in the input's own format with 错误原因, and the fixed rejects file imports cleanly.  A dry
run writes nothing; a file that cannot be read gets one line and exit status 2.  Both databases.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from qcredit.api.cli import main
from qcredit.core.identifiers import credit_code_check_character
from qcredit.core.ledger.columns_doc import rewritten
from qcredit.core.plugins import Registry
from qcredit.core.store.tables import Base, EnterpriseRow, EventRow, ProductRow
from sqlalchemy import func, select

from .support import credit_code, gql

A = credit_code(11, "110101")
B = credit_code(12, "110102")
C_GOOD = credit_code(13, "110105")
C_CHECK = credit_code_check_character(C_GOOD[:17])
C_BAD = C_GOOD[:17] + ("0" if C_CHECK != "0" else "1")  # wrong check character
D = credit_code(14, "110106")

ENTERPRISES = [
    ["统一社会信用代码", "企业名称", "行政区划代码", "成立日期", "主体类型"],
    [A, "北京甲公司", 110101, datetime(2012, 3, 4), "生产者"],  # a date cell, a numeric code
    [B, "北京乙公司", "110102", "2015年6月1日", "生产者、销售者"],
    [C_BAD, "错码公司", "110105", "2016/7/8", "销售者"],
    [D, "错日公司", "110106", "2023/2/30", "生产者"],
]
PRODUCTS = [
    ["统一社会信用代码", "商标", "尼斯分类", "产品类别"],
    [A, "甲牌", 9, "电子产品"],
    [A, "乙牌", 46, "服务"],  # there is no class 46
    [B, "丙牌", "7", None],
]
EVENTS = [
    [
        *("统一社会信用代码", "商标", "尼斯分类", "事件类型", "发生日期"),
        *("抽查结果", "不合格程度", "抽查层级", "外部编号", "备注"),
    ],
    [A, "甲牌", 9, "监督抽查", "2023/5/1", "不合格", "严重", "省", "E-1", "复检未通过"],
    [A, None, None, "监督抽查", 45047, "合格", None, "国家", "E-2", None],  # a serial number
    [B, None, None, "SAMPLING_INSPECTION", "2023.5.1", "合格", None, "市", "E-3", None],
    [B, None, None, "监督抽查", "2023/2/30", "合格", None, "县", "E-4", None],
]


def workbook(path: Path) -> None:
    book = Workbook()
    notes = book.active
    notes.title = "说明"  # a sheet of instructions: no known header, skipped with a warning
    notes.append(["本表由稽查科填报"])
    for title, rows in (("企业", ENTERPRISES), ("产品", PRODUCTS), ("事件", EVENTS)):
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    book.save(path)


async def run_cli(*args: str) -> int:
    return await asyncio.to_thread(main, list(args))


async def table_counts(db_engine: Any) -> dict[str, int]:
    async with db_engine.connect() as conn:
        return {
            t.name: (await conn.execute(select(func.count()).select_from(t))).scalar_one()
            for t in Base.metadata.sorted_tables
        }


async def rows_of(db_engine: Any, table: Any) -> list[Any]:
    async with db_engine.connect() as conn:
        return list((await conn.execute(select(table))).all())


def sheet_rows(path: Path) -> dict[str, list[list[Any]]]:
    book = load_workbook(path, read_only=True)
    try:
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book}
    finally:
        book.close()


async def test_xlsx_with_chinese_sheets_and_headers_rejects_fix_and_reimport(
    client: Any, db_engine: Any, database_url: str, tmp_path: Path, capsys: Any
) -> None:
    book, rejects = tmp_path / "2023年抽查.xlsx", tmp_path / "rejects.xlsx"
    workbook(book)
    db = ["--database", database_url]
    code = await run_cli("import", str(book), *db, "--rejects", str(rejects))
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err
    assert "工作表 说明 的第一行没有可识别的列名，已跳过" in err
    assert f"企业 第 4 行：统一社会信用代码校验位应为 {C_CHECK}，实际为 {C_BAD[17]}" in err
    assert "[BAD_USER_INPUT]" in err
    assert "企业 第 5 行：成立日期：2023/2/30 不是真实存在的日期 [BAD_USER_INPUT]" in err
    assert "产品 第 3 行：尼斯分类应为 1–45" in err and "所填为 46" in err
    assert "事件 第 5 行：发生日期：2023/2/30 不是真实存在的日期 [BAD_USER_INPUT]" in err

    enterprises = {r.code: r for r in await rows_of(db_engine, EnterpriseRow)}
    assert set(enterprises) == {A, B}
    assert enterprises[A].established_on == date(2012, 3, 4)
    assert enterprises[A].region_code == "110101" and enterprises[A].roles == "PRODUCER"
    assert enterprises[B].established_on == date(2015, 6, 1)
    assert enterprises[B].roles == "PRODUCER,SELLER"
    products = {(r.trademark, r.nice_class): r for r in await rows_of(db_engine, ProductRow)}
    assert set(products) == {("甲牌", 9), ("丙牌", 7)}
    assert products[("甲牌", 9)].category == "电子产品"
    events = {r.external_id: r for r in await rows_of(db_engine, EventRow)}
    assert set(events) == {"E-1", "E-2", "E-3"}
    assert events["E-1"].product_id == products[("甲牌", 9)].id  # named by its natural key
    assert events["E-1"].occurred_on == date(2023, 5, 1)
    assert events["E-1"].attributes == {
        "result": "FAIL",
        "severity": "SERIOUS",
        "level": "PROVINCIAL",
        "note": "复检未通过",
    }
    assert events["E-2"].occurred_on == date(2023, 5, 1) and events["E-2"].product_id is None
    assert events["E-2"].attributes == {"result": "PASS", "level": "NATIONAL"}
    assert events["E-3"].occurred_on == date(2023, 5, 1)
    assert events["E-3"].attributes == {"result": "PASS", "level": "MUNICIPAL"}

    # The rejects file: the same sheets and headers, the rejected rows, 错误原因 added.
    got = sheet_rows(rejects)
    assert list(got) == ["企业", "产品", "事件"]
    assert got["企业"][0] == [*ENTERPRISES[0], "错误原因"]
    assert [r[0] for r in got["企业"][1:]] == [C_BAD, D]
    assert "校验位应为" in got["企业"][1][-1]
    assert got["产品"][1][:3] == [A, "乙牌", 46]
    assert got["事件"][0] == [*EVENTS[0], "错误原因"] and got["事件"][1][8] == "E-4"

    # The clerk fixes the cells and imports the rejects file again: everything is accepted.
    fixed = load_workbook(rejects)
    fixed["企业"]["A2"] = C_GOOD
    fixed["企业"]["D3"] = "2023/2/28"
    fixed["产品"]["C2"] = 45
    fixed["事件"]["E2"] = "2023年2月28日"
    fixed.save(rejects)
    code = await run_cli("import", str(rejects), *db)
    err = capsys.readouterr().err
    assert code == 0, err
    assert "接受 4 行（企业 2，产品 1，事件 1），已存在 0 行，拒绝 0 行" in err
    enterprises = {r.code: r for r in await rows_of(db_engine, EnterpriseRow)}
    assert enterprises[D].established_on == date(2023, 2, 28) and C_GOOD in enterprises
    assert {r.external_id for r in await rows_of(db_engine, EventRow)} == {
        "E-1",
        "E-2",
        "E-3",
        "E-4",
    }
    # Importing the original again adds nothing and rejects only what is still wrong.
    assert await run_cli("import", str(book), *db) == 1
    assert "已存在" in capsys.readouterr().err


async def test_dry_run_writes_nothing(
    client: Any, db_engine: Any, database_url: str, tmp_path: Path, capsys: Any
) -> None:
    book = tmp_path / "book.xlsx"
    workbook(book)
    before = await table_counts(db_engine)
    for path in ([], ["--per-record"]):
        code = await run_cli("import", str(book), "--database", database_url, "--dry-run", *path)
        assert code == 1
        err = capsys.readouterr().err
        assert "试导入（未写入）：可接受 7 行（企业 2，产品 2，事件 3）" in err, err
        assert await table_counts(db_engine) == before


GBK_ROWS = [
    [
        *("类型", "统一社会信用代码", "企业名称", "行政区划代码", "成立日期", "商标", "尼斯分类"),
        *("事件类型", "发生日期", "抽查结果", "严重程度", "外部编号"),
    ],
    ["企业", A, "北京甲公司", "110101", "2012-03-04", "", "", "", "", "", "", ""],
    ["产品", A, "", "", "", "甲牌", "9", "", "", "", "", ""],
    ["事件", A, "", "", "", "甲牌", "9", "监督抽查", "2023年5月1日", "不合格", "一般", "G-1"],
    ["事件", A, "", "", "", "", "", "监督抽查", "2023/5/2", "合格", "", "G-2"],
    ["事件", A, "", "", "", "", "", "监督抽查", "5月1日", "合格", "", "G-3"],
]


async def test_gbk_csv_with_a_type_column(
    client: Any, db_engine: Any, database_url: str, tmp_path: Path, capsys: Any
) -> None:
    path, rejects = tmp_path / "导出.csv", tmp_path / "rejects.csv"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(GBK_ROWS)
    path.write_bytes(buffer.getvalue().encode("gbk"))
    code = await run_cli("import", str(path), "--database", database_url, "--rejects", str(rejects))
    err = capsys.readouterr().err
    assert code == 1, err
    assert "第 6 行：发生日期：5月1日 不是日期" in err
    events = {r.external_id: r for r in await rows_of(db_engine, EventRow)}
    assert set(events) == {"G-1", "G-2"}
    assert events["G-1"].attributes == {"result": "FAIL", "severity": "MINOR"}
    assert events["G-1"].product_id is not None
    assert events["G-2"].occurred_on == date(2023, 5, 2)
    # The rejects file is GBK as well, with the same header and 错误原因.
    raw = rejects.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    got = list(csv.reader(io.StringIO(raw.decode("gbk"))))
    assert got[0] == [*GBK_ROWS[0], "错误原因"]
    assert got[1][:-1] == GBK_ROWS[5] and "不是日期" in got[1][-1]
    # --encoding overrides detection: read as UTF-8, the GBK file is unreadable.
    assert (
        await run_cli("import", str(path), "--database", database_url, "--encoding", "utf-8") == 2
    )
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


async def test_utf8_bom_csv(
    client: Any, db_engine: Any, database_url: str, tmp_path: Path, capsys: Any
) -> None:
    path = tmp_path / "企业.csv"  # the file's name sets the type, like a sheet's
    path.write_text(
        "统一社会信用代码,企业名称,行政区划代码,成立日期,主体类型\n"
        f"{A},北京甲公司,110101,2012.3.4,服务业经营者\n",
        encoding="utf-8-sig",
    )
    assert await run_cli("import", str(path), "--database", database_url) == 0
    capsys.readouterr()
    (row,) = await rows_of(db_engine, EnterpriseRow)
    assert (row.code, row.established_on, row.roles) == (A, date(2012, 3, 4), "SERVICE")


UNREADABLE: dict[str, bytes | None] = {
    "random.xlsx": os.urandom(4096),
    "random.csv": b"\xff\xfe\x00" + os.urandom(4096),
    "zip.xlsx": b"PK\x03\x04" + os.urandom(64),
    "empty.csv": b"",
    "headless.csv": f"{A},北京甲公司,110101\n".encode(),
    "arrays.jsonl": b'[1, 2]\n"text"\n',
    "old.xls": b"\xd0\xcf\x11\xe0" + os.urandom(64),
    "directory": None,
    "missing": None,
}


@pytest.mark.parametrize("case", list(UNREADABLE))
async def test_unreadable_files_get_one_line_and_exit_2(
    client: Any, database_url: str, tmp_path: Path, capsys: Any, case: str
) -> None:
    path = tmp_path / case
    content = UNREADABLE[case]
    if content is not None:
        path.write_bytes(content)
    elif case == "directory":
        path.mkdir()
    assert await run_cli("import", str(path), "--database", database_url) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("qcredit import: ")


def test_the_format_doc_tables_match_the_vocabulary() -> None:
    """docs/import-format.md's column tables are the ones the code writes from the vocabulary
    (core and shipped plug-ins); regenerate with ``python -m qcredit.core.ledger.columns_doc``."""
    doc = Path(__file__).resolve().parent.parent / "docs" / "import-format.md"
    text = doc.read_text(encoding="utf-8")
    assert rewritten(text, Registry.load().vocabulary) == text
    for kind in Registry.load().vocabulary.kinds.values():
        for attribute in kind.attributes if kind.recordable else ():
            assert attribute.label, f"{kind.code}.{attribute.name} has no Chinese label"
            assert len(attribute.value_labels) == len(attribute.values), attribute.name


async def test_event_kinds_query_gives_the_chinese_labels(client: Any) -> None:
    """The labels a file may use are the ones the API lists, for a plug-in's kinds as well."""
    result = await gql(
        client,
        "{ eventKinds { code label attributeSpecs { name label aliases values { code label } } } }",
    )
    kinds = {k["code"]: k for k in result["data"]["eventKinds"]}
    sampling = {a["name"]: a for a in kinds["SAMPLING_INSPECTION"]["attributeSpecs"]}
    assert kinds["SAMPLING_INSPECTION"]["label"] == "监督抽查"
    assert sampling["result"]["label"] == "抽查结果"
    assert sampling["result"]["values"] == [
        {"code": "PASS", "label": "合格"},
        {"code": "FAIL", "label": "不合格"},
    ]
    assert sampling["severity"]["aliases"] == ["不合格程度"]
    assert [v["label"] for v in sampling["level"]["values"]] == ["国家", "省", "市", "县"]
    alert = {a["name"]: a for a in kinds["RISK_ALERT"]["attributeSpecs"]}
    assert alert["scope"]["label"] == "预警范围"


async def test_every_kind_of_penalty_a_bureau_decides_imports_under_its_chinese_name(
    db_engine: Any, database_url: str, tmp_path: Path, capsys: Any
) -> None:
    """《行政处罚法》第九条: a penalty file holds 通报批评, 责令停产停业, 限制从业 … beside 警告 and
    罚款; each imports under the name the bureau writes, none is refused as unknown."""
    names = {
        "警告": "WARNING",
        "通报批评": "PUBLIC_CRITICISM",
        "罚款": "FINE",
        "降低资质等级": "QUALIFICATION_DOWNGRADED",
        "限制开展生产经营活动": "BUSINESS_RESTRICTED",
        "责令停产停业": "PRODUCTION_SUSPENDED",
        "责令关闭": "CLOSURE_ORDERED",
        "限制从业": "PRACTICE_RESTRICTED",
        "吊销营业执照": "BUSINESS_LICENCE_REVOKED",
    }
    header = ["类型", "统一社会信用代码", "企业名称", "行政区划代码", "事件类型", "发生日期"]
    rows = [
        [*header, "处罚种类", "外部编号"],
        ["企业", A, "北京甲公司", "110101", "", "", "", ""],
        *(
            ["事件", A, "", "", "行政处罚", "2023-05-01", name, f"P-{i}"]
            for i, name in enumerate(names)
        ),
    ]
    path = tmp_path / "处罚.csv"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode("gbk"))
    code = await run_cli("import", str(path), "--database", database_url, "--no-regrade")
    assert code == 0, capsys.readouterr().err
    stored = {r.external_id: r.attributes["measure"] for r in await rows_of(db_engine, EventRow)}
    assert stored == {f"P-{i}": measure for i, measure in enumerate(names.values())}
