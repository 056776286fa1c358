"""Grading: the pure assessment of one subject, the engine that keeps assessments, whole runs and
the work queue, regional maps and the what-if simulator.

``from qcredit.core.grading import Assessment, Subject, assess`` keeps working (0.1's path).
"""

from qcredit.core.contract import Assessment
from qcredit.core.grading.assess import Subject, assess

__all__ = ["Assessment", "Subject", "assess"]
