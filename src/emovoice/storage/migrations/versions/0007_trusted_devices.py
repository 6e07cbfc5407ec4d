"""Trusted devices: failed logins counted per browser, so that strangers cannot lock a user out

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("trusted_devices",
                    sa.Column("token_hash", sa.String(length=64), nullable=False),
                    sa.Column("user_id", sa.Integer(), nullable=False),
                    sa.Column("created_at", sa.DateTime(), nullable=False),
                    sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
                    sa.PrimaryKeyConstraint("token_hash"))
    op.create_index("ix_trusted_devices_user_id", "trusted_devices", ["user_id"])
    with op.batch_alter_table("login_failures") as batch:
        batch.add_column(sa.Column("device", sa.String(length=64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("login_failures") as batch:
        batch.drop_column("device")
    op.drop_table("trusted_devices")
