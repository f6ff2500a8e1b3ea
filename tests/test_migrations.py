"""Alembic: a database holding data in the first schema is upgraded to the newest one and keeps every record."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, insert, inspect, select

from models.migrate import alembic_config, current, downgrade, sync_url, upgrade

ROOT = Path(__file__).resolve().parents[1]
UTC = UTC
T0 = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)

# One row per table of revision 0001, in every state a record can be in.
FIRST_SCHEMA_DATA = {
    "member": [
        {"user_id": 1001, "name": "", "role": "admin", "subsection": None, "created_at": T0, "updated_at": T0},
        # Telegram user ids exceed 32 bits.
        {
            "user_id": 7_123_456_789,
            "name": "Siti Aminah",
            "role": "staf",
            "subsection": "bankum",
            "created_at": T0,
            "updated_at": T0,
        },
    ],
    "product": [
        {
            "id": 1,
            "kind": "perwali",
            "title": "Tata Cara Pengelolaan Arsip",
            "proposed_on": date(2026, 1, 5),
            "enacted_on": date(2026, 2, 1),
            "number": 7,
            "number_year": 2026,
            "published_on": date(2026, 2, 3),
            "link": "https://jdih.probolinggokota.go.id/perwali-7-2026",
            "created_by": 1001,
            "created_at": T0,
            "updated_at": T0,
        },
        {
            "id": 2,
            "kind": "perda",
            "title": "Pajak & Retribusi <Daerah> 🚀",
            "proposed_on": date(2026, 1, 6),
            "enacted_on": date(2026, 2, 2),
            "number": 1,
            "number_year": 2026,
            "published_on": None,
            "link": None,
            "created_by": 1001,
            "created_at": T0,
            "updated_at": T0,
        },
        {
            "id": 3,
            "kind": "kepwali",
            "title": "Tim Penyusun",
            "proposed_on": date(2026, 1, 7),
            "enacted_on": None,
            "number": None,
            "number_year": None,
            "published_on": None,
            "link": None,
            "created_by": 7_123_456_789,
            "created_at": T0,
            "updated_at": T0,
        },
    ],
    "legal_case": [
        {
            "id": 1,
            "register_number": "12/Pdt.G/2026/PN Prb",
            "register_key": "12/pdt.g/2026/pnprb",
            "description": "Gugatan wanprestasi",
            "started_on": date(2025, 11, 3),
            "resolved_on": date(2026, 2, 27),
            "outcome": "Menang",
            "created_by": 7_123_456_789,
            "created_at": T0,
            "updated_at": T0,
        },
        {
            "id": 2,
            "register_number": "3/G/2026/PTUN Sby",
            "register_key": "3/g/2026/ptunsby",
            "description": "",
            "started_on": date(2026, 1, 15),
            "resolved_on": None,
            "outcome": None,
            "created_by": 1001,
            "created_at": T0,
            "updated_at": T0,
        },
    ],
    "audit_log": [
        {
            "id": 1,
            "at": T0,
            "actor_id": 1001,
            "action": "product.enact",
            "entity": "product",
            "entity_id": "1",
            "before": {"id": 1, "number": None, "title": "Tata Cara Pengelolaan Arsip"},
            "after": {"id": 1, "number": 7, "enacted_on": "2026-02-01"},
            "update_id": 5_000_000_001,
            "undone_at": None,
        },
        {
            "id": 2,
            "at": T0,
            "actor_id": 1001,
            "action": "member.seed",
            "entity": "member",
            "entity_id": "1001",
            "before": None,
            "after": {"role": "admin"},
            "update_id": None,
            "undone_at": T0,
        },
    ],
    "processed_update": [
        {"update_id": 5_000_000_001, "reply": "✅ Penetapan dicatat.", "replied": True, "at": T0},
        {"update_id": 5_000_000_002, "reply": "", "replied": False, "at": T0},
    ],
}


def _rows(engine, table_name: str) -> list[dict]:
    table = MetaData()
    table.reflect(engine, only=[table_name])
    t = table.tables[table_name]
    with engine.connect() as conn:
        rows = conn.execute(select(t).order_by(*t.primary_key.columns)).mappings().all()
    return [{k: _utc(v) for k, v in row.items()} for row in rows]


def _first_columns(rows: list[dict], like: list[dict]) -> list[dict]:
    """`rows` with only the columns the first schema had (later revisions add columns)."""
    keys = set(like[0]) if like else set()
    return [{k: v for k, v in row.items() if k in keys} for row in rows]


def _utc(value):
    # SQLite hands back naive datetimes; everything stored is UTC.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _insert_first_schema_data(engine) -> None:
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.begin() as conn:
        for table_name, rows in FIRST_SCHEMA_DATA.items():
            conn.execute(insert(metadata.tables[table_name]), rows)


def test_first_schema_with_data_upgrades_to_head_and_every_record_survives(empty_db_url):
    upgrade(empty_db_url, "0001")
    engine = create_engine(sync_url(empty_db_url))
    try:
        _insert_first_schema_data(engine)
        upgrade(empty_db_url)

        head = ScriptDirectory.from_config(alembic_config(empty_db_url)).get_current_head()
        assert current(empty_db_url) == head != "0001"
        for table_name, rows in FIRST_SCHEMA_DATA.items():
            assert _first_columns(_rows(engine, table_name), rows) == rows, table_name
        tables = set(inspect(engine).get_table_names())
        assert {"subscription", "digest_delivery", "persistence_entry"} <= tables
        # Columns added later have their defaults on old rows: a stored case is at the first level with no
        # details, a stored member gets reminders, a stored product is not promulgated yet.
        assert {r["level"] for r in _rows(engine, "legal_case")} == {"pertama"}
        assert {r["court"] for r in _rows(engine, "legal_case")} == {None}
        assert {bool(r["reminders"]) for r in _rows(engine, "member")} == {True}
        assert {r["promulgated_on"] for r in _rows(engine, "product")} == {None}
        assert {"product_link", "case_stage", "hearing", "holiday", "reminder_delivery"} <= tables
    finally:
        engine.dispose()


def test_downgrade_to_the_first_schema_keeps_its_records(empty_db_url):
    upgrade(empty_db_url, "0001")
    engine = create_engine(sync_url(empty_db_url))
    try:
        _insert_first_schema_data(engine)
        upgrade(empty_db_url)
        downgrade(empty_db_url, "0001")
        assert current(empty_db_url) == "0001"
        for table_name, rows in FIRST_SCHEMA_DATA.items():
            assert _rows(engine, table_name) == rows, table_name
        upgrade(empty_db_url)
        assert _first_columns(_rows(engine, "product"), FIRST_SCHEMA_DATA["product"]) == FIRST_SCHEMA_DATA["product"]
    finally:
        engine.dispose()


def test_db_upgrade_command_creates_the_schema(empty_db_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": empty_db_url, "TELEGRAM_BOT_TOKEN": ""}
    run = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    head = ScriptDirectory.from_config(alembic_config(empty_db_url)).get_current_head()
    assert f"database is at revision {head}" in run.stdout
    again = subprocess.run(
        [sys.executable, "-m", "bot", "db", "current"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert again.stdout.strip() == head


def test_upgrade_makes_ids_never_come_back_even_those_only_the_audit_trail_remembers(empty_db_url):
    """Issue 9, defect 11: before 0003, SQLite handed the id of a deleted newest row to the next row."""
    upgrade(empty_db_url, "0002")
    engine = create_engine(sync_url(empty_db_url))
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        product, case, log = (metadata.tables[t] for t in ("product", "legal_case", "audit_log"))
        with engine.begin() as conn:
            conn.execute(insert(product), FIRST_SCHEMA_DATA["product"][:2])
            conn.execute(insert(case), FIRST_SCHEMA_DATA["legal_case"][:1])
            # Product #3 and case #2 were proposed and undone: their rows are gone, their history is not.
            for n, (entity, entity_id) in enumerate([("product", "3"), ("product", "3"), ("case", "2")], start=1):
                conn.execute(
                    insert(log),
                    {"id": n, "at": T0, "actor_id": 1001, "action": "undo", "entity": entity, "entity_id": entity_id},
                )
        upgrade(empty_db_url)
        with engine.begin() as conn:
            new_product = {k: v for k, v in FIRST_SCHEMA_DATA["product"][2].items() if k != "id"}
            new_case = {k: v for k, v in FIRST_SCHEMA_DATA["legal_case"][1].items() if k != "id"}
            assert conn.execute(insert(product).values(new_product).returning(product.c.id)).scalar() == 4
            assert conn.execute(insert(case).values(new_case).returning(case.c.id)).scalar() == 3
            conn.execute(product.delete().where(product.c.id == 4))
            again = conn.execute(insert(product).values(new_product).returning(product.c.id)).scalar()
        assert again == 5
    finally:
        engine.dispose()


def test_migrations_build_exactly_the_tables_the_models_describe(empty_db_url):
    """The schema the migrations make is the one the code expects: a column, index or constraint in a model
    without its migration (or the other way round) fails here, not in production."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import models.tables  # noqa: F401  (registers the tables)

    upgrade(empty_db_url)
    engine = create_engine(sync_url(empty_db_url))
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_0008_fills_the_title_numbers_of_products_already_stored(empty_db_url):
    """The duplicate-title check reads only titles with the same numbers: rows stored before the column
    existed get theirs from their titles."""
    upgrade(empty_db_url, "0007")
    engine = create_engine(sync_url(empty_db_url))
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        product = metadata.tables["product"]
        rows = [dict(FIRST_SCHEMA_DATA["product"][0]), dict(FIRST_SCHEMA_DATA["product"][1])]
        rows[0]["title"] = "Perubahan Kedua atas Perda Nomor 5 Tahun 2021"
        with engine.begin() as conn:
            conn.execute(insert(product), rows)
        upgrade(empty_db_url)
        metadata = MetaData()
        metadata.reflect(engine)
        product = metadata.tables["product"]
        with engine.connect() as conn:
            found = [tuple(r) for r in conn.execute(select(product.c.id, product.c.title_numbers).order_by("id"))]
    finally:
        engine.dispose()
    assert found == [(rows[0]["id"], "5 2021"), (rows[1]["id"], "")]
