"""Flood control (bot/gate.py): one account cannot stall the bot for everyone."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram import Update

from bot.offline_api import BOT_USER
from tests.conftest import ADMIN
from tests.helpers import STRANGER, add_member, custom_harness

GROUP = -100777


def added_to_group(harness, by: int, chat: int = GROUP) -> Update:
    data: dict[str, Any] = {
        "update_id": 900_000 + by,
        "my_chat_member": {
            "chat": {"id": chat, "type": "supergroup", "title": "Grup Lain"},
            "from": {"id": by, "is_bot": False, "first_name": "Uji"},
            "date": int(harness.clock.now().timestamp()),
            "old_chat_member": {"user": BOT_USER, "status": "left"},
            "new_chat_member": {"user": BOT_USER, "status": "member"},
        },
    }
    return Update.de_json(data, harness.app.bot)


def calls(harness, method: str, since: int = 0) -> list:
    return [c for c in harness.api.calls[since:] if c.method == method]


async def test_a_non_member_gets_one_reply_per_ten_minutes(harness, caplog):
    caplog.set_level(logging.INFO)
    replies = [await harness.send("/start", user=STRANGER) for _ in range(5)]
    assert len(replies[0]) == 1 and str(STRANGER) in replies[0][0]
    assert replies[1:] == [[], [], [], []]
    assert "outcome=ignored" in caplog.text
    harness.clock.advance(timedelta(minutes=9, seconds=59))
    assert await harness.send("/iku", user=STRANGER) == []
    harness.clock.advance(timedelta(seconds=1))
    again = await harness.send("/iku", user=STRANGER)
    assert len(again) == 1 and str(STRANGER) in again[0]
    assert f"non-member {STRANGER}: 5 updates ignored" in caplog.text


async def test_a_non_member_who_got_no_reply_is_not_silenced(harness):
    # Plain text in a group gets no answer, so the refusal is still owed when they send a command.
    assert await harness.send("halo semua", user=STRANGER, chat=GROUP, chat_type="supergroup") == []
    reply = await harness.say("/start", user=STRANGER, chat=GROUP, chat_type="supergroup")
    assert str(STRANGER) in reply


async def test_more_than_30_updates_a_minute_are_ignored_for_the_rest_of_it(db_url, clock, caplog):
    async with custom_harness(db_url, clock, flood_updates_per_minute=30) as harness:
        await flood_one_minute(harness, caplog)


async def flood_one_minute(harness, caplog) -> None:
    await add_member(harness, 3001, "pimpinan")
    caplog.set_level(logging.INFO)
    answered = 0
    for _ in range(35):
        answered += len(await harness.send("/bantuan", user=3001))
        harness.clock.advance(timedelta(seconds=1))
    assert answered == 30
    assert caplog.text.count("user 3001 sent more than 30 updates within a minute") == 1
    harness.clock.advance(timedelta(seconds=26))  # a minute after the first
    assert len(await harness.send("/bantuan", user=3001)) == 1
    # Everyone else was never affected.
    assert len(await harness.send("/bantuan", user=ADMIN)) == 1


async def test_added_to_a_group_by_a_stranger_the_bot_says_so_and_leaves(harness):
    start = len(harness.api.calls)
    await harness.app.process_update(added_to_group(harness, by=STRANGER))
    [message] = calls(harness, "sendMessage", start)
    assert message.params["chat_id"] == GROUP and "admin atau kepala subbagian" in message.params["text"]
    assert [c.params["chat_id"] for c in calls(harness, "leaveChat", start)] == [GROUP]


async def test_added_by_a_staff_member_the_bot_leaves_too_but_not_when_a_kasubbag_adds_it(harness):
    await add_member(harness, 3002, "staf", "bankum")
    await add_member(harness, 3003, "kasubbag", "bankum")
    start = len(harness.api.calls)
    await harness.app.process_update(added_to_group(harness, by=3002, chat=-100778))
    assert len(calls(harness, "leaveChat", start)) == 1
    start = len(harness.api.calls)
    await harness.app.process_update(added_to_group(harness, by=3003, chat=-100779))
    await harness.app.process_update(added_to_group(harness, by=ADMIN, chat=-100780))
    assert calls(harness, "leaveChat", start) == [] and calls(harness, "sendMessage", start) == []
