"""access control, disclosure, feed, audit

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:35:16.221774
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column(
            "detail", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_action", ["action", "at"], unique=False)
        batch_op.create_index("ix_audit_at", ["at"], unique=False)

    op.create_table(
        "tokens",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("regions", sa.String(length=512), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("enterprise_code", sa.String(length=18), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "disclosure_requests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "enterprise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("region_code", sa.String(length=9), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewer", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("disclosure_requests", schema=None) as batch_op:
        batch_op.create_index("ix_disclosure_state", ["state", "region_code"], unique=False)
        batch_op.create_index(
            "ix_disclosure_subject",
            ["policy_id", "subject_type", "subject_id", "state"],
            unique=False,
        )

    op.create_table(
        "grade_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "enterprise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("region_code", sa.String(length=9), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("previous", sa.String(length=16), nullable=True),
        sa.Column("current", sa.String(length=16), nullable=True),
        sa.Column("open_to", sa.String(length=80), nullable=False),
        sa.Column("review_to", sa.String(length=80), nullable=False),
        sa.Column("previous_open_to", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("grade_changes", schema=None) as batch_op:
        batch_op.create_index("ix_grade_changes_policy", ["policy_id", "id"], unique=False)

    with op.batch_alter_table("standing_grades", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("open_to", sa.String(length=80), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("review_to", sa.String(length=80), nullable=False, server_default="")
        )


def downgrade() -> None:

    with op.batch_alter_table("standing_grades", schema=None) as batch_op:
        batch_op.drop_column("review_to")
        batch_op.drop_column("open_to")

    with op.batch_alter_table("grade_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_grade_changes_policy")

    op.drop_table("grade_changes")
    with op.batch_alter_table("disclosure_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_disclosure_subject")
        batch_op.drop_index("ix_disclosure_state")

    op.drop_table("disclosure_requests")
    op.drop_table("tokens")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_at")
        batch_op.drop_index("ix_audit_action")

    op.drop_table("audit_log")
