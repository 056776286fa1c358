"""Supervision: inspection plans, notices (warnings) issued on grade changes, and the live feed of
both to subscribers."""
