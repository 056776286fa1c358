"""One row of an import file (a CSV or spreadsheet row, or a JSON Lines object) as the record the
ledger takes: Chinese headers and values to the keys and codes of docs/import-format.md, dates in
the forms bureaus write, numbers as numbers.  What cannot be read is refused here, in Chinese,
naming the column; everything else is left to the ledger's own checks."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from qcredit.core.errors import InvalidInput
from qcredit.core.ledger import headers
from qcredit.core.ledger.dates import cell_date
from qcredit.core.vocabulary import AttributeSpec, EventKind, Vocabulary

_ROLE_SEPARATORS = re.compile(r"[;；,，、/\s]+")
_TRUE = frozenset({"是", "true", "yes", "y", "1", "√", "有"})
# Keys whose text is taken as written (after trimming), and the keys read through a small table
# whose answers are remembered (a file repeats the same few types, kinds and actions).
_TEXT_KEYS = frozenset(headers.COLUMNS) - headers.DATE_KEYS - {"attributes", "roles", "niceClass"}
_CODED_KEYS = frozenset({"type", "kind", "action"})
_PLAIN_TEXT_KEYS = _TEXT_KEYS - _CODED_KEYS  # taken as written
_HEADERS_REMEMBERED = 1000  # a file names a few dozen columns; bounded against odd JSON Lines
_FALSE = frozenset({"否", "false", "no", "n", "0", "×", "无"})


class RowReader:
    """Reads rows against one installation's vocabulary (a plug-in's kinds read like the core's)."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.attribute_headers = frozenset(
            h for kind in vocabulary.kinds.values() for h in kind.attribute_headers
        )
        # A recordable kind by its code or its Chinese label (监督抽查).
        self.kinds = {
            name: kind.code
            for kind in vocabulary.kinds.values()
            if kind.recordable
            for name in (kind.code, kind.label)
        }
        # Per-row work that repeats with the same input: header → record key, and coded texts.
        self._keys: dict[str, str | None] = {}
        self._coded: dict[tuple[str, str], str] = {}

    def known(self, header: str) -> bool:
        """Whether a column means anything to the importer (else it is ignored, with a warning)."""
        return (
            headers.record_key(header) is not None
            or header in self.attribute_headers
            or header == headers.REASON_COLUMN
        )

    def record(self, cells: Mapping[str, Any], sheet_type: str | None = None) -> dict[str, Any]:
        """The record a row holds; ``InvalidInput`` (in Chinese) when a cell cannot be read."""
        record: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        keys = self._keys
        for header, raw in cells.items():
            # A blank cell is no value; a text is trimmed; a text taken as written needs no
            # _field call (this loop runs for every cell of a file).
            if raw is None:
                continue
            if isinstance(raw, str):
                raw = raw.strip()
                if not raw:
                    continue
            if header in keys:
                key = keys[header]
            else:
                key = headers.record_key(header)
                if len(keys) < _HEADERS_REMEMBERED:
                    keys[header] = key
            if key is None:
                extra[header] = raw
            elif key in _PLAIN_TEXT_KEYS and type(raw) is str:
                record[key] = raw
            else:
                record[key] = self._field(key, header, raw)
        if "type" not in record and sheet_type is not None:
            record["type"] = sheet_type
        if record.get("type") == "enterprise" and "code" not in record:
            if "enterpriseCode" in record:
                record["code"] = record.pop("enterpriseCode")
        if record.get("type") in ("event", "correction"):
            self._attributes(record, extra)
        return record

    def _field(self, key: str, header: str, value: Any) -> Any:
        if type(value) is str and key in _TEXT_KEYS:  # trimmed already (record)
            if key not in _CODED_KEYS:
                return value
            coded = self._coded.get((key, value))
            if coded is None:
                coded = self._read_field(key, header, value)
                if len(self._coded) < _HEADERS_REMEMBERED:
                    self._coded[(key, value)] = coded
            return coded
        return self._read_field(key, header, value)

    def _read_field(self, key: str, header: str, value: Any) -> Any:
        if key in headers.DATE_KEYS:
            return cell_date(value, header, key)
        if key == "attributes":
            return _json_object(value, header, key)
        if key == "roles":
            items = value if isinstance(value, list) else _ROLE_SEPARATORS.split(_text(value))
            return [headers.ROLES.get(r, r) for r in (str(i).strip() for i in items) if r]
        if key == "niceClass":
            nice = _whole(value)
            if nice is None:
                raise InvalidInput(
                    f"{header}应为 1–45 的整数，实际为 {_text(value)}", field="niceClass"
                )
            return nice
        text = _text(value, header, key)
        if key == "type":
            return headers.RECORD_TYPES.get(text, text.lower())
        if key == "kind":
            return self.kinds.get(text, text)
        if key == "action":
            return headers.CORRECTION_ACTION.value_of(text) or text
        return text

    def _attributes(self, record: dict[str, Any], extra: dict[str, Any]) -> None:
        """Attribute columns, read by the row's event kind: its Chinese labels and values.  A
        correction (AMEND) names the kind of the event it amends in its 事件类型 column."""
        columns = {h: v for h, v in extra.items() if h in self.attribute_headers}
        kind_code = (
            record.pop("kind", None) if record["type"] == "correction" else record.get("kind")
        )
        kind = self.vocabulary.kinds.get(kind_code) if isinstance(kind_code, str) else None
        if kind is not None and isinstance(record.get("attributes"), dict):
            record["attributes"] = _by_name(kind, record["attributes"])
        if not columns:
            return
        if kind is None:
            if record["type"] == "correction":
                raise InvalidInput(
                    f"更正的属性列（{'、'.join(columns)}）需要在同一行填写被更正事件的事件类型",
                    field="kind",
                )
            return  # the ledger refuses the unknown kind
        attributes = dict(record.get("attributes") or {})
        for header, value in columns.items():
            attributes.update(_attribute(kind, header, value))
        record["attributes"] = attributes


