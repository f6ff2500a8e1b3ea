"""Shared by the benchmarks: a migrated SQLite database filled with `products` products and a tenth as many
cases, by SQL (benchmarks/iku_scale.py's fill), in a second or two."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def fill(path: Path, products: int) -> None:
    from iku_scale import FILL_SQLITE

    from models.migrate import upgrade

    upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        conn.executescript(FILL_SQLITE.format(products=products, cases=products // 10))
