"""Private reminders: hearings for bankum, unpublished products for dokinfo, sent once at REMINDER_TIME
whatever restarts, second processes, holidays and Telegram's refusals do. The clock is set, never slept on."""

import asyncio
import logging
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from telegram.ext import JobQueue

from bot import scheduler
from models.tables import AuditEntry, Member, ReminderDelivery
from tests.botapi import RecordingBotApi
from tests.conftest import ADMIN, JAKARTA
from tests.digest_support import Apps
from tests.helpers import (
    KASUBBAG_BANKUM,
    KASUBBAG_DOKINFO,
    PEOPLE,
    PIMPINAN,
    STAF_BANKUM,
    STAF_DOKINFO,
    STRANGER,
    add_everyone,
    audit_rows,
    member,
    state,
)
from tests.reminder_support import a_case, a_hearing, a_product, at, deliveries, reminders_sent, run

BANKUM = {KASUBBAG_BANKUM, STAF_BANKUM}
DOKINFO = {KASUBBAG_DOKINFO, STAF_DOKINFO}
WED_9 = date(2026, 12, 9)  # Tuesday 8 December is the working day before


@pytest.fixture
async def team(harness):
    await add_everyone(harness)
    return harness


async def test_hearing_reminders_before_on_and_after_the_reminder_time(team):
    case = await a_case(team)
    await a_hearing(team, case, WED_9, "10:00", agenda="Pembuktian <surat> & saksi")

    await run(team, 2026, 12, 8, 6, 59)
    assert reminders_sent(team.api) == {}

    await run(team, 2026, 12, 8, 7, 0)
    sent = reminders_sent(team.api)
    assert set(sent) == BANKUM  # kasubbag and staf bankum, nobody else
    [text] = sent[STAF_BANKUM]
    assert text.startswith("🔔 Besok ada sidang: Rabu, 9 Desember 2026, pukul 10.00")
    assert "12/Pdt.G/2026/PN Prb" in text and "Gugatan wanprestasi pengadaan" in text
    assert "Pengadilan: Pengadilan Negeri Probolinggo" in text
    assert "Agenda: Pembuktian <surat> & saksi" in text  # escaped in HTML, shown as typed

    for hour in (7, 12, 23):  # the sweep and later passes of that day send nothing more
        await run(team, 2026, 12, 8, hour, 30)
    assert sum(len(v) for v in reminders_sent(team.api).values()) == 2

    mark = len(team.api.calls)
    await run(team, 2026, 12, 9, 6, 0)
    assert reminders_sent(team.api, mark) == {}
    await run(team, 2026, 12, 9, 7, 0)
    day = reminders_sent(team.api, mark)
    assert set(day) == BANKUM and day[KASUBBAG_BANKUM][0].startswith("🔔 Hari ini ada sidang: Rabu, 9 Desember 2026")
    await run(team, 2026, 12, 9, 15, 0)
    assert sum(len(v) for v in reminders_sent(team.api, mark).values()) == 2
    rows = await deliveries(team)
    assert [(r.kind, r.day, r.status) for r in rows] == [
        ("hearing_eve", date(2026, 12, 8), "sent"),
        ("hearing_eve", date(2026, 12, 8), "sent"),
        ("hearing_day", WED_9, "sent"),
        ("hearing_day", WED_9, "sent"),
    ]


async def test_a_hearing_day_reminder_only_before_the_hearing(team):
    case = await a_case(team)
    await a_hearing(team, case, WED_9, "08:00")
    await a_hearing(team, case, WED_9, None, agenda="Jam belum diketahui")
    await run(team, 2026, 12, 9, 8, 30)  # the bot was down at 07:00 and starts after the 08:00 hearing
    sent = reminders_sent(team.api)
    assert set(sent) == BANKUM
    assert [t for t in sent[STAF_BANKUM]] == [sent[STAF_BANKUM][0]]
    assert "jam belum dicatat" in sent[STAF_BANKUM][0] and "Jam belum diketahui" in sent[STAF_BANKUM][0]


