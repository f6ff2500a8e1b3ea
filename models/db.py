"""The async engine and sessions. PostgreSQL is reached through psycopg's async driver; SQLite runs on the
event loop's thread (models/sqlite_inline.py says why), waiting for other processes without blocking it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import overload

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from models import sqlite_inline

_holding: ContextVar[bool] = ContextVar("iku_db_turn", default=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - driver hook
    cursor = dbapi_connection.cursor()
    # No busy_timeout: it would sleep in the event loop's thread; models/sqlite_inline.py waits instead
    # (switching to WAL takes a lock, and another process may hold it for a moment).
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        if self.is_sqlite:
            self.engine: AsyncEngine = create_async_engine(url, echo=echo, async_creator=sqlite_inline.connector(url))
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_async_engine(url, echo=echo, pool_pre_ping=True)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._turn: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @asynccontextmanager
    async def _writers_turn(self) -> AsyncIterator[None]:
        """SQLite has one writer, and a writer that waits for another sleeps in steps of up to 100 ms: with
        updates handled concurrently that would be most of the time. So on SQLite this process runs one
        write transaction at a time (they take a millisecond or two); one opened inside another, in the
        same task, joins that turn. Other processes (the digest CLI) are still waited for by busy_timeout,
        and models/ledger.py retries what still finds the database busy."""
        if self._turn is None or _holding.get():
            yield
            return
        async with self._turn:
            token = _holding.set(True)
            try:
                yield
            finally:
                _holding.reset(token)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on any error, in the writers' turn."""
        async with self._writers_turn(), self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction on a plain connection, for statements that need no ORM (the ledger's
        markers, written with every update): the same turn as `session`, without a session's cost."""
        async with self._writers_turn(), self.engine.begin() as connection:
            yield connection

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session that only reads. It does not wait for the writers' turn: in SQLite's WAL mode a
        reader sees the last commit and neither blocks the writer nor waits for it, so reads (every
        update's arrival, /iku) go on while a write is in progress. Writing in it is a mistake."""
        async with self._sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...
def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything stored is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
