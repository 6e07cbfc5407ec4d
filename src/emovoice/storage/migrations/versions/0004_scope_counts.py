"""The number of candidates per comparison group, kept up to date (no count over the members)

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("scope_counts",
                    sa.Column("scope", sa.String(length=60), nullable=False),
                    sa.Column("candidates", sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint("scope"))
    op.execute("INSERT INTO scope_counts (scope, candidates) "
               "SELECT scope, COUNT(*) FROM scope_members WHERE answers > 0 GROUP BY scope")


def downgrade() -> None:
    op.drop_table("scope_counts")
