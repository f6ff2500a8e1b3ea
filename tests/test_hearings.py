"""/sidang: scheduling hearings ahead, the calendar of the coming 30 days, cancelling; /selesai cancels the
hearings still ahead and one undo brings them back. The clock stands at Tuesday 24 November 2026, 10:00."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from bot.console import Console
from models.dates import parse_date
from models.errors import InputError
from models.tables import Hearing
from tests.conftest import ADMIN
from tests.helpers import (
    PEOPLE,
    PIMPINAN,
    STAF_BANKUM,
    STRANGER,
    add_everyone,
    all_rows,
    audit_rows,
    case,
    state,
)
from tests.test_commands import assert_refused_and_unchanged


async def hearing_rows(harness) -> list[Hearing]:
    return await all_rows(harness, Hearing)


@pytest.fixture
async def court(harness):
    """Case #1 open (PN Probolinggo), case #2 resolved."""
    for command in (
        "/perkara 12/Pdt.G/2026/PN Prb 2026-03-01 Gugatan wanprestasi",
        "/perkara 5/G/2026/PTUN.SBY 2026-04-01 Gugatan izin",
        "/selesai 2 2026-10-01 menang",
    ):
        assert "✅" in await harness.say(command), command
    return harness


async def test_schedule_in_one_line(court):
    reply = await court.say("/sidang 1 2026-12-10 9.00 Pembuktian surat")
    assert reply.startswith("✅ Sidang dijadwalkan.")
    assert (
        "Sidang #1 — 10 Desember 2026 09:00 — Perkara #1 12/Pdt.G/2026/PN Prb "
        "(Pengadilan Negeri Probolinggo) — Pembuktian surat" in reply
    )
    [row] = await hearing_rows(court)
    assert (row.case_id, row.day, row.time_of_day, row.agenda, row.cancelled_at) == (
        1,
        date(2026, 12, 10),
        "09:00",
        "Pembuktian surat",
        None,
    )
    [entry] = await audit_rows(court, "hearing.schedule")
    assert (entry.entity, entry.entity_id, entry.actor_id) == ("hearing", "1", ADMIN)


@pytest.mark.parametrize(
    "words, day, time_of_day",
    [
        ("besok", date(2026, 11, 25), None),
        ("lusa 13:30", date(2026, 11, 26), "13:30"),
        ("senin depan 08:00", date(2026, 11, 30), "08:00"),
        ("3 hari lagi", date(2026, 11, 27), None),
        ("2026-12-01 pukul 9.30", date(2026, 12, 1), "09:30"),
        ("hari ini 10:30", date(2026, 11, 24), "10:30"),
        ("hari ini", date(2026, 11, 24), None),
        ("5 Januari 09:00", date(2027, 1, 5), "09:00"),  # no year: the coming 5 January
    ],
)
async def test_dates_ahead_are_read(court, words, day, time_of_day):
    assert "✅" in await court.say(f"/sidang 1 {words}")
    [row] = await hearing_rows(court)
    assert (row.day, row.time_of_day, row.agenda) == (day, time_of_day, "")


@pytest.mark.parametrize(
    "command, says",
    [
        ("/sidang 1 kemarin", ["sudah lewat", "23 November 2026"]),
        ("/sidang 1 2026-11-20 09:00", ["sudah lewat"]),
        ("/sidang 1 hari ini 09:59", ["sudah lewat", "pukul 10:00"]),
        ("/sidang 1 2029-01-01", ["terlalu jauh"]),
        ("/sidang 1", ["Tanggal sidang belum ditulis"]),
        ("/sidang 1 Pembuktian", ["Tanggal sidang belum ditulis"]),
        ("/sidang 1 2026-12-32", ["tidak valid"]),
        ("/sidang satu 2026-12-10", ["Id perkara harus berupa angka"]),
        ("/sidang 99 2026-12-10", ["Perkara #99 tidak ditemukan"]),
        ("/sidang 2 2026-12-10", ["Perkara #2 sudah selesai", "tidak dapat dijadwalkan"]),
        ("/sidang 1 2026-12-10 " + "a" * 301, ["Agenda terlalu panjang"]),
        ("/sidang 1 2026-12-10 25:00 Mediasi", ["Jam sidang «25:00» tidak dikenali"]),
        ("/sidang 1 2026-12-10 pukul 9.75", ["Jam sidang «9.75» tidak dikenali"]),
        ("/sidang batal", ["Sebutkan satu nomor sidang"]),
        ("/sidang batal x", ["Id sidang harus berupa angka"]),
        ("/sidang batal 99", ["Sidang #99 tidak ditemukan"]),
    ],
)
async def test_bad_input_writes_nothing(court, command, says):
    await assert_refused_and_unchanged(court, command, *says)


