"""The ledger's refusals in Chinese, for the clerk who imports a file.

The ledger words its errors in English for the API's callers; an import file's rejections are
read by a bureau's data clerk, so each known refusal is put in Chinese here, naming the column by
its Chinese header, echoing the value the row holds and keeping the English error code in
brackets (``统一社会信用代码校验位应为 X，实际为 Y，所填为 … [BAD_USER_INPUT]``).  Both import paths
refuse with the same codes and wording, so both get the same Chinese.
"""

from __future__ import annotations

import json
import re
from typing import Any

from qcredit.core.ledger import headers
from qcredit.core.ledger.dates import HINT
from qcredit.core.model import EventStatus
from qcredit.core.vocabulary import AttributeSpec, EventKind, Vocabulary

_STATUS = {EventStatus.REVOKED: "撤销", EventStatus.ERRONEOUS: "认定为错误"}

# (the ledger's English, the Chinese); the Chinese may use the English's named groups and
# {column} (the Chinese header), {kind} (the kind's label) and {choices} (an enum's values).
_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"统一社会信用代码 must be a string", "{column}应为文本"),
    (
        r"统一社会信用代码 must have 18 characters, got (?P<n>\d+)",
        "{column}应为 18 位，实际为 {n} 位",
    ),
    (
        r"统一社会信用代码 contains characters outside GB 32100-2015's set: (?P<chars>.*)",
        "{column}含有 GB 32100-2015 字符集以外的字符 {chars}",
    ),
    (r"统一社会信用代码 positions 3–8 .*", "{column}第 3–8 位应为登记管理机关的行政区划码"),
    (
        r"统一社会信用代码 check character is '(?P<got>.)', GB 32100-2015 gives '(?P<want>.)'",
        "{column}校验位应为 {want}，实际为 {got}",
    ),
    (r"region code must be .*", "{column}应为 6 位 GB/T 2260 代码或 9 位乡镇（街道）代码"),
    (r"region code \S+ has no GB/T 2260 province (?P<p>\S+)", "{column}的省级代码 {p} 不存在"),
    (
        r"a 9-digit town/street code cannot end in 000",
        "{column}：9 位乡镇（街道）代码不能以 000 结尾",
    ),
    (r"Nice class must be a whole number .*", "{column}应为 1–45 的整数"),
    (r"Nice class must be from 1 to 45, got \S+", "{column}应为 1–45（商品 1–34，服务 35–45）"),
    (r"\S+ must not be empty", "{column}不能为空"),
    (r"\S+ must have at most (?P<n>\d+) characters", "{column}最多 {n} 个字"),
    (r"\S+ \S+ is before (?P<earliest>\S+)", "{column}不能早于 {earliest}"),
    (r"\S+ \S+ is in the future \(today is (?P<today>\S+)\)", "{column}晚于今天（{today}）"),
    (r"date must be written YYYY-MM-DD", "{column}不是日期（" + HINT + "）"),
    (r".* is not a real calendar date", "{column}不是真实存在的日期"),
    (r"role must be one of .*", "{column}应为 生产者、销售者、服务业经营者 之一"),
    (
        r"no enterprise with code (?P<code>\S+)",
        "没有统一社会信用代码为 {code} 的企业：请先登记企业",
    ),
    (
        r"enterprise (?P<code>\S+) is already registered with other data",
        "企业 {code} 已按不同的信息登记，导入不能修改登记信息",
    ),
    (
        r"product (?P<mark>.+) / class (?P<nice>\d+) of \S+ "
        r"is registered with category (?P<cat>.*)",
        "产品 {mark}（尼斯分类 {nice}）已登记，产品类别为 {cat}",
    ),
    (
        r"no such product: .*",
        "没有这个产品（统一社会信用代码 + 商标 + 尼斯分类）：请先登记产品",
    ),
    (r"give exactly one of enterpriseCode and productId", "事件须填写统一社会信用代码"),
    (r"unknown event kind .*", "未知的事件类型"),
    (
        r"\S+ is recorded on an enterprise, not on a product",
        "{kind}只能记在企业上，不能记在产品上（请清空商标和尼斯分类）",
    ),
    (r"\S+ has no attribute '(?P<name>[^']*)'.*", "事件类型{kind}没有属性 {name}"),
    (r"\S+ needs attribute '[^']*'", "事件类型{kind}必须填写{column}"),
    (r"action must be one of .*", "{column}应为 撤销、修改、错误、修复 之一"),
    (r"\S+ must be one of .*", "{column}应为 {choices} 之一"),
    (r"\S+ must be true or false", "{column}应为 是 或 否"),
    (r"\S+ must be a whole number", "{column}应为整数"),
    (r"\S+ must be a number", "{column}应为数字"),
    (r"\S+ must be at least (?P<n>\S+)", "{column}不能小于 {n}"),
    (r"\S+ must be a non-empty text .*", "{column}应为不超过 500 字的文本"),
    (r"\S+ must be a JSON object", "{column}应为 JSON 对象"),
    (r"(\S+ must be an event id|.* is not an event id)", "{column}应为事件的外部编号"),
    (r"\S+ must name an event of the same enterprise", "{column}应为同一企业已有事件的外部编号"),
    (r"externalId .* was already used for a different event.*", "{column}已用于内容不同的另一事件"),
    (r"no event with externalId .*", "找不到外部编号为 {value} 的事件"),
    (r"a correction cannot itself be corrected.*", "更正记录本身不能再更正：请更正原事件"),
    (r"a correction cannot take effect before .*", "{column}不能早于被更正事件的发生日期"),
    (r"AMEND needs the amended attributes", "更正方式为“修改”时须填写修改后的属性"),
    (r"\S+ takes no attributes", "只有更正方式为“修改”时才填写属性"),
    (r"event \d+ is already (?P<status>\S+); .*", "原事件已{status}，不能再更正"),
    (r"type must be .*", "{column}应为 企业、产品、事件、更正 之一"),
)
_COMPILED = tuple((re.compile(english), chinese) for english, chinese in _MESSAGES)
# Fields the ledger names that are not columns of a file.
_FIELD_KEYS = {"productId": "trademark", "eventId": "eventExternalId"}


