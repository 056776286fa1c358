"""佳木斯市 — 佳木斯市市场监督管理局关于加强企业质量信用监管工作的意见（佳市监发〔2020〕42号）.

Enterprises in 佳木斯市 (230800 and its districts, counties and county-level cities) fall into four
quality-credit classes by criteria, not by score (三): A 守信, B 基本守信, C 失信, D 严重失信.
Supervision per class follows 四; B and C are internal only (五（三）), a published A needs the
enterprise's application and a provincial evaluation, an exposed D a re-check (三（五）).

In force: from 2020-07-10 (the date it was printed, 印发 — the text names no other); no end date.
"""

from datetime import date
from typing import Any

from qcredit.core.hookspecs import hookimpl
from qcredit.policies.jiamusi.rules import JiamusiPolicy

__all__ = ["JiamusiPolicy"]


@hookimpl
def qcredit_policies() -> list[JiamusiPolicy]:
    return [JiamusiPolicy()]


@hookimpl
def qcredit_demo_records(today: date) -> list[dict[str, Any]]:
    from qcredit.policies.jiamusi.demo import demo_records

    return demo_records(today)
