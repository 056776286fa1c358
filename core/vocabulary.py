"""Event kinds and their attribute schemas.

The core vocabulary is tabled in docs/design.md; plug-ins add kinds through the
``qcredit_event_kinds`` hook.  Every attribute has a type and, where the vocabulary is closed,
its allowed values, so a misspelt or out-of-range attribute is refused on the way in rather than
silently ignored by a policy later.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, Literal

from qcredit.core.errors import InvalidInput, PluginConflict
from qcredit.core.model import CORRECTION_KIND, SubjectType

AttrType = Literal["enum", "bool", "int", "number", "string", "date", "event", "object"]

ENTERPRISE = frozenset({SubjectType.ENTERPRISE})
EITHER = frozenset({SubjectType.ENTERPRISE, SubjectType.PRODUCT})


@dataclass(frozen=True)
class AttributeSpec:
    name: str
    type: AttrType
    required: bool = False
    values: tuple[str, ...] = ()
    description: str = ""
    minimum: float | None = None

    def coerce(self, raw: Any, field_name: str) -> Any:
        """Check one value and return it in canonical form."""
        if self.type == "enum":
            if not isinstance(raw, str) or raw not in self.values:
                raise InvalidInput(
                    f"{self.name} must be one of {', '.join(self.values)}; got {raw!r}",
                    field=field_name,
                )
            return raw
        if self.type == "bool":
            if not isinstance(raw, bool):
                raise InvalidInput(f"{self.name} must be true or false", field=field_name)
            return raw
        if self.type in ("int", "number"):
            ok = isinstance(raw, int) and not isinstance(raw, bool)
            if self.type == "number":
                ok = ok or (isinstance(raw, float) and math.isfinite(raw))
            if not ok:
                kind = "a whole number" if self.type == "int" else "a number"
                raise InvalidInput(f"{self.name} must be {kind}", field=field_name)
            if self.minimum is not None and raw < self.minimum:
                raise InvalidInput(f"{self.name} must be at least {self.minimum}", field=field_name)
            return raw
        if self.type == "string":
            if not isinstance(raw, str) or not raw.strip() or len(raw) > 500:
                raise InvalidInput(
                    f"{self.name} must be a non-empty text of at most 500 characters",
                    field=field_name,
                )
            return raw.strip()
        if self.type == "date":
            return parse_date(raw, field_name)
        if self.type == "object":
            if not isinstance(raw, Mapping):
                raise InvalidInput(f"{self.name} must be a JSON object", field=field_name)
            return dict(raw)
        if self.type == "event":
            # An event reference: the numeric id or its global id string; resolved by the ledger.
            if isinstance(raw, bool) or not isinstance(raw, (int, str)) or raw == "":
                raise InvalidInput(f"{self.name} must be an event id", field=field_name)
            return raw
        raise AssertionError(self.type)


def parse_date(raw: Any, field_name: str) -> str:
    """An ISO-8601 calendar date (``YYYY-MM-DD``) that exists; returned as text."""
    if isinstance(raw, date):
        return raw.isoformat()
    if not isinstance(raw, str) or len(raw) != 10:
        raise InvalidInput("date must be written YYYY-MM-DD", field=field_name)
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        raise InvalidInput(f"{raw!r} is not a real calendar date", field=field_name) from None


# Attributes every kind accepts: a free note and the number of the document behind the record.
COMMON_ATTRIBUTES = (
    AttributeSpec("note", "string", description="free remark"),
    AttributeSpec("documentNo", "string", description="文书号: number of the decision or report"),
)


@dataclass(frozen=True)
class EventKind:
    code: str
    label: str  # Chinese name as regulators write it
    on: frozenset[SubjectType] = EITHER
    attributes: tuple[AttributeSpec, ...] = ()
    description: str = ""
    recordable: bool = True  # False for kinds only the ledger writes (corrections)
    source: str = "core"

    @cached_property
    def all_attributes(self) -> dict[str, AttributeSpec]:
        specs = {a.name: a for a in COMMON_ATTRIBUTES}
        specs.update({a.name: a for a in self.attributes})
        return specs

    def validate(
        self, attributes: Mapping[str, Any] | None, prefix: str = "attributes"
    ) -> dict[str, Any]:
        """Checked, canonical attributes, or ``InvalidInput`` naming the first bad one."""
        if attributes is None:
            attributes = {}
        if not isinstance(attributes, Mapping):
            raise InvalidInput("attributes must be a JSON object", field=prefix)
        specs = self.all_attributes
        out: dict[str, Any] = {}
        for name in sorted(attributes):
            if name not in specs:
                allowed = ", ".join(sorted(specs))
                raise InvalidInput(
                    f"{self.code} has no attribute {name!r}; allowed: {allowed}",
                    field=f"{prefix}.{name}",
                )
            value = attributes[name]
            if value is None:
                continue
            out[name] = specs[name].coerce(value, f"{prefix}.{name}")
        for spec in specs.values():
            if spec.required and spec.name not in out:
                raise InvalidInput(
                    f"{self.code} needs attribute {spec.name!r}", field=f"{prefix}.{spec.name}"
                )
        return out


def _enum(name: str, values: str, required: bool = False, description: str = "") -> AttributeSpec:
    return AttributeSpec(name, "enum", required, tuple(values.split()), description)


CORE_EVENT_KINDS: tuple[EventKind, ...] = (
    EventKind(
        "SAMPLING_INSPECTION",
        "监督抽查",
        EITHER,
        (
            _enum("result", "PASS FAIL", True),
            _enum("severity", "MINOR SERIOUS", description="for FAIL: 一般 / 严重不合格"),
            _enum("level", "NATIONAL PROVINCIAL MUNICIPAL COUNTY"),
        ),
    ),
    EventKind(
        "SUPERVISION_CHECK", "监督检查", ENTERPRISE, (_enum("result", "PASS FAIL REFUSED", True),)
    ),
    EventKind(
        "ADMINISTRATIVE_PENALTY",
        "行政处罚",
        EITHER,
        (
            _enum(
                "measure",
                "WARNING FINE CONFISCATION LICENCE_SUSPENDED LICENCE_REVOKED "
                "BUSINESS_LICENCE_REVOKED",
                True,
            ),
            AttributeSpec("fineYuan", "number", minimum=0),
            AttributeSpec("minor", "bool", description="轻微违法"),
            AttributeSpec("correctionOrdered", "bool", description="责令改正"),
            AttributeSpec("criminalReferral", "bool", description="移送司法机关"),
        ),
    ),
    EventKind(
        "QUALITY_ACCIDENT",
        "产品质量事故",
        EITHER,
        (
            _enum("severity", "GENERAL MAJOR ESPECIALLY_MAJOR", True),
            AttributeSpec("responsible", "bool", description="对事故负有责任"),
        ),
    ),
    EventKind(
        "COMPLAINT",
        "投诉举报",
        EITHER,
        (
            AttributeSpec("verified", "bool", description="经调查属实"),
            AttributeSpec("resolvedInTime", "bool", description="及时解决"),
            AttributeSpec("enterpriseResponsible", "bool", description="属于企业责任"),
        ),
    ),
    EventKind(
        "RECTIFICATION",
        "整改确认",
        ENTERPRISE,
        (
            AttributeSpec(
                "refersTo", "event", True, description="the event whose problem was fixed"
            ),
        ),
    ),
    EventKind("PUBLIC_OPINION", "舆情通报/媒体曝光", EITHER, (AttributeSpec("verified", "bool"),)),
    EventKind(
        "LIST_ENTRY",
        "名单",
        ENTERPRISE,
        (
            _enum(
                "list",
                "SERIOUS_DISHONESTY ABNORMAL_OPERATION BLACKLIST DISHONEST_JUDGMENT_DEBTOR",
                True,
            ),
            AttributeSpec("until", "date", description="date the listing ends, if known"),
        ),
    ),
    EventKind(
        "LICENCE",
        "生产许可",
        ENTERPRISE,
        (
            _enum("status", "GRANTED NONCOMPLIANT SUSPENDED REVOKED EXPIRED", True),
            AttributeSpec("licenceNo", "string"),
            AttributeSpec("productCategory", "string"),
            AttributeSpec("validUntil", "date"),
            AttributeSpec("rectifyBy", "date", description="deadline to meet licence requirements"),
        ),
    ),
    EventKind(
        "SELF_INSPECTION_REPORT",
        "年度自查报告",
        ENTERPRISE,
        (
            AttributeSpec("year", "int", True, minimum=1990),
            AttributeSpec("onTime", "bool", True),
        ),
    ),
    EventKind(
        "RECOGNITION",
        "认证/表彰",
        EITHER,
        (
            _enum(
                "type",
                "QMS_CERTIFIED BRAND_AWARD DUAL_PREVENTION_BENCHMARK OFFSITE_MONITORING "
                "TRUSTED_CONSUMPTION TRACEABILITY",
                True,
            ),
            AttributeSpec("until", "date"),
        ),
    ),
    EventKind(
        "FALSE_CLAIM", "虚假宣传/虚假数据", EITHER, (_enum("harm", "NONE MINOR MAJOR", True),)
    ),
    EventKind("COUNTERFEIT", "假冒伪劣", EITHER, (AttributeSpec("deliberate", "bool"),)),
    EventKind(
        "STANDARD_BREACH", "标准", EITHER, (_enum("type", "NO_STANDARD BELOW_DECLARED", True),)
    ),
    EventKind("AFTER_SALES_BREACH", "售后", ENTERPRISE, (AttributeSpec("serious", "bool"),)),
    EventKind(
        "CREDIT_RATING",
        "综合信用评级",
        ENTERPRISE,
        (
            AttributeSpec("source", "string"),
            AttributeSpec("score", "number", minimum=0),
            AttributeSpec("level", "string"),
        ),
    ),
    EventKind(
        "QUALITY_CREDIT_POINTS",
        "质量信用记分",
        EITHER,
        (AttributeSpec("points", "number", True), AttributeSpec("rule", "string")),
    ),
    EventKind(
        CORRECTION_KIND,
        "更正",
        EITHER,
        (
            _enum("action", "REVOKE AMEND ERRONEOUS REPAIR", True),
            AttributeSpec("reason", "string", True),
            AttributeSpec("changes", "object", description="the amended attributes (AMEND)"),
        ),
        description="written by the ledger when an event is corrected; not recordable directly",
        recordable=False,
    ),
)


@dataclass
class Vocabulary:
    """The event kinds known to this installation."""

    kinds: dict[str, EventKind] = field(default_factory=dict)

    @classmethod
    def with_core(cls, extra: Iterable[EventKind] = ()) -> Vocabulary:
        vocab = cls()
        for kind in CORE_EVENT_KINDS:
            vocab.register(kind)
        for kind in extra:
            vocab.register(kind)
        return vocab

    def register(self, kind: EventKind) -> None:
        existing = self.kinds.get(kind.code)
        if existing is not None and existing != kind:
            raise PluginConflict(
                f"event kind {kind.code} is defined twice: by {existing.source} and {kind.source}"
            )
        self.kinds[kind.code] = kind

    def get(self, code: str, field_name: str = "kind") -> EventKind:
        kind = self.kinds.get(code) if isinstance(code, str) else None
        if kind is None or not kind.recordable:
            known = ", ".join(sorted(k for k, v in self.kinds.items() if v.recordable))
            raise InvalidInput(
                f"unknown event kind {code!r}; known kinds: {known}", field=field_name
            )
        return kind
