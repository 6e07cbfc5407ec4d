"""Voice checks: each user's recording of their everyday voice and the baseline made from it

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("voice_checks",
                    sa.Column("user_id", sa.Integer(), nullable=False),
                    sa.Column("created_at", sa.DateTime(), nullable=False),
                    sa.Column("duration_s", sa.Float(), nullable=False),
                    sa.Column("speech_s", sa.Float(), nullable=False),
                    sa.Column("level_dbfs", sa.Float(), nullable=False),
                    sa.Column("baseline_json", sa.Text(), nullable=False),
                    sa.Column("content_type", sa.String(length=100), nullable=False),
                    sa.Column("filename", sa.String(length=255), nullable=False),
                    sa.Column("audio", sa.LargeBinary(), nullable=False),
                    sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
                    sa.PrimaryKeyConstraint("user_id"))
    # Lists show an answer's emotion only where it was heard against the user's own voice check:
    # every answer analysed before voice checks existed was heard against the actors' voices.
    op.execute("UPDATE answers SET emotion = NULL")


def downgrade() -> None:
    op.drop_table("voice_checks")
