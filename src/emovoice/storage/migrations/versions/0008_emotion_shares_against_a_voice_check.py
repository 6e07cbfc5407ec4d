"""Emotion shares are comparison figures only for answers heard against the speaker's voice check

Answers heard against the training actors' voices had their emotion shares counted beside
everyone else's; they are not a reading of the speaker. Every answer is taken out of the
comparison aggregates here and counted again, with the rule of
``analysis.figures.headline_figures``, by ``storage.comparison.backfill`` when the app starts
(it reads each stored report).

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("figure_bins", "figure_totals", "scope_members", "scope_counts"):
        op.execute(f"DELETE FROM {table}")
    op.execute("UPDATE answers SET counted_scopes = NULL, figures_json = NULL")


def downgrade() -> None:
    # the same reset: the code of the older revision counts the answers again by its own rule
    upgrade()