def _by_name(kind: EventKind, given: dict[str, Any]) -> dict[str, Any]:
    """A JSON ``attributes`` object may also use the Chinese labels, for keys and enum values."""
    out: dict[str, Any] = {}
    for key, value in given.items():
        spec = kind.attribute_headers.get(key)
        if spec is not None and spec.type == "enum" and isinstance(value, str):
            value = spec.value_of(value) or value
        out[spec.name if spec is not None else key] = value
    return out


def _attribute(kind: EventKind, header: str, value: Any) -> dict[str, Any]:
    spec = kind.attribute_headers.get(header)
    if spec is None:
        raise InvalidInput(
            f"{header}：事件类型{kind.label}没有这一项，所填为 {_text(value)}",
            field="attributes",
        )
    return {spec.name: cell_value(spec, header, value)}


def cell_value(spec: AttributeSpec, header: str, value: Any) -> Any:
    """A cell as the attribute's type; a value that does not fit is passed on for the ledger to
    refuse with its own message (so both import paths word it alike)."""
    field = f"attributes.{spec.name}"
    if spec.type == "date":
        return cell_date(value, header, field)
    if spec.type == "object":
        return _json_object(value, header, field)
    if spec.type == "enum":
        text = _text(value, header, field)
        return spec.value_of(text) or text
    if spec.type == "bool":
        return _flag(value)
    if spec.type in ("int", "number", "event"):
        whole = _whole(value)
        if whole is not None:
            return whole
        if spec.type == "number" and not isinstance(value, bool):
            try:
                return float(value)
            except ValueError:
                pass
        return value if spec.type != "event" else _text(value, header, field)
    return _text(value, header, field)


def _text(value: Any, header: str = "", field: str = "") -> str:
    """A cell as text: spreadsheets store codes and numbers such as 410481 as numbers."""
    if isinstance(value, bool) or isinstance(value, (list, dict)):
        raise InvalidInput(f"{header}应为文本，实际为 {json.dumps(value, ensure_ascii=False)}",
                           field=field)  # fmt: skip
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else None


def _flag(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return value


def _json_object(value: Any, header: str, field: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(_text(value, header, field))
    except json.JSONDecodeError:
        parsed = None
    if not isinstance(parsed, dict):
        raise InvalidInput(f"{header}应为 JSON 对象，实际为 {_text(value)}", field=field)
    return parsed
