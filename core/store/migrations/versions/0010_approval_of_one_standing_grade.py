"""disclosure_requests.grade_change_id: an approval publishes the standing grade it was given for

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

A request made before this migration is tied to the latest change to its level recorded before
it was made; if the grade has changed since, its approval lapses, as it should have.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_grade_changes_subject",
        "grade_changes",
        ["policy_id", "subject_type", "subject_id", "id"],
        unique=False,
    )
    with op.batch_alter_table("disclosure_requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "grade_change_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.create_foreign_key(
            "fk_disclosure_requests_grade_change_id", "grade_changes", ["grade_change_id"], ["id"]
        )
    op.execute(
        """
        UPDATE disclosure_requests SET grade_change_id = (
            SELECT max(g.id) FROM grade_changes AS g
            WHERE g.policy_id = disclosure_requests.policy_id
              AND g.subject_type = disclosure_requests.subject_type
              AND g.subject_id = disclosure_requests.subject_id
              AND g."current" = disclosure_requests.level
              AND g.at <= disclosure_requests.requested_at
        )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("disclosure_requests", schema=None) as batch_op:
        batch_op.drop_constraint("fk_disclosure_requests_grade_change_id", type_="foreignkey")
        batch_op.drop_column("grade_change_id")
    op.drop_index("ix_grade_changes_subject", table_name="grade_changes")