async def test_two_hearings_of_a_case_at_one_moment_are_refused(court):
    assert "✅" in await court.say("/sidang 1 2026-12-10 09:00 Mediasi")
    await assert_refused_and_unchanged(
        court, "/sidang 1 10 Desember 2026 9:00 Lagi", "Perkara #1 sudah punya sidang #1", "10 Desember 2026 09:00"
    )
    # Another time that day, or the same moment for another case, is fine.
    assert "✅" in await court.say("/sidang 1 2026-12-10 13:00 Lanjutan")
    assert "✅" in await court.say("/perkara 13/Pdt.G/2026/PN Prb 2026-05-01")
    assert "✅" in await court.say("/sidang 3 2026-12-10 09:00")
    # A cancelled hearing does not block its moment.
    assert "✅" in await court.say("/sidang batal 1")
    assert "✅" in await court.say("/sidang 1 2026-12-10 09:00 Mediasi ulang")


async def test_calendar_lists_the_next_30_days_soonest_first(court):
    assert "✅" in await court.say("/perkara 13/Pdt.G/2026/PN Prb 2026-05-01")
    for command in (
        "/sidang 1 2026-12-10 13:00 Siang",
        "/sidang 3 2026-12-10 Tanpa jam",
        "/sidang 3 2026-12-10 08:30 Pagi",
        "/sidang 1 besok Besok",
        "/sidang 1 2026-12-25 Di luar",  # 31 days ahead
        "/sidang 3 2026-12-01 Dibatalkan",
    ):
        assert "✅" in await court.say(command), command
    await court.say("/sidang batal 6")
    reply = await court.say("/sidang", user=ADMIN)
    assert "Sidang 30 hari ke depan (4)" in reply
    order = [reply.index(agenda) for agenda in ("Besok", "Pagi", "Siang", "Tanpa jam")]
    assert order == sorted(order)
    assert "Di luar" not in reply and "Dibatalkan" not in reply
    assert "Sidang #4 — 25 November 2026 — Perkara #1 12/Pdt.G/2026/PN Prb" in reply
    # The calendar is for every member, read-only ones too.
    await add_everyone(court)
    assert "Sidang 30 hari ke depan (4)" in await court.say("/sidang", user=PIMPINAN)
    court.clock.advance(timedelta(days=30))
    assert "Sidang 30 hari ke depan (1)" in await court.say("/sidang")


async def test_empty_calendar(court):
    assert "Tidak ada sidang yang dijadwalkan." in await court.say("/sidang")


async def test_cancel_and_undo(court):
    await court.say("/sidang 1 2026-12-10 09:00 Mediasi")
    reply = await court.say("/sidang batal #1")
    assert reply.startswith("✅ Sidang dibatalkan.") and "Mediasi" in reply and "(dibatalkan)" in reply
    [row] = await hearing_rows(court)
    assert row.cancelled_at is not None and row.cancel_reason == "batal"
    await assert_refused_and_unchanged(court, "/sidang batal 1", "Sidang #1 sudah dibatalkan")
    assert "sidang dibatalkan pada sidang #1" in await court.say("/urungkan")
    [row] = await hearing_rows(court)
    assert (row.cancelled_at, row.cancel_reason) == (None, None)
    history = await court.say("/riwayat perkara 1")
    assert "sidang dijadwalkan (sidang #1)" in history and "Agenda: — → Mediasi" in history
    assert "sidang dibatalkan (sidang #1) (diurungkan)" in history
    assert "perubahan diurungkan (sidang #1)" in history


