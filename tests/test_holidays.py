"""Holidays: the working-day calendar, /libur for every member and its changes for admins, and the weekly
digest moved off a holiday to the next working day."""

import io
from datetime import date, datetime, timedelta

import pytest

from bot import scheduler
from bot.console import Console
from models import workdays
from models.tables import Holiday
from tests.conftest import ADMIN, JAKARTA
from tests.digest_support import GROUP, deliveries, digest_calls, digest_texts, subscribe
from tests.helpers import PEOPLE, STRANGER, add_everyone, all_rows, audit_rows, state

MONDAY_8 = datetime(2026, 11, 30, 8, 0, tzinfo=JAKARTA)
TUESDAY_8 = MONDAY_8 + timedelta(days=1)


def test_working_days_skip_weekends_national_and_added_holidays():
    calendar = workdays.Calendar({date(2026, 12, 24): "Cuti bersama Natal"})
    christmas = calendar.holiday(date(2026, 12, 25))
    assert christmas is not None and christmas.source == workdays.NATIONAL and christmas.name == "Hari Raya Natal"
    assert calendar.holiday(date(2026, 12, 24)) == workdays.DayOff(
        date(2026, 12, 24), "Cuti bersama Natal", workdays.ADDED
    )
    assert not calendar.is_working_day(date(2026, 12, 26))  # Saturday
    assert calendar.is_working_day(date(2026, 12, 23))
    # Monday 28 December: the working day before is Wednesday 23 (Thursday added, Friday Christmas).
    assert calendar.previous_working_day(date(2026, 12, 28)) == date(2026, 12, 23)
    assert calendar.next_working_day(date(2026, 12, 23)) == date(2026, 12, 28)
    # Idul Fitri 2026 falls on a weekend (Saturday 21, Sunday 22 March): Monday is a working day.
    assert calendar.next_working_day(date(2026, 3, 20)) == date(2026, 3, 23)
    assert workdays.national(2026)[date(2026, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"


async def test_libur_lists_the_year_with_sources(harness):
    await add_everyone(harness)
    assert await harness.say("/libur tambah 24-12-2026 Cuti bersama Natal") == (
        "✅ Hari libur ditambahkan: 24 Desember 2026 — Cuti bersama Natal."
    )
    listing = await harness.say("/libur", user=PEOPLE["pimpinan"][0])  # this year (the clock: 2026)
    assert listing.startswith("Hari libur 2026 (")
    assert "Kam, 24 Des 2026 — Cuti bersama Natal (ditambahkan admin)" in listing
    assert "Jum, 25 Des 2026 — Hari Raya Natal (nasional)" in listing
    assert "Hari Kemerdekaan Republik Indonesia (nasional)" in listing
    assert "/libur tambah" not in listing  # the changes are shown to admins only
    other = await harness.say("/libur 2027", user=PEOPLE["staf_bankum"][0])
    assert other.startswith("Hari libur 2027") and "Cuti bersama Natal" not in other
    assert "/libur tambah" in await harness.say("/libur")


async def test_adding_and_removing_a_day_is_audited(harness):
    assert "✅" in await harness.say("/libur tambah 1 Des 2026 Hari jadi uji coba")
    [row] = await all_rows(harness, Holiday)
    assert (row.day, row.name, row.created_by) == (date(2026, 12, 1), "Hari jadi uji coba", ADMIN)
    [added] = await audit_rows(harness, "holiday.add")
    assert added.entity == "holiday" and added.entity_id == "2026-12-01" and added.after is not None
    assert (
        await harness.say("/libur hapus 2026-12-01") == "✅ Hari libur dihapus: 1 Desember 2026 — Hari jadi uji coba."
    )
    assert await all_rows(harness, Holiday) == []
    [removed] = await audit_rows(harness, "holiday.remove")
    assert removed.before is not None and removed.before["name"] == "Hari jadi uji coba" and removed.after is None


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/libur tambah Cuti bersama", "Sebutkan tanggalnya."),
        ("/libur tambah 2026-12-24", "Sebutkan nama hari libur sesudah tanggalnya."),
        ("/libur tambah 31-02-2026 Tidak ada", "Tanggal «31-02-2026» tidak valid."),
        ("/libur tambah 2026-12-25 Natal lagi", "25 Desember 2026 sudah hari libur nasional: Hari Raya Natal."),
        ("/libur tambah 2026-12-02 Dua kali", "2 Desember 2026 sudah tercatat sebagai hari libur: Hari uji."),
        ("/libur tambah 1999-12-24 Dulu", "Tahun 1999 di luar rentang 2000–2100."),
        ("/libur tambah 2026-12-24 " + "x" * 201, "Nama hari libur terlalu panjang (maksimal 200 karakter)."),
        ("/libur hapus 2026-12-03", "3 Desember 2026 tidak tercatat sebagai hari libur tambahan."),
        ("/libur hapus 2026-12-25", "25 Desember 2026 adalah hari libur nasional (Hari Raya Natal) dan tidak dapat"),
        ("/libur hapus 2026-12-02 Hari uji", "Cukup tanggalnya saja."),
        ("/libur 26", "«26» bukan tahun antara 2000 dan 2100."),
        ("/libur 2026 2027", "Sebutkan satu tahun saja, atau tambah/hapus."),
    ],
)
async def test_bad_input_writes_nothing(harness, command, expected):
    assert "✅" in await harness.say("/libur tambah 2026-12-02 Hari uji")
    before = await state(harness), await all_rows(harness, Holiday)
    reply = await harness.say(command)
    assert reply.startswith(f"⚠️ {expected}") and "Contoh: /libur" in reply, reply
    assert (await state(harness), await all_rows(harness, Holiday)) == before


