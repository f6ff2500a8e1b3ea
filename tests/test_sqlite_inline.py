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
from sqlmodel import col

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


# --- Database.rows and write_batch: the direct path every update takes --------------------------------


async def test_rows_come_back_as_a_session_gives_them(db_url: str) -> None:
    """Dates, datetimes, booleans and decimals converted as SQLAlchemy's types convert them, on SQLite
    (plain connection) and PostgreSQL alike; lists written into the statement are kept."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from sqlalchemy import bindparam, select

    from models.db import rows
    from models.tables import Member, Target

    db = Database(db_url)
    moment = datetime(2026, 12, 3, 4, 5, 6, 7000, tzinfo=UTC)
    async with db.session() as session:
        session.add(
            Member(
                user_id=77,
                name="Uji",
                role="staf",
                reminders=False,
                unreachable_at=moment,
                created_at=moment,
                updated_at=moment,
            )
        )
        for indicator, percent in (("iku1", "87.50"), ("iku9", "1")):
            session.add(
                Target(
                    year=2026,
                    indicator=indicator,
                    quarter=0,
                    percent=Decimal(percent),
                    created_by=77,
                    created_at=moment,
                    updated_at=moment,
                )
            )
    members = select(col(Member.user_id), col(Member.reminders), col(Member.unreachable_at)).where(
        col(Member.user_id) == bindparam("who")
    )
    targets = select(col(Target.indicator), col(Target.percent)).where(
        col(Target.year) == bindparam("year"), col(Target.indicator).in_(["iku1", "iku2"])
    )
    for statement, params in ((members, {"who": 77}), (targets, {"year": 2026})):
        direct = [tuple(r) for r in await db.rows(statement, params)]
        async with db.read() as session:
            through_session = [tuple(r) for r in await rows(session, statement, params)]
        assert direct == through_session
    member = (await db.rows(members, {"who": 77}))[0]
    assert member[1] is False and member[2].replace(tzinfo=UTC) == moment
    assert [tuple(r) for r in await db.rows(targets, {"year": 2026})] == [("iku1", Decimal("87.50"))]
    assert await db.rows(members, {"who": 78}) == []  # the same statement, other values
    await db.dispose()


async def test_a_list_given_at_execution_is_refused(sqlite_url: str) -> None:
    from sqlalchemy import bindparam, select

    from models.tables import Member

    db = Database(sqlite_url)
    statement = select(col(Member.user_id)).where(col(Member.user_id).in_(bindparam("ids", expanding=True)))
    with pytest.raises(TypeError, match="list"):
        await db.rows(statement, {"ids": [1, 2]})
    await db.dispose()


async def test_a_failed_batch_leaves_nothing_behind(db_url: str) -> None:
    from datetime import UTC, date, datetime

    from sqlalchemy import bindparam, insert, select

    from models.tables import Holiday

    db = Database(db_url)
    add = insert(Holiday).values(
        day=bindparam("day"), name=bindparam("name"), created_by=1, created_at=datetime(2026, 1, 1, tzinfo=UTC)
    )

    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await db.write_batch(
            [(add, [{"day": date(2026, 8, 17), "name": "HUT RI"}, {"day": date(2026, 8, 17), "name": "Lagi"}])]
        )
    await db.write_batch([(add, [{"day": date(2026, 12, 25), "name": "Natal"}])])
    days = [tuple(r) for r in await db.rows(select(col(Holiday.day), col(Holiday.name)))]
    assert days == [(date(2026, 12, 25), "Natal")]
    await db.dispose()


async def test_reads_that_grow_with_the_data_run_off_the_event_loop(sqlite_url: str) -> None:
    """`long_read` (a year's workbook, the feed, the dashboard, a digest): SQLite's work in aiosqlite's
    worker thread, so a long read does not hold up other chats; `read` on the loop's own thread."""
    import threading

    db = Database(sqlite_url)
    ran_in: dict[str, int] = {}

    async def where(session, label: str) -> None:
        driver = (await (await session.connection()).get_raw_connection()).driver_connection

        def note(_sql: str) -> None:
            ran_in[label] = threading.get_ident()

        if isinstance(driver, sqlite_inline.Connection):
            driver._conn.set_trace_callback(note)
        else:
            await driver.set_trace_callback(note)
        await session.exec(text("SELECT count(*) FROM probe"))

    async with db.long_read() as session:
        await where(session, "long_read")
    async with db.read() as session:
        await where(session, "read")
    assert ran_in["read"] == threading.get_ident()
    assert ran_in["long_read"] != threading.get_ident()
    await db.dispose()


async def test_a_commit_goes_to_a_thread_only_under_load_and_a_cancelled_write_waits_for_it(sqlite_url: str) -> None:
    """The durable COMMIT waits for the disk. Alone it runs on the loop's thread (a hand-off to a worker
    took longer than the fsync); with another writer queued behind it, in a worker thread, so the loop
    goes on. A caller cancelled meanwhile must not roll back on the connection while the thread still
    commits: it waits for the commit, then the cancellation goes on."""
    import threading

    from sqlalchemy import bindparam

    db = Database(sqlite_url)
    real = db._plain_connection("durable")
    committing, release = threading.Event(), threading.Event()
    commits_in: list[int] = []

    class HeldCommit:
        """The durable connection; its COMMIT noted, and held until the test releases it."""

        def __getattr__(self, name: str):
            return getattr(real, name)

        def commit(self) -> None:
            commits_in.append(threading.get_ident())
            committing.set()
            release.wait(10)
            real.commit()

    db._plain["durable"] = HeldCommit()  # type: ignore[assignment]
    statement = text("INSERT INTO probe (key, value) VALUES (:key, :value)").bindparams(
        bindparam("key"), bindparam("value")
    )

    async def write(key: str) -> None:
        async with db.transaction() as tx:
            await tx.rows(statement, {"key": key, "value": "x"})

    release.set()
    await write("alone")
    assert commits_in == [threading.get_ident()]  # alone: on the loop's thread

    release.clear()
    committing.clear()
    opened = asyncio.Event()

    async def hold_the_turn() -> None:  # so that both writes queue, as under load
        async with db._writers_turn():
            await opened.wait()

    holder = asyncio.create_task(hold_the_turn())
    await asyncio.sleep(0)
    first = asyncio.create_task(write("cancelled"))
    await asyncio.sleep(0)
    second = asyncio.create_task(write("queued"))  # waits for the writers' turn behind the first
    await asyncio.sleep(0)
    opened.set()
    await holder
    assert await asyncio.to_thread(committing.wait, 10)
    assert commits_in[-1] != threading.get_ident()  # under load: in a worker thread
    first.cancel()
    for _ in range(20):  # the cancelled write stays on its commit however often the loop turns
        await asyncio.sleep(0)
    assert not first.done()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await first
    await second
    # The commit went through before the cancellation took effect; the connection is still usable.
    stored = sorted(key for (key,) in await db.rows(text("SELECT key FROM probe")))
    assert stored == ["alone", "cancelled", "queued"]
    await db.dispose()
