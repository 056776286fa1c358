"""Deprecated import path, kept for one release (removed in 0.3).

Plug-ins written for 0.1 imported PlanRule from here.  The plug-in contract's value types
now live in :mod:`qcredit.core.contract`; the implementation moved to
:mod:`qcredit.core.supervision.plans`.
"""

import warnings

from qcredit.core.contract import PlanRule

warnings.warn(
    "qcredit.core.planning is deprecated: import PlanRule from qcredit.core.contract",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["PlanRule"]
