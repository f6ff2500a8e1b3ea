"""The async engine and sessions. PostgreSQL is reached through psycopg's async driver; SQLite runs on the
event loop's thread (models/sqlite_inline.py says why), waiting for other processes without blocking it."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TypeVar, overload

from sqlalchemy import Integer, bindparam, event, insert
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from models import sqlite_inline

_holding: ContextVar[bool] = ContextVar("iku_db_turn", default=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - driver hook
    cursor = dbapi_connection.cursor()
    # On the event loop's thread no busy_timeout: it would sleep there; models/sqlite_inline.py waits
    # instead (switching to WAL takes a lock, and another process may hold it for a moment). aiosqlite's
    # worker thread (`long_read`) may sleep.
    if not isinstance(dbapi_connection.driver_connection, sqlite_inline.Connection):
        cursor.execute("PRAGMA busy_timeout=10000")
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
        self._wanting = 0  # tasks holding or waiting for the writers' turn
        # SQLite only: plain connections for `rows` (query_only), `transaction` and `write_batch` (markers),
        # opened when first used.
        self._plain: dict[str, sqlite3.Connection] = {}
        self._threaded: async_sessionmaker[AsyncSession] | None = None  # SQLite: `long_read`'s sessions
        self._direct: dict[int, _Direct] = {}

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @asynccontextmanager
    async def _writers_turn(self) -> AsyncIterator[None]:
        """SQLite has one writer, and a writer that waits for another sleeps in steps of up to 100 ms: with
        updates handled concurrently that would be most of the time. So on SQLite this process runs one
        write transaction at a time (they take a millisecond or two); one opened inside another, in the
        same task, joins that turn. Other processes (the digest CLI) are waited for without blocking the
        loop (models/sqlite_inline.py), and models/ledger.py retries what still finds the database busy."""
        if self._turn is None or _holding.get():
            yield
            return
        self._wanting += 1
        try:
            async with self._turn:
                token = _holding.set(True)
                try:
                    yield
                finally:
                    _holding.reset(token)
        finally:
            self._wanting -= 1

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

    @asynccontextmanager
    async def long_read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads that grow with the data (a year's workbook, the JDIH feed, the dashboard's
        three years, a digest's counts). On SQLite its statements run in aiosqlite's worker thread, so a
        read of seconds at a large size does not hold up other chats, as one on the event loop's thread
        would (models/sqlite_inline.py); elsewhere it is `read`."""
        if not self.is_sqlite:
            async with self.read() as session:
                yield session
            return
        if self._threaded is None:
            engine = create_async_engine(self.url, pool_size=1, max_overflow=1)
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            self._threaded = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        async with self._threaded() as session, session.begin():
            yield session

    async def rows(self, statement: Any, params: Mapping[str, Any] | None = None) -> Sequence[Any]:
        """The rows of a statement that only reads, as tuples typed as a session would return them.

        For the statements every update runs (its arrival, /iku): a session costs about 0.35 ms of CPU
        per statement in SQLAlchemy's layers, which was most of a reply's time. On SQLite the statement,
        compiled once, runs on a plain query-only connection (microseconds); on PostgreSQL through a
        plain SQLAlchemy connection, without the ORM."""
        if not self.is_sqlite:
            async with self.engine.connect() as connection:
                return (await connection.execute(statement, dict(params or {}))).all()
        direct = self._prepared(statement)
        reader = self._plain_connection("read")
        return await _on_sqlite(lambda: direct.fetch(reader, params or {}), direct.sql)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A write transaction of statements run straight on the driver, for the write made most often
        (a proposal, with its audit entry and ledger marker: models/ledger.py `apply_once`), where a
        session's unit of work cost more than the rest of the reply. Committed on success, rolled back
        on any error, in the writers' turn. On SQLite it takes the write lock at once (BEGIN IMMEDIATE),
        so what it reads cannot change before it writes."""
        if not self.is_sqlite:
            async with self._writers_turn(), self.engine.begin() as connection:
                yield Transaction(self, connection=connection)
            return
        async with self._writers_turn():
            plain = self._plain_connection("durable")
            try:
                await _on_sqlite(lambda: plain.execute("BEGIN IMMEDIATE"), "BEGIN IMMEDIATE")
                yield Transaction(self, plain=plain)
                # The COMMIT waits for the disk (fsync). Alone, it runs here: a worker thread's hand-off
                # took longer than the fsync itself. With other writers queued behind it (under load), it
                # runs in a thread, so the event loop goes on with other chats' reads and replies meanwhile.
                await _on_sqlite(plain.commit, "COMMIT", in_thread=self._wanting > 1)
            except BaseException:
                plain.rollback()
                raise

    async def write_batch(self, steps: Sequence[tuple[Any, Sequence[Mapping[str, Any]]]]) -> None:
        """Statements without results (each run once per parameter set) in one transaction, in the
        writers' turn: the ledger's markers, written after every update, without a session's cost.

        Only for writes whose loss in a power cut costs no data: on SQLite they are committed without
        waiting for the disk (`synchronous=NORMAL` in WAL mode: a crash of the process loses nothing, a
        power cut may lose the last of them, and the next ordinary commit makes them durable too). The
        fsync would otherwise hold the event loop on every update, while the next one waits to be read."""
        if not self.is_sqlite:
            async with self.connection() as connection:
                for statement, many in steps:
                    if many:
                        await connection.execute(statement, list(many))
            return
        async with self._writers_turn():
            writer = self._plain_connection("write")
            try:
                for statement, many in steps:
                    if many:
                        direct = self._prepared(statement)
                        await _on_sqlite(lambda d=direct, m=many: d.run_many(writer, m), direct.sql)  # type: ignore[misc]
                await _on_sqlite(writer.commit, "COMMIT")
            except BaseException:
                writer.rollback()
                raise

    def _prepared(self, statement: Any) -> _Direct:
        """Compiled once per statement: meant for statements built once (module constants), the bound
        keeps a caller that builds a new one each time from growing it without end."""
        direct = self._direct.get(id(statement))
        if direct is None or direct.statement is not statement:
            if len(self._direct) >= 256:
                self._direct.clear()
            direct = self._direct[id(statement)] = _Direct(statement)
        return direct

    def _plain_connection(self, use: str) -> sqlite3.Connection:
        connection = self._plain.get(use)
        if connection is None:
            connection = self._plain[use] = sqlite_inline.plain(self.url)
            connection.execute("PRAGMA foreign_keys=ON")
            if use == "read":
                connection.execute("PRAGMA query_only=ON")
            elif use == "write":
                connection.execute("PRAGMA synchronous=NORMAL")  # see write_batch
        return connection

    async def dispose(self) -> None:
        for connection in self._plain.values():
            connection.close()
        self._plain.clear()
        if self._threaded is not None:
            bind = self._threaded.kw["bind"]
            self._threaded = None
            await bind.dispose()
        await self.engine.dispose()


_REQUIRED = object()  # a bound parameter the caller gives at every execution


class _Direct:
    """A statement compiled once for SQLite, with the bind and result conversions SQLAlchemy's types
    apply (dates as text, booleans as integers...), so rows come back as a session would give them.

    The SQL is expanded once, at the first execution (`construct_expanded_state`): lists written into
    the statement (`kind IN (...)`) are fixed, so only the values change from one execution to the next.
    A list given as a parameter at execution could change the SQL itself, so it is refused."""

    _dialect = sqlite.dialect()

    def __init__(self, statement: Any) -> None:
        self.statement = statement  # kept, so its id() is not reused while this is cached
        self.compiled = statement.compile(dialect=self._dialect)
        self.sql = ""
        self.binds: list[tuple[str, Any, Callable[[Any], Any] | None]] = []
        columns = getattr(statement, "exported_columns", None)  # a SELECT's, or an INSERT's RETURNING
        self.results: list[Callable[[Any], Any] | None] = (
            [self._processor(c.type, result=True) for c in columns] if columns is not None else []
        )
        self.convert = any(self.results)

    @classmethod
    def _processor(cls, type_: Any, *, result: bool = False) -> Callable[[Any], Any] | None:
        impl = type_.dialect_impl(cls._dialect)
        return impl.result_processor(cls._dialect, None) if result else impl.bind_processor(cls._dialect)

    def _expand(self, params: Mapping[str, Any]) -> None:
        compiled = self.compiled
        given = [name for name in params if name in compiled.binds and compiled.binds[name].expanding]
        if given:
            raise TypeError(f"a list given at execution may change the SQL: {given}")
        state = compiled.construct_expanded_state(dict(params), escape_names=False)
        origin = {new: old for old, news in state.parameter_expansion.items() for new in news}
        binds = [compiled.binds[origin.get(name, name)] for name in state.positiontup or ()]
        self.binds = [
            (name, _REQUIRED if bind.required else state.parameters[name], self._processor(bind.type))
            for name, bind in zip(state.positiontup or (), binds, strict=True)
        ]
        self.sql = state.statement

    def values(self, params: Mapping[str, Any]) -> list[Any]:
        if not self.sql:
            self._expand(params)
        out = []
        for name, fixed, process in self.binds:
            value = params[name] if fixed is _REQUIRED else params.get(name, fixed)
            out.append(process(value) if process is not None and value is not None else value)
        return out

    def fetch(self, connection: sqlite3.Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        values = self.values(params)
        found = connection.execute(self.sql, values).fetchall()
        if not self.convert:
            return found
        results = self.results
        return [
            tuple(value if p is None or value is None else p(value) for p, value in zip(results, row, strict=True))
            for row in found
        ]

    def run_many(self, connection: sqlite3.Connection, many: Sequence[Mapping[str, Any]]) -> None:
        values = [self.values(params) for params in many]
        connection.executemany(self.sql, values)


async def _on_sqlite(step: Callable[[], Any], sql: str, *, in_thread: bool = False) -> Any:
    """A step on a plain SQLite connection, its errors raised as SQLAlchemy raises the driver's (an
    IntegrityError, an OperationalError...), so callers handle one kind whatever the path."""
    try:
        return await sqlite_inline.run(step, in_thread=in_thread)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(sql, None, exc, sqlite3.Error) from exc


class Transaction:
    """Statements in a transaction of `Database.transaction`: on SQLite a plain connection, else a plain
    SQLAlchemy connection (no ORM either way)."""

    def __init__(
        self, db: Database, *, plain: sqlite3.Connection | None = None, connection: AsyncConnection | None = None
    ) -> None:
        self._db, self._plain, self._connection = db, plain, connection

    async def rows(self, statement: Any, params: Mapping[str, Any] | None = None) -> Sequence[Any]:
        """Run a statement; its rows (a read's, or what an INSERT ... RETURNING returns), else none."""
        if self._connection is not None:
            result = await self._connection.execute(statement, dict(params or {}))
            return result.all() if result.returns_rows else []
        plain = self._plain
        assert plain is not None
        direct = self._db._prepared(statement)
        return await _on_sqlite(lambda: direct.fetch(plain, params or {}), direct.sql)


Source = AsyncSession | Database | Transaction  # where a read can run: a session, a transaction, the database
Writer = AsyncSession | Transaction  # where a write can run


async def rows(source: Source, statement: Any, params: Mapping[str, Any] | None = None) -> Sequence[Any]:
    """A statement's rows in a session or transaction that is open anyway, or straight from the database
    (`Database.rows`). Writes (in a session or transaction) return their RETURNING rows, else none."""
    if not isinstance(source, AsyncSession):
        return await source.rows(statement, params)
    result = await source.exec(statement, params=dict(params or {}))
    # ORM results of a SELECT always have rows; a plain write's cursor result may have none.
    return result.all() if getattr(result, "returns_rows", True) else []


M = TypeVar("M", bound=SQLModel)


def columns_of(model: type[SQLModel]) -> list[Any]:
    """A table's columns in order: select them for `loaded`."""
    return list(model.__table__.columns)  # type: ignore[attr-defined]


def loaded(model: type[M], values: Sequence[Any]) -> M:
    """The model object for a row of `columns_of(model)` read by `rows`, as a session that has since closed
    would have loaded it (detached: a later session may update it, never insert it again). Built the way
    the ORM builds a loaded row, without `__init__` (SQLModel supports that path: its `__new__` sets up
    what pydantic needs); `__init__`'s per-field machinery cost more than the query."""
    row = model._sa_class_manager.new_instance()  # type: ignore[attr-defined]
    row.__dict__.update(zip(_keys(model), values, strict=True))
    make_transient_to_detached(row)
    return row


@functools.cache
def _keys(model: type[SQLModel]) -> tuple[str, ...]:
    return tuple(c.key for c in columns_of(model))


_INSERTS: dict[Any, Any] = {}


async def insert_values(writer: Writer, model: type[SQLModel], values: Mapping[str, Any]) -> None:
    """Insert one row from its column values, by a statement built once per table. A column not given is
    NULL (neither the model's nor the database's defaults apply): for rows written with every update,
    whose every column the caller names, where building the model object cost more than the insert."""
    statement, columns = _insert_statement(model.__table__, returning=False)  # type: ignore[attr-defined]
    await rows(writer, statement, {f"v_{c.key}": values.get(c.key) for c in columns})


async def inserted(writer: Writer, model: type[M], values: Mapping[str, Any]) -> M:
    """`insert_values`, and the row as stored (with its new id), as a loaded model object (`loaded`)."""
    statement, columns = _insert_statement(model.__table__, returning=True)  # type: ignore[attr-defined]
    found = await rows(writer, statement, {f"v_{c.key}": values.get(c.key) for c in columns})
    return loaded(model, found[0])


def _insert_statement(table: Any, *, returning: bool) -> tuple[Any, list[Any]]:
    built = _INSERTS.get((table, returning))
    if built is None:
        generated = [c for c in table.primary_key.columns if c.autoincrement is True or c.autoincrement == "auto"]
        generated = [c for c in generated if isinstance(c.type, Integer) and not c.foreign_keys]
        columns = [c for c in table.columns if c not in generated]
        statement = insert(table).values({c: bindparam(f"v_{c.key}", type_=c.type) for c in columns})
        built = _INSERTS[(table, returning)] = (
            statement.returning(*table.columns) if returning else statement,
            columns,
        )
    return built


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...
def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything stored is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
