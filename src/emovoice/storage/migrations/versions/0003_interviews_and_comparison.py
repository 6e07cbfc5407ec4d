"""Mock interviews, each answer's headline figures, and the comparison aggregates

Revision ID: 0003
Revises: 0002

Answers analysed before this migration get their figures and are counted in the aggregates
by ``storage.comparison.backfill`` when the app starts.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("figure_bins",
                    sa.Column("scope", sa.String(length=60), nullable=False),
                    sa.Column("figure", sa.String(length=40), nullable=False),
                    sa.Column("bin", sa.Integer(), nullable=False),
                    sa.Column("count", sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint("scope", "figure", "bin"))
    op.create_table("figure_totals",
                    sa.Column("scope", sa.String(length=60), nullable=False),
                    sa.Column("figure", sa.String(length=40), nullable=False),
                    sa.Column("n", sa.Integer(), nullable=False),
                    sa.Column("total", sa.Float(), nullable=False),
                    sa.PrimaryKeyConstraint("scope", "figure"))
    op.create_table("interviews",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("user_id", sa.Integer(), nullable=False),
                    sa.Column("created_at", sa.DateTime(), nullable=False),
                    sa.Column("category", sa.String(length=40), nullable=True),
                    sa.Column("time_limit_s", sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
                    sa.PrimaryKeyConstraint("id"))
    op.create_index("ix_interviews_user_id", "interviews", ["user_id"])
    op.create_table("scope_members",
                    sa.Column("scope", sa.String(length=60), nullable=False),
                    sa.Column("user_id", sa.Integer(), nullable=False),
                    sa.Column("answers", sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
                    sa.PrimaryKeyConstraint("scope", "user_id"))
    op.create_table("interview_questions",
                    sa.Column("interview_id", sa.Integer(), nullable=False),
                    sa.Column("position", sa.Integer(), nullable=False),
                    sa.Column("question_id", sa.Integer(), nullable=True),
                    sa.ForeignKeyConstraint(["interview_id"], ["interviews.id"], ondelete="CASCADE"),
                    sa.ForeignKeyConstraint(["question_id"], ["questions.id"], ondelete="SET NULL"),
                    sa.PrimaryKeyConstraint("interview_id", "position"))
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("figures_json", sa.Text(), nullable=True))
        batch.add_column(sa.Column("counted_scopes", sa.Text(), nullable=True))
        batch.add_column(sa.Column("interview_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("position", sa.Integer(), nullable=True))
        batch.create_index("ix_answers_interview_id", ["interview_id"])
        batch.create_foreign_key("fk_answers_interview_id", "interviews", ["interview_id"], ["id"],
                                 ondelete="CASCADE")


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_constraint("fk_answers_interview_id", type_="foreignkey")
        batch.drop_index("ix_answers_interview_id")
        for column in ("position", "interview_id", "counted_scopes", "figures_json"):
            batch.drop_column(column)
    for table in ("interview_questions", "scope_members", "interviews", "figure_totals", "figure_bins"):
        op.drop_table(table)
