"""The highest id given in users, answers and interviews, so that SQLite never gives one twice

SQLite gives a new row the highest id in its table plus one: after the newest answer was
deleted, the next answer took its id, and old links to the deleted answer opened the new one.
The first row inserted after this migration starts from the table's highest id, as before; from
then on ``storage.models.IdMark`` keeps the highest id ever given.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("id_marks",
                    sa.Column("name", sa.String(length=40), nullable=False),
                    sa.Column("last", sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint("name"))


def downgrade() -> None:
    op.drop_table("id_marks")
