"""第十五条 自动化预警, read with 第十三条 (the system raises a risk level automatically).

第十五条 asks the grading system for "大数据分析利用和自动化预警" without saying what triggers a
warning.  Decision (local default, parameter ``early_warning_levels``): an early warning is issued
when an enterprise's risk level *rises* (第十三条 "系统自动上调信用风险等级": the new level ranks
worse than the one it held, or it is graded for the first time) into one of those levels — C
(信用风险较高) or D (信用风险高).  An accident (第七条 caps, 第十三条 lock) or a failed check
reaches a warning through the level it raises; a rise A→B (信用风险一般) is not warned about, and
a fall (整改确认后自动下调) never is.  The colour is the level's.
"""

from __future__ import annotations

from collections.abc import Sequence

from qcredit.core.contract import Assessment, GradeChange, NoticeDraft, NoticeKind, NoticeRules
from qcredit.core.parameters import ParameterView
from qcredit.core.policy import Policy


class WugangNotices(NoticeRules):
    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def _rank(self, level: str | None) -> int:
        return self.policy.level(level).rank if level else 0

    def on_change(
        self, change: GradeChange, assessment: Assessment | None, params: ParameterView
    ) -> Sequence[NoticeDraft]:
        current = change.current
        if current is None or assessment is None or current not in params["early_warning_levels"]:
            return ()
        if self._rank(current) <= self._rank(change.previous):
            return ()
        level = self.policy.level(current)
        before = (
            f"由{change.previous}级（{self.policy.level(change.previous).label}）"
            if change.previous
            else "首次分级即"
        )
        score = f"（风险分{assessment.score:g}）" if assessment.score is not None else ""
        return [
            NoticeDraft(
                NoticeKind.SUBJECT_WARNING,
                f"自动化预警：企业信用风险等级{before}上调为{current}级（{level.label}）{score}，"
                "系统自动预警，请加强监管",
                "第十五条、第十三条",
                level.color,
            )
        ]