async def test_cancelled_hearings_and_resolved_cases_are_not_reminded(team):
    cancelled = await a_case(team, "1/G/2026/PTUN.SBY")
    await a_hearing(team, cancelled, WED_9, cancelled_at=team.clock.utcnow(), cancel_reason="batal")
    resolved = await a_case(team, "2/Pdt.G/2026/PN Prb", resolved_on=date(2026, 11, 20), outcome="Damai")
    await a_hearing(team, resolved, WED_9)
    await run(team, 2026, 12, 8, 7, 0)
    assert reminders_sent(team.api) == {}


async def test_the_working_day_before_skips_weekends_and_holidays(team):
    assert "✅" in await team.say("/libur tambah 2026-12-07 Cuti bersama uji")  # Monday
    case = await a_case(team)
    await a_hearing(team, case, date(2026, 12, 8))  # Tuesday: reminded on Friday 4 December
    await run(team, 2026, 12, 3, 7, 0)
    await run(team, 2026, 12, 4, 6, 59)
    assert reminders_sent(team.api) == {}
    await run(team, 2026, 12, 4, 7, 0)
    sent = reminders_sent(team.api)
    assert set(sent) == BANKUM
    assert sent[STAF_BANKUM][0].startswith("🔔 Sidang mendatang: Selasa, 8 Desember 2026, pukul 09.00")
    for day in (5, 6, 7):  # the weekend and the holiday: nothing more
        await run(team, 2026, 12, day, 7, 0)
    assert sum(len(v) for v in reminders_sent(team.api).values()) == 2
    await run(team, 2026, 12, 8, 7, 0)
    assert sum(len(v) for v in reminders_sent(team.api).values()) == 4


async def test_a_reminder_missed_on_friday_is_sent_on_saturday(team):
    case = await a_case(team)
    await a_hearing(team, case, date(2026, 12, 14))  # Monday; the bot was down on Friday 11 December
    await run(team, 2026, 12, 12, 6, 0)  # not before the reminder time, even to catch up
    assert reminders_sent(team.api) == {}
    await run(team, 2026, 12, 12, 9, 0)
    sent = reminders_sent(team.api)
    assert set(sent) == BANKUM
    assert sent[STAF_BANKUM][0].startswith("🔔 Sidang mendatang: Senin, 14 Desember 2026")
    [row, _] = await deliveries(team)
    assert row.day == date(2026, 12, 11)  # Friday's reminder, sent late
    await run(team, 2026, 12, 13, 9, 0)
    assert sum(len(v) for v in reminders_sent(team.api).values()) == 2


async def test_across_a_restart_nothing_is_doubled_and_the_missed_one_is_sent(db_url):
    apps = Apps(db_url)
    try:
        first = await apps.start(at=JAKARTA_AT(2026, 12, 8, 7, 0))
        await add_everyone(first)
        case = await a_case(first)
        await a_hearing(first, case, WED_9)
        await run(first)
        assert set(reminders_sent(first.api)) == BANKUM
        await apps.stop(first)

        again = await apps.start(at=JAKARTA_AT(2026, 12, 8, 7, 1))
        await run(again)
        assert reminders_sent(again.api) == {}
        await apps.stop(again)

        # Down at 07:00 on the hearing day; started at 08:30, before the 09:00 hearing: sent at start.
        late = await apps.start(at=JAKARTA_AT(2026, 12, 9, 8, 30))
        await run(late)
        sent = reminders_sent(late.api)
        assert set(sent) == BANKUM and sent[STAF_BANKUM][0].startswith("🔔 Hari ini ada sidang")
    finally:
        await apps.close()


def JAKARTA_AT(*when: int) -> datetime:
    return datetime(*when, tzinfo=JAKARTA)  # type: ignore[arg-type, misc]


async def test_two_processes_send_each_reminder_once(db_url):
    apps = Apps(db_url)
    try:
        one = await apps.start(at=JAKARTA_AT(2026, 12, 8, 7, 0))
        two = await apps.start(at=JAKARTA_AT(2026, 12, 8, 7, 0))
        await add_everyone(one)
        case = await a_case(one)
        for n in range(3):
            await a_hearing(one, case, WED_9, f"{9 + n:02d}:00")
        await a_product(one, date(2026, 12, 1))  # 7 days unpublished on Tuesday 8 December
        reports = await asyncio.gather(run(one), run(two), run(one), run(two))
        total: dict[int, list[str]] = {}
        for api in (one.api, two.api):
            for chat, texts in reminders_sent(api).items():
                total.setdefault(chat, []).extend(texts)
        expected = {KASUBBAG_BANKUM: 3, STAF_BANKUM: 3, KASUBBAG_DOKINFO: 1, STAF_DOKINFO: 1}
        assert {chat: len(texts) for chat, texts in total.items()} == expected
        assert sum(len(r.sent) for r in reports) == 8
        rows = await deliveries(one)
        assert len(rows) == 8 and {r.status for r in rows} == {"sent"}
    finally:
        await apps.close()


