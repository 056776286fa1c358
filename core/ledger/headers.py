"""The column vocabulary of import files: the English keys of docs/import-format.md and the
Chinese headers bureaus' spreadsheets use, the Chinese names of record types and enterprise roles,
and the sheet names that set a sheet's record type.

Event attributes are not listed here: each :class:`~qcredit.core.vocabulary.AttributeSpec` carries
its own Chinese label and aliases, so a plug-in's kinds are read the same way as the core's.
Correction columns take their labels from the core's correction kind for the same reason.
"""

from __future__ import annotations

from qcredit.core.model import CORRECTION_KIND, EnterpriseRole
from qcredit.core.vocabulary import CORE_EVENT_KINDS, ENTERPRISE_ROLE_LABELS

_CORRECTION = next(k for k in CORE_EVENT_KINDS if k.code == CORRECTION_KIND).all_attributes
CORRECTION_ACTION = _CORRECTION["action"]  # 撤销 / 修改 / 错误 / 修复

RECORD_TYPES = {"企业": "enterprise", "产品": "product", "事件": "event", "更正": "correction"}
TYPE_LABELS = {v: k for k, v in RECORD_TYPES.items()}

ROLE_LABELS = {role: ENTERPRISE_ROLE_LABELS[role] for role in EnterpriseRole}
ROLES = {label: role.value for role, label in ROLE_LABELS.items()}

# A product's or event's owner and an enterprise's own code share one Chinese header, so
# 统一社会信用代码 reads as enterpriseCode and becomes ``code`` on an enterprise row.
CODE_KEYS = ("code", "enterpriseCode")

# Record key → its Chinese headers, the first being the one messages and rejects files use.
COLUMNS: dict[str, tuple[str, ...]] = {
    "type": ("类型", "记录类型"),
    "code": (),
    "name": ("企业名称", "名称"),
    "regionCode": ("行政区划代码", "行政区划"),
    "establishedOn": ("成立日期",),
    "roles": ("主体类型",),
    "enterpriseCode": ("统一社会信用代码", "信用代码"),
    "trademark": ("商标",),
    "niceClass": ("尼斯分类", "尼斯分类号"),
    "category": ("产品类别",),
    "kind": ("事件类型",),
    "occurredOn": ("发生日期",),
    "externalId": ("外部编号",),
    "eventExternalId": ("原事件外部编号", "被更正事件外部编号"),
    "action": (CORRECTION_ACTION.label,),
    "reason": (_CORRECTION["reason"].label,),
    "effectiveOn": ("生效日期",),
    "attributes": ("属性",),
}
DATE_KEYS = frozenset({"establishedOn", "occurredOn", "effectiveOn"})

# The column a rejects file adds; it is skipped when the fixed file is imported again.
REASON_COLUMN = "错误原因"

KEY_OF: dict[str, str] = {h: key for key, headers in COLUMNS.items() for h in (key, *headers)}


def record_key(header: str) -> str | None:
    """The record key a column holds, or None for an event attribute or an unknown column."""
    return KEY_OF.get(header.strip())


def label(key: str) -> str:
    """The Chinese header of a record key (``code`` is the credit code as well)."""
    if key == "code":
        key = "enterpriseCode"
    names = COLUMNS.get(key)
    return names[0] if names else key


def sheet_type(name: str | None) -> str | None:
    """The record type a sheet's name sets (企业 / enterprise …), if it names one."""
    if name is None:
        return None
    text = name.strip()
    if text in RECORD_TYPES:
        return RECORD_TYPES[text]
    return text.lower() if text.lower() in TYPE_LABELS else None
