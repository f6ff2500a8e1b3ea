"""Forwarded messages and messages via another bot are never executed (issue 9, defect 7)."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from handlers.forwarded import NOT_RUN
from models.tables import Member, Product
from tests.conftest import ADMIN
from tests.helpers import all_rows, count, state

SOMEONE = {"type": "user", "date": 1_790_000_000, "sender_user": {"id": 4242, "is_bot": False, "first_name": "Lain"}}
INLINE_BOT = {"id": 777, "is_bot": True, "first_name": "Inline", "username": "inline_bot"}


def odd_update(harness, text: str, how: str, **kwargs: Any) -> Update:
    data = harness.message_update(text, **kwargs).to_dict()
    if how == "forwarded":
        data["message"]["forward_origin"] = SOMEONE
    else:
        data["message"]["via_bot"] = INLINE_BOT
    return Update.de_json(data, harness.app.bot)


@pytest.mark.parametrize("how", ["forwarded", "via_bot"])
async def test_a_forwarded_command_is_not_run_as_the_forwarder(harness, how):
    before = await state(harness)
    replies = await harness.process(odd_update(harness, "/anggota tambah 999 admin Penyusup", how))
    assert replies == [NOT_RUN]
    assert await count(harness, Member, Member.user_id == 999) == 0
    assert await state(harness) == before


@pytest.mark.parametrize("how", ["forwarded", "via_bot"])
async def test_a_forwarded_message_is_not_an_answer_to_a_dialogue_step(harness, how):
    await harness.say("/usul")
    await harness.press("Perwali")
    assert await harness.process(odd_update(harness, "Judul Dari Orang Lain", how)) == [NOT_RUN]
    reply = await harness.say("Judul Sendiri")  # the dialogue still waits for the title
    assert "Tanggal usulan?" in reply
    await harness.press("Hari ini")
    await harness.press("Simpan")
    assert [p.title for p in await all_rows(harness, Product)] == ["Judul Sendiri"]


async def test_in_a_group_only_a_forwarded_command_is_answered(harness):
    group = {"chat": -100555, "chat_type": "group"}
    assert await harness.process(odd_update(harness, "Berita hari ini", "forwarded", **group)) == []
    assert await harness.process(odd_update(harness, "/usul perwali Judul", "forwarded", **group)) == [NOT_RUN]
    assert await count(harness, Product) == 0


async def test_a_message_typed_by_the_member_still_runs(harness):
    assert "✅" in await harness.say("/anggota tambah 999 staf bankum Budi", user=ADMIN)
    assert await count(harness, Member, Member.user_id == 999) == 1
