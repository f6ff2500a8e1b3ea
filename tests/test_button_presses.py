"""Button presses and dialogue state under stress: late presses, data nobody offered, dialogues in two
chats at once, records that disappear while a dialogue works on them (issue 9, defects 3, 6, 9, 11)."""

from __future__ import annotations

import asyncio
import logging

from sqlmodel import select

from bot.persistence import DatabasePersistence
from handlers.dialog import DIALOG_LOST, DRAFTS, LEGACY_DRAFT, RECORD_GONE, STALE_BUTTON
from models.tables import PersistenceEntry, Product
from tests.conftest import ADMIN, running_harness
from tests.helpers import all_rows, state

GROUP = -100_777
TOO_OLD = (400, "Bad Request: query is too old and response timeout expired or query id is invalid", None)


async def products(harness) -> list[Product]:
    return await all_rows(harness, Product)


def errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def to_summary(harness) -> None:
    await harness.say("/usul")
    await harness.press("Perwali")
    await harness.say("Tata Cara Pengelolaan Arsip")
    await harness.press("Hari ini")
    assert [label for label, _, _ in harness.buttons()] == ["Simpan", "Batal"]


# --- defect 3: late presses --------------------------------------------------------------------------


async def test_simpan_saves_although_telegram_refuses_the_late_answer(harness, caplog):
    await to_summary(harness)
    [(_, data, message_id)] = [b for b in harness.buttons() if b[0] == "Simpan"]
    harness.api.failures["answerCallbackQuery"] = [TOO_OLD, TOO_OLD]
    with caplog.at_level(logging.DEBUG):
        replies = await harness.process(harness.callback_update(data, message_id=message_id))
    assert len(replies) == 1 and "Usulan dicatat" in replies[0], replies
    assert not any("Maaf" in r for r in replies)
    [saved] = await products(harness)
    assert saved.title == "Tata Cara Pengelolaan Arsip"
    assert errors(caplog) == []
    refused = [r for r in caplog.records if "could not answer button press" in r.getMessage()]
    assert refused and all(r.levelno == logging.DEBUG for r in refused)


async def test_stale_button_with_a_refused_answer_is_silent_and_logs_no_error(harness, caplog):
    harness.api.failures["answerCallbackQuery"] = [TOO_OLD]
    with caplog.at_level(logging.DEBUG):
        replies = await harness.process(harness.callback_update("usul|9|y|"))
    assert replies == []
    assert errors(caplog) == []
    assert await products(harness) == []


# --- defect 6: button data is checked against what the step offered -----------------------------------


async def test_skip_on_a_required_step_is_refused_like_a_stale_button(harness):
    await harness.say("/usul perwali 2026-03-01 Tata Cara Arsip")
    await harness.say("/tetapkan")
    await harness.press("#1 Perwali — Tata Cara Arsip")
    before = await state(harness)
    # The number step offers only Batal; "skip" would enact the product without a number.
    for forged in ("tetapkan|1|s|", "tetapkan|1|x|7", "tetapkan|1|c|7", "tetapkan|1|y|", "tetapkan|1|g|-5"):
        assert await harness.press_data(forged) == [], forged
        assert harness.last_answer == STALE_BUTTON, forged
    assert await state(harness) == before
    assert "Tanggal penetapan" in await harness.say("7")  # the dialogue is still at the number step
    await harness.press("Hari ini")
    assert "Penetapan dicatat" in (await harness.press("Simpan"))[0]
    [enacted] = await products(harness)
    assert enacted.number == 7


async def test_a_choice_that_was_not_offered_is_refused(harness):
    await harness.say("/usul")
    assert await harness.press_data("usul|0|c|perda2") == []
    assert harness.last_answer == STALE_BUTTON
    assert await harness.press_data("usul|0|c|perda|x") == []
    assert "judul" in (await harness.press("Perda"))[0]
    # Buttons of an earlier step stay refused once the step moved on.
    assert await harness.press_data("usul|0|c|perwali") == []
    assert harness.last_answer == STALE_BUTTON


# --- defect 9: state and draft share one key; persistence writes per key -------------------------------


def timeout_job(harness, chat: int, user: int):
    jobs = [job for job in harness.app.job_queue.jobs() if getattr(job.data, "conversation_key", None) == (chat, user)]
    assert jobs, [job.name for job in harness.app.job_queue.jobs()]
    return jobs[0]


async def test_a_group_dialogue_timing_out_leaves_the_private_one_alone(harness):
    await harness.say("/usul")
    await harness.press("Perwali")
    await harness.say("/usul", chat=GROUP, chat_type="supergroup")
    start = len(harness.api.calls)
    await timeout_job(harness, GROUP, ADMIN).run(harness.app)
    assert [c.params["chat_id"] for c in harness.api.sent(start)] == [GROUP]
    assert "Tanggal usulan" in await harness.say("Tata Cara Arsip")
    await harness.press("Hari ini")
    assert "Usulan dicatat" in (await harness.press("Simpan"))[0]
    [saved] = await products(harness)
    assert (saved.kind, saved.title) == ("perwali", "Tata Cara Arsip")