DIALOGUES = ("/libur tambah", "/libur hapus")


@pytest.mark.parametrize("caller", ["admin", *PEOPLE, "stranger"])
async def test_libur_permission_matrix(harness, caller):
    await add_everyone(harness)
    assert "✅" in await harness.say("/libur tambah 2026-12-02 Hari uji")
    user_id = {"admin": ADMIN, "stranger": STRANGER} | {name: p[0] for name, p in PEOPLE.items()}
    who = user_id[caller]
    commands = ("/libur", "/libur tambah 2026-12-24 Cuti bersama", "/libur hapus 2026-12-02", *DIALOGUES)
    for command in commands:
        harness.clock.advance(timedelta(minutes=10))  # a stranger gets one reply per 10 minutes (bot/gate.py)
        before = await state(harness), await all_rows(harness, Holiday)
        reply = await harness.say(command, user=who)
        if caller == "admin" or (caller != "stranger" and command == "/libur"):
            assert reply.startswith(("Hari libur 2026", "✅", "Hari libur (1/")), (command, reply)
            continue
        assert reply.startswith("Maaf"), (command, reply)
        assert (await state(harness), await all_rows(harness, Holiday)) == before


async def test_a_digest_on_a_holiday_goes_out_on_the_next_working_day(harness):
    await subscribe(harness)  # Tuesday 24 November; senin 08:00
    assert "✅" in await harness.say("/libur tambah 2026-11-30 Cuti bersama uji")
    harness.clock.set(MONDAY_8)
    report = await scheduler.deliver_due(harness.app)
    assert digest_calls(harness.api) == [] and report.postponed == {GROUP: TUESDAY_8}
    job = harness.app.job_queue.scheduler.get_job(scheduler.moved_job_id(GROUP))
    assert job is not None and job.next_run_time == TUESDAY_8

    harness.clock.set(TUESDAY_8 - timedelta(minutes=1))
    await scheduler.deliver_due(harness.app)
    assert digest_calls(harness.api) == []
    harness.clock.set(TUESDAY_8)
    await scheduler.deliver_due(harness.app)
    [text] = digest_texts(harness.api)
    assert "Ringkasan ini dikirim hari ini karena 30 November 2026 adalah hari libur: Cuti bersama uji." in text
    assert "Selasa, 1 Desember 2026" in text
    [row] = await deliveries(harness)
    assert row.status == "sent" and row.slot.replace(tzinfo=JAKARTA) != TUESDAY_8  # the key stays Monday's slot

    # Removing the holiday afterwards does not make Monday's digest owed again.
    assert "✅" in await harness.say("/libur hapus 2026-11-30")
    for hours in (1, 5, 24):
        harness.clock.set(TUESDAY_8 + timedelta(hours=hours))
        await scheduler.deliver_due(harness.app)
    assert len(digest_texts(harness.api)) == 1
    # The next Monday is a working day: on time, without the note.
    harness.clock.set(MONDAY_8 + timedelta(days=7))
    await scheduler.deliver_due(harness.app)
    texts = digest_texts(harness.api)
    assert len(texts) == 2 and "hari libur" not in texts[1]


