"""Updates handled concurrently across chats, in order within a chat (bot/intake.py), with the database
kept right: two chats racing for one enactment number, a slow chat not holding up the others, a flood
in one group not delaying a member elsewhere."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from typing import Any

from sqlmodel import col, select

from models import products
from models.tables import AuditEntry, Product
from tests.botapi import RecordingBotApi, visible_text
from tests.conftest import ADMIN
from tests.helpers import STRANGER, add_member, count, custom_harness

PERUNDANGAN = 2101


def replies_to(api: RecordingBotApi, chat: int) -> list[str]:
    return [visible_text(c.params["text"]) for c in api.sent() if int(c.params.get("chat_id", 0)) == chat]


async def wait_for(condition, timeout: float = 10.0, what: str = "") -> None:
    async def poll() -> None:
        while not condition():  # noqa: ASYNC110 - polls what the application does
            await asyncio.sleep(0.005)

    try:
        await asyncio.wait_for(poll(), timeout)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def feed(harness, updates) -> None:
    """Hand updates to the running application as the polling Updater does: queued, not awaited."""
    harness.app.update_queue.wait_for_handling = False
    for update in updates:
        await harness.app.update_queue.put(update)


async def test_per_chat_order_is_kept_and_each_write_happens_once(db_url, clock):
    async with custom_harness(db_url, clock) as harness:
        users = [3100 + n for n in range(6)]
        for user in users:
            await add_member(harness, user, "staf", "perundangan")
        updates = [
            harness.message_update(f"/usul perwali 2026-11-20 Judul {user} nomor urut {n}", user=user)
            for n in range(8)
            for user in users
        ]
        await feed(harness, updates)
        await wait_for(lambda: all(len(replies_to(harness.api, u)) >= 8 for u in users), what="all replies")
        await wait_for(lambda: not harness.app.update_queue.in_flight, what="nothing in flight")
        for user in users:
            got = [r for r in replies_to(harness.api, user) if "Usulan dicatat" in r]
            assert [f"nomor urut {n}" in got[n] for n in range(8)] == [True] * 8, got
        async with harness.db.session() as session:
            titles = (await session.exec(select(Product.title))).all()
        assert sorted(titles) == sorted(f"Judul {u} nomor urut {n}" for n in range(8) for u in users)
        assert await count(harness, AuditEntry, AuditEntry.action == "product.propose") == len(updates)


class HeldChat(RecordingBotApi):
    """Holds every message to one chat until released."""

    def __init__(self, chat: int) -> None:
        super().__init__()
        self.chat = chat
        self.release = asyncio.Event()

    async def do_request(  # type: ignore[override]
        self, url: str, method: str, request_data: Any = None, **kwargs: Any
    ) -> tuple[int, bytes]:
        if (
            url.endswith("/sendMessage")
            and request_data
            and int(request_data.parameters.get("chat_id", 0)) == self.chat
        ):
            await self.release.wait()
        return await super().do_request(url, method, request_data, **kwargs)


async def test_a_slow_chat_does_not_hold_up_the_others_and_its_own_updates_wait(db_url, clock):
    api = HeldChat(ADMIN)
    async with custom_harness(db_url, clock, api=api) as harness:
        api.release.set()
        await add_member(harness, 3201, "pimpinan")
        api.release.clear()
        first, second = harness.message_update("/iku", user=ADMIN), harness.message_update("/bantuan", user=ADMIN)
        other = harness.message_update("/iku", user=3201)
        await feed(harness, [first, second, other])
        await wait_for(lambda: len(replies_to(api, 3201)) == 1, what="the other chat's reply")
        assert second.update_id in harness.app.update_queue.in_flight  # waits behind the held one
        assert harness.app.update_queue.watermark() == first.update_id  # not confirmed to Telegram yet
        api.release.set()
        await wait_for(lambda: len(replies_to(api, ADMIN)) >= 3, what="the held chat's replies")
        assert "Capaian" in replies_to(api, ADMIN)[-2] and "Perintah yang dapat" in replies_to(api, ADMIN)[-1]


async def test_two_chats_racing_for_one_enactment_number(harness, monkeypatch, caplog):
    """Both checks find number 7 free before either writes: the unique key decides, the other is told."""
    await add_member(harness, PERUNDANGAN, "staf", "perundangan")
    for title in ("Satu", "Dua"):
        await harness.say(f"/usul perwali 2026-03-01 Peraturan {title}")
    real_check = products.ensure_number_free
    arrived = 0
    both_checked = asyncio.Event()

    async def check_then_wait(*args, **kwargs) -> None:
        nonlocal arrived
        await real_check(*args, **kwargs)
        arrived += 1
        if arrived <= 2:  # the first two checks wait for each other; a retry goes straight on
            if arrived == 2:
                both_checked.set()
            # On SQLite this process runs one transaction at a time (models/db.py), so the second check
            # cannot start before the first write commits: there the wait ends after a moment.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(both_checked.wait(), 0.5)

    monkeypatch.setattr(products, "ensure_number_free", check_then_wait)
    caplog.set_level(logging.WARNING)
    one = harness.message_update("/tetapkan 1 7 2026-03-10", user=ADMIN)
    two = harness.message_update("/tetapkan 2 7 2026-03-10", user=PERUNDANGAN)
    start = len(harness.api.calls)
    await asyncio.gather(harness.app.process_update(one), harness.app.process_update(two))
    sent: dict[int, list[str]] = defaultdict(list)
    for call in harness.api.sent(start):
        sent[int(call.params["chat_id"])].append(visible_text(call.params["text"]))
    texts = sent[ADMIN] + sent[PERUNDANGAN]
    assert len(sent[ADMIN]) == 1 and len(sent[PERUNDANGAN]) == 1, sent
    assert sum("Penetapan dicatat" in t for t in texts) == 1, texts
    assert sum("Nomor 7 Tahun 2026 untuk Perwali sudah dipakai" in t for t in texts) == 1, texts
    assert "error while handling" not in caplog.text
    async with harness.db.session() as session:
        numbered = (await session.exec(select(Product.number).where(col(Product.number).is_not(None)))).all()
    assert numbered == [7]
    assert await count(harness, AuditEntry, AuditEntry.action == "product.enact") == 1


async def test_a_stranger_flooding_a_group_does_not_delay_a_member_elsewhere(db_url, clock):
    """Issue 9, defect 2: 100 commands from a stranger in a group, then a member's /iku in private, with
    the rate limiter on. The stranger gets one reply; the member's comes within 2 seconds."""
    async with custom_harness(db_url, clock, rate_limit=True, flood_updates_per_minute=30) as harness:
        await add_member(harness, 3301, "pimpinan")
        group = -100555
        flood = [
            harness.message_update("/start", user=STRANGER, chat=group, chat_type="supergroup") for _ in range(100)
        ]
        await feed(harness, flood)
        loop = asyncio.get_running_loop()
        asked = loop.time()
        await feed(harness, [harness.message_update("/iku", user=3301)])
        await wait_for(lambda: replies_to(harness.api, 3301), timeout=2.0, what="the member's /iku within 2 s")
        assert loop.time() - asked < 2.0 and "Capaian" in replies_to(harness.api, 3301)[0]
        await wait_for(lambda: not harness.app.update_queue.in_flight, what="the flood handled")
        assert len(replies_to(harness.api, group)) == 1 and str(STRANGER) in replies_to(harness.api, group)[0]
