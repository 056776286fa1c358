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
    label: str = ""  # Chinese column name as bureaus write it (import headers, docs)
    value_labels: tuple[str, ...] = ()  # Chinese names of ``values``, in the same order
    aliases: tuple[str, ...] = ()  # other Chinese column names for the same attribute

    @property
    def headers(self) -> tuple[str, ...]:
        """Every column name a file may use for this attribute."""
        return tuple(h for h in (self.name, self.label, *self.aliases) if h)

    def value_label(self, value: str) -> str:
        """The Chinese name of an enumerated value (the value itself when it has none)."""
        labels = dict(zip(self.values, self.value_labels, strict=False))
        return labels.get(value, value)

    def value_of(self, text: str) -> str | None:
        """The enumerated value a cell names, by its code or its Chinese name."""
        if text in self.values:
            return text
        by_label = dict(zip(self.value_labels, self.values, strict=False))
        return by_label.get(text)

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
    AttributeSpec("note", "string", description="free remark", label="备注"),
    AttributeSpec(
        "documentNo",
        "string",
        description="文书号: number of the decision or report",
        label="文书号",
        aliases=("文书编号",),
    ),
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

    @cached_property
    def attribute_headers(self) -> dict[str, AttributeSpec]:
        """Attribute by every column name a file may use for it (name, label, aliases)."""
        return {h: a for a in self.all_attributes.values() for h in a.headers}

    @cached_property
    def _required(self) -> tuple[AttributeSpec, ...]:
        return tuple(a for a in self.all_attributes.values() if a.required)

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
        for spec in self._required:
            if spec.name not in out:
                raise InvalidInput(
                    f"{self.code} needs attribute {spec.name!r}", field=f"{prefix}.{spec.name}"
                )
        return out


def _enum(
    name: str,
    values: str,
    required: bool = False,
    description: str = "",
    *,
    label: str,
    labels: str,
    aliases: tuple[str, ...] = (),
) -> AttributeSpec:
    """An enumerated attribute: its codes and their Chinese names, each a space-separated list."""
    return AttributeSpec(
        name,
        "enum",
        required,
        tuple(values.split()),
        description,
        label=label,
        value_labels=tuple(labels.split()),
        aliases=aliases,
    )


def _flag(name: str, label: str, description: str = "", *aliases: str) -> AttributeSpec:
    return AttributeSpec(name, "bool", description=description, label=label, aliases=aliases)


