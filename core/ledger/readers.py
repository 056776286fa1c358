"""Import files as bureaus have them: an Excel workbook (every sheet), a CSV in UTF-8, UTF-8 with
BOM or GBK/GB18030, or JSON Lines.  A file is read as rows of (header → cell) in its own order;
:mod:`.rows` turns a row into a record and :mod:`.rejects` writes rejected rows back in the same
format.  A file that cannot be read at all raises :class:`UnreadableFile` with one line in Chinese.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import json
import zipfile
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from qcredit.core.ledger import headers

FORMATS = ("csv", "xlsx", "jsonl")
_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
# Lines of an xlsx are numbered sheet by sheet: sheet i's row r is line i × SHEET_SPAN + r (an
# Excel sheet has at most 1,048,576 rows), so a line names its sheet and row without a table.
SHEET_SPAN = 10_000_000
_CHUNK = 1 << 20


class UnreadableFile(Exception):
    """The file as a whole cannot be read (not the format it claims, empty, no header row)."""


@dataclass(frozen=True)
class Row:
    line: int
    cells: dict[str, Any]  # header → cell; for JSON Lines the object itself
    raw: Any  # the row as read (cells in column order, or a JSON Lines line), for rejects files
    sheet_type: str | None = None  # the record type the sheet's name sets
    error: str | None = None  # a JSON Lines line that is not a JSON object


@dataclass(frozen=True)
class Sheet:
    name: str | None
    headers: list[str]


@dataclass
class Source:
    """An import file, opened and checked: its format, encoding, sheets and row count."""

    path: Path
    format: str
    encoding: str | None = None
    sheets: list[Sheet] = field(default_factory=list)  # the sheets read (xlsx), or the CSV's header
    skipped: list[str] = field(
        default_factory=list
    )  # xlsx sheets with no header the importer knows
    total: int = 0

    def rows(self, lines: Container[int] | None = None) -> Iterator[Row]:
        """The file's rows, read again from disk (files may be larger than memory); only those
        of ``lines`` when given (JSON Lines then parses no other line)."""
        try:
            if self.format == "xlsx":
                found = _xlsx_rows(self)
            elif self.format == "csv":
                found = _csv_rows(self)
            else:
                found = _jsonl_rows(self, lines)
            yield from (r for r in found if lines is None or r.line in lines)
        except UnreadableFile:
            raise
        except Exception as exc:  # a reader library's own error means the file is damaged
            raise UnreadableFile(f"{self.path.name}：文件已损坏，无法读完（{exc}）") from exc

    def where(self, line: int) -> str:
        """A line as the clerk finds it: the sheet and row, or the line of the file."""
        if self.format != "xlsx":
            return f"第 {line} 行"
        return f"{self.sheets[line // SHEET_SPAN].name} 第 {line % SHEET_SPAN} 行"


def open_source(
    path: str | Path,
    fmt: str | None = None,
    encoding: str | None = None,
    known: Callable[[str], bool] = lambda h: headers.record_key(h) is not None,
) -> Source:
    """The file, checked: it exists, its format and encoding, its header rows and row count."""
    path = Path(path)
    if not path.exists():
        raise UnreadableFile(f"{path}：文件不存在")
    if not path.is_file():
        raise UnreadableFile(f"{path}：不是文件")
    try:
        return _checked(path, fmt, encoding, known)
    except OSError as exc:  # unreadable by this user, vanished, a device
        raise UnreadableFile(f"{path}：无法读取（{exc.strerror or exc}）") from None


def _checked(
    path: Path, fmt: str | None, encoding: str | None, known: Callable[[str], bool]
) -> Source:
    if path.stat().st_size == 0:
        raise UnreadableFile(f"{path.name}：文件为空")
    if path.suffix.lower() == ".xls" and not fmt:
        raise UnreadableFile(f"{path.name}：旧版 Excel（.xls）请在 Excel 中另存为 .xlsx 再导入")
    source = Source(path, fmt or _format_of(path))
    if source.format != "xlsx":
        source.encoding = _encoding(path, encoding)
    if source.format == "xlsx":
        source.sheets, source.skipped = _xlsx_sheets(path, known)
    elif source.format == "csv":
        source.sheets = [_csv_sheet(source, known)]
    if source.format == "jsonl":  # lines are parsed as they are imported; one must be an object
        source.total, readable = _jsonl_count(source)
    else:  # the whole file once, so a damaged one fails before anything is written
        source.total, readable = sum(1 for _ in source.rows()), True
    if not readable:
        raise UnreadableFile(f"{path.name}：没有一行是 JSON 对象，不是 JSON Lines 文件")
    return source


def _format_of(path: Path) -> str:
    by_name = _EXTENSIONS.get(path.suffix.lower())
    if by_name:
        return by_name
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    return "jsonl" if head.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"{") else "csv"


def _encoding(path: Path, given: str | None) -> str:
    """``given``, else UTF-8 (with or without BOM) if the whole file decodes strictly as UTF-8,
    else GB18030 (a superset of GBK, which Excel on Chinese Windows writes)."""
    candidates = [given] if given else ["utf-8-sig", "gb18030"]
    for name in candidates:
        try:
            decoder = codecs.getincrementaldecoder(name)("strict")
        except LookupError:
            raise UnreadableFile(f"未知的编码 {name}") from None
        try:
            with open(path, "rb") as fh:
                while chunk := fh.read(_CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        if name == "utf-8-sig":
            with open(path, "rb") as fh:
                return name if fh.read(3) == codecs.BOM_UTF8 else "utf-8"
        return name
    tried = given or "UTF-8 或 GB18030/GBK"
    raise UnreadableFile(f"{path.name}：文件不是 {tried} 编码的文本（可用 --encoding 指定）")


# -- CSV -----------------------------------------------------------------------------------------
def _csv_sheet(source: Source, known: Callable[[str], bool]) -> Sheet:
    with open(source.path, encoding=source.encoding, newline="") as fh:
        try:
            first = next(csv.reader(fh), None)
        except csv.Error as exc:
            raise UnreadableFile(f"{source.path.name}：不是可读取的 CSV（{exc}）") from None
    names = [h.strip() for h in first or []]
    if not any(known(h) for h in names):
        raise UnreadableFile(
            f"{source.path.name}：第一行不是表头，没有可识别的列名（如 类型、统一社会信用代码）"
        )
    return Sheet(None, names)


def _csv_rows(source: Source) -> Iterator[Row]:
    names = source.sheets[0].headers
    kind = headers.sheet_type(source.path.stem)  # 企业.csv holds enterprises, like a sheet
    with open(source.path, encoding=source.encoding, newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for number, cells in enumerate(reader, start=2):
            if any(c.strip() for c in cells):
                yield Row(number, dict(zip(names, cells, strict=False)), cells, kind)


# -- JSON Lines ----------------------------------------------------------------------------------
def _jsonl_rows(source: Source, lines: Container[int] | None = None) -> Iterator[Row]:
    with open(source.path, encoding=source.encoding) as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip() or (lines is not None and number not in lines):
                continue
            try:
                record = _parsed(line)
            except json.JSONDecodeError as exc:
                yield Row(number, {}, line, error=f"这一行不是 JSON（{exc.msg}）")
                continue
            if isinstance(record, dict):
                yield Row(number, record, line)
            else:
                yield Row(number, {}, line, error="这一行不是 JSON 对象")


def _parsed(line: str) -> Any:
    """A line's JSON value: orjson for speed; what orjson refuses (NaN, integers beyond 64 bits)
    is parsed by the standard library, so both read the same lines and word errors alike."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)


