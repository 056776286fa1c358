"""汕头市濠江区市场监督管理局产品质量信用分类监管工作方案 — 汕头市濠江区市场监督管理局, 2023-12-18.

Industrial products and their operators in 濠江区 (440512) are scored separately (二（二）: a
product = same trademark × same Nice class; an operator = a registered organisation) and put in
category A/B/C/D/O by cumulative quality-credit points (三（一）, 五（二）), each with its
supervision (三（二）) and use of information (三（三）, 四).  Food, food additives,
cosmetics, measuring instruments and special equipment are excluded (一（一）).
In force from 2023-12-18; the text sets no end date.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from qcredit.core.hookspecs import hookimpl
from qcredit.policies.haojiang.rules import HaojiangPolicy

__all__ = ["HaojiangPolicy"]


@hookimpl
def qcredit_policies() -> list[HaojiangPolicy]:
    return [HaojiangPolicy()]


@hookimpl
def qcredit_demo_records(today: date) -> list[dict[str, Any]]:
    from qcredit.policies.haojiang.demo import demo_records

    return demo_records(today)