async def test_undone_scheduling_stays_in_the_case_history(court):
    await court.say("/sidang 1 2026-12-10 09:00 Mediasi")
    assert "sidang dijadwalkan pada sidang #1" in await court.say("/urungkan")
    assert await hearing_rows(court) == []
    history = await court.say("/riwayat perkara 1")
    assert "sidang dijadwalkan (sidang #1) (diurungkan)" in history


async def test_a_past_hearing_cannot_be_cancelled(court):
    await court.say("/sidang 1 besok")
    court.clock.advance(timedelta(days=2))
    await assert_refused_and_unchanged(court, "/sidang batal 1", "Sidang #1 (25 November 2026) sudah lewat")


async def test_resolving_cancels_the_hearings_ahead_and_one_undo_restores_them(court):
    await court.say("/sidang 1 besok 09:00 Mediasi")
    await court.say("/sidang 1 2026-12-10 Pembuktian")
    await court.say("/sidang 1 2026-12-17 Kesimpulan")
    await court.say("/sidang batal 3")
    reply = await court.say("/selesai 1 damai Akta perdamaian")
    assert reply.startswith("✅ Penyelesaian perkara dicatat.")
    assert "Sidang yang dibatalkan karena perkara selesai:" in reply
    assert "Sidang #1 — 25 November 2026 09:00 — Mediasi" in reply and "Sidang #2" in reply
    assert "Sidang #3" not in reply  # already cancelled
    rows = await hearing_rows(court)
    assert [(h.id, h.cancel_reason) for h in rows] == [(1, "selesai"), (2, "selesai"), (3, "batal")]
    assert "Tidak ada sidang" in await court.say("/sidang")

    reply = await court.say("/urungkan")
    assert "penyelesaian dicatat pada perkara #1" in reply
    assert "Beserta: sidang dibatalkan karena perkara selesai pada sidang #1; " in reply and "sidang #2" in reply
    restored = await case(court, 1)
    assert (restored.resolved_on, restored.result, restored.outcome) == (None, None, None)
    rows = await hearing_rows(court)
    assert [(h.id, h.cancelled_at, h.cancel_reason) for h in rows][:2] == [(1, None, None), (2, None, None)]
    assert rows[2].cancel_reason == "batal"
    assert "Sidang 30 hari ke depan (2)" in await court.say("/sidang")


async def test_resolving_without_hearings_says_nothing_about_them(court):
    reply = await court.say("/selesai 1 menang")
    assert "Sidang yang dibatalkan" not in reply


async def test_dialogue_sidang_baru(court):
    reply = await court.say("/sidang baru")
    assert "Pilih perkara yang disidangkan" in reply
    assert [label for label, _, _ in court.buttons()] == ["#1 12/Pdt.G/2026/PN Prb", "Batal"]
    await court.press("#1 12/Pdt.G/2026/PN Prb")
    assert "sudah lewat" in await court.say("kemarin")
    await court.say("senin depan")
    assert "tidak dikenali" in await court.say("jam sembilan")
    await court.say("09.30")
    summary = (await court.press("Lewati"))[0]
    assert "Sidang: 30 November 2026 09:30" in summary
    reply = (await court.press("Simpan"))[0]
    assert "✅ Sidang dijadwalkan." in reply
    [row] = await hearing_rows(court)
    assert (row.day, row.time_of_day, row.agenda) == (date(2026, 11, 30), "09:30", "")


async def test_dialogue_goes_back_to_the_time_on_a_collision(court):
    await court.say("/sidang 1 2026-12-10 09:00")
    await court.say("/sidang baru")
    await court.press("#1 12/Pdt.G/2026/PN Prb")
    await court.say("10 Desember 2026")
    await court.say("09:00")
    await court.press("Lewati")
    reply = (await court.press("Simpan"))[0]
    assert "sudah punya sidang #1" in reply and "jam sidang" in reply
    await court.say("10:00")
    await court.press("Lewati")
    assert "✅ Sidang dijadwalkan." in (await court.press("Simpan"))[0]


