"""The numbers of each product's title, stored and indexed (issue 13): the duplicate-title check before
every proposal reads only the titles with the same numbers, instead of every title of the year.

Existing rows are filled here, from their titles; afterwards every write of a product derives the column
(models/tables.py `title_numbers`).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("product", sa.Column("title_numbers", sa.Text(), nullable=True))
    bind = op.get_bind()
    product = sa.table("product", sa.column("id", sa.Integer()), sa.column("title", sa.Text()))
    rows = bind.execute(sa.select(product.c.id, product.c.title)).all()
    numbers = sa.table("product", sa.column("id", sa.Integer()), sa.column("title_numbers", sa.Text()))
    update = sa.update(numbers).where(numbers.c.id == sa.bindparam("b_id")).values(title_numbers=sa.bindparam("b_n"))
    for start in range(0, len(rows), 1000):
        batch = rows[start : start + 1000]
        bind.execute(
            update, [{"b_id": pid, "b_n": " ".join(re.findall(r"[0-9]+", title or ""))} for pid, title in batch]
        )
    op.create_index("ix_product_title_numbers", "product", ["title_numbers", "proposed_on"])


def downgrade() -> None:
    op.drop_index("ix_product_title_numbers", table_name="product")
    op.drop_column("product", "title_numbers")