async def test_unpublished_perda_and_perwali_reminded_once_to_dokinfo(team):
    due = await a_product(team, date(2026, 11, 23), title="Perda yang menunggu")  # Monday + 7 days = Monday 30
    perwali = await a_product(team, date(2026, 11, 24), kind="perwali", title="Perwali yang menunggu")
    await a_product(team, date(2026, 11, 23), kind="kepwali", title="Kepwali tidak dipublikasikan di JDIH")
    await a_product(team, date(2026, 11, 23), title="Sudah terbit", published_on=date(2026, 11, 25))
    await a_product(team, date(2026, 1, 5), title="Lama sekali")  # due long before reminders existed
    await a_product(team, None, title="Belum ditetapkan")

    await run(team, 2026, 11, 30, 6, 59)
    assert reminders_sent(team.api) == {}
    await run(team, 2026, 11, 30, 7, 0)
    sent = reminders_sent(team.api)
    assert set(sent) == DOKINFO
    [text] = sent[STAF_DOKINFO]
    assert f"#{due.id} Perda: Perda yang menunggu" in text and "ditetapkan 23 November 2026 (7 hari lalu)" in text
    assert f"Peraturan Daerah Kota Probolinggo Nomor {due.number} Tahun 2026" in text
    assert f"/publikasi {due.id}" in text

    mark = len(team.api.calls)
    await run(team, 2026, 12, 1, 7, 0)
    sent = reminders_sent(team.api, mark)
    assert set(sent) == DOKINFO and f"#{perwali.id} Perwali" in sent[KASUBBAG_DOKINFO][0]
    for day in range(2, 12):  # once per product, ever
        await run(team, 2026, 12, day, 7, 0)
    assert sum(len(v) for v in reminders_sent(team.api).values()) == 4


async def test_members_with_reminders_off_are_skipped_and_the_switch_is_audited(team):
    assert await team.say("/pengingat mati", user=STAF_BANKUM) == "✅ Pengingat Anda dimatikan."
    assert await team.say("/pengingat mati", user=STAF_BANKUM) == "Pengingat Anda sudah mati."
    assert not (await member(team, STAF_BANKUM)).reminders
    [entry] = await audit_rows(team, "member.reminders")
    assert entry.before is not None and entry.after is not None
    assert entry.actor_id == STAF_BANKUM and entry.before["reminders"] and not entry.after["reminders"]
    case = await a_case(team)
    await a_hearing(team, case, WED_9)
    await run(team, 2026, 12, 8, 7, 0)
    assert set(reminders_sent(team.api)) == {KASUBBAG_BANKUM}

    assert await team.say("/pengingat nyala", user=STAF_BANKUM) == "✅ Pengingat Anda dinyalakan."
    await run(team, 2026, 12, 9, 7, 0)
    assert set(reminders_sent(team.api)) == BANKUM


REFUSED = b'{"ok": false, "error_code": 403, "description": "Forbidden: bot can\'t initiate conversation with a user"}'


