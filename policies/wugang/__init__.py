"""舞钢市产品质量安全信用风险分级管理办法（试行） — 舞钢市市场监督管理局, 舞市监〔2022〕117号.

A 100-point risk score (higher = riskier, 第六条) built on the Henan comprehensive credit rating and
product-quality indicators (第五条) places each enterprise in A 低 / B 一般 / C 较高 / D 高; 第七条
caps and 第十三条 locks and relief adjust it; 第八–十二条 set the supervision each level triggers.
In force 2022-11-01 to 2024-10-30 (第十七条).  Region 舞钢市 410481; enterprises only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from qcredit.core.hookspecs import hookimpl
from qcredit.core.vocabulary import EventKind
from qcredit.policies.wugang.kinds import EVENT_KINDS
from qcredit.policies.wugang.rules import WugangPolicy

__all__ = ["WugangPolicy"]


@hookimpl
def qcredit_policies() -> list[WugangPolicy]:
    return [WugangPolicy()]


@hookimpl
def qcredit_event_kinds() -> list[EventKind]:
    return list(EVENT_KINDS)


@hookimpl
def qcredit_demo_records(today: date) -> list[dict[str, Any]]:
    from qcredit.policies.wugang.demo import demo_records

    return demo_records(today)
