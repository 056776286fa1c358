"""The Wugang policy: metadata, scope and the order in which its rules combine.

Order (each step cites its article):
1. risk score 0–100 from the Henan credit rating and the 第五条 indicators (``scoring``);
2. score band A–D (第六条, band limits local defaults);
3. relief (第十三条第二款) lowers the band by a number of levels per ground;
4. constraints — D situations (第六条), never-A caps (第七条), the C→A and accident locks
   (第十三条第一款第四、五句) — each allow no better than a level; the final level is the worst
   of the relieved band and every constraint, so caps and locks always win over relief.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import qcredit.policies.wugang.history as hist
from qcredit.core.contract import (
    Assessment,
    Disclosure,
    Figure,
    Grading,
    History,
    Level,
    Measure,
    NoticeRules,
    Reason,
    Term,
)
from qcredit.core.facts import Facts, ids
from qcredit.core.model import SubjectType
from qcredit.core.parameters import ParameterView
from qcredit.core.policy import Policy
from qcredit.policies.wugang.adjustments import (
    CODES,
    RANKS,
    Constraint,
    accident_lock,
    band_level,
    c_to_a_lock,
    caps,
    forced_d,
    reliefs,
)
from qcredit.policies.wugang.notices import WugangNotices
from qcredit.policies.wugang.publicity import disclosures
from qcredit.policies.wugang.scoring import RiskScore, risk_score, score_reasons, score_terms
from qcredit.policies.wugang.supervision import key_list_reasons, measures

BAND_LIMIT = {"A": "band_a_max", "B": "band_b_max", "C": "band_c_max"}


class WugangPolicy(Policy):
    id = "wugang"
    name = "舞钢市产品质量安全信用风险分级管理办法（试行）"
    issuer = "舞钢市市场监督管理局"
    document_no = "舞市监〔2022〕117号"
    version = "2022.117-1"
    region_codes = ("410481",)  # 舞钢市 (GB/T 2260); 第二条: 舞钢市行政区域内
    # 第十七条: 有效期二年，自2022年11月1日起实施，有效期至2024年10月30日.
    effective_from = date(2022, 11, 1)
    effective_until = date(2024, 10, 30)
    # 第六条 speaks of enterprises (企业) graded by the system; products are not graded.
    subject_types = frozenset({SubjectType.ENTERPRISE})
    # Colours are not in the text (local default): green / blue / yellow / red from low to high.
    levels = (
        Level(
            "A",
            "信用风险低",
            1,
            "green",
            "企业产品质量安全管理规范严格，处于行业领先水平（第六条）",
        ),
        Level("B", "信用风险一般", 2, "blue", "企业产品质量安全管理良好，整体稳定可控（第六条）"),
        Level(
            "C",
            "信用风险较高",
            3,
            "yellow",
            "企业产品质量安全管理体系基本健全，需要改进提升（第六条）",
        ),
        Level(
            "D",
            "信用风险高",
            4,
            "red",
            "企业产品质量安全管控较差，问题隐患较多，存在被依法责令改正并处罚款以及近3年发生过"
            "产品质量事故，可能导致重大和特别重大事故等情形（第六条）",
        ),
    )
    parameters_file = Path(__file__).with_name("parameters.toml")

    def out_of_scope(self, facts: Facts, params: ParameterView) -> str | None:
        # 第二条 covers every market subject producing or selling products in 舞钢市; the text
        # draws no further exclusion, so region and subject type (base rule) are all there is.
        return super().out_of_scope(facts, params)

    def history_dates(self, facts: Facts, params: ParameterView) -> Sequence[date]:
        return hist.checkpoints(facts, params, self.effective_from)

    def grade(self, facts: Facts, history: History, params: ParameterView) -> Grading:
        risk = risk_score(facts, params)
        band = band_level(risk.score, params)
        relief = reliefs(facts, params)
        relieved = max(1, RANKS[band] - params["relief_levels_per_ground"] * len(relief))
        score_rule = Constraint(relieved, self._band_reason(risk, band, relieved, params))
        constraints = [
            score_rule,
            *forced_d(facts, params),
            *caps(facts, history, params),
            *c_to_a_lock(facts, history, params),
            *accident_lock(facts, history, params),
        ]
        final = max(c.best_rank for c in constraints)
        key_list = key_list_reasons(facts, params)
        reasons = [
            *score_reasons(risk, params),
            score_rule.reason,
            *relief,
            *(c.reason for c in constraints[1:]),
            *key_list,
        ]
        blockers = [
            self._score_blocker(risk, final, len(relief), params) if c is score_rule else c.reason
            for c in constraints
            if final > 1 and c.best_rank >= final
        ]
        start, end = hist.evaluation_calendar(params).period_of(facts.as_of)
        return Grading(
            level=CODES[final],
            score=risk.score,
            reasons=tuple(reasons),
            blockers=tuple(blockers),
            details={
                "creditPoints": risk.credit_points,
                "qualityPoints": risk.quality_points,
                "band": band,
                "reliefLevels": RANKS[band] - relieved,
                "keyInspectionList": bool(key_list),
                "evaluationPeriod": [start.isoformat(), end.isoformat()],
                "scoreTerms": [t.record() for t in score_terms(risk, params)],
            },
        )

    @staticmethod
    def _band_reason(risk: RiskScore, band: str, relieved: int, params: ParameterView) -> Reason:
        text = f"风险分{risk.score:g}分（百分制，分值越高风险越高），对应{band}级"
        if RANKS[band] != relieved:
            text += f"；依第十三条第二款下调后为{CODES[relieved]}级"
        return Reason("band.score", "第六条", text, ids(risk.contributing()))

    @staticmethod
    def _score_blocker(
        risk: RiskScore, final: int, relief_levels: int, params: ParameterView
    ) -> Reason:
        target = CODES[final - 1]
        # The band that, after relief, would reach the next better level.
        needed = CODES[min(4, final - 1 + relief_levels * params["relief_levels_per_ground"])]
        limit = params[BAND_LIMIT[needed]] if needed in BAND_LIMIT else params["score_max"]
        return Reason(
            "band.score",
            "第六条",
            f"风险分{risk.score:g}分；须降至{limit:g}分以下方可调整至{target}级"
            "（消除隐患并经整改确认，或减少失信违法行为）",
            ids(risk.contributing()),
        )

    def supervision(
        self, grading: Grading, facts: Facts, params: ParameterView
    ) -> Sequence[Measure]:
        return measures(grading, facts, params)

    def publicity(
        self, grading: Grading, facts: Facts, params: ParameterView
    ) -> Sequence[Disclosure]:
        return disclosures(grading)

    def figures(self, assessment: Assessment) -> Sequence[Figure]:
        """The two parts of the 100-point risk score (第五条, 第六条)."""
        d = assessment.details
        if "creditPoints" not in d:
            return ()
        return (
            Figure("creditPoints", "综合信用评级风险分值", float(d["creditPoints"]), "第六条"),
            Figure("qualityPoints", "产品质量指标风险分值", float(d["qualityPoints"]), "第五条"),
        )

    def explanation(self, assessment: Assessment) -> Figure | None:
        """The 100-point risk score (第六条) term by term: the credit rating (第六条) and each
        第五条 indicator, with the parameter that fixes its points."""
        d = assessment.details
        if "scoreTerms" not in d or assessment.score is None:
            return None
        terms = tuple(Term.of_record(t) for t in d["scoreTerms"])
        return Figure(
            "riskScore", "产品质量安全信用风险分值", assessment.score, "第六条", terms=terms
        )

    def notice_rules(self) -> NoticeRules:
        """Warnings on grade changes (notices.py; docs/warnings.md)."""
        return WugangNotices(self)