async def test_dialogues_in_two_chats_each_keep_their_own_draft(harness):
    await harness.say("/usul")
    await harness.press("Perwali")
    await harness.say("/usul", chat=GROUP, chat_type="supergroup")
    assert "Tanggal usulan" in await harness.say("Judul Pribadi")
    reply = await harness.say("Judul Grup", chat=GROUP, chat_type="supergroup")
    assert "pilih salah satu tombol" in reply.lower()  # the group dialogue is still at its first step


async def test_concurrent_writes_of_two_dialogues_both_survive(harness):
    persistence = DatabasePersistence(harness.db)
    await asyncio.gather(
        *(persistence.update_conversation("uji", (chat, ADMIN), "active") for chat in range(1, 9)),
    )
    assert await persistence.get_conversations("uji") == {(chat, ADMIN): "active" for chat in range(1, 9)}
    await asyncio.gather(
        persistence.update_conversation("uji", (1, ADMIN), None),
        persistence.update_conversation("uji", (2, ADMIN), "other"),
    )
    stored = await persistence.get_conversations("uji")
    assert (1, ADMIN) not in stored and stored[(2, ADMIN)] == "other" and len(stored) == 7


async def test_conversations_stored_in_one_row_are_read_and_moved_to_a_row_per_key(harness):
    async with harness.db.session() as session:
        session.add(PersistenceEntry(kind="conversation", key="uji", value={"[5, 1001]": "active"}))
    persistence = DatabasePersistence(harness.db)
    assert await persistence.get_conversations("uji") == {(5, ADMIN): "active"}
    async with harness.db.session() as session:
        keys = (await session.exec(select(PersistenceEntry.key).where(PersistenceEntry.kind == "conversation"))).all()
    assert sorted(keys) == ["uji|[5, 1001]"]
    assert await persistence.get_conversations("uji") == {(5, ADMIN): "active"}


async def test_two_dialogues_of_one_user_survive_a_restart(db_url, clock):
    async with running_harness(db_url, clock) as one:
        await one.say("/usul")
        await one.press("Kepwali")
        await one.say("/usul", chat=GROUP, chat_type="supergroup")
        [(_, data, message_id)] = [b for b in one.buttons() if b[0] == "Perda"]
        await one.process(one.callback_update(data, chat=GROUP, message_id=message_id))

    async with running_harness(db_url, clock, first_update_id=1000) as two:
        assert "Tanggal usulan" in await two.say("Judul Pribadi")
        assert "Tanggal usulan" in await two.say("Judul Grup", chat=GROUP, chat_type="supergroup")


async def test_a_dialogue_whose_draft_was_lost_says_so_instead_of_staying_silent(harness):
    await harness.say("/usul")
    await harness.press("Perwali")
    harness.app.user_data[ADMIN].pop(DRAFTS)  # state and draft are stored apart; a crash can keep one
    assert await harness.say("Tata Cara Arsip") == DIALOG_LOST
    assert "Silakan gunakan perintah" in await harness.say("Tata Cara Arsip")
    assert await products(harness) == []


async def test_a_draft_stored_per_user_before_the_upgrade_goes_on(harness):
    await harness.say("/usul")
    await harness.press("Perwali")
    data = harness.app.user_data[ADMIN]
    data[LEGACY_DRAFT] = data.pop(DRAFTS)[str(ADMIN)]  # as the previous version stored it
    assert "Tanggal usulan" in await harness.say("Tata Cara Arsip")
    assert LEGACY_DRAFT not in data and str(ADMIN) in data[DRAFTS]


# --- defect 11: a dialogue whose record disappeared ends with a clear message -------------------------


async def test_a_dialogue_whose_record_was_undone_ends_with_a_clear_message(harness):
    await harness.say("/usul perwali 2026-03-01 Tata Cara Arsip")
    await harness.say("/usul perda 2026-03-02 Pajak Daerah")
    await harness.say("/tetapkan")
    await harness.press("#2 Perda — Pajak Daerah")
    assert "Diurungkan" in await harness.say("/urungkan")
    assert [p.id for p in await products(harness)] == [1]
    reply = await harness.say("7")
    assert reply == RECORD_GONE.format(id=2)
    assert "Silakan gunakan perintah" in await harness.say("8")  # the dialogue is over
    await harness.say("/usul kepwali 2026-03-03 Tim Penyusun")
    assert [p.id for p in await products(harness)] == [1, 3]  # #2 is not handed out again
    assert all(p.number is None for p in await products(harness))
