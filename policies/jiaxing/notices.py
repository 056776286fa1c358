"""四2 二是 加强风险预警: regional and industry warnings from the share of high-risk subjects.

The text: "对存在区域（行业）性产品质量问题、符合质量预警条件的，市局要及时发布警情通报，通报当地
政府，由政府明确责任主体，落实整治措施；县（市、区）局对符合当地重点产品质量预警条件的，应当发布
预警".  It fixes no 预警条件, so the conditions are parameters (local defaults, with provenance):

* ``regional_warning_rules`` — a county (县、市、区) or a town (镇、街道) whose share (含本数) of
  subjects at the listed levels reaches ``min_share``, with at least ``min_subjects`` subjects of
  that vocabulary: a REGIONAL_WARNING (警情通报 by the city bureau to the local government);
* ``industry_warning_rules`` — the same for the products of one catalogue 大类 (三1), city-wide
  (市局 警情通报) and within a county (县局 当地重点产品质量预警): an INDUSTRY_WARNING.

Counts are the standing grades (enterprise classes and product tiers are counted apart).  The
engine keeps one open notice while a condition holds and closes it when it stops holding.  The
notices go to the bureau and to partner departments (通报当地政府; 四2 四是 信息共享), not to the
public: they are built on counts of grades the public may not see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from qcredit.core.contract import Audience, NoticeDraft, NoticeKind, NoticeRules, Tally
from qcredit.core.parameters import ParameterView
from qcredit.core.policy import Policy
from qcredit.policies.jiaxing.catalogue import catalogue_category
from qcredit.policies.jiaxing.levels import CLASSES, TIERS

ARTICLE = "四2 二是"
AUDIENCES = (Audience.DEPARTMENT.value,)


def _vocabulary(levels: Sequence[str]) -> tuple[str, ...]:
    if all(code in CLASSES for code in levels):
        return CLASSES
    if all(code in TIERS for code in levels):
        return TIERS
    raise ValueError(f"a warning rule mixes or misnames levels: {list(levels)}")


def holding(
    tally: Tally, rules: Sequence[Mapping[str, Any]]
) -> list[tuple[Mapping[str, Any], Fraction]]:
    """The rules whose share condition holds for ``tally``, with the share."""
    out = []
    for rule in rules:
        levels = list(rule["levels"])
        total = tally.total(_vocabulary(levels))
        if total == 0 or total < int(rule.get("min_subjects", 1)):
            continue
        share = Fraction(tally.count(levels), total)
        if share >= Fraction(str(rule["min_share"])):
            out.append((rule, share))
    return out


class JiaxingNotices(NoticeRules):
    counts_scopes = True

    def __init__(self, policy: Policy) -> None:
        self.city_codes = set(policy.region_codes)

    def category_of(self, category: str | None, params: ParameterView) -> str | None:
        return catalogue_category(category, params)

    def on_tally(self, tally: Tally, params: ParameterView) -> Sequence[NoticeDraft]:
        region = tally.region_code
        is_city = region in self.city_codes
        if tally.category is None:
            if is_city:
                return ()  # a regional problem is one of a county or town within the city
            kind, rules = NoticeKind.REGIONAL_WARNING, params["regional_warning_rules"]
        else:
            if len(region) == 9:
                return ()  # industry warnings are the city's and the counties'
            kind, rules = NoticeKind.INDUSTRY_WARNING, params["industry_warning_rules"]
        drafts = []
        for rule, share in holding(tally, rules):
            levels = list(rule["levels"])
            total = tally.total(_vocabulary(levels))
            where = f"{region}{'（' + tally.category + '）' if tally.category else ''}"
            who = (
                "市局发布警情通报，通报当地政府，由政府明确责任主体，落实整治措施"
                if is_city or kind is NoticeKind.REGIONAL_WARNING
                else "县（市、区）局发布当地重点产品质量预警，开展质量预警整治，消除质量隐患"
            )
            drafts.append(
                NoticeDraft(
                    kind,
                    f"{'区域' if kind is NoticeKind.REGIONAL_WARNING else '行业'}性产品质量预警："
                    f"{where}{'+'.join(levels)}类监管对象{tally.count(levels)}/{total}，"
                    f"占比{float(share):.1%}，达到预警条件{float(rule['min_share']):.0%}（含）；"
                    + who,
                    ARTICLE,
                    rule.get("colour"),
                    AUDIENCES,
                    "+".join(levels),
                )
            )
        return drafts