def _jsonl_count(source: Source) -> tuple[int, bool]:
    """(non-blank lines, whether any is a JSON object): the first object found is enough."""
    total, found = 0, False
    with open(source.path, encoding=source.encoding) as fh:
        for line in fh:
            if line.strip():
                total += 1
                if not found and line.lstrip().startswith("{"):
                    with contextlib.suppress(json.JSONDecodeError):
                        found = isinstance(json.loads(line), dict)
    return total, found


# -- Excel ---------------------------------------------------------------------------------------
def _workbook(path: Path) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(f"{path.name}：不是可读取的 Excel 工作簿（.xlsx）") from exc
    except Exception as exc:  # openpyxl's InvalidFileException and parser errors
        raise UnreadableFile(f"{path.name}：不是可读取的 Excel 工作簿（.xlsx）：{exc}") from exc


def _header(values: tuple[Any, ...] | None) -> list[str]:
    return [str(v).strip() if v is not None else "" for v in values or ()]


def _xlsx_sheets(path: Path, known: Callable[[str], bool]) -> tuple[list[Sheet], list[str]]:
    """The sheets with a header row the importer knows, and the names of the others."""
    book = _workbook(path)
    try:
        read, skipped = [], []
        for ws in book.worksheets:
            names = _header(next(ws.iter_rows(max_row=1, values_only=True), None))
            if any(known(h) for h in names):
                read.append(Sheet(ws.title, names))
            else:
                skipped.append(ws.title)
    finally:
        book.close()
    if not read:
        raise UnreadableFile(
            f"{path.name}：没有一张工作表的第一行是可识别的表头（如 类型、统一社会信用代码）"
        )
    return read, skipped


def _xlsx_rows(source: Source) -> Iterator[Row]:
    book = _workbook(source.path)
    try:
        for index, sheet in enumerate(source.sheets):
            kind = headers.sheet_type(sheet.name)
            rows = book[sheet.name].iter_rows(min_row=2, values_only=True)
            for number, values in enumerate(rows, start=2):
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                cells = dict(zip(sheet.headers, values, strict=False))
                yield Row(index * SHEET_SPAN + number, cells, list(values), kind)
    finally:
        book.close()