class RefusingApi(RecordingBotApi):
    """Telegram answers 403 to private messages to the given users (they never opened a chat)."""

    def __init__(self, refused: set[int]) -> None:
        super().__init__()
        self.refused = refused
        self.refusals: list[int] = []

    async def do_request(self, url, method, request_data=None, *args, **kwargs):
        params = dict(request_data.parameters) if request_data else {}
        chat = int(params.get("chat_id", 0) or 0)
        if url.endswith("/sendMessage") and chat in self.refused:
            self.refusals.append(chat)
            return 403, REFUSED
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def test_403_marks_the_member_unreachable_once_until_they_write_privately(db_url, caplog):
    apps = Apps(db_url)
    api = RefusingApi({STAF_BANKUM})
    try:
        bot = await apps.start(at=JAKARTA_AT(2026, 12, 7, 7, 0), api=api)
        await add_everyone(bot)
        case = await a_case(bot)
        await a_hearing(bot, case, date(2026, 12, 8))
        await a_hearing(bot, case, date(2026, 12, 10))
        with caplog.at_level(logging.WARNING):
            report = await run(bot)
        assert report.unreachable == [STAF_BANKUM] and set(reminders_sent(api)) == {KASUBBAG_BANKUM}
        assert (await member(bot, STAF_BANKUM)).unreachable_at is not None
        rows = await deliveries(bot)
        assert {(r.user_id, r.status) for r in rows} == {(KASUBBAG_BANKUM, "sent"), (STAF_BANKUM, "unreachable")}
        noted = [r for r in caplog.records if "cannot be sent private reminders" in r.getMessage()]
        assert len(noted) == 1

        for day, hour in ((8, 7), (9, 7), (9, 12)):  # not tried again, not logged again
            await run(bot, 2026, 12, day, hour, 0)
        assert api.refusals == [STAF_BANKUM]
        assert len([r for r in caplog.records if "cannot be sent private reminders" in r.getMessage()]) == 1

        # The member opens a private chat with the bot: reminders reach them again.
        api.refused.clear()
        reply = await bot.say("/pengingat", user=STAF_BANKUM)
        assert reply.startswith("Pengingat Anda: nyala") and "tidak dapat dikirim" not in reply
        assert (await member(bot, STAF_BANKUM)).unreachable_at is None
        await run(bot, 2026, 12, 10, 7, 0)
        assert reminders_sent(api)[STAF_BANKUM][0].startswith("🔔 Hari ini ada sidang")
    finally:
        await apps.close()


async def test_a_group_message_does_not_clear_the_unreachable_mark(team):
    async with team.db.session() as session:
        row = await session.get(Member, STAF_BANKUM)
        assert row is not None
        row.unreachable_at = team.clock.utcnow()
    reply = await team.say("/pengingat", user=STAF_BANKUM, chat=-100123, chat_type="supergroup")
    assert "⚠️ Pesan pribadi dari bot tidak dapat dikirim kepada Anda" in reply
    assert (await member(team, STAF_BANKUM)).unreachable_at is not None
    await team.send("/iku", user=STAF_BANKUM)
    assert (await member(team, STAF_BANKUM)).unreachable_at is None


async def test_a_transient_error_is_retried_while_still_due(team):
    case = await a_case(team)
    await a_hearing(team, case, WED_9)
    team.api.failures["sendMessage"] = [(500, "Internal Server Error", None)]
    report = await run(team, 2026, 12, 8, 7, 0)
    assert len(report.retrying) == 1 and len(report.sent) == 1
    await run(team, 2026, 12, 8, 7, 5)
    assert set(reminders_sent(team.api)) == BANKUM
    assert {r.status for r in await deliveries(team)} == {"sent"}


async def test_pengingat_shows_what_each_member_gets(team):
    case = await a_case(team)
    await a_hearing(team, case, WED_9, "10:00")
    await a_product(team, date(2026, 11, 20), title="Menunggu publikasi")
    at(team, 2026, 11, 24, 10, 0)
    bankum = await team.say("/pengingat", user=STAF_BANKUM)
    assert bankum.startswith("Pengingat Anda: nyala")
    assert "pukul 07.00 tentang sidang perkara" in bankum
    assert "Rabu, 9 Desember 2026, pukul 10.00 — perkara #1 12/Pdt.G/2026/PN Prb" in bankum
    assert "(diingatkan 8 Desember 2026 dan 9 Desember 2026)" in bankum
    assert "Matikan: /pengingat mati" in bankum
    dokinfo = await team.say("/pengingat", user=KASUBBAG_DOKINFO)
    assert "7 hari sesudah penetapan" in dokinfo and "Menunggu publikasi (diingatkan 27 November 2026)" in dokinfo
    assert "tidak menerima pengingat" in await team.say("/pengingat", user=PIMPINAN)
    assert "tidak menerima pengingat" in await team.say("/pengingat", user=ADMIN)


async def test_pengingat_bad_input_writes_nothing(team):
    before = await state(team)
    reply = await team.say("/pengingat kadang", user=STAF_BANKUM)
    assert reply.startswith("⚠️ «kadang» tidak dikenal") and "Contoh: /pengingat mati" in reply
    assert await state(team) == before


