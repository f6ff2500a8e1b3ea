"""The pieces of bot/intake.py and models/ledger.py that keep concurrent handling cheap: updates still in
flight dropped from getUpdates' answer before they are parsed, the poll not repeated while a reply is
being composed, and ledger markers of updates finishing together committed together."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from bot.intake import FreshUpdatesRequest, HandledQueue, WatermarkBot, confirm_handled
from models import ledger
from models.db import Database
from models.tables import ProcessedUpdate
from tests.conftest import message_data


def update_json(update_id: int, user: int = 5001) -> dict[str, Any]:
    return {"update_id": update_id, "message": message_data("/iku", message_id=update_id, user_id=user, date=0)}


async def queued(queue: HandledQueue, update_id: int):
    """An update put in the queue as the polling Updater puts it: in flight until handled."""
    from telegram import Bot, Update

    update = Update.de_json(update_json(update_id), Bot("123:TEST"))
    queue.wait_for_handling = False
    await queue.put(update)
    return update


async def test_updates_in_flight_are_dropped_from_the_answer_before_parsing():
    queue = HandledQueue()
    await queued(queue, 10)
    request = FreshUpdatesRequest(queue)
    payload = json.dumps({"ok": True, "result": [update_json(10), update_json(11), update_json(12)]}).encode()

    data = request.parse_json_payload(payload)

    assert [u["update_id"] for u in data["result"]] == [11, 12]
    # Handled but not yet confirmed to Telegram: still not handed out again.
    queue.handled(await queue.get())
    assert [u["update_id"] for u in request.parse_json_payload(payload)["result"]] == [11, 12]
    # Other answers (errors, other methods' results) pass unchanged.
    assert request.parse_json_payload(b'{"ok": false, "description": "x"}') == {"ok": False, "description": "x"}
    assert request.parse_json_payload(b'{"ok": true, "result": true}') == {"ok": True, "result": True}


class CountingBot:
    """get_updates as the Bot API stand-in would answer: every update from the offset on."""

    def __init__(self, pending: list[int]) -> None:
        self.pending = pending
        self.asked: list[tuple[int | None, float]] = []
        self.timeouts: list[object] = []

    async def get_updates(self, offset: int | None = None, **kwargs: Any):
        from telegram import Bot, Update

        self.asked.append((offset, asyncio.get_running_loop().time()))
        self.timeouts.append(kwargs.get("timeout"))
        return tuple(Update.de_json(update_json(u), Bot("123:TEST")) for u in self.pending if u >= (offset or 0))


async def test_while_an_update_is_in_flight_telegram_is_not_asked_again_until_it_is_handled_or_a_pause():
    queue = HandledQueue()
    bot = CountingBot([10])
    watermark = WatermarkBot(bot, queue)
    watermark.IN_FLIGHT_WAIT = 60  # the pause cannot end by itself during this test
    queue.wait_for_handling = False  # polling: the watermark does the waiting
    first = await watermark.get_updates(offset=0, timeout=10)
    assert [u.update_id for u in first] == [10]
    await queue.put(first[0])  # as the Updater queues it

    asking = asyncio.create_task(watermark.get_updates(offset=11, timeout=10))
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(bot.asked) == 1, "asked again while the only update was still being handled"
    queue.handled(await queue.get())
    bot.pending = [11]
    again = await asyncio.wait_for(asking, 1)
    # Asked from the watermark's successor once the update was handled: 10 is confirmed, 11 is new.
    assert bot.asked[1][0] == 11 and [u.update_id for u in again] == [11]


async def test_a_long_handler_does_not_keep_other_chats_waiting_beyond_the_pause():
    queue = HandledQueue()
    bot = CountingBot([10])
    watermark = WatermarkBot(bot, queue)
    watermark.IN_FLIGHT_WAIT = 0.001
    queue.wait_for_handling = False
    await queue.put((await watermark.get_updates(offset=0))[0])
    bot.pending = [10, 11]

    # 10 is never handled here: after the pause Telegram is asked anyway, from 10 (not confirmed);
    # 11 is handed out, 10 not again.
    fresh = await asyncio.wait_for(watermark.get_updates(offset=11), 5)
    assert bot.asked[-1][0] == 10 and [u.update_id for u in fresh] == [11]


@pytest.fixture
async def database(db_url):
    db = Database(db_url)
    yield db
    await db.dispose()


async def test_markers_of_updates_finishing_together_are_committed_together(database, clock):
    commits: list[int] = []
    event.listen(database.engine.sync_engine, "commit", lambda conn: commits.append(1))
    now = clock.utcnow()

    await asyncio.gather(*(ledger.mark_handled(database, 100 + n, now) for n in range(20)))

    async with database.read() as session:
        stored = (await session.exec(select(ProcessedUpdate.update_id).order_by(col(ProcessedUpdate.update_id)))).all()
    assert list(stored) == list(range(100, 120))
    assert len(commits) < 5, f"{len(commits)} transactions for 20 markers"
    # Alone, a marker is written at once; a replied mark lands on its write's marker.
    await ledger.mark_handled(database, 200, now)
    await ledger.mark_replied(database, 200)
    async with database.read() as session:
        assert (await session.get(ProcessedUpdate, 200)) is not None


async def test_a_failed_marker_write_is_reported_to_every_caller_of_its_batch(database, clock, monkeypatch):
    async def broken(self, markers):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ledger._Markers, "_commit", broken)
    results = await asyncio.gather(
        *(ledger.mark_handled(database, 300 + n, clock.utcnow()) for n in range(3)), return_exceptions=True
    )
    assert [str(r) for r in results] == ["disk full"] * 3


async def test_a_long_backlog_is_worked_off_by_half_before_telegram_is_asked_again():
    queue = HandledQueue()
    bot = CountingBot(list(range(10, 30)))
    watermark = WatermarkBot(bot, queue)
    watermark.IN_FLIGHT_WAIT, watermark.MAX_WAIT = 0.0, 60.0
    queue.wait_for_handling = False
    for update in await watermark.get_updates(offset=0):
        await queue.put(update)
    asking = asyncio.create_task(watermark.get_updates(offset=30))

    for handled in range(10):
        for _ in range(5):
            await asyncio.sleep(0)
        assert len(bot.asked) == 1, f"asked again with {20 - handled} of 20 still in flight"
        queue.handled(await queue.get())
    # Ten of twenty handled: Telegram is asked again, from the lowest still in flight.
    await asyncio.wait_for(asking, 5)
    assert bot.asked[1][0] == 20


def test_markers_are_written_when_one_database_outlives_an_event_loop(db_url, clock):
    """The CLI and the console may run more than one asyncio.run over one Database."""
    db = Database(db_url)

    async def stranded() -> None:
        # A write in progress when its loop ends: the marker batch's writer is left unfinished.
        batch = ledger._markers(db)
        batch.writer = asyncio.get_running_loop().create_task(asyncio.sleep(3600))
        batch.pending.append((("handled", 1, clock.utcnow()), asyncio.get_running_loop().create_future()))

    async def then() -> None:
        await asyncio.wait_for(ledger.mark_handled(db, 500, clock.utcnow()), 5)
        async with db.read() as session:
            assert await session.get(ProcessedUpdate, 500) is not None
        await db.dispose()

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(stranded())
    finally:
        loop.close()
    asyncio.run(then())


async def test_an_update_is_released_to_telegram_before_its_marker_is_written(db_url, clock, monkeypatch):
    """The reply is out: the update leaves the in-flight set (so the next getUpdates goes out at once, and
    in webhook mode the request is answered) before its ledger marker is written; the marker follows."""
    from tests.conftest import running_harness

    async with running_harness(db_url, clock) as harness:
        queue = harness.app.update_queue
        assert isinstance(queue, HandledQueue)
        queue.wait_for_handling = False  # as in polling
        release = asyncio.Event()
        commit = ledger._Markers._commit

        async def held(self, markers):
            await release.wait()
            await commit(self, markers)

        monkeypatch.setattr(ledger._Markers, "_commit", held)
        update = harness.message_update("/usul perwali Uji Pelepasan Nomor 7", update_id=900)

        async def marker() -> ProcessedUpdate | None:
            async with harness.db.read() as session:
                return await session.get(ProcessedUpdate, 900)

        await queue.put(update)
        for _ in range(500):
            if queue.watermark() is None and harness.api.sent():
                break
            await asyncio.wait_for(queue.changed.wait(), 5)
        assert queue.watermark() is None  # handled as far as Telegram is concerned
        assert "Usulan dicatat" in harness.api.sent()[-1].params["text"]
        stored = await marker()
        assert stored is not None and not stored.replied  # the write's marker; "replied" still to come

        release.set()
        for _ in range(500):
            stored = await marker()
            if stored is not None and stored.replied:
                break
            await asyncio.sleep(0.01)
        assert stored is not None and stored.replied


async def test_a_poll_cancelled_as_an_update_finishes_stays_cancelled():
    """The Updater stopping cancels the poll paused for updates in flight. When an update finishes in the same
    step, the cancellation must still win: a poll that went on would ask Telegram after the stop."""
    queue = HandledQueue()
    bot = CountingBot([10])
    watermark = WatermarkBot(bot, queue)
    watermark.IN_FLIGHT_WAIT = watermark.MAX_WAIT = 60
    queue.wait_for_handling = False
    await queue.put((await watermark.get_updates(offset=0))[0])
    asking = asyncio.create_task(watermark.get_updates(offset=11, timeout=10))
    for _ in range(5):
        await asyncio.sleep(0)

    queue.handled(await queue.get())
    asking.cancel()

    with pytest.raises(asyncio.CancelledError):
        await asking
    assert len(bot.asked) == 1


async def test_updates_set_aside_on_a_stop_are_never_confirmed_to_telegram():
    """Stopping, the updates taken but not started are set aside: no getUpdates from then on confirms them,
    neither a poll that comes late nor the final confirmation, so Telegram delivers them after the restart."""
    queue = HandledQueue()
    bot = CountingBot([10, 11, 12])
    watermark = WatermarkBot(bot, queue)
    queue.wait_for_handling = False
    for update in await watermark.get_updates(offset=0):
        await queue.put(update)
    queue.handled(await queue.get())
    watermark.stopping = True
    queue.set_aside(await queue.get())
    queue.set_aside(await queue.get())
    assert await queue.drain(1)

    assert await asyncio.wait_for(watermark.get_updates(offset=13, timeout=10), 1) == ()
    assert bot.asked[-1][0] == 11 and bot.timeouts[-1] == 0, "a poll after the stop must not wait for news"
    await confirm_handled(SimpleNamespace(bot=bot, update_queue=queue, last_handled_update_id=10))  # type: ignore[arg-type]
    assert bot.asked[-1][0] == 11
