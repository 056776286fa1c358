"""嘉兴市 — 关于加强全市重点产品质量安全“三分”监管工作的指导意见（试行）.

Issued by 嘉兴市市场监督管理局 on 2020-04-22 (notice published 2021-12-22 as a
规范性文件, no 文号 in the text); a trial guidance with no end date.

It grades **products** into 高风险 / 较高风险 / 一般风险 (三2) and **enterprises** into
AA / A / B / C (三3), combines the two in a supervision-mode matrix (四1), colours counties
and towns red / yellow / blue / green (三4), and scores a product quality-safety index and an
enterprise "health code" (二2).  Scope: the 13 大类 273 种 key industrial products (三1).
See docs/policies/jiaxing.md for the article map and every local default.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from qcredit.core.hookspecs import hookimpl
from qcredit.core.vocabulary import EventKind
from qcredit.policies.jiaxing.rules import JiaxingPolicy
from qcredit.policies.jiaxing.vocabulary import JIAXING_EVENT_KINDS


@hookimpl
def qcredit_policies() -> list[JiaxingPolicy]:
    return [JiaxingPolicy()]


@hookimpl
def qcredit_event_kinds() -> tuple[EventKind, ...]:
    return JIAXING_EVENT_KINDS


@hookimpl
def qcredit_demo_records(today: date) -> list[dict[str, Any]]:
    from qcredit.policies.jiaxing.demo import demo_records

    return demo_records(today)
