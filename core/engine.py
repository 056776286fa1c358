"""Deprecated import path, kept for one release (removed in 0.3).

Plug-ins written for 0.1 imported GradeChange from here.  The plug-in contract's value types
now live in :mod:`qcredit.core.contract`; the implementation moved to
:mod:`qcredit.core.grading.engine`.
"""

import warnings

from qcredit.core.contract import GradeChange

warnings.warn(
    "qcredit.core.engine is deprecated: import GradeChange from qcredit.core.contract",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["GradeChange"]
