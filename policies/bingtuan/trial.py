"""The 修改前 (trial) version's rules: the revised rules where the table changed nothing, its own
scope, article numbers and publicity where it did (versions.py)."""

from __future__ import annotations

from collections.abc import Sequence

from qcredit.core.contract import Disclosure, Grading, History, Measure, Reason
from qcredit.core.facts import Facts, ids
from qcredit.core.parameters import ParameterView
from qcredit.core.policy import Policy
from qcredit.policies.bingtuan.licences import valid_licences
from qcredit.policies.bingtuan.metadata import DIVISION_CITIES, ENTERPRISES, LEVELS
from qcredit.policies.bingtuan.versions import (
    TRIAL,
    TRIAL_LABEL,
    key_product_scope,
    trial_disclosures,
    trial_grading,
    trial_measures,
)


class BingtuanTrialRules(Policy):
    """Graded under for dates before ``revision_effective_from``; shares the revised policy's id
    and parameters."""

    id = "bingtuan"
    name = "新疆生产建设兵团重点工业产品企业信用风险分级分类监管办法（试行）"
    issuer = "新疆生产建设兵团市场监督管理局"
    version = TRIAL
    version_label = TRIAL_LABEL
    region_codes = DIVISION_CITIES
    region_article = "第二条"
    subject_types = ENTERPRISES
    levels = LEVELS

    def __init__(self, revised: Policy) -> None:
        super().__init__(revised.parameters)
        self._revised = revised

    def out_of_scope(self, facts: Facts, params: ParameterView) -> str | None:
        reason = Policy.out_of_scope(self, facts, params)
        if reason is not None:
            return reason
        makes_listed, _ = key_product_scope(facts, params)
        if not makes_listed and not valid_licences(facts):
            return (
                "非重点工业产品企业：未生产经营《兵团重点工业产品质量安全监管目录》内产品"
                "（修改前第三条） / makes no product of the Corps' key-product catalogue"
            )
        return None

    def grade(self, facts: Facts, history: History, params: ParameterView) -> Grading:
        graded = self._revised.grade(facts, history, params)
        own = [r for r in graded.reasons if not r.rule.startswith("scope.")]
        return trial_grading(
            Grading(
                graded.level,
                graded.score,
                (*self._scope(facts, params), *own),
                graded.blockers,
                graded.details,
            )
        )

    @staticmethod
    def _scope(facts: Facts, params: ParameterView) -> list[Reason]:
        """修改前第二、三条 (who is graded) and 第二十四条 (a trial of two years)."""
        _, made = key_product_scope(facts, params)
        held = valid_licences(facts)
        what = f"生产经营目录内产品（{made}）" if made else "持有有效的工业产品生产许可证"
        return [
            Reason(
                "scope.key_product_enterprise",
                "第二条、第三条",
                f"在兵团辖区登记注册，{what}，属重点工业产品企业",
                ids(held),
            ),
            Reason("scope.in_force", "第二十四条", "本办法自发布之日起实施，试行期暂定2年"),
        ]

    def supervision(
        self, grading: Grading, facts: Facts, params: ParameterView
    ) -> Sequence[Measure]:
        return trial_measures(self._revised.supervision(grading, facts, params))

    def publicity(
        self, grading: Grading, facts: Facts, params: ParameterView
    ) -> Sequence[Disclosure]:
        return trial_disclosures()
