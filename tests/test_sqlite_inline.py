"""SQLite on the event loop's thread (models/sqlite_inline.py): another process's write lock is waited
for without holding up the loop, a transaction that cannot succeed by waiting fails at once, and the
ledger's retry still turns that into a single write."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from models import sqlite_inline
from models.db import Database


@pytest.fixture
def sqlite_url(migrated_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "inline.db"
    path.write_bytes(migrated_template.read_bytes())
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE probe (key TEXT PRIMARY KEY, value TEXT)")
    return f"sqlite+aiosqlite:///{path}"


def other_process(url: str) -> sqlite3.Connection:
    """A second connection, as the digest CLI would hold one: a plain sqlite3 connection."""
    return sqlite3.connect(url.removeprefix("sqlite+aiosqlite:///"), isolation_level=None)


async def test_a_locked_database_is_waited_for_while_other_chats_go_on(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    cli = other_process(sqlite_url)
    cli.execute("BEGIN IMMEDIATE")  # the CLI holds the write lock
    try:

        async def write() -> None:
            async with db.session() as session:
                await session.exec(text("INSERT INTO probe (key, value) VALUES ('probe2', 'x')"))  # type: ignore[call-overload]

        writer = asyncio.create_task(write())
        ticks = 0
        while ticks < 20:  # the loop keeps running other work while the write waits
            await asyncio.sleep(0.001)
            ticks += 1
        assert not writer.done()
        cli.execute("COMMIT")
        await asyncio.wait_for(writer, 5)
    finally:
        cli.close()
    async with db.read() as session:
        stored = (await session.exec(text("SELECT value FROM probe WHERE key = 'probe2'"))).all()  # type: ignore[call-overload]
    assert [tuple(r) for r in stored] == [("x",)]
    await db.dispose()


async def test_a_lock_held_too_long_is_an_error_not_a_hang(sqlite_url: str, monkeypatch) -> None:
    monkeypatch.setattr(sqlite_inline, "BUSY_WAIT", 0.05)
    db = Database(sqlite_url)
    cli = other_process(sqlite_url)
    cli.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"):
            async with db.session() as session:
                await session.exec(text("INSERT INTO probe (key, value) VALUES ('late', 'x')"))  # type: ignore[call-overload]
    finally:
        cli.execute("ROLLBACK")
        cli.close()
    await db.dispose()


async def test_a_stale_snapshot_fails_at_once(sqlite_url: str, monkeypatch) -> None:
    """A transaction that read before another connection committed can never write: SQLite says
    SQLITE_BUSY_SNAPSHOT, and waiting would only hang until BUSY_WAIT."""
    monkeypatch.setattr(sqlite_inline, "BUSY_WAIT", 3600)
    db = Database(sqlite_url)
    cli = other_process(sqlite_url)
    try:

        async def stale_write() -> None:
            async with db.session() as session:
                await session.exec(text("BEGIN"))  # type: ignore[call-overload]
                await session.exec(text("SELECT count(*) FROM probe"))  # type: ignore[call-overload]
                cli.execute("INSERT INTO probe (key, value) VALUES ('cli', 'x')")
                await session.exec(text("INSERT INTO probe (key, value) VALUES ('stale', 'x')"))  # type: ignore[call-overload]

        with pytest.raises(OperationalError) as caught:
            await asyncio.wait_for(stale_write(), 5)
        assert getattr(caught.value.orig, "sqlite_errorname", "") == "SQLITE_BUSY_SNAPSHOT"
    finally:
        cli.close()
    await db.dispose()
