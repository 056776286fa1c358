"""三4 区域分色: the red / yellow / blue / green "四色图" of a county or town (street).

The text: "各县（市、区）局按照不同风险等级监管对象的比例，确定各镇（街道）企业（产品）
风险等级，以红、黄、蓝、绿色标注".  The shares and cut-offs are local defaults
(``region_colour_rules``): each rule names levels of one vocabulary (enterprise classes or
product tiers) and a minimum share (含本数) of that vocabulary's subjects in the region;
rules are tried in order and the first that holds gives the colour; when none holds the
region is green.  Shares are compared exactly (fractions), so "10%" means 1 in 10 is red.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from qcredit.core.contract import Reason, RegionColour
from qcredit.policies.jiaxing.levels import CLASSES, TIERS

COLOUR_LABELS = {"red": "红色", "yellow": "黄色", "blue": "蓝色", "green": "绿色"}


def _vocabulary(code: str) -> tuple[str, ...] | None:
    if code in CLASSES:
        return CLASSES
    if code in TIERS:
        return TIERS
    return None


def colour_region(counts: Mapping[str, int], params: Mapping[str, Any]) -> RegionColour | None:
    for code, n in counts.items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"count of level {code!r} must be a whole number ≥ 0, got {n!r}")
    totals = {vocab: sum(counts.get(code, 0) for code in vocab) for vocab in (CLASSES, TIERS)}
    if not any(totals.values()):
        return None  # no graded subject in the region: nothing to colour
    shares = {
        code: counts.get(code, 0) / totals[vocab]
        for vocab in (CLASSES, TIERS)
        if totals[vocab]
        for code in vocab
    }
    for rule in params["region_colour_rules"]:
        levels = list(rule["levels"])
        vocab = _vocabulary(levels[0])
        if vocab is None or any(_vocabulary(code) is not vocab for code in levels):
            raise ValueError(f"region colour rule mixes or misnames levels: {levels}")
        if not totals[vocab]:
            continue
        share = Fraction(sum(counts.get(code, 0) for code in levels), totals[vocab])
        minimum = Fraction(str(rule["min_share"]))
        if share >= minimum:
            colour = rule["colour"]
            text = (
                f"{'+'.join(levels)}类监管对象占比{float(share):.1%}，"
                f"达到{float(minimum):.0%}（含），标注为{COLOUR_LABELS.get(colour, colour)}"
            )
            return RegionColour(colour, (Reason(f"region.{colour}", "三4", text),), shares)
    text = "各风险等级监管对象占比均未达到红、黄、蓝色标准，标注为绿色"
    return RegionColour("green", (Reason("region.green", "三4", text),), shares)