@pytest.mark.parametrize("caller", ["admin", *PEOPLE, "stranger"])
async def test_pengingat_permission_matrix(team, caller):
    user = {"admin": ADMIN, "stranger": STRANGER} | {name: p[0] for name, p in PEOPLE.items()}
    user_id = user[caller]
    before = await state(team)
    reply = await team.say("/pengingat mati", user=user_id)
    if caller == "stranger":
        assert reply.startswith("Maaf") and f"User id Telegram Anda: {user_id}" in reply
        assert await state(team) == before
        return
    assert reply == "✅ Pengingat Anda dimatikan."
    async with team.db.session() as session:
        changed = (await session.exec(select(Member).where(col(Member.reminders).is_(False)))).all()
        entries = (await session.exec(select(AuditEntry).where(AuditEntry.action == "member.reminders"))).all()
    assert [m.user_id for m in changed] == [user_id]  # only their own
    assert [e.actor_id for e in entries] == [user_id]


async def test_reminder_rows_are_unique_per_kind_subject_user_and_day(team):
    row: dict[str, Any] = dict(kind="hearing_eve", subject_id=1, user_id=STAF_BANKUM, day=WED_9, status="sent")
    async with team.db.session() as session:
        session.add(ReminderDelivery(claimed_at=team.clock.utcnow(), **row))
    with pytest.raises(IntegrityError):
        async with team.db.session() as session:
            session.add(ReminderDelivery(claimed_at=team.clock.utcnow(), **row))


async def test_the_daily_job_fires_at_reminder_time_and_the_sweep_catches_up(db_url):
    apps = Apps(db_url)
    try:
        bot = await apps.start(at=JAKARTA_AT(2026, 12, 7, 12, 0), reminder_time="06:30")
        await add_everyone(bot)
        case = await a_case(bot)
        await a_hearing(bot, case, WED_9)
        job = bot.app.job_queue.scheduler.get_job(scheduler.REMINDERS_ID)
        fire = job.trigger.get_next_fire_time(None, bot.clock.now())
        assert fire == JAKARTA_AT(2026, 12, 8, 6, 30)
        bot.clock.set(fire)
        await JobQueue.job_callback(*job.args)
        assert set(reminders_sent(bot.api)) == BANKUM
        await apps.stop(bot)

        # Down at 06:30 on the hearing day; the sweep that runs just after start sends what is owed.
        late = await apps.start(at=JAKARTA_AT(2026, 12, 9, 8, 0), reminder_time="06:30")
        sweep = late.app.job_queue.scheduler.get_job(scheduler.SWEEP_ID)
        await JobQueue.job_callback(*sweep.args)
        sent = reminders_sent(late.api)
        assert set(sent) == BANKUM and sent[KASUBBAG_BANKUM][0].startswith("🔔 Hari ini ada sidang")
    finally:
        await apps.close()


async def test_the_switch_can_be_undone(team):
    assert "✅" in await team.say("/pengingat mati", user=STAF_BANKUM)
    reply = await team.say("/urungkan", user=STAF_BANKUM)
    assert reply.startswith("↩️ Diurungkan: pengingat diubah pada anggota #2006"), reply
    assert "Pengingat: nyala → mati" in reply  # the write that was undone
    assert (await member(team, STAF_BANKUM)).reminders


async def test_an_unpublished_reminder_falling_on_a_day_off_waits_for_the_next_working_day(team):
    assert "✅" in await team.say("/libur tambah 2026-12-07 Cuti bersama uji")  # Monday
    waiting = await a_product(team, date(2026, 11, 28), kind="perwali")  # + 7 days: Saturday 5 December
    for day in (5, 6, 7):
        await run(team, 2026, 12, day, 7, 0)
    assert reminders_sent(team.api) == {}
    await run(team, 2026, 12, 8, 7, 0)
    sent = reminders_sent(team.api)
    assert set(sent) == DOKINFO and f"#{waiting.id} Perwali" in sent[STAF_DOKINFO][0]
    assert "(10 hari lalu)" in sent[STAF_DOKINFO][0]


