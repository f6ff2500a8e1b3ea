"""Applied Telegram updates. Telegram may deliver an update again (after a crash, before the offset
was confirmed); a write is applied once and its reply is sent once."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, literal, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import col, select

from models.db import Database, Source, Writer, columns_of, insert_values, loaded, rows
from models.errors import InputError
from models.tables import Member, ProcessedUpdate

log = logging.getLogger(__name__)
# SQLite has one writer: a transaction that read before another one committed cannot write and gets
# "database is locked" at once. It is run again from the start; the user never sees it.
BUSY_RETRIES = 8


@dataclass(frozen=True)
class Outcome:
    reply: str
    duplicate: bool  # the update had been applied before
    replied: bool  # ...and its reply was already delivered


async def apply_once(
    db: Database,
    update_id: int | None,
    now: datetime,
    work: Callable[[Any], Awaitable[str]],
    *,
    unseen: bool = False,
    plain: bool = False,
) -> Outcome:
    """Run `work` (which writes and returns the reply) unless this update was applied already.

    The marker row is written in the same transaction as the change, so either both exist or neither.
    `unseen`: the caller has just read that there is no marker, so the first attempt does not read again
    (the marker's key still stops a concurrent second application: IntegrityError, then a fresh look).
    `plain`: `work` takes a plain transaction (`Database.transaction`), not a session.
    """
    if update_id is None:
        async with _writer(db, plain) as writer:
            return Outcome(await work(writer), duplicate=False, replied=False)
    for attempt in range(BUSY_RETRIES + 1):
        try:
            seen = None if unseen and attempt == 0 else await lookup(db, update_id)
            if seen is not None:
                return Outcome(seen.reply, duplicate=True, replied=seen.replied)
            async with _writer(db, plain) as writer:
                reply = await work(writer)
                marker = {"update_id": update_id, "reply": reply, "replied": False, "at": now}
                await insert_values(writer, ProcessedUpdate, marker)
        except OperationalError as exc:
            if not is_busy(exc) or attempt == BUSY_RETRIES:
                raise
            log.debug("database busy, update %s tried again (%d)", update_id, attempt + 1)
            await asyncio.sleep(0.002 * 2**attempt)
            continue
        except IntegrityError:
            # Another worker applied the same update between our check and our commit, or a concurrent
            # write took a unique key (a number, a register key) that our check saw free: run again, and
            # the check now sees it.
            if attempt >= 1 and await lookup(db, update_id) is None:
                raise
            continue
        except InputError:
            # Our work may fail on the row another worker wrote for this update ("already enacted").
            seen = await lookup(db, update_id)
            if seen is None:
                raise
            return Outcome(seen.reply, duplicate=True, replied=seen.replied)
        return Outcome(reply, duplicate=False, replied=False)
    raise AssertionError("unreachable")


def _writer(db: Database, plain: bool) -> AbstractAsyncContextManager[Writer]:
    return db.transaction() if plain else db.session()


def is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text or "database table is locked" in text


async def mark_handled(db: Database, update_id: int | None, now: datetime) -> None:
    """The update was handled and answered: if Telegram delivers it again, it is skipped. A write's own
    marker (with its reply) stays as it is."""
    if update_id is not None:
        await _markers(db).write(("handled", update_id, now))


async def arrival(source: Source, update_id: int, user_id: int | None) -> tuple[ProcessedUpdate | None, Member | None]:
    """What every update needs on arrival, in one statement: its marker (as a plain row: it is only looked
    at) and the sender's member row. Read with every update, so built once and asked in one round trip
    (straight from the database when `source` is one: `Database.rows`)."""
    found = await rows(source, _ARRIVAL, {"b_update_id": update_id, "b_user_id": user_id})
    if not found:
        return None, None
    *member_values, reply, replied, at = found[0]
    member = None if member_values[0] is None else loaded(Member, member_values)
    marker = None if replied is None else ProcessedUpdate(update_id=update_id, reply=reply, replied=replied, at=at)
    return marker, member


async def lookup(db: Database, update_id: int | None) -> ProcessedUpdate | None:
    """The marker of an update that was applied already, if any."""
    if update_id is None:
        return None
    async with db.read() as session:
        return await session.get(ProcessedUpdate, update_id)


async def mark_replied(db: Database, update_id: int | None) -> None:
    if update_id is not None:
        await _markers(db).write(("replied", update_id, None))


class _Markers:
    """Markers written together. Every update ends with one (handled, or its write's reply delivered);
    under load, those of updates finishing at about the same moment share one short transaction, one
    turn of SQLite's single writer, instead of one each. Alone, a marker is written at once, as before;
    the caller returns only once its marker is committed."""

    def __init__(self, db: Database) -> None:
        self.db = weakref.ref(db)  # the batch lives as long as its database, not longer
        self.pending: list[tuple[tuple[str, int, datetime | None], asyncio.Future[None]]] = []
        self.writer: asyncio.Task[None] | None = None

    async def write(self, marker: tuple[str, int, datetime | None]) -> None:
        loop = asyncio.get_running_loop()
        if self.writer is not None and not self.writer.done() and self.writer.get_loop() is not loop:
            # Left behind by an event loop that ended (one database used by two asyncio.run calls): its
            # callers are gone with it.
            self.writer, self.pending = None, []
        done = loop.create_future()
        self.pending.append((marker, done))
        if self.writer is None or self.writer.done():
            self.writer = asyncio.create_task(self._write_all())
        await done

    async def _write_all(self) -> None:
        while self.pending:
            batch, self.pending = self.pending, []
            try:
                await self._commit([marker for marker, _ in batch])
            except Exception as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _commit(self, markers: list[tuple[str, int, datetime | None]]) -> None:
        handled = [{"b_update_id": uid, "b_at": at} for kind, uid, at in markers if kind == "handled"]
        replied = [{"b_update_id": uid} for kind, uid, _ in markers if kind == "replied"]
        db = self.db()
        if db is None:
            raise RuntimeError("the database was closed")
        statement = _HANDLED_SQLITE if db.is_sqlite else _HANDLED_POSTGRESQL
        for attempt in range(BUSY_RETRIES + 1):
            try:
                await db.write_batch([(statement, handled), (_REPLIED, replied)])
                return
            except OperationalError as exc:
                if not is_busy(exc) or attempt == BUSY_RETRIES:
                    raise
                await asyncio.sleep(0.002 * 2**attempt)


_batches: weakref.WeakKeyDictionary[Database, _Markers] = weakref.WeakKeyDictionary()


def _markers(db: Database) -> _Markers:
    batch = _batches.get(db)
    if batch is None:
        batch = _batches[db] = _Markers(db)
    return batch


# Built once (composing a statement costs about as much as running it on SQLite); values bound per call.
def _handled(dialect) -> Any:
    return (
        dialect.insert(ProcessedUpdate)
        .values(update_id=bindparam("b_update_id"), reply="", replied=True, at=bindparam("b_at"))
        .on_conflict_do_nothing(index_elements=["update_id"])
    )


def _marker_column(column: Any) -> Any:
    return select(column).where(col(ProcessedUpdate.update_id) == bindparam("b_update_id")).scalar_subquery()


# One row always: the member's columns (NULLs without a member), then the marker's (NULLs without one).
_ARRIVAL: Any = (
    sa_select(
        *columns_of(Member),
        _marker_column(ProcessedUpdate.reply),
        _marker_column(ProcessedUpdate.replied),
        _marker_column(ProcessedUpdate.at),
    )
    .select_from(select(literal(1).label("one")).subquery())
    .outerjoin(Member, col(Member.user_id) == bindparam("b_user_id"))
)
_HANDLED_SQLITE = _handled(sqlite)
_HANDLED_POSTGRESQL = _handled(postgresql)
_REPLIED: Any = (
    update(ProcessedUpdate).where(col(ProcessedUpdate.update_id) == bindparam("b_update_id")).values(replied=True)
)


KEEP = timedelta(days=3)
# Far more writes than the division makes in the 24 hours Telegram may redeliver an update in, so the
# bound only bites when something writes abnormally fast; then the oldest markers go first.
MAX_MARKERS = 20_000


async def forget_older_than(db: Database, moment: datetime, keep: timedelta = KEEP) -> None:
    """Telegram keeps undelivered updates for 24 hours; markers older than that serve no purpose."""
    async with db.session() as session:
        await session.exec(delete(ProcessedUpdate).where(col(ProcessedUpdate.at) < moment - keep))


async def prune(db: Database, moment: datetime, *, keep: timedelta = KEEP, max_markers: int | None = None) -> None:
    """Old markers forgotten and at most `max_markers` (default MAX_MARKERS) kept, the newest update ids,
    so the table stays small however long the bot runs; the bot calls this on a schedule."""
    max_markers = MAX_MARKERS if max_markers is None else max_markers
    await forget_older_than(db, moment, keep)
    async with db.session() as session:
        newest_dropped = (
            await session.exec(
                select(ProcessedUpdate.update_id)
                .order_by(col(ProcessedUpdate.update_id).desc())
                .offset(max_markers)
                .limit(1)
            )
        ).first()
        if newest_dropped is not None:
            await session.exec(delete(ProcessedUpdate).where(col(ProcessedUpdate.update_id) <= newest_dropped))
