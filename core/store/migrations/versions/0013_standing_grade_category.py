"""standing_grades.category: a product's category on its standing grade, for regional tallies

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04

A scope notice (a regional or an industry warning) re-counts the standing grades of every region
a grade change touched, per level and product category.  The count joined every standing grade
of a city to its product for the category: ~40 ms for a city of 40,000 subjects, on every grade
change there.  A product's category never changes once recorded, so the standing grade carries
it (as it carries the region code), and the tally reads one index (policy, region, category,
level) without visiting the table.  Filled here from the products already graded.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("standing_grades", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=64), nullable=True))
    op.execute(
        """
        UPDATE standing_grades SET category = (
            SELECT p.category FROM products AS p WHERE p.id = standing_grades.subject_id
        )
        WHERE subject_type = 'PRODUCT'
        """
    )
    op.create_index(
        "ix_standing_tally",
        "standing_grades",
        ["policy_id", "region_code", "category", "level"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_standing_tally", table_name="standing_grades")
    with op.batch_alter_table("standing_grades", schema=None) as batch_op:
        batch_op.drop_column("category")
