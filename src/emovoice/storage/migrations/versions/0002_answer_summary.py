"""A summary of each report on its answer (duration, emotion, pace, fillers), filled in for old answers

Revision ID: 0002
Revises: 0001
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("duration_s", sa.Float(), nullable=True))
        batch.add_column(sa.Column("emotion", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("wpm", sa.Float(), nullable=True))
        batch.add_column(sa.Column("filler_count", sa.Integer(), nullable=True))
    answers = sa.table("answers", sa.column("id", sa.Integer), sa.column("report_json", sa.Text),
                       sa.column("duration_s", sa.Float), sa.column("emotion", sa.String),
                       sa.column("wpm", sa.Float), sa.column("filler_count", sa.Integer))
    connection = op.get_bind()
    for answer_id, text in connection.execute(sa.select(answers.c.id, answers.c.report_json)
                                              .where(answers.c.report_json.is_not(None))).all():
        report = json.loads(text)
        connection.execute(answers.update().where(answers.c.id == answer_id).values(
            duration_s=report.get("duration_s"), emotion=report.get("emotion"),
            wpm=(report.get("pace") or {}).get("wpm"), filler_count=(report.get("fillers") or {}).get("count")))


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        for column in ("filler_count", "wpm", "emotion", "duration_s"):
            batch.drop_column(column)