def in_chinese(
    vocabulary: Vocabulary, field: str | None, code: str, message: str, record: dict[str, Any]
) -> str:
    """A rejection as the clerk reads it: Chinese, the bad value echoed, the code in brackets."""
    column, value, attribute = _column(vocabulary, field, record)
    kind = _kind(vocabulary, record)
    shown = "" if value is None else _shown(value)
    text, echoed = message, shown in message  # an unknown refusal is shown as the ledger says it
    for english, chinese in _COMPILED:
        found = english.fullmatch(message)
        if found is None:
            continue
        names = {k: v.strip("'\"") for k, v in found.groupdict().items() if v is not None}
        if "status" in names:
            names["status"] = _STATUS.get(EventStatus(names["status"]), names["status"])
        choices = [attribute.value_label(v) for v in attribute.values] if attribute else []
        text = chinese.format(
            column=column,
            kind=kind.label if kind else record.get("kind", ""),
            choices="、".join(choices),
            value=shown,
            **names,
        )
        echoed = "{value}" in chinese or shown in names.values()
        break
    if shown and not echoed:
        text += f"，所填为 {shown}"
    return f"{text} [{code}]"


def _column(
    vocabulary: Vocabulary, field: str | None, record: dict[str, Any]
) -> tuple[str, Any, AttributeSpec | None]:
    """(the Chinese header, the row's value, the attribute spec) of the field an error names."""
    if not field or field == "line":
        return "这一行", None, None
    if field.startswith("attributes."):
        name = field.removeprefix("attributes.")
        kind = _kind(vocabulary, record)
        spec = kind.all_attributes.get(name) if kind else None
        given = record.get("attributes")
        attributes = given if isinstance(given, dict) else {}
        return (spec.label or name) if spec else name, attributes.get(name), spec
    key = _FIELD_KEYS.get(field, field)
    return headers.label(key), record.get(key), None


def _kind(vocabulary: Vocabulary, record: dict[str, Any]) -> EventKind | None:
    code = record.get("kind")
    return vocabulary.kinds.get(code) if isinstance(code, str) else None


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
