"""events: correction_seq, unique per corrected event (one correction per state of an event)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

Existing corrections are numbered in the order the ledger folds them (recorded_at, id), so an
event corrected twice by a race before this migration keeps both corrections, numbered 1 and 2.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("correction_seq", sa.Integer(), nullable=True))
    op.execute(
        """
        UPDATE events SET correction_seq = (
            SELECT count(*) FROM events AS earlier
            WHERE earlier.corrects_id = events.corrects_id
              AND (earlier.recorded_at < events.recorded_at
                   OR (earlier.recorded_at = events.recorded_at AND earlier.id <= events.id))
        )
        WHERE corrects_id IS NOT NULL
        """
    )
    op.create_index(
        "uq_events_correction_seq", "events", ["corrects_id", "correction_seq"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_events_correction_seq", table_name="events")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("correction_seq")
