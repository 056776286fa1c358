"""新疆生产建设兵团 — 重点工业产品生产许可证获证企业信用风险分级分类监管办法（修订）.

The revision table's 修改后 column, with its article numbers.  Enterprises registered in the Corps
(division-cities 659001–659012) that hold a valid industrial-product production licence (第二、三条)
are graded A–D by credit risk (第九条): a 100-point score over the eight dimensions of 第六条 plus
the conditions of 第十一条 (A) and 第十二条 (B); C and D are not in the revised text (local
defaults).  第十条's excluded information never counts; supervision follows 第十六–十九条.

In force: 第二十三条 "本方案自发布之日起实施" — the publication date is not in the text, so no start
date is declared; the revision removed the trial period, so there is no end date.
"""

from datetime import date
from typing import Any

from qcredit.core.hookspecs import hookimpl
from qcredit.policies.bingtuan.rules import BingtuanPolicy

__all__ = ["BingtuanPolicy"]


@hookimpl
def qcredit_policies() -> list[BingtuanPolicy]:
    return [BingtuanPolicy()]


@hookimpl
def qcredit_demo_records(today: date) -> list[dict[str, Any]]:
    from qcredit.policies.bingtuan.demo import demo_records

    return demo_records(today)
