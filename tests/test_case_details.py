"""Optional case details (court, the city's position, case type) and the resolution's result for the city
and inkracht date: from the register number where it says them, in the one-line command and the dialogue,
in /ubah, /urungkan, /riwayat, the card and /daftar through the case spec."""

from __future__ import annotations

from datetime import date

import pytest

from models import cases
from tests.helpers import case
from tests.test_commands import assert_refused_and_unchanged


@pytest.mark.parametrize(
    "register, court, case_type",
    [
        ("12/Pdt.G/2026/PN Prb", "Pengadilan Negeri Probolinggo", "perdata"),
        ("3/Pdt.P/2026/PN.Prb", "Pengadilan Negeri Probolinggo", "perdata"),
        ("5/G/2026/PTUN.SBY", "PTUN Surabaya", "tata usaha negara"),
        ("5/G/2026/PTUN Sby", "PTUN Surabaya", "tata usaha negara"),
        ("40/B/2026/PT.TUN.SBY", None, "tata usaha negara"),
        ("477 K/TUN/2026", None, "tata usaha negara"),
        ("7/Pid.B/2026/PN Krs", "Pengadilan Negeri Kraksaan", "pidana"),
        ("196/PDT/2026/PT.SBY", None, "perdata"),
        ("9/XYZ/2026/PN Zzz", None, None),
        ("9/G/2026/PN Prb", "Pengadilan Negeri Probolinggo", None),  # G without PTUN: not said
    ],
)
def test_what_a_register_number_says(register, court, case_type):
    assert (cases.derive_court(register), cases.derive_case_type(register)) == (court, case_type)


async def test_one_line_derives_court_and_type_and_takes_the_position(harness):
    reply = await harness.say("/perkara 12/Pdt.G/2026/PN Prb 2026-03-01 sebagai turut tergugat Gugatan wanprestasi")
    assert "Pengadilan: Pengadilan Negeri Probolinggo" in reply
    assert "Kedudukan Pemkot: turut tergugat" in reply and "Jenis perkara: perdata" in reply
    assert "Uraian: Gugatan wanprestasi" in reply
    stored = await case(harness, 1)
    assert (stored.court, stored.position, stored.case_type, stored.level, stored.description) == (
        "Pengadilan Negeri Probolinggo",
        "turut tergugat",
        "perdata",
        "pertama",
        "Gugatan wanprestasi",
    )
    listing = await harness.say("/daftar perkara")
    assert "Pengadilan: Pengadilan Negeri Probolinggo; Kedudukan Pemkot: turut tergugat" in listing


async def test_without_position_or_derivable_details_they_stay_empty(harness):
    reply = await harness.say("/perkara 9/XYZ/2026 Sengketa")
    assert "Pengadilan" not in reply and "Kedudukan" not in reply and "Jenis perkara" not in reply
    stored = await case(harness, 1)
    assert (stored.court, stored.position, stored.case_type, stored.description) == (None, None, None, "Sengketa")


async def test_an_unknown_position_is_refused(harness):
    await assert_refused_and_unchanged(
        harness, "/perkara 12/Pdt.G/2026/PN Prb sebagai saksi Gugatan", "Kedudukan «saksi» tidak dikenal", "tergugat"
    )


async def test_dialogue_asks_what_the_register_does_not_say(harness):
    await harness.say("/perkara")
    await harness.say("9/XYZ/2026")
    await harness.press("Lewati")
    await harness.press("Hari ini")
    assert [label for label, _, _ in harness.buttons()] == ["Perdata", "TUN", "Pidana", "Lainnya", "Lewati", "Batal"]
    await harness.press("TUN")
    reply = (await harness.press("Lewati"))[0]  # no court
    assert "Kedudukan Pemkot" in reply
    assert [label for label, _, _ in harness.buttons()][:6] == [
        "Tergugat",
        "Penggugat",
        "Turut tergugat",
        "Pemohon",
        "Termohon",
        "Intervensi",
    ]
    summary = await harness.say("termohon")
    assert "Jenis perkara: tata usaha negara" in summary and "Kedudukan Pemkot: termohon" in summary
    await harness.press("Simpan")
    stored = await case(harness, 1)
    assert (stored.court, stored.position, stored.case_type) == (None, "termohon", "tata usaha negara")


