"""Event kinds the Jiaxing "三分" guidance needs and the core vocabulary lacks.

* ``RISK_ALERT`` — 国内外质量安全风险预警: 三2 grades products by "质量数据（产品质量不合格情况、
  国内外质量安全风险预警等）"; a warning issued at home or abroad is recorded on the product.
* ``ENFORCEMENT_FINDING`` — 执法检查认定的违法行为: 四2 一是 singles out "严重质量违法行为和
  无证生产、制假售假、侵犯知识产权等违法行为"; counterfeiting has a core kind (``COUNTERFEIT``).
"""

from __future__ import annotations

from qcredit.core.model import SubjectType
from qcredit.core.vocabulary import ENTERPRISE, AttributeSpec, EventKind

PRODUCT_ONLY = frozenset({SubjectType.PRODUCT})

RISK_ALERT = EventKind(
    "RISK_ALERT",
    "国内外质量安全风险预警",
    PRODUCT_ONLY,
    (
        AttributeSpec(
            "scope",
            "enum",
            True,
            ("DOMESTIC", "FOREIGN"),
            "国内 / 国外（境外）发布的预警",
            label="预警范围",
            value_labels=("国内", "国外"),
        ),
        AttributeSpec(
            "severity",
            "enum",
            True,
            ("HIGH", "MEDIUM", "LOW"),
            "预警风险程度 高/中/低",
            label="风险程度",
            value_labels=("高", "中", "低"),
            aliases=("严重程度",),
        ),
        AttributeSpec(
            "issuer",
            "string",
            description="发布机构，如 市场监管总局、欧盟 Safety Gate",
            label="发布机构",
        ),
        AttributeSpec("until", "date", description="预警解除日期（如有）", label="解除日期"),
    ),
    description="嘉兴 三2: 国内外质量安全风险预警 on a product (quality data for product grading)",
)

ENFORCEMENT_FINDING = EventKind(
    "ENFORCEMENT_FINDING",
    "执法检查认定的违法行为",
    ENTERPRISE,
    (
        AttributeSpec(
            "violation",
            "enum",
            True,
            ("SERIOUS_QUALITY_VIOLATION", "UNLICENSED_PRODUCTION", "IP_INFRINGEMENT"),
            "严重质量违法行为 / 无证生产 / 侵犯知识产权",
            label="违法行为",
            value_labels=("严重质量违法行为", "无证生产", "侵犯知识产权"),
        ),
    ),
    description="嘉兴 四2 一是: violations found in enforcement checks (制假售假 uses COUNTERFEIT)",
)

JIAXING_EVENT_KINDS: tuple[EventKind, ...] = (RISK_ALERT, ENFORCEMENT_FINDING)
