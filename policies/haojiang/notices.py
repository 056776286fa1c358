"""三（二）2–4: the coloured notices to the operator when a subject enters category B, C or D.

B: "向相关经营者发出黄色监管提示"（三（二）2（1））;
C: "对经营者发出橙色监管警示"（三（二）3（1））;
D: "对经营者发出红色监管警示"（三（二）4（1））.
The notice is issued when the subject *enters* the category (its grade changes to it, including a
first grading); the text and article are those of the WARNING measure the grade carries
(supervision.py), so the notice says exactly what the assessment says.  Products and operators are
graded apart (二（二）); a notice about a product goes to the operator of that product.
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

WARNED_CATEGORIES = ("B", "C", "D")


class HaojiangNotices(NoticeRules):
    def on_change(
        self, change: GradeChange, assessment: Assessment | None, params: ParameterView
    ) -> Sequence[NoticeDraft]:
        if assessment is None or change.current not in WARNED_CATEGORIES:
            return ()
        return [
            NoticeDraft(NoticeKind.SUBJECT_WARNING, m.text, m.article, m.color)
            for m in assessment.supervision
            if m.kind == MeasureKind.WARNING and m.color
        ]
