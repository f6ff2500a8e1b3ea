"""Records as the subsections keep them (issue 11): promulgation and legal status of products, case details,
levels and hearings, holidays, private reminders.

Every new column is nullable or has a server default, so existing rows need no data step: a case already
stored is at the first level, a member already stored gets reminders.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# SQLite tables were rebuilt with AUTOINCREMENT in 0003; the new ones get it from the start.
NEVER_REUSED = {"sqlite_autoincrement": True}


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("member", sa.Column("reminders", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("member", sa.Column("unreachable_at", _utc(), nullable=True))

    op.add_column("product", sa.Column("promulgated_on", sa.Date(), nullable=True))
    op.add_column("product", sa.Column("promulgation_number", sa.Integer(), nullable=True))
    op.add_column("product", sa.Column("promulgation_year", sa.Integer(), nullable=True))
    op.create_index(
        "uq_product_promulgation", "product", ["kind", "promulgation_year", "promulgation_number"], unique=True
    )

    op.add_column("legal_case", sa.Column("court", sa.Text(), nullable=True))
    op.add_column("legal_case", sa.Column("position", sa.String(length=32), nullable=True))
    op.add_column("legal_case", sa.Column("case_type", sa.String(length=32), nullable=True))
    op.add_column("legal_case", sa.Column("level", sa.String(length=16), nullable=False, server_default="pertama"))
    op.add_column("legal_case", sa.Column("result", sa.String(length=16), nullable=True))
    op.add_column("legal_case", sa.Column("final_on", sa.Date(), nullable=True))

    op.create_table(
        "product_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("product.id"), nullable=False),
        sa.Column("by_id", sa.Integer(), sa.ForeignKey("product.id"), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.UniqueConstraint("product_id", "by_id", name="uq_product_link"),
        **NEVER_REUSED,
    )
    op.create_index("ix_product_link_product_id", "product_link", ["product_id"])
    op.create_index("ix_product_link_by_id", "product_link", ["by_id"])

    op.create_table(
        "case_stage",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("legal_case.id"), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("register_number", sa.String(length=100), nullable=True),
        sa.Column("register_key", sa.String(length=100), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        **NEVER_REUSED,
    )
    op.create_index("ix_case_stage_case_id", "case_stage", ["case_id"])
    op.create_index("ix_case_stage_register_key", "case_stage", ["register_key"], unique=True)

    op.create_table(
        "hearing",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("legal_case.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("time_of_day", sa.String(length=5), nullable=True),
        sa.Column("agenda", sa.Text(), nullable=False, server_default=""),
        sa.Column("cancelled_at", _utc(), nullable=True),
        sa.Column("cancel_reason", sa.String(length=16), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        **NEVER_REUSED,
    )
    op.create_index("ix_hearing_case_id", "hearing", ["case_id"])
    op.create_index("ix_hearing_day", "hearing", ["day", "time_of_day"])

    op.create_table(
        "holiday",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
    )

    op.create_table(
        "reminder_delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("claimed_at", _utc(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("sent_at", _utc(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.UniqueConstraint("kind", "subject_id", "user_id", "day", name="uq_reminder"),
        **NEVER_REUSED,
    )
    op.create_index("ix_reminder_delivery_user_id", "reminder_delivery", ["user_id"])


def downgrade() -> None:
    op.drop_table("reminder_delivery")
    op.drop_table("holiday")
    op.drop_table("hearing")
    op.drop_table("case_stage")
    op.drop_table("product_link")
    with op.batch_alter_table("legal_case", table_kwargs=NEVER_REUSED) as batch:
        for column in ("final_on", "result", "level", "case_type", "position", "court"):
            batch.drop_column(column)
    op.drop_index("uq_product_promulgation", table_name="product")
    with op.batch_alter_table("product", table_kwargs=NEVER_REUSED) as batch:
        for column in ("promulgation_year", "promulgation_number", "promulgated_on"):
            batch.drop_column(column)
    with op.batch_alter_table("member") as batch:
        batch.drop_column("unreachable_at")
        batch.drop_column("reminders")
