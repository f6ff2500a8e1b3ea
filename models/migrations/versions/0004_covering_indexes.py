"""Indexes that cover the indicator queries (models/indicators.py): each IKU figure is answered from an
index alone, without reading table rows.

IKU-1 filters on (kind, enacted_on) and counts published_on; IKU-2 filters on (kind, proposed_on) and
counts enacted_on; IKU-3 filters and counts on (started_on, resolved_on). Each replaces the index it extends.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_product_kind_enacted_published", "product", ["kind", "enacted_on", "published_on"])
    op.create_index("ix_product_kind_proposed_enacted", "product", ["kind", "proposed_on", "enacted_on"])
    op.create_index("ix_legal_case_started_resolved", "legal_case", ["started_on", "resolved_on"])
    op.drop_index("ix_product_kind_enacted", table_name="product")
    op.drop_index("ix_product_kind_proposed", table_name="product")
    op.drop_index("ix_legal_case_started_on", table_name="legal_case")


def downgrade() -> None:
    op.create_index("ix_legal_case_started_on", "legal_case", ["started_on"])
    op.create_index("ix_product_kind_proposed", "product", ["kind", "proposed_on"])
    op.create_index("ix_product_kind_enacted", "product", ["kind", "enacted_on"])
    op.drop_index("ix_legal_case_started_resolved", table_name="legal_case")
    op.drop_index("ix_product_kind_proposed_enacted", table_name="product")
    op.drop_index("ix_product_kind_enacted_published", table_name="product")
