"""四（三）: risk warning or yellow card (黄牌警告) for C-level enterprises at greater risk.

The text: "加强质量失信企业风险分析，对风险较大的企业进行预警或黄牌警告".  It names no criteria
for "风险较大" beyond the C grade itself, so the yellow card is issued when an enterprise *enters*
C (失信) — from A or B, on its first grading, or coming back from D — citing the WARNING measure
the C grade carries (measures.py).  Entering D is 严重失信, dealt with by the blacklist of 四（四）,
not by a warning.  Local default; a deployment with a risk analysis of its own adds rules through
another ``qcredit_notice_rules`` implementation.
"""

from __future__ import annotations

from collections.abc import Sequence

from qcredit.core.contract import (
    Assessment,
    GradeChange,
    MeasureKind,
    NoticeDraft,
    NoticeKind,
    NoticeRules,
)
from qcredit.core.parameters import ParameterView

YELLOW_CARD_LEVEL = "C"


class JiamusiNotices(NoticeRules):
    def on_change(
        self, change: GradeChange, assessment: Assessment | None, params: ParameterView
    ) -> Sequence[NoticeDraft]:
        if assessment is None or change.current != YELLOW_CARD_LEVEL:
            return ()
        warning = next((m for m in assessment.supervision if m.kind == MeasureKind.WARNING), None)
        article = warning.article if warning else "四（三）"
        return [
            NoticeDraft(
                NoticeKind.SUBJECT_WARNING,
                "黄牌警告：企业被评为失信（C级），列入监管重点；"
                + (warning.text if warning else "对风险较大的企业进行预警或黄牌警告"),
                article,
                "yellow",
            )
        ]