async def test_a_digest_moved_by_a_holiday_is_sent_after_a_restart(harness):
    await subscribe(harness)
    assert "✅" in await harness.say("/libur tambah 2026-11-30 Cuti bersama uji")
    # The bot was down on Tuesday morning; it starts at 10:00, within the grace window of the moved slot.
    harness.clock.set(TUESDAY_8 + timedelta(hours=2))
    await scheduler.deliver_due(harness.app)
    assert len(digest_texts(harness.api)) == 1


async def test_a_weekend_digest_is_not_moved_by_a_holiday_on_that_day(harness):
    await subscribe(harness, "minggu 09:00")
    assert "✅" in await harness.say("/libur tambah 2026-11-29 Libur hari Minggu")
    harness.clock.set(datetime(2026, 11, 29, 9, 0, tzinfo=JAKARTA))
    report = await scheduler.deliver_due(harness.app)
    assert report.postponed == {} and len(digest_texts(harness.api)) == 1
    assert "hari libur" not in digest_texts(harness.api)[0]


async def test_adding_and_removing_a_day_can_be_undone(harness):
    assert "✅" in await harness.say("/libur tambah 2026-12-24 Cuti bersama Natal")
    reply = await harness.say("/urungkan")
    assert reply.startswith("↩️ Diurungkan: hari libur ditambahkan pada hari libur #2026-12-24"), reply
    assert await all_rows(harness, Holiday) == []
    assert "✅" in await harness.say("/libur tambah 2026-12-31 Cuti akhir tahun")
    assert "✅" in await harness.say("/libur hapus 2026-12-31")
    assert (await harness.say("/urungkan")).startswith("↩️ Diurungkan: hari libur dihapus")
    [row] = await all_rows(harness, Holiday)
    assert (row.day, row.name) == (date(2026, 12, 31), "Cuti akhir tahun")


async def test_jadwal_in_the_group_names_the_holiday_that_moves_the_next_digest(harness):
    await subscribe(harness)
    assert "✅" in await harness.say("/libur tambah 2026-11-30 Cuti bersama uji")
    for moment in (datetime(2026, 11, 27, 12, 0, tzinfo=JAKARTA), MONDAY_8 + timedelta(hours=1)):
        harness.clock.set(moment)
        reply = await harness.say("/jadwal", chat=GROUP, chat_type="group")
        assert "Pengiriman berikutnya: Selasa, 1 Desember 2026 pukul 08.00 WIB" in reply, reply
        assert "(hari libur 30 November 2026: Cuti bersama uji)" in reply
    harness.clock.set(TUESDAY_8 + timedelta(hours=1))
    await scheduler.deliver_due(harness.app)
    reply = await harness.say("/jadwal", chat=GROUP, chat_type="group")
    assert "Pengiriman berikutnya: Senin, 7 Desember 2026 pukul 08.00 WIB." in reply, reply


async def test_libur_and_pengingat_through_the_console(harness):
    out = io.StringIO()
    console = Console(harness.app, harness.api, ADMIN, out)
    await console.say("/libur tambah 2026-12-24 Cuti bersama Natal")
    await console.say("/libur")
    await console.say("/pengingat mati")
    text = out.getvalue()
    assert "Hari libur ditambahkan: 24 Desember 2026" in text
    assert "Cuti bersama Natal (ditambahkan admin)" in text and "Pengingat Anda dimatikan" in text


# --- the dialogues ---------------------------------------------------------------------------------------


async def test_dialogue_adds_a_holiday_asking_again_on_a_bad_date(harness):
    reply = await harness.say("/libur tambah")
    assert reply.startswith("Hari libur (1/2)") and "Ketik tanggal hari libur" in reply, reply
    assert [label for label, _, _ in harness.buttons()] == ["Batal"]
    before = await state(harness), await all_rows(harness, Holiday)
    for bad, said in (
        ("31-02-2026", "⚠️ Tanggal «31-02-2026» tidak valid."),
        ("25 Desember 2026", "⚠️ 25 Desember 2026 sudah hari libur nasional: Hari Raya Natal."),
        ("1 Januari 1999", "⚠️ Tahun 1999 di luar rentang 2000–2100."),
    ):
        again = await harness.say(bad)
        assert again.startswith(said) and "Ketik tanggal hari libur" in again, again
    assert (await state(harness), await all_rows(harness, Holiday)) == before
    assert "(2/2)" in await harness.say("24 Desember")  # a day and month ahead: this year's
    summary = await harness.say("Cuti bersama Natal")
    assert "Tambah hari libur: 24 Desember 2026 — Cuti bersama Natal" in summary
    assert [label for label, _, _ in harness.buttons()] == ["Simpan", "Batal"]
    assert await harness.press("Simpan") == ["✅ Hari libur ditambahkan: 24 Desember 2026 — Cuti bersama Natal."]
    [row] = await all_rows(harness, Holiday)
    assert (row.day, row.name, row.created_by) == (date(2026, 12, 24), "Cuti bersama Natal", ADMIN)
    assert len(await audit_rows(harness, "holiday.add")) == 1
    assert (await harness.say("/urungkan")).startswith("↩️ Diurungkan: hari libur ditambahkan")
    assert await all_rows(harness, Holiday) == []


