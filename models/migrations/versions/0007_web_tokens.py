"""The dashboard's one-time links and browser sessions (issue 14), stored as hashes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_token",
        sa.Column("token_hash", sa.String(length=64), primary_key=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_web_token_user_id", "web_token", ["user_id"])
    op.create_index("ix_web_token_expires_at", "web_token", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_web_token_expires_at", table_name="web_token")
    op.drop_index("ix_web_token_user_id", table_name="web_token")
    op.drop_table("web_token")