async def test_dialogue_takes_a_typed_court(harness):
    await harness.say("/perkara")
    await harness.say("9/XYZ/2026")
    await harness.press("Lewati")
    await harness.press("Hari ini")
    await harness.press("Perdata")
    await harness.say("Pengadilan Negeri Surabaya")
    await harness.press("Lewati")
    await harness.press("Simpan")
    stored = await case(harness, 1)
    assert (stored.court, stored.position, stored.case_type) == ("Pengadilan Negeri Surabaya", None, "perdata")


async def test_ubah_history_and_undo_of_a_detail(harness):
    await harness.say("/perkara 12/Pdt.G/2026/PN Prb 2026-03-01")
    await harness.say("/ubah perkara 1")
    await harness.press("Kedudukan Pemkot")
    assert "Kedudukan «saksi» tidak dikenal" in await harness.say("saksi")
    summary = await harness.say("Penggugat")
    assert "Kedudukan Pemkot: — → Penggugat" in summary
    await harness.press("Simpan")
    assert (await case(harness, 1)).position == "penggugat"
    await harness.say("/ubah perkara 1")
    await harness.press("Pengadilan")
    await harness.say("-")  # empties it
    await harness.press("Simpan")
    assert (await case(harness, 1)).court is None
    history = await harness.say("/riwayat perkara 1")
    assert "Kedudukan Pemkot: — → penggugat" in history
    assert "Pengadilan: Pengadilan Negeri Probolinggo → —" in history
    await harness.say("/urungkan")
    assert (await case(harness, 1)).court == "Pengadilan Negeri Probolinggo"
    await harness.say("/ubah perkara 1")
    await harness.press("Jenis perkara")
    await harness.say("tun")
    await harness.press("Simpan")
    assert (await case(harness, 1)).case_type == "tata usaha negara"


async def test_the_level_is_not_edited_by_ubah(harness):
    await harness.say("/perkara 12/Pdt.G/2026/PN Prb 2026-03-01")
    await harness.say("/ubah perkara 1")
    assert "Tingkat" not in [label for label, _, _ in harness.buttons()]


# --- the resolution ---------------------------------------------------------------------------------


@pytest.fixture
async def opened(harness):
    assert "✅" in await harness.say("/perkara 12/Pdt.G/2026/PN Prb 2026-03-01 Gugatan")
    return harness


async def test_selesai_in_one_line_with_result_outcome_and_inkracht(opened):
    reply = await opened.say("/selesai 1 2026-07-01 KALAH Gugatan dikabulkan sebagian inkracht 20 Juli 2026")
    assert "Selesai: 1 Juli 2026 — Kalah: Gugatan dikabulkan sebagian" in reply
    assert "Berkekuatan hukum tetap: 20 Juli 2026" in reply
    stored = await case(opened, 1)
    assert (stored.resolved_on, stored.result, stored.outcome, stored.final_on) == (
        date(2026, 7, 1),
        "kalah",
        "Gugatan dikabulkan sebagian",
        date(2026, 7, 20),
    )


async def test_inkracht_may_come_before_the_day_the_case_is_logged_resolved(opened):
    assert "✅" in await opened.say("/selesai 1 2026-08-01 menang inkracht 2026-07-20")
    assert (await case(opened, 1)).final_on == date(2026, 7, 20)


async def test_a_first_word_that_is_no_result_is_the_outcome(opened):
    assert "✅" in await opened.say("/selesai 1 Gugatan tidak dapat diterima")
    stored = await case(opened, 1)
    assert (stored.result, stored.outcome) == (None, "Gugatan tidak dapat diterima")


