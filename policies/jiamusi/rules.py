"""佳木斯市 enterprise quality-credit classes A/B/C/D (佳市监发〔2020〕42号 三–五)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import qcredit.policies.jiamusi.plan as plan
from qcredit.core.contract import (
    Disclosure,
    Grading,
    History,
    Level,
    Measure,
    NoticeRules,
    PlanRule,
    Reason,
)
from qcredit.core.facts import Facts
from qcredit.core.model import SubjectType
from qcredit.core.parameters import ParameterView
from qcredit.core.policy import Policy
from qcredit.policies.jiamusi.criteria import a_gaps, b_gaps, c_criteria, d_criteria
from qcredit.policies.jiamusi.measures import SUPERVISION, disclosures
from qcredit.policies.jiamusi.notices import JiamusiNotices

ENTERPRISES = frozenset({SubjectType.ENTERPRISE})
NOT_YET_GRADED = "N"
GAP_LEVELS = (NOT_YET_GRADED, "B")  # C and D need a criterion of their own (三（三）、三（四）)


class JiamusiPolicy(Policy):
    id = "jiamusi"
    name = "佳木斯市市场监督管理局关于加强企业质量信用监管工作的意见"
    issuer = "佳木斯市市场监督管理局"
    document_no = "佳市监发〔2020〕42号"
    version = "2020.42-1"
    # 佳木斯市 (its districts, counties and county-level cities are covered by the city prefix;
    # 五（一）: the county bureaus and 建三江管委会 implement it in their areas).
    region_codes = ("230800",)
    # The text states no date of effect; it was printed (印发) on 2020-07-10, the only date it
    # carries, so it applies from that day.  It states no end date and no trial period: open.
    effective_from = date(2020, 7, 10)
    effective_until = None
    subject_types = ENTERPRISES
    levels = (
        Level("A", "守信", 1, "green", "三（一）守信（A级）", ENTERPRISES),
        Level("B", "基本守信", 2, "blue", "三（二）基本守信（B级）", ENTERPRISES),
        # Not a credit class: 失信 (C) and 严重失信 (D) are defined by what an enterprise did
        # (三（三）、三（四）), so a clean enterprise that cannot yet be B (依法设立未满2年,
        # 三（二）1) is not graded at all until it can (local default, ``gap_level``).  Ranked
        # between B and C: no wrongdoing, but no track record either — so inspection plans visit
        # it before B and after C, and the best and worst ranks stay A (守信) and D (黑名单).
        Level(
            NOT_YET_GRADED,
            "暂不定级",
            3,
            "grey",
            "成立不满2年且无失信（C级）、严重失信（D级）情形，暂不定级（三（二）1；local default）",
            ENTERPRISES,
        ),
        Level("C", "失信", 4, "yellow", "三（三）失信（C级）；四（三）黄牌警告", ENTERPRISES),
        Level("D", "严重失信", 5, "red", "三（四）严重失信（D级）；四（四）黑名单", ENTERPRISES),
    )
    parameters_file = Path(__file__).with_name("parameters.toml")

    def grade(self, facts: Facts, history: History, params: ParameterView) -> Grading:
        """三（五）: the class follows from the quality file automatically; the worst class whose
        criteria hold wins (D, then C), and B and A need all their own criteria."""
        d = d_criteria(facts, params)
        c = c_criteria(facts, params)
        window = params["criteria_window_years"]
        details = {
            "criteriaWindow": "当年" if window == 0 else f"近{window}年",
            "dCriteria": [r.rule for r in d],
            "cCriteria": [r.rule for r in c],
        }
        if d:
            return Grading("D", None, tuple(d + c), tuple(d), details)
        if c:
            return Grading("C", None, tuple(c), tuple(c + b_gaps(facts, params)), details)
        gaps_b = b_gaps(facts, params)
        gaps_a = a_gaps(facts, params)
        details |= {"bGaps": [r.rule for r in gaps_b], "aGaps": [r.rule for r in gaps_a]}
        if gaps_b:
            return self._gap(params["gap_level"], gaps_b, gaps_a, details)
        if gaps_a:
            met = Reason(
                "b.criteria_met",
                "三（二）",
                "符合基本守信（B级）标准：依法设立满规定年限，当年无监督抽查、监督检查不合格记录，"
                "无质量、计量违法、违规记录，未见失信（C级）、严重失信（D级）情形",
            )
            return Grading("B", None, (met,), tuple(gaps_a), details)
        met = Reason(
            "a.criteria_met",
            "三（一）",
            "符合守信（A级）标准：依法设立满规定年限，规定年限内无监督抽查、监督检查不合格和质量、"
            "计量违法、违规记录，当年无属于企业责任的投诉和质量事故",
        )
        return Grading("A", None, (met,), (), details)

    @staticmethod
    def _gap(
        level: str, gaps_b: list[Reason], gaps_a: list[Reason], details: dict[str, Any]
    ) -> Grading:
        """No C/D criterion holds, yet B's own criteria are not all met (an enterprise established
        less than 2 years, 三（二）1) — a case the text leaves open.  ``gap_level`` decides:
        N 暂不定级 (local default) or B; never C, defined by wrongdoing (三（三）)."""
        if level not in GAP_LEVELS:
            raise ValueError(f"gap_level must be one of {GAP_LEVELS}, not {level!r}")
        if level == "B":
            gap = Reason(
                "gap.b_criteria_not_met",
                "三（二）1",
                "不符合基本守信（B级）标准但无失信情形，文件未作规定，按本地默认确定为B级"
                "（local default）",
            )
            return Grading("B", None, (gap, *gaps_b), tuple(gaps_a), details)
        gap = Reason(
            "gap.b_criteria_not_met",
            "三（二）1",
            "成立不满2年，暂不定级：未见失信（C级）、严重失信（D级）情形（三（三）、三（四）），"
            "尚不符合基本守信（B级）“依法设立满2年”的标准（local default）",
        )
        return Grading(level, None, (gap, *gaps_b), tuple(gaps_b), details)

    def supervision(
        self, grading: Grading, facts: Facts, params: ParameterView
    ) -> Sequence[Measure]:
        return SUPERVISION[grading.level]

    def publicity(
        self, grading: Grading, facts: Facts, params: ParameterView
    ) -> Sequence[Disclosure]:
        return disclosures(grading.level)

    def notice_rules(self) -> NoticeRules:
        """Warnings on grade changes (notices.py; docs/warnings.md)."""
        return JiamusiNotices()

    def plan_rule(
        self, subject_type: str, level: str, measures: Sequence[Measure], params: ParameterView
    ) -> PlanRule | None:
        return plan.plan_rule(level, params)
