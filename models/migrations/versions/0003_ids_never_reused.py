"""Ids of products, cases, audit entries and digest deliveries are never handed out twice.

SQLite without AUTOINCREMENT gives a new row max(id) + 1, so deleting the newest row (undoing a proposal)
hands its id to the next one, and `/riwayat produk N` or an open dialogue that had picked #N would mix two
records. SQLite tables are rebuilt with AUTOINCREMENT; on both databases the id counter is then raised to
the highest id ever used, including ids that now live only in the audit trail.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# table -> the audit trail's entity name for its rows (None: not audited by id)
TABLES = {"product": "product", "legal_case": "case", "audit_log": None, "digest_delivery": None}


def upgrade() -> None:
    bind = op.get_bind()
    for table, entity in TABLES.items():
        if bind.dialect.name == "sqlite":
            with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
                pass
        _never_below(bind, table, _highest_used(bind, table, entity))


def downgrade() -> None:
    # A PostgreSQL sequence never went backwards; only SQLite's tables change back.
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": False}):
            pass


def _highest_used(bind: sa.Connection, table: str, entity: str | None) -> int:
    highest = int(bind.execute(sa.text(f"SELECT MAX(id) FROM {table}")).scalar() or 0)
    if entity is not None:
        audited = bind.execute(sa.text("SELECT DISTINCT entity_id FROM audit_log WHERE entity = :e"), {"e": entity})
        highest = max([highest, *(int(v) for v in audited.scalars() if v.isascii() and v.isdigit())])
    return highest


def _never_below(bind: sa.Connection, table: str, highest: int) -> None:
    """Make the next id of `table` greater than `highest`."""
    if highest <= 0:
        return
    if bind.dialect.name == "sqlite":
        seq = bind.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table}).scalar()
        if seq is None:
            bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :n)"), {"t": table, "n": highest})
        elif seq < highest:
            bind.execute(sa.text("UPDATE sqlite_sequence SET seq = :n WHERE name = :t"), {"t": table, "n": highest})
        return
    sequence = bind.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar()
    if sequence is None:
        return
    last, called = bind.execute(sa.text(f"SELECT last_value, is_called FROM {sequence}")).one()
    if (last if called else last - 1) < highest:
        bind.execute(sa.text("SELECT setval(:s, :n, true)"), {"s": sequence, "n": highest})
