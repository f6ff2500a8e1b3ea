"""Helpers for the weekly digest tests: extra Applications on the same database, group events, and
reading back what was sent and recorded."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from telegram import Update

from bot.app import build_application
from bot.offline_api import BOT_USER
from models.clock import Clock
from models.tables import DigestDelivery, Subscription
from tests.botapi import RecordingBotApi
from tests.conftest import ADMIN, BotHarness, make_settings

GROUP = -100123
_update_ids = itertools.count(900_000)
_update_bases = itertools.count(100_000, 100_000)


class Apps:
    """Builds Applications on one database (as separate bot processes would be) and closes them."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.open: list[BotHarness] = []

    async def start(
        self,
        *,
        tz: str = "Asia/Jakarta",
        at: datetime | None = None,
        clock: Clock | None = None,
        api: RecordingBotApi | None = None,
        rate_limit: bool = False,
        **settings: Any,
    ) -> BotHarness:
        zone = ZoneInfo(tz)
        if clock is None:
            clock = Clock(zone)
            clock.set(at or datetime(2026, 11, 24, 10, 0, tzinfo=zone))
        api = api or RecordingBotApi()
        application = build_application(
            make_settings(self.db_url, timezone=tz, **settings), request=api, clock=clock, rate_limit=rate_limit
        )
        await application.initialize()
        assert application.post_init is not None
        await application.post_init(application)
        harness = BotHarness(application, api, clock)
        # Update ids are unique per bot, not per process: two processes never see the same one.
        harness._update_ids = itertools.count(next(_update_bases))
        self.open.append(harness)
        return harness

    async def stop(self, harness: BotHarness) -> None:
        """A process ends (or crashes: nothing in memory survives, only the database)."""
        self.open.remove(harness)
        await harness.app.shutdown()
        await harness.app.post_shutdown(harness.app)

    async def close(self) -> None:
        for harness in list(self.open):
            await self.stop(harness)


def digest_calls(api: RecordingBotApi, chat: int | None = None) -> list[tuple[str, int]]:
    """(method, chat id) of every digest message sent: the text and the chart."""
    out = []
    for call in api.calls:
        if call.method == "sendPhoto" or (call.method == "sendMessage" and "Ringkasan Mingguan" in call.params["text"]):
            chat_id = int(call.params["chat_id"])
            if chat is None or chat_id == chat:
                out.append((call.method, chat_id))
    return out


def digest_texts(api: RecordingBotApi, chat: int | None = None) -> list[str]:
    return [
        c.params["text"]
        for c in api.calls
        if c.method == "sendMessage"
        and "Ringkasan Mingguan" in c.params["text"]
        and (chat is None or int(c.params["chat_id"]) == chat)
    ]


async def deliveries(harness: BotHarness, chat: int | None = None) -> list[DigestDelivery]:
    async with harness.db.session() as session:
        query = select(DigestDelivery).order_by(col(DigestDelivery.slot), col(DigestDelivery.id))
        if chat is not None:
            query = query.where(DigestDelivery.chat_id == chat)
        return list((await session.exec(query)).all())


async def find_subscription(harness: BotHarness, chat: int = GROUP) -> Subscription | None:
    async with harness.db.session() as session:
        return await session.get(Subscription, chat)


async def subscription(harness: BotHarness, chat: int = GROUP) -> Subscription:
    """The stored subscription; a test that expects it to be gone uses find_subscription."""
    found = await find_subscription(harness, chat)
    assert found is not None, f"no subscription for chat {chat}"
    return found


async def subscribe(harness: BotHarness, args: str = "", *, chat: int = GROUP, user: int = ADMIN) -> str:
    return await harness.say(f"/langganan {args}".strip(), user=user, chat=chat, chat_type="group")


def job_ids(harness: BotHarness) -> list[str]:
    """The digest jobs (other housekeeping, such as the ledger pruning, runs beside them)."""
    return sorted(job.id for job in harness.app.job_queue.scheduler.get_jobs() if job.id.startswith("digest:"))


def removed_from(harness: BotHarness, chat: int, status: str = "left", by: int = ADMIN) -> Update:
    member: dict[str, Any] = {"user": BOT_USER, "status": status}
    if status == "kicked":
        member["until_date"] = 0
    data = {
        "update_id": next(_update_ids),
        "my_chat_member": {
            "chat": {"id": chat, "type": "supergroup", "title": "Grup Uji"},
            "from": {"id": by, "is_bot": False, "first_name": "Uji"},
            "date": int(harness.clock.now().timestamp()),
            "old_chat_member": {"user": BOT_USER, "status": "member"},
            "new_chat_member": member,
        },
    }
    return Update.de_json(data, harness.app.bot)


def migration(harness: BotHarness, old: int, new: int, *, in_new_chat: bool = False) -> Update:
    """Telegram's service message about a group upgraded to a supergroup, as seen in the old or new chat."""
    chat = (
        {"id": new, "type": "supergroup", "title": "Grup Uji"}
        if in_new_chat
        else {"id": old, "type": "group", "title": "Grup Uji"}
    )
    message: dict[str, Any] = {
        "message_id": next(_update_ids),
        "date": int(harness.clock.now().timestamp()),
        "chat": chat,
        "from": {"id": ADMIN, "is_bot": False, "first_name": "Uji"},
    }
    message["migrate_from_chat_id" if in_new_chat else "migrate_to_chat_id"] = old if in_new_chat else new
    return Update.de_json({"update_id": next(_update_ids), "message": message}, harness.app.bot)
