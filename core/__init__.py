"""qcredit core: domain model, event ledger, storage, grading engine and the plug-in contract.

Nothing in this package names a jurisdiction; policies arrive through the ``qcredit.policies``
entry-point group (see :mod:`qcredit.core.hookspecs`).
"""