SCHEDULE, CANCEL, CALENDAR = "/sidang 1 2026-12-10 09:00", "/sidang batal 1", "/sidang"
CALLERS = {"admin": (ADMIN, "admin", None), **PEOPLE, "stranger": (STRANGER, None, None)}


@pytest.mark.parametrize("caller", list(CALLERS))
async def test_permission_matrix(court, caller):
    await add_everyone(court)
    user_id, role, subsection = CALLERS[caller]
    writes = role == "admin" or subsection == "bankum"
    if not writes:
        await court.say("/sidang 1 2026-12-10 09:00")  # something to cancel
    for command in (SCHEDULE, CANCEL):
        before = await state(court)
        reply = await court.say(command, user=user_id)
        court.clock.advance(timedelta(minutes=10))  # a stranger gets one reply per 10 minutes (bot/gate.py)
        if writes:
            assert reply.startswith("✅"), (command, reply)
        else:
            assert reply.startswith("Maaf"), (command, reply)
            assert await state(court) == before
    reply = await court.say(CALENDAR, user=user_id)
    assert reply.startswith("Maaf") if role is None else "Sidang 30 hari ke depan" in reply
    court.clock.advance(timedelta(minutes=10))
    reply = await court.say("/sidang baru", user=user_id)
    assert ("Pilih perkara yang disidangkan" in reply) if writes else reply.startswith("Maaf"), reply


async def test_staf_bankum_may_undo_their_scheduling(court):
    await add_everyone(court)
    await court.say("/sidang 1 2026-12-10 09:00", user=STAF_BANKUM)
    assert "Diurungkan" in await court.say("/urungkan", user=STAF_BANKUM)
    assert await hearing_rows(court) == []


async def test_a_case_with_hearings_of_others_cannot_be_undone_away(court):
    await add_everyone(court)
    await court.say("/perkara 13/Pdt.G/2026/PN Prb 2026-05-01", user=STAF_BANKUM)
    await court.say("/sidang 3 2026-12-10 09:00")  # by the admin
    reply = await court.say("/urungkan", user=STAF_BANKUM)
    assert "sudah diubah lagi" in reply
    assert (await case(court, 3)).id == 3 and len(await hearing_rows(court)) == 1


async def test_every_member_finds_sidang_in_bantuan(court):
    await add_everyone(court)
    for user in (PIMPINAN, STAF_BANKUM):
        assert "/sidang · /sidang 3 tanggal" in await court.say("/bantuan", user=user)


async def test_console_schedules_and_lists(court):
    out = io.StringIO()
    console = Console(court.app, court.api, ADMIN, out)
    await console.say("/sidang 1 besok 09:00 Mediasi")
    await console.say("/sidang")
    text = out.getvalue()
    assert "Sidang dijadwalkan" in text and "Sidang 30 hari ke depan (1)" in text
    assert "Sidang #1 — 25 November 2026 09:00" in text and "<b>" not in text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("besok", date(2026, 11, 25)),
        ("lusa", date(2026, 11, 26)),
        ("2 minggu lagi", date(2026, 12, 8)),
        ("selasa", date(2026, 12, 1)),  # today is a Tuesday: the next one
        ("Jumat depan", date(2026, 11, 27)),
        ("1 Maret", date(2027, 3, 1)),
        ("30 November", date(2026, 11, 30)),
        ("2026-12-10", date(2026, 12, 10)),
    ],
)
def test_dates_ahead(text, expected):
    assert parse_date(text, date(2026, 11, 24), ahead=True) == expected


def test_dates_elsewhere_are_read_as_before():
    assert parse_date("1 Maret", date(2026, 11, 24)) == date(2026, 3, 1)
    with pytest.raises(InputError):
        parse_date("besok", date(2026, 11, 24))
