"""三（一） with 五（二）: the credit-supervision category from the cumulative points.

"12分以上的，划为A类；高于6分不满12分的，划为B类；高于0分且6分以下的，划为C类；0分以下的，划为D类；
未获得质量信用分的，划为O类。"
五（二）: "以上"/"以下" include the number, "高于"/"不满" exclude it.
So exactly 12 → A, exactly 6 → C, exactly 0 → D.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def category(points: float | None, params: Mapping[str, Any]) -> str:
    """``None`` points (none ever obtained) → O."""
    if points is None:
        return "O"
    if points >= params["a_min_points"]:  # 以上: ≥
        return "A"
    if params["b_above_points"] < points < params["b_below_points"]:  # 高于 … 不满: > and <
        return "B"
    if params["c_above_points"] < points <= params["c_max_points"]:  # 高于 … 以下: > and ≤
        return "C"
    # 0分以下 (≤ d_max_points) is D; a value no band covers (only when overridden parameters leave
    # a gap) falls to D as well, the strictest class, rather than to an unrated O.
    return "D"


def rule_text(code: str, params: Mapping[str, Any]) -> str:
    p = params
    return {
        "A": f"{p['a_min_points']:g}分以上的，划为A类",
        "B": f"高于{p['b_above_points']:g}分不满{p['b_below_points']:g}分的，划为B类",
        "C": f"高于{p['c_above_points']:g}分且{p['c_max_points']:g}分以下的，划为C类",
        "D": f"{p['d_max_points']:g}分以下的，划为D类",
        "O": "未获得质量信用分的，划为O类",
    }[code]


# What the next better category needs, as a sentence (for blockers).
def needs_text(code: str, params: Mapping[str, Any]) -> str:
    p = params
    return {
        "B": f"累计记分须达到{p['a_min_points']:g}分以上方可划为A类",
        "C": f"累计记分须高于{p['b_above_points']:g}分方可划为B类",
        "D": f"累计记分须高于{p['c_above_points']:g}分方可划为C类",
        "O": "尚未获得质量信用分；发现存在记分情形时按规定记分后方可分类（三（二）5（3））",
    }[code]
