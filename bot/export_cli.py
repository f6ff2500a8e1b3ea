"""`iku-bot export`: the same files /ekspor sends, written to disk for an operator (no token needed)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.settings import Settings
from handlers import export
from models.clock import Clock
from models.db import Database
from models.migrate import upgrade


async def _database(settings: Settings) -> Database:
    settings.ensure_data_dir()
    await asyncio.to_thread(upgrade, settings.async_database_url)
    return Database(settings.async_database_url)


async def write_workbook(settings: Settings, year: int | None, out: Path) -> Path:
    """The yearly workbook (this year by default) at `out`, or in the folder `out` under its usual name."""
    day = Clock(settings.tz).today()
    chosen = export.parse_year([] if year is None else [str(year)], day)
    target = out / export.workbook_name(chosen) if await asyncio.to_thread(out.is_dir) else out
    db = await _database(settings)
    try:
        content = await export.workbook_bytes(db, chosen, day, settings.tz, settings.report, settings.bands)
    finally:
        await db.dispose()
    await asyncio.to_thread(target.write_bytes, content)
    return target


async def write_feed(settings: Settings, out: Path) -> tuple[Path, int]:
    day = Clock(settings.tz).today()
    target = out / export.feed_name(day) if await asyncio.to_thread(out.is_dir) else out
    db = await _database(settings)
    try:
        content, count = await export.feed_bytes(db, settings.report)
    finally:
        await db.dispose()
    await asyncio.to_thread(target.write_bytes, content)
    return target, count
