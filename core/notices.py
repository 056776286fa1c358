"""Deprecated import path, kept for one release (removed in 0.3).

Plug-ins written for 0.1 imported NoticeDraft, NoticeKind, NoticeRules, Tally from here.  The
plug-in contract's value types now live in :mod:`qcredit.core.contract`; the implementation moved to
:mod:`qcredit.core.supervision.notices`.
"""

import warnings

from qcredit.core.contract import NoticeDraft, NoticeKind, NoticeRules, Tally

warnings.warn(
    "qcredit.core.notices is deprecated: import NoticeDraft, NoticeKind, NoticeRules and Tally "
    "from qcredit.core.contract",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["NoticeDraft", "NoticeKind", "NoticeRules", "Tally"]
