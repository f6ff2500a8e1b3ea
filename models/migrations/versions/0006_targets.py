"""Targets of the indicators (issue 12): one row per year, indicator and quarter (0 for the year).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "target",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=8), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Numeric(5, 2), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("year", "indicator", "quarter", name="uq_target"),
        # Ids are never handed out twice (see 0003): undo and history find a target by its id.
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("target")