@pytest.mark.parametrize(
    "command, says",
    [
        ("/selesai 1 menang inkracht", ["Tulis tanggal inkracht"]),
        ("/selesai 1 menang inkracht 2026-02-01", ["inkracht", "tidak boleh sebelum tanggal mulai penanganan"]),
        ("/selesai 1 menang inkracht 2026-12-01", ["inkracht", "masa depan"]),
        ("/selesai 1 menang inkracht besok pagi", ["tidak dikenali sebagai tanggal"]),
    ],
)
async def test_selesai_bad_inkracht(opened, command, says):
    await assert_refused_and_unchanged(opened, command, *says)


async def test_selesai_dialogue_with_result_buttons_and_inkracht(opened):
    await opened.say("/selesai")
    await opened.press("#1 12/Pdt.G/2026/PN Prb")
    await opened.press("Hari ini")
    assert [label for label, _, _ in opened.buttons()] == ["Menang", "Kalah", "Damai", "Dicabut", "Lainnya", "Batal"]
    await opened.press("Damai")
    await opened.say("Akta perdamaian")
    assert [label for label, _, _ in opened.buttons()] == [
        "Belum diketahui",
        "Sama dengan tanggal selesai",
        "Tanggal lain",
        "Batal",
    ]
    await opened.press("Tanggal lain")
    assert "tidak boleh sebelum tanggal mulai penanganan" in await opened.say("1 Januari 2026")
    summary = await opened.say("20 November 2026")
    assert "Hasil bagi Pemkot: Damai" in summary and "Hasil: Akta perdamaian" in summary
    assert "Berkekuatan hukum tetap: 20 November 2026" in summary
    await opened.press("Simpan")
    stored = await case(opened, 1)
    assert (stored.result, stored.outcome, stored.final_on) == ("damai", "Akta perdamaian", date(2026, 11, 20))


async def test_selesai_dialogue_same_day_and_skipped_outcome(opened):
    await opened.say("/selesai")
    await opened.press("#1 12/Pdt.G/2026/PN Prb")
    await opened.press("Kemarin")
    await opened.press("Dicabut")
    await opened.press("Lewati")
    await opened.press("Sama dengan tanggal selesai")
    await opened.press("Simpan")
    stored = await case(opened, 1)
    assert (stored.resolved_on, stored.result, stored.outcome, stored.final_on) == (
        date(2026, 11, 23),
        "dicabut",
        None,
        date(2026, 11, 23),
    )


async def test_result_and_inkracht_in_ubah_and_history(opened):
    await opened.say("/selesai 1 2026-07-01 menang")
    await opened.say("/ubah perkara 1")
    await opened.press("Hasil bagi Pemkot")
    await opened.say("kalah")
    await opened.press("Simpan")
    await opened.say("/ubah perkara 1")
    await opened.press("Tanggal inkracht")
    await opened.press("Tanggal lain")
    await opened.say("2026-06-15")  # before the day it was logged resolved: allowed
    await opened.press("Simpan")
    stored = await case(opened, 1)
    assert (stored.result, stored.final_on) == ("kalah", date(2026, 6, 15))
    history = await opened.say("/riwayat perkara 1")
    assert "Hasil bagi Pemkot: menang → kalah" in history and "Tanggal inkracht: — → 15 Juni 2026" in history
    await opened.say("/ubah perkara 1")
    await opened.press("Tanggal inkracht")
    await opened.press("Tanggal lain")
    assert "tidak boleh sebelum tanggal mulai penanganan" in await opened.say("2026-02-01")


async def test_iku3_still_counts_resolved_cases_only(opened):
    await opened.say("/perkara 13/Pdt.G/2026/PN Prb 2026-03-01")
    await opened.say("/selesai 1 2026-07-01 menang")
    assert "1 dari 2 (50,00%)" in await opened.say("/iku 2026")
    await opened.say("/tahap 1 banding 2026-07-10")
    await opened.press("Simpan")
    assert "0 dari 2 (0,00%)" in await opened.say("/iku 2026")