async def test_the_button_under_pengingat_switches_like_the_command(team):
    await team.say("/pengingat", user=STAF_BANKUM)
    assert [label for label, _, _ in team.buttons()] == ["Matikan"]
    assert await team.press("Matikan", user=STAF_BANKUM) == ["✅ Pengingat Anda dimatikan."]
    assert not (await member(team, STAF_BANKUM)).reminders
    [entry] = await audit_rows(team, "member.reminders")
    assert entry.before is not None and entry.after is not None
    assert entry.actor_id == STAF_BANKUM and entry.before["reminders"] and not entry.after["reminders"]
    # The old button pressed again (its removal may fail at Telegram): only says so, writes nothing.
    [(_, old, _)] = team.buttons()
    assert await team.press_data(old, user=STAF_BANKUM) == ["Pengingat Anda sudah mati."]
    assert len(await audit_rows(team, "member.reminders")) == 1

    assert (await team.say("/pengingat", user=STAF_BANKUM)).startswith("Pengingat Anda: mati")
    assert [label for label, _, _ in team.buttons()] == ["Nyalakan"]
    assert await team.press("Nyalakan", user=STAF_BANKUM) == ["✅ Pengingat Anda dinyalakan."]
    assert (await member(team, STAF_BANKUM)).reminders
    reply = await team.say("/urungkan", user=STAF_BANKUM)  # the press is undoable like the command
    assert reply.startswith("↩️ Diurungkan: pengingat diubah"), reply
    assert not (await member(team, STAF_BANKUM)).reminders


async def test_a_pengingat_button_switches_only_its_owner(team):
    await team.say("/pengingat", user=STAF_BANKUM)
    before = await state(team)
    for other in (KASUBBAG_BANKUM, STRANGER):
        assert await team.press("Matikan", user=other) == []
        assert "milik anggota lain" in team.last_answer
    assert await state(team) == before
    assert (await member(team, STAF_BANKUM)).reminders and (await member(team, KASUBBAG_BANKUM)).reminders


async def test_a_redelivered_press_is_applied_once(team):
    await team.say("/pengingat", user=STAF_BANKUM)
    [(_, data, message_id)] = team.buttons()
    press = team.callback_update(data, user=STAF_BANKUM, message_id=message_id)
    assert await team.process(press) == ["✅ Pengingat Anda dimatikan."]
    await team.process(press)
    assert len(await audit_rows(team, "member.reminders")) == 1


async def test_the_pengingat_button_works_beside_an_open_dialogue(team):
    assert "Ketik tanggal hari libur" in await team.say("/libur tambah")
    await team.say("/pengingat")
    assert await team.press("Matikan") == ["✅ Pengingat Anda dimatikan."]  # not taken as a stale dialogue button
    assert not (await member(team, ADMIN)).reminders
    assert "Ketik nama hari libur" in await team.say("24-12-2026")  # the dialogue goes on


async def test_old_delivery_rows_are_pruned_and_nothing_is_reminded_again(team):
    product = await a_product(team, date(2026, 11, 23), title="Perda yang menunggu")
    hearing = await a_hearing(team, await a_case(team), WED_9)
    await run(team, 2026, 11, 30, 7, 0)
    await run(team, 2026, 12, 8, 7, 0)
    await run(team, 2026, 12, 9, 7, 0)
    sent = sum(len(v) for v in reminders_sent(team.api).values())
    assert {(d.kind, d.subject_id) for d in await deliveries(team)} == {
        ("unpublished", product.id),
        ("hearing_eve", hearing.id),
        ("hearing_day", hearing.id),
    }
    # The job that prunes the update ledger forgets reminder rows 90 days after their day, when no
    # reminder can be owed for them any more.
    prune = type("Context", (), {"application": team.app})()
    at(team, 2027, 2, 27, 7, 0)
    await scheduler._on_prune_ledger(prune)
    assert len(await deliveries(team)) == 6  # two members each
    at(team, 2027, 3, 8, 7, 0)
    await scheduler._on_prune_ledger(prune)
    assert sorted({d.kind for d in await deliveries(team)}) == ["hearing_day", "hearing_eve"]
    at(team, 2027, 3, 10, 7, 0)
    await scheduler._on_prune_ledger(prune)
    assert await deliveries(team) == []
    await run(team, 2027, 3, 10, 7, 0)
    assert sum(len(v) for v in reminders_sent(team.api).values()) == sent
