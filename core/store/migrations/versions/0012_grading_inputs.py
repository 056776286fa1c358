"""grading_inputs: what each enterprise's standing grades under a policy were graded from

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

A re-grade reads an enterprise's ledger, fingerprints it and skips the policies whose
fingerprint, grading key and number of standing grades are as stored.  Derived data: empty after
this migration, so the first re-grade after it grades everything once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grading_inputs",
        sa.Column("enterprise_id", sa.BigInteger(), nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("ledger_digest", sa.String(length=32), nullable=False),
        sa.Column("grading_key", sa.String(length=32), nullable=False),
        sa.Column("standing", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id", "policy_id"),
    )


def downgrade() -> None:
    op.drop_table("grading_inputs")
