"""A sentence is not scored, and the sentiment figure is the words' where the voice is not named

Two rules of ``analysis.figures.headline_figures`` changed: an answer with less speech than
``thresholds.SCORED_ANSWER_MIN_SPEECH_S`` has no headline figures (it is not compared, averaged,
ranked or put in trends), and the sentiment figure is the words' score alone unless the report
names the voice's tone. Every answer is taken out of the comparison aggregates here and counted
again, with the new rules, by ``storage.comparison.backfill`` when the app starts (it reads each
stored report), as in 0008.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("figure_bins", "figure_totals", "scope_members", "scope_counts"):
        op.execute(f"DELETE FROM {table}")
    op.execute("UPDATE answers SET counted_scopes = NULL, figures_json = NULL")


def downgrade() -> None:
    # the same reset: the code of the older revision counts the answers again by its own rule
    upgrade()
