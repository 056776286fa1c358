"""Policy plug-ins shipped with qcredit; each registers through the ``qcredit.policies`` entry-point group."""
