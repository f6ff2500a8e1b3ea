"""SQLite for SQLAlchemy's asyncio engine, run on the event loop's own thread.

Why: aiosqlite runs every call (cursor, execute, fetch, close, commit) in a worker thread and wakes the
event loop for each result, about six hand-offs per statement. For this bot's statements, which SQLite
answers from an index in microseconds, those hand-offs cost far more than the work: measured, an ORM
select by key took 1.0 ms of CPU through aiosqlite and 0.5 ms here, and every update reads and writes a
few rows. So the statement runs where it is asked, like a dict lookup, and nothing waits in a thread.

What would block instead is waiting for another process's write (the digest CLI): SQLite's busy handler
sleeps in the calling thread. So connections are opened with no busy timeout and a busy database is
awaited here with `asyncio.sleep` (`BUSY_WAIT`), which is what the busy handler would have done, without
holding up other chats. Only plain SQLITE_BUSY is waited for: SQLITE_BUSY_SNAPSHOT (a transaction that
read before another one committed) cannot succeed by waiting and is raised at once, as SQLite does;
models/ledger.py runs such a transaction again.

Used through `connector(url)` as `create_async_engine(..., async_creator=...)`, SQLAlchemy's documented
hook for a driver connection made by the application; the dialect stays SQLAlchemy's aiosqlite dialect
(its SQL, types and pool), only the connection under it is this one. The interface is the part of
aiosqlite's that SQLAlchemy's adapter uses.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import make_url

# How long a statement waits for another process's write lock, as `PRAGMA busy_timeout` did.
BUSY_WAIT = 10.0
_FIRST_PAUSE = 0.001
_LONGEST_PAUSE = 0.05


def _plainly_busy(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY


async def _when_free(step: Callable[[], Any], *, in_thread: bool = False) -> Any:
    """Run `step` (in a worker thread if `in_thread`); while the database is locked by another
    connection, wait (without blocking the loop) and run it again, up to BUSY_WAIT."""
    deadline = None
    pause = _FIRST_PAUSE
    while True:
        try:
            return await _in_thread(step) if in_thread else step()
        except sqlite3.OperationalError as exc:
            if not _plainly_busy(exc):
                raise
            now = time.monotonic()
            deadline = deadline or now + BUSY_WAIT
            if now >= deadline:
                raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, _LONGEST_PAUSE)


async def _in_thread(step: Callable[[], Any]) -> Any:
    """`step` in a worker thread. Cancelled meanwhile, the caller still waits for the thread to finish:
    the connection is the thread's until then (a rollback beside a running commit would break it)."""
    job = asyncio.ensure_future(asyncio.to_thread(step))
    try:
        return await asyncio.shield(job)
    except asyncio.CancelledError:
        await asyncio.wait({job})
        raise


class Cursor:
    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        await _when_free(lambda: self._cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        rows = list(parameters)
        await _when_free(lambda: self._cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size) if size is not None else self._cursor.fetchmany()

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    def __aiter__(self) -> Cursor:
        return self

    async def __anext__(self) -> Any:
        row = self._cursor.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row


class _RunAtOnce:
    """SQLAlchemy's adapter sets `isolation_level` by queueing a call for aiosqlite's thread and awaiting
    its future; here there is no thread, so the call runs as it is queued."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:  # handed to the awaiting caller
            future.set_exception(exc)


class Connection:
    _tx = _RunAtOnce()

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection: sqlite3.Connection | None = connection

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise sqlite3.ProgrammingError("no active connection")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> Cursor:
        return Cursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Cursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        await _when_free(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def plain(url: str) -> sqlite3.Connection:
    """A sqlite3 connection to a database URL: the file, and the options SQLAlchemy's own SQLite driver
    would read from that URL (`?uri=true`, `?mode=ro`...), with no busy timeout (see module docstring)."""
    args, given = SQLiteDialect_pysqlite().create_connect_args(make_url(url).set(drivername="sqlite"))
    options: dict[str, Any] = {**given, "timeout": 0, "check_same_thread": False}
    return sqlite3.connect(*args, **options)  # type: ignore[call-overload]


def connector(url: str) -> Callable[[], Awaitable[Connection]]:
    """The `async_creator` for a database URL."""

    async def connect() -> Connection:
        return Connection(plain(url))

    return connect


async def run(step: Callable[[], Any], *, in_thread: bool = False) -> Any:
    """`step` on a plain connection from `plain`, waiting while another process holds the lock.
    `in_thread`: in a worker thread, for a step that waits on the disk (a durable COMMIT's fsync), so
    the event loop goes on with other chats meanwhile."""
    return await _when_free(step, in_thread=in_thread)