CORE_EVENT_KINDS: tuple[EventKind, ...] = (
    EventKind(
        "SAMPLING_INSPECTION",
        "监督抽查",
        EITHER,
        (
            _enum("result", "PASS FAIL", True, label="抽查结果", labels="合格 不合格"),
            _enum(
                "severity",
                "MINOR SERIOUS",
                description="for FAIL: 一般 / 严重不合格",
                label="严重程度",
                labels="一般 严重",
                aliases=("不合格程度",),
            ),
            _enum(
                "level",
                "NATIONAL PROVINCIAL MUNICIPAL COUNTY",
                label="抽查层级",
                labels="国家 省 市 县",
            ),
        ),
    ),
    EventKind(
        "SUPERVISION_CHECK",
        "监督检查",
        ENTERPRISE,
        (
            _enum(
                "result", "PASS FAIL REFUSED", True, label="检查结果", labels="合格 不合格 拒绝检查"
            ),
        ),
    ),
    EventKind(
        "ADMINISTRATIVE_PENALTY",
        "行政处罚",
        EITHER,
        (
            _enum(
                "measure",
                # 《行政处罚法》第九条's kinds a market-supervision bureau decides, in its order
                # (行政拘留 is the police's), then 吊销营业执照 and the law's "其他".
                "WARNING PUBLIC_CRITICISM FINE CONFISCATION LICENCE_SUSPENDED "
                "QUALIFICATION_DOWNGRADED LICENCE_REVOKED BUSINESS_RESTRICTED "
                "PRODUCTION_SUSPENDED CLOSURE_ORDERED PRACTICE_RESTRICTED "
                "BUSINESS_LICENCE_REVOKED OTHER",
                True,
                label="处罚种类",
                labels="警告 通报批评 罚款 没收 暂扣许可证 降低资质等级 吊销许可证 "
                "限制开展生产经营活动 责令停产停业 责令关闭 限制从业 吊销营业执照 其他行政处罚",
            ),
            AttributeSpec(
                "fineYuan", "number", minimum=0, label="罚款金额（元）", aliases=("罚款金额",)
            ),
            _flag("minor", "轻微违法", "轻微违法"),
            _flag("correctionOrdered", "责令改正", "责令改正"),
            _flag("criminalReferral", "移送司法机关", "移送司法机关"),
        ),
    ),
    EventKind(
        "QUALITY_ACCIDENT",
        "产品质量事故",
        EITHER,
        (
            _enum(
                "severity",
                "GENERAL MAJOR ESPECIALLY_MAJOR",
                True,
                label="事故等级",
                labels="一般 重大 特别重大",
                aliases=("严重程度",),
            ),
            _flag("responsible", "负有责任", "对事故负有责任", "对事故负有责任"),
        ),
    ),
    EventKind(
        "COMPLAINT",
        "投诉举报",
        EITHER,
        (
            _flag("verified", "经调查属实", "经调查属实", "属实"),
            _flag("resolvedInTime", "及时解决", "及时解决"),
            _flag("enterpriseResponsible", "属于企业责任", "属于企业责任", "企业责任"),
        ),
    ),
    EventKind(
        "RECTIFICATION",
        "整改确认",
        ENTERPRISE,
        (
            AttributeSpec(
                "refersTo",
                "event",
                True,
                description="the event whose problem was fixed",
                label="整改事件外部编号",
                aliases=("整改事件",),
            ),
        ),
    ),
    EventKind(
        "PUBLIC_OPINION",
        "舆情通报/媒体曝光",
        EITHER,
        (_flag("verified", "经核实属实", "", "属实"),),
    ),
    EventKind(
        "LIST_ENTRY",
        "名单",
        ENTERPRISE,
        (
            _enum(
                "list",
                "SERIOUS_DISHONESTY ABNORMAL_OPERATION BLACKLIST DISHONEST_JUDGMENT_DEBTOR",
                True,
                label="名单类型",
                labels="严重违法失信名单 经营异常名录 黑名单 失信被执行人",
            ),
            AttributeSpec(
                "until", "date", description="date the listing ends, if known", label="移出日期"
            ),
        ),
    ),
    EventKind(
        "LICENCE",
        "生产许可",
        ENTERPRISE,
        (
            _enum(
                "status",
                "GRANTED NONCOMPLIANT SUSPENDED REVOKED EXPIRED",
                True,
                label="许可状态",
                labels="获证 不符合条件 暂停 吊销 过期",
            ),
            AttributeSpec("licenceNo", "string", label="许可证编号"),
            AttributeSpec("productCategory", "string", label="许可产品类别"),
            AttributeSpec("validUntil", "date", label="有效期至"),
            AttributeSpec(
                "rectifyBy",
                "date",
                description="deadline to meet licence requirements",
                label="整改期限",
            ),
        ),
    ),
    EventKind(
        "SELF_INSPECTION_REPORT",
        "年度自查报告",
        ENTERPRISE,
        (
            AttributeSpec("year", "int", True, minimum=1990, label="报告年度"),
            AttributeSpec("onTime", "bool", True, label="按时报告"),
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
                label="认证表彰类型",
                labels="质量管理体系认证 品牌奖项 双重预防标杆 远程监控 放心消费 质量追溯",
            ),
            AttributeSpec("until", "date", label="有效期至"),
        ),
    ),
    EventKind(
        "FALSE_CLAIM",
        "虚假宣传/虚假数据",
        EITHER,
        (_enum("harm", "NONE MINOR MAJOR", True, label="危害程度", labels="无 轻微 严重"),),
    ),
    EventKind("COUNTERFEIT", "假冒伪劣", EITHER, (_flag("deliberate", "故意"),)),
    EventKind(
        "STANDARD_BREACH",
        "标准",
        EITHER,
        (
            _enum(
                "type",
                "NO_STANDARD BELOW_DECLARED",
                True,
                label="标准问题",
                labels="无标准生产 低于明示标准",
            ),
        ),
    ),
    EventKind("AFTER_SALES_BREACH", "售后", ENTERPRISE, (_flag("serious", "情节严重"),)),
    EventKind(
        "CREDIT_RATING",
        "综合信用评级",
        ENTERPRISE,
        (
            AttributeSpec("source", "string", label="评级机构"),
            AttributeSpec("score", "number", minimum=0, label="评分"),
            AttributeSpec("level", "string", label="评级"),
        ),
    ),
    EventKind(
        "QUALITY_CREDIT_POINTS",
        "质量信用记分",
        EITHER,
        (
            AttributeSpec("points", "number", True, label="记分"),
            AttributeSpec("rule", "string", label="记分依据"),
        ),
    ),
    EventKind(
        CORRECTION_KIND,
        "更正",
        EITHER,
        (
            _enum(
                "action",
                "REVOKE AMEND ERRONEOUS REPAIR",
                True,
                label="更正方式",
                labels="撤销 修改 错误 修复",
            ),
            AttributeSpec("reason", "string", True, label="更正理由"),
            AttributeSpec(
                "changes",
                "object",
                description="the amended attributes (AMEND)",
                label="更正内容",
            ),
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


# -- Chinese labels of the other closed codes a person sees ---------------------------------------
# Event kinds and their attributes carry their labels above; these are the codes of the model,
# the contract and the disclosure rules that pages, workbooks and messages show.  Keys are the
# codes as the API writes them; tests/test_pages_chinese.py fails when an enumeration gains a
# member without a label here.  Policies label their own codes (levels, measures' texts, figures'
# values, badges' colours) through the contract.

_CORRECTION_ACTION = next(k for k in CORE_EVENT_KINDS if k.code == CORRECTION_KIND).all_attributes[
    "action"
]
CORRECTION_ACTION_LABELS: Mapping[str, str] = {
    code: _CORRECTION_ACTION.value_label(code) for code in _CORRECTION_ACTION.values
}
ENTERPRISE_ROLE_LABELS: Mapping[str, str] = {
    "PRODUCER": "生产者",
    "SELLER": "销售者",
    "SERVICE": "服务业经营者",
}

LABEL_SETS: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "enterpriseRole": (
        "What an enterprise does with products (Enterprise.roles).",
        ENTERPRISE_ROLE_LABELS,
    ),
    "subjectType": ("What is graded (subjectType).", {"ENTERPRISE": "企业", "PRODUCT": "产品"}),
    "eventStatus": (
        "A ledger event's status, derived from its corrections (Event.status).",
        {
            "ACTIVE": "有效",
            "REVOKED": "已撤销",
            "AMENDED": "已变更",
            "ERRONEOUS": "已认定错误",
            "REPAIRED": "已信用修复",
        },
    ),
    "correctionAction": (
        "How a correction changes an event (correctEvent's action); the correction kind's labels.",
        CORRECTION_ACTION_LABELS,
    ),
    "color": (
        "Colour codes of levels, maps, notices and badges.",
        {
            "red": "红",
            "orange": "橙",
            "yellow": "黄",
            "blue": "蓝",
            "green": "绿",
            "grey": "灰",
            "white": "白",
        },
    ),
    "measureKind": (
        "The shared kinds of supervision measure (Measure.kind).",
        {
            "INSPECTION_FREQUENCY": "检查频次",
            "PLAN_SHARE": "检查计划比例",
            "RANDOM_SAMPLING": "双随机抽查",
            "NO_PROACTIVE_CHECK": "无事不扰",
            "REMOTE_CHECK": "非现场检查",
            "WARNING": "警示提醒",
            "RECTIFICATION_ORDER": "责令整改",
            "INTERVIEW": "约谈",
            "TRAINING": "培训",
            "STATIONED_SUPERVISION": "驻点监督",
            "KEY_INSPECTION_LIST": "列入重点检查",
            "ENFORCEMENT": "执法处置",
            "BLACKLIST": "列入黑名单",
            "LICENCE_ACTION": "许可处置",
            "PUBLIC_EXPOSURE": "公开曝光",
            "INCENTIVE": "激励措施",
            "GUIDANCE": "指导帮扶",
            "MONITORING": "信用监测",
            "REPORT_TO_GOVERNMENT": "报告政府",
            "SERIOUS_CIRCUMSTANCES": "从重认定",
        },
    ),
    "noticeKind": (
        "The shared kinds of notice (Notice.kind).",
        {
            "SUBJECT_WARNING": "主体预警",
            "REGIONAL_WARNING": "区域预警",
            "INDUSTRY_WARNING": "行业预警",
        },
    ),
    "audience": (
        "Who a disclosure rule is about (Publicity.audience).",
        {
            "PUBLIC": "社会公众",
            "SUBJECT": "企业本身",
            "DEPARTMENT": "相关部门",
            "INDUSTRY": "行业协会和平台",
            "REGULATOR": "监管部门",
        },
    ),
    "callerRole": (
        "The role of a caller's token (me.role).",
        {
            "PUBLIC": "社会公众",
            "SUBJECT": "企业",
            "REGULATOR": "监管人员",
            "REVIEWER": "审核人员",
            "DEPARTMENT": "相关部门",
            "INDUSTRY": "行业协会和平台",
            "ADMIN": "管理员",
        },
    ),
    "requestKind": (
        "What a disclosure request asks for.",
        {"PUBLICATION": "申请公示", "EXPOSURE": "依法曝光"},
    ),
    "requestState": (
        "Where a disclosure request stands.",
        {"PENDING": "待审核", "APPROVED": "已批准", "REJECTED": "已驳回", "WITHDRAWN": "已撤回"},
    ),
}


def code_label(set_name: str, code: str) -> str:
    """The Chinese label of a code of one of :data:`LABEL_SETS` (the code itself without one)."""
    return LABEL_SETS[set_name][1].get(code, code)