async def test_dialogue_removes_an_added_holiday_of_this_year_or_later(harness):
    assert "✅" in await harness.say("/libur tambah 2025-12-31 Tahun lalu")
    for day in range(1, 11):  # ten days: two pages
        assert "✅" in await harness.say(f"/libur tambah 2026-12-{day:02d} Uji {day}")
    assert "✅" in await harness.say("/libur tambah 2027-01-04 Tahun depan")
    reply = await harness.say("/libur hapus")
    assert "Pilih hari libur tambahan yang dihapus: (halaman 1 dari 2)" in reply, reply
    labels = [label for label, _, _ in harness.buttons()]
    assert labels[0] == "1 Desember 2026 — Uji 1" and labels[-2:] == ["›", "Batal"] and len(labels) == 10
    await harness.press("›")
    labels = [label for label, _, _ in harness.buttons()]
    assert labels == [
        "9 Desember 2026 — Uji 9",
        "10 Desember 2026 — Uji 10",
        "4 Januari 2027 — Tahun depan",
        "‹",
        "Batal",
    ]
    summary = (await harness.press("4 Januari 2027 — Tahun depan"))[0]
    assert "Hapus hari libur: 4 Januari 2027 — Tahun depan" in summary
    assert await harness.press("Simpan") == ["✅ Hari libur dihapus: 4 Januari 2027 — Tahun depan."]
    assert date(2027, 1, 4) not in {row.day for row in await all_rows(harness, Holiday)}
    assert len(await audit_rows(harness, "holiday.remove")) == 1


async def test_dialogue_removal_by_a_typed_date_and_its_mistakes(harness):
    assert "✅" in await harness.say("/libur tambah 2026-12-24 Cuti bersama Natal")
    await harness.say("/libur hapus")
    before = await state(harness), await all_rows(harness, Holiday)
    again = await harness.say("25-12-2026")
    assert again.startswith("⚠️ 25 Desember 2026 adalah hari libur nasional") and "Pilih hari libur" in again
    assert (await state(harness), await all_rows(harness, Holiday)) == before
    assert "Hapus hari libur: 24 Desember 2026" in await harness.say("24-12-2026")
    assert (await harness.press("Simpan"))[0].startswith("✅ Hari libur dihapus: 24 Desember 2026")


async def test_dialogue_with_nothing_to_remove_says_so(harness):
    reply = await harness.say("/libur hapus")
    assert "Belum ada hari libur tambahan tahun ini atau sesudahnya." in reply
    assert harness.buttons() == []


@pytest.mark.parametrize("command", DIALOGUES)
async def test_batal_in_a_dialogue_writes_nothing(harness, command):
    assert "✅" in await harness.say("/libur tambah 2026-12-02 Hari uji")
    before = await state(harness), await all_rows(harness, Holiday)
    await harness.say(command)
    if command == "/libur tambah":
        await harness.say("24-12-2026")
        await harness.say("Cuti bersama")
    else:
        await harness.press("2 Desember 2026 — Hari uji")
    assert await harness.press("Batal") == ["Dialog dibatalkan; tidak ada yang disimpan."]
    assert (await state(harness), await all_rows(harness, Holiday)) == before


async def test_libur_dialogue_and_pengingat_button_through_the_console(harness):
    out = io.StringIO()
    console = Console(harness.app, harness.api, ADMIN, out)
    for line in ("/libur tambah", "24-12-2026", "Cuti bersama Natal", "Simpan", "/pengingat", "Matikan"):
        await console.say(line)
    text = out.getvalue()
    assert "Tambah hari libur: 24 Desember 2026 — Cuti bersama Natal" in text
    assert "Hari libur ditambahkan: 24 Desember 2026 — Cuti bersama Natal." in text
    assert "[1] Matikan" in text and "Pengingat Anda dimatikan" in text
    [row] = await all_rows(harness, Holiday)
    assert row.name == "Cuti bersama Natal"
