"""四 in an inspection plan: the text says "fewer" (A) and "more" (C) checks without numbers, and
nothing for D; the numbers are local defaults in parameters.toml."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qcredit.core.contract import PlanRule


def plan_rule(level: str, params: Mapping[str, Any]) -> PlanRule | None:
    if level == "A":
        return PlanRule(
            weight=float(params["plan_a_weight"]),
            article="四（一）",
            text="减少日常监管频次：随机抽取权重降低（local default）",
        )
    if level == "C":
        return PlanRule(
            min_checks=int(params["plan_c_checks_per_year"]),
            article="四（三）",
            text="列入监管重点，加大监督抽查和检查力度（每年次数：local default）",
        )
    if level == "D":
        return PlanRule(
            min_checks=int(params["plan_d_checks_per_year"]),
            article="四（四）",
            text="严重失信企业从严监管（每年次数：local default）",
        )
    return None
