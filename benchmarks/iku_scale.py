"""Benchmark (not a test): `/iku` for a year at 10,000 / 100,000 (and with --full 1,000,000) products, with a
tenth as many cases, on SQLite and (with --pg URL) PostgreSQL.

    python benchmarks/iku_scale.py [--full] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Each size is a fresh database migrated to the newest schema and filled with SQL (a recursive CTE on
SQLite, generate_series on PostgreSQL), so filling is quick; then the three indicator queries
(models/indicators.py) run as /iku runs them, and the median and p95 of 20 runs are printed, together with
the same queries with the covering indexes of migration 0004 removed (the baseline, in the same run).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COVERING = {
    "ix_product_kind_enacted_published": ("product", "kind, enacted_on"),
    "ix_product_kind_proposed_enacted": ("product", "kind, proposed_on"),
    "ix_legal_case_started_resolved": ("legal_case", "started_on"),
}
TODAY = date(2026, 11, 24)

FILL_SQLITE = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {products})
INSERT INTO product (kind, title, proposed_on, enacted_on, number, number_year, published_on, link, created_by,
                     created_at, updated_at)
SELECT CASE i % 3 WHEN 0 THEN 'perda' WHEN 1 THEN 'perwali' ELSE 'kepwali' END,
       'Produk ' || i,
       date('2016-01-01', '+' || (i % 3900) || ' days'),
       CASE WHEN i % 5 < 4 THEN date('2016-01-01', '+' || (i % 3900 + 20) || ' days') END,
       CASE WHEN i % 5 < 4 THEN i END,
       CASE WHEN i % 5 < 4 THEN 2000 + i % 50 END,
       CASE WHEN i % 5 < 3 THEN date('2016-01-01', '+' || (i % 3900 + 40) || ' days') END,
       NULL, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00'
FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {cases})
INSERT INTO legal_case (register_number, register_key, description, started_on, resolved_on, outcome, created_by,
                        created_at, updated_at)
SELECT 'R' || i, 'r' || i, '', date('2016-01-01', '+' || (i % 3900) || ' days'),
       CASE WHEN i % 4 < 3 THEN date('2016-01-01', '+' || (i % 3900 + 90) || ' days') END,
       NULL, 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00'
FROM n;
ANALYZE;
"""

FILL_PG = """
INSERT INTO product (kind, title, proposed_on, enacted_on, number, number_year, published_on, link, created_by,
                     created_at, updated_at)
SELECT (ARRAY['perda','perwali','kepwali'])[i % 3 + 1], 'Produk ' || i,
       DATE '2016-01-01' + (i % 3900),
       CASE WHEN i % 5 < 4 THEN DATE '2016-01-01' + (i % 3900 + 20) END,
       CASE WHEN i % 5 < 4 THEN i END,
       CASE WHEN i % 5 < 4 THEN 2000 + i % 50 END,
       CASE WHEN i % 5 < 3 THEN DATE '2016-01-01' + (i % 3900 + 40) END,
       NULL, 1, now(), now()
FROM generate_series(1, {products}) AS i;
INSERT INTO legal_case (register_number, register_key, description, started_on, resolved_on, outcome, created_by,
                        created_at, updated_at)
SELECT 'R' || i, 'r' || i, '', DATE '2016-01-01' + (i % 3900),
       CASE WHEN i % 4 < 3 THEN DATE '2016-01-01' + (i % 3900 + 90) END, NULL, 1, now(), now()
FROM generate_series(1, {cases}) AS i;
VACUUM ANALYZE product;
VACUUM ANALYZE legal_case;
"""


async def timed(db, runs: int = 20) -> tuple[float, float]:
    from models import indicators

    times = []
    for _ in range(runs + 2):
        started = time.perf_counter()
        await indicators.compute(db, indicators.Period(2026), TODAY)  # as /iku asks: Database.rows
        times.append((time.perf_counter() - started) * 1000)
    times = times[2:]  # warm
    return statistics.median(times), statistics.quantiles(times, n=20)[18]


async def one(url: str, sync_url: str, products: int, pg: bool) -> tuple[tuple[float, float], tuple[float, float]]:
    import sqlalchemy as sa

    from models.db import Database
    from models.migrate import upgrade

    await asyncio.to_thread(upgrade, sync_url)
    engine = sa.create_engine(sync_url, isolation_level="AUTOCOMMIT" if pg else None)
    fill = (FILL_PG if pg else FILL_SQLITE).format(products=products, cases=products // 10)
    with engine.connect() as conn:
        if pg:
            for statement in filter(str.strip, fill.split(";")):
                raw: Any = conn.connection.driver_connection
                raw.execute(statement)  # no parameters: '%' is modulo
        else:
            sqlite_conn: Any = conn.connection.driver_connection
            sqlite_conn.executescript(fill)
    db = Database(url)
    covered = await timed(db)
    await db.dispose()
    with engine.connect() as conn:  # the baseline: the indexes before migration 0004
        for name, (table, columns) in COVERING.items():
            conn.exec_driver_sql(f"DROP INDEX {name}")
            conn.exec_driver_sql(f"CREATE INDEX {name}_old ON {table} ({columns})")
        conn.exec_driver_sql("ANALYZE")
        if not pg:
            conn.commit()
    db = Database(url)
    baseline = await timed(db)
    await db.dispose()
    engine.dispose()
    return covered, baseline


async def main(args) -> None:
    sizes = [10_000, 100_000] + ([1_000_000] if args.full else [])
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            path = Path(folder) / f"iku{size}.db"
            covered, baseline = await one(f"sqlite+aiosqlite:///{path}", f"sqlite:///{path}", size, pg=False)
            rows.append(("SQLite", size, covered, baseline))
            path.unlink()
    if args.pg:
        import sqlalchemy as sa

        admin = sa.create_engine(args.pg, isolation_level="AUTOCOMMIT")
        for size in sizes:
            name = f"iku_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as conn:
                conn.exec_driver_sql(f"CREATE DATABASE {name}")
            url = args.pg.rsplit("/", 1)[0] + "/" + name
            try:
                covered, baseline = await one(url, url, size, pg=True)
                rows.append(("PostgreSQL", size, covered, baseline))
            finally:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()
    print(f"{'database':11} {'products':>10} {'cases':>8} {'p50 ms':>8} {'p95 ms':>8} {'old idx p50':>12} {'ratio':>7}")
    for backend, size, (p50, p95), (old50, _) in rows:
        print(f"{backend:11} {size:10,} {size // 10:8,} {p50:8.1f} {p95:8.1f} {old50:12.1f} {p50 / old50:6.2f}x")
    print("goal: /iku for a year <= 50 ms at 1,000,000 products + 100,000 cases (run with --full)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="also 1,000,000 products (takes a few minutes)")
    parser.add_argument("--pg", help="a PostgreSQL URL whose server may create throw-away databases")
    asyncio.run(main(parser.parse_args()))
