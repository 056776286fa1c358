"""新疆生产建设兵团: credit-risk levels A–D of production-licence holders (修订后 第二–十九条)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from qcredit.core.contract import (
    Assessment,
    Disclosure,
    Figure,
    Grading,
    History,
    Measure,
    PolicyVersion,
    Reason,
    Term,
)
from qcredit.core.facts import Fact, Facts, ids
from qcredit.core.parameters import ParameterSet, ParameterView
from qcredit.core.policy import Policy
from qcredit.policies.bingtuan.conditions import a_conditions, b_conditions, recent_penalties
from qcredit.policies.bingtuan.evaluation import Evaluation, evaluation
from qcredit.policies.bingtuan.exclusions import exclusion_reasons, listings
from qcredit.policies.bingtuan.licences import valid_licences
from qcredit.policies.bingtuan.measures import disclosures, supervision
from qcredit.policies.bingtuan.metadata import DIVISION_CITIES, ENTERPRISES, LEVELS
from qcredit.policies.bingtuan.scoring import Deduction, deductions, reasons, score, score_terms
from qcredit.policies.bingtuan.trial import BingtuanTrialRules
from qcredit.policies.bingtuan.versions import CHANGES, REVISED_LABEL, TRIAL, TRIAL_LABEL


class BingtuanPolicy(Policy):
    id = "bingtuan"
    name = "新疆生产建设兵团重点工业产品生产许可证获证企业信用风险分级分类监管办法"
    issuer = "新疆生产建设兵团市场监督管理局"
    document_no = ""  # the revision table carries no 文号
    version = "revised-1"
    version_label = REVISED_LABEL
    region_codes = DIVISION_CITIES
    region_article = "第二条"  # 兵团各级市场监督管理部门 grade enterprises registered in the Corps
    # 第二十三条: "本方案自发布之日起实施" — the publication date is not in the text, so no start
    # date can be stated (None: the engine treats it as open); the revision dropped the 2-year
    # trial period, so there is no end date either.
    effective_from = None
    effective_until = None
    subject_types = ENTERPRISES
    levels = LEVELS
    parameters_file = Path(__file__).with_name("parameters.toml")

    def __init__(self, parameters: ParameterSet | None = None) -> None:
        super().__init__(parameters)
        self._trial = BingtuanTrialRules(self)

    # -- the two versions of the text (versions.py) --------------------------------------------
    def versions(self) -> Sequence[PolicyVersion]:
        revised_from: date = self.parameters.get("revision_effective_from", date.max).value
        why = "本地默认：对照表未载明日期（revision_effective_from）"
        return (
            PolicyVersion(TRIAL, TRIAL_LABEL, None, revised_from - timedelta(days=1), why),
            PolicyVersion(self.version, REVISED_LABEL, revised_from, None, why, CHANGES),
        )

    def rules_on(self, on: date) -> Policy:
        if on < self.parameters.get("revision_effective_from", on).value:
            self._trial.parameters = self.parameters  # overrides reach both versions
            return self._trial
        return self

    def out_of_scope(self, facts: Facts, params: ParameterView) -> str | None:
        reason = super().out_of_scope(facts, params)
        if reason is not None:
            return reason
        if not valid_licences(facts):
            return (
                "非重点工业产品生产许可证获证企业：评价日无有效的工业产品生产许可证（第二条、第三条）"
                " / not a holder of a valid industrial-product production licence on this date"
            )
        return None

    def grade(self, facts: Facts, history: History, params: ParameterView) -> Grading:
        ev = evaluation(facts.as_of, params)
        found = deductions(facts, ev, params)
        points = score(found, params)
        a_fail = a_conditions(facts, ev, params)
        b_fail = b_conditions(facts, ev, params)
        serious = self._serious(facts, ev, params)
        base = [*self._scope(facts), *reasons(found), *exclusion_reasons(facts, ev, params)]
        details = self._details(facts, ev, params, found, points)
        a_min, b_min, c_min = params["a_min_score"], params["b_min_score"], params["c_min_score"]

        if points < c_min or serious:
            why = list(serious)
            if points < c_min:
                why.insert(
                    0,
                    Reason(
                        "d.score_below",
                        "第九条",
                        f"得分{points:g}，低于{c_min}分（C、D级条文未载于修订文本，D级划分为本地默认）",
                        _deduction_events(found),
                    ),
                )
            return Grading("D", points, (*base, *why), tuple(why), details)
        if points >= a_min and not a_fail:
            met = Reason(
                "a.conditions_met",
                "第十一条",
                f"得分{points:g}，达到{a_min}分（含）以上，且同时具备第十一条（二）至（九）项条件",
            )
            return Grading("A", points, (*base, met), (), details)
        if points >= b_min and not b_fail:
            met = Reason(
                "b.conditions_met",
                "第十二条",
                f"得分{points:g}，达到{b_min}分（含）以上，且同时具备第十二条（二）至（五）项条件",
            )
            blockers = list(a_fail)
            if points < a_min:
                blockers.insert(
                    0,
                    Reason(
                        "a.score",
                        "第十一条（一）",
                        f"得分{points:g}，未达到{a_min}分（含）以上",
                        _deduction_events(found),
                    ),
                )
            return Grading("B", points, (*base, met), tuple(blockers), details)
        why = []
        if points < b_min:
            why.append(
                Reason(
                    "c.score_band",
                    "第九条",
                    f"得分{points:g}，在{c_min}分（含）至{b_min}分之间（C级划分为本地默认）",
                    _deduction_events(found),
                )
            )
        if b_fail:
            why.append(
                Reason(
                    "c.b_conditions_failed",
                    "第十二条",
                    "不具备第十二条规定的B级条件，定为C级（C级条文未载于修订文本，本地默认）",
                    tuple(e for r in b_fail for e in r.events),
                )
            )
        blockers = list(b_fail)
        if points < b_min:
            blockers.insert(
                0,
                Reason(
                    "b.score",
                    "第十二条（一）",
                    f"得分{points:g}，未达到{b_min}分（含）",
                    _deduction_events(found),
                ),
            )
        return Grading("C", points, (*base, *why, *b_fail), tuple(blockers), details)

    @staticmethod
    def _scope(facts: Facts) -> list[Reason]:
        """Why the enterprise is graded (第二、三条) and why the text applies (第二十三条)."""
        held = valid_licences(facts)
        numbers = "、".join(sorted({str(f.get("licenceNo") or "未登记编号") for f in held}))
        return [
            Reason(
                "scope.licence_holder",
                "第二条、第三条",
                f"在兵团辖区登记注册并持有有效的工业产品生产许可证（{numbers}），"
                "属重点工业产品生产许可证获证企业",
                ids(held),
            ),
            Reason(
                "scope.in_force",
                "第二十三条",
                "本办法自发布之日起实施，修订后未设试行期或终止日期",
            ),
        ]

    @staticmethod
    def _serious(facts: Facts, ev: Evaluation, params: ParameterView) -> list[Reason]:
        """Local default D cases whatever the score (C and D articles are not in the text)."""
        out = []
        if listed := listings(facts, ev.end, *params["d_lists"]):
            out.append(
                Reason(
                    "d.serious_dishonesty_list",
                    "第十一条（五）",
                    "企业被列入严重违法失信名单且尚在影响期内（D级划分为本地默认）",
                    ids(listed),
                )
            )
        revoked = [
            f
            for f in recent_penalties(facts, ev, params)
            if f.get("measure") in set(params["d_penalty_measures"])
            or f.get("criminalReferral") is True
        ]
        if revoked:
            out.append(
                Reason(
                    "d.revocation_penalty",
                    "第十九条（二）",
                    "企业近1年受到吊销许可证件、吊销营业执照或移送司法机关的处理（D级划分为本地默认）",
                    ids(revoked),
                )
            )
        return out

    @staticmethod
    def _details(
        facts: Facts, ev: Evaluation, params: ParameterView, found: list[Deduction], points: float
    ) -> dict[str, Any]:
        """第十五条: the year judged and the 近1年 window (``evaluation``: in the first quarter the
        previous calendar year as a whole, else per ``grade_outside_first_quarter``)."""
        start, end = ev.window(params["recent_years"])
        return {
            "evaluationYear": ev.year,
            "annualEvaluation": ev.annual,
            "evaluationPeriod": {
                "from": f"{ev.year}-01-01",
                "to": f"{ev.year}-12-31",
            },
            "window": {"from": start.isoformat(), "to": end.isoformat()},
            "selfInspectionYear": facts.as_of.year - params["self_inspection_report_lag_years"],
            "score": points,
            "deductions": {d.dimension: d.points for d in found},
            "scoreTerms": [t.record() for t in score_terms(found, params)],
            "licences": sorted({str(f.get("licenceNo") or "") for f in valid_licences(facts)}),
        }

    def figures(self, assessment: Assessment) -> Sequence[Figure]:
        """第十五条: the year this grade evaluates, and whether it is the annual evaluation."""
        d = assessment.details
        if "evaluationYear" not in d:
            return ()
        kind = "年度评价" if d["annualEvaluation"] else "动态调整"
        return (
            Figure(
                "evaluationYear",
                "评价年度",
                int(d["evaluationYear"]),
                "第十五条",
                f"{d['evaluationYear']}年度（{kind}）",
            ),
        )

    def explanation(self, assessment: Assessment) -> Figure | None:
        """The 100-point score over the 8 dimensions of 第六条: the full score less each
        dimension's deduction, with the events behind it."""
        d = assessment.details
        if "scoreTerms" not in d or assessment.score is None:
            return None
        terms = tuple(Term.of_record(t) for t in d["scoreTerms"])
        return Figure("score", "评价得分", assessment.score, "第六条", terms=terms)

    def supervision(
        self, grading: Grading, facts: Facts, params: ParameterView
    ) -> Sequence[Measure]:
        return supervision(grading.level, params)

    def publicity(
        self, grading: Grading, facts: Facts, params: ParameterView
    ) -> Sequence[Disclosure]:
        return disclosures(grading.level)


def _deduction_events(found: list[Deduction]) -> tuple[int, ...]:
    unique: dict[int, Fact] = {f.id: f for d in found for f in d.events}
    return ids(sorted(unique.values(), key=lambda f: (f.occurred_on, f.id)))
