"""三（二） in an inspection plan: lower weight after clean runs (1); O is reactive only (5)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from qcredit.core.contract import Measure, MeasureKind, PlanRule

CLEAN_RUN_ARTICLE = "三（二）1"
CLEAN_RUN_TEXT = "连续"  # the measure supervision.clean_run_reason adds starts with this


def plan_rule(
    level: str, measures: Sequence[Measure], params: Mapping[str, Any]
) -> PlanRule | None:
    if level == "O":
        # 三（二）5: 反应式监管 — O subjects are checked when something is reported, not drawn.
        return PlanRule(
            exclude=True, article="三（二）5", text="O类实施反应式监管，不纳入随机抽查计划"
        )
    clean = any(
        m.kind == MeasureKind.RANDOM_SAMPLING
        and m.article == CLEAN_RUN_ARTICLE
        and m.text.startswith(CLEAN_RUN_TEXT)
        for m in measures
    )
    if level == "A" and clean:
        return PlanRule(
            weight=float(params["plan_clean_run_weight"]),
            article=CLEAN_RUN_ARTICLE,
            text="连续两次以上未发现不合格或其他违法行为，降低随机系数（权重：local default）",
        )
    return None
