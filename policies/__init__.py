"""Policy plug-ins shipped with qcredit.

Each registers through the ``qcredit.policies`` entry-point group, as an outside one would.
"""
