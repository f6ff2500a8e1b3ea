"""/tahap: a case moves up to banding, kasasi or PK with that level's register number (unique across every
level of every case) and date; a resolved case is reopened only after the user confirms. Today is
24 November 2026."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models.dates import split_trailing_date
from models.tables import CaseStage
from tests.conftest import ADMIN
from tests.helpers import PEOPLE, STAF_BANKUM, STRANGER, add_everyone, all_rows, audit_rows, case, state
from tests.test_commands import assert_refused_and_unchanged


async def stage_rows(harness) -> list[CaseStage]:
    return await all_rows(harness, CaseStage)


@pytest.fixture
async def court(harness):
    """Case #1 open since 1 March 2026, case #2 resolved on 30 June 2026 (menang, inkracht 14 July)."""
    for command in (
        "/perkara 12/Pdt.G/2026/PN Prb 2026-03-01 Gugatan wanprestasi",
        "/perkara 5/G/2026/PTUN.SBY 2026-04-01 Gugatan izin",
        "/selesai 2 2026-06-30 menang Gugatan ditolak inkracht 2026-07-14",
    ):
        assert "✅" in await harness.say(command), command
    return harness


async def test_banding_with_register_and_date(court):
    reply = await court.say("/tahap 1 banding 196/PDT/2026/PT.SBY 2026-07-10")
    assert reply.startswith("✅ Perkara naik tingkat.")
    assert "Banding: sejak 10 Juli 2026 — 196/PDT/2026/PT.SBY" in reply
    stored = await case(court, 1)
    assert (stored.level, stored.resolved_on) == ("banding", None)
    [stage] = await stage_rows(court)
    assert (stage.case_id, stage.level, stage.register_number, stage.register_key, stage.started_on) == (
        1,
        "banding",
        "196/PDT/2026/PT.SBY",
        "196/pdt/2026/pt.sby",
        date(2026, 7, 10),
    )
    assert [e.action for e in await audit_rows(court)][-2:] == ["case.move", "case_stage.add"]
    assert "banding" in await court.say("/daftar perkara")


async def test_up_the_levels_with_spaced_registers_and_defaults(court):
    assert "✅" in await court.say("/tahap 1 banding")  # register not known yet, today
    assert "✅" in await court.say("/tahap #1 KASASI 477 K/Pdt/2026")
    reply = await court.say("/tahap 1 peninjauan kembali 12 PK/Pdt/2026")
    assert "Peninjauan kembali: sejak 24 November 2026 — 12 PK/Pdt/2026" in reply
    assert "Kasasi: sejak 24 November 2026 — 477 K/Pdt/2026" in reply
    assert [(s.level, s.register_number) for s in await stage_rows(court)] == [
        ("banding", None),
        ("kasasi", "477 K/Pdt/2026"),
        ("pk", "12 PK/Pdt/2026"),
    ]
    assert (await case(court, 1)).level == "pk"


async def test_a_date_in_words_after_the_register(court):
    assert "✅" in await court.say("/tahap 1 kasasi 477 K/Pdt/2026 1 Agustus 2026")
    [stage] = await stage_rows(court)
    assert (stage.level, stage.register_number, stage.started_on) == ("kasasi", "477 K/Pdt/2026", date(2026, 8, 1))


@pytest.mark.parametrize(
    "command, says",
    [
        ("/tahap", []),  # the dialogue: tested below
        ("/tahap 1", ["Sebutkan id perkara dan tingkatnya"]),
        ("/tahap 1 pertama", ["Tingkat «pertama» tidak dikenal"]),
        ("/tahap 1 mahkamah", ["Tingkat «mahkamah» tidak dikenal"]),
        ("/tahap 99 banding", ["Perkara #99 tidak ditemukan"]),
        ("/tahap 1 banding 2026-02-01", ["tidak boleh sebelum tanggal mulai tingkat pertama", "1 Maret 2026"]),
        ("/tahap 1 banding 2026-12-01", ["masa depan"]),
        ("/tahap 1 banding tanpa-nomor", ["tidak dikenali"]),
        ("/tahap 1 banding 5/g/2026/ptun.sby", ["sudah tercatat sebagai perkara #2"]),
        ("/tahap 1 banding 12 / Pdt.G / 2026 / PN Prb", ["sudah tercatat sebagai perkara #1"]),
    ],
)
async def test_bad_input_writes_nothing(court, command, says):
    if not says:
        return
    await assert_refused_and_unchanged(court, command, *says)


async def test_levels_only_go_up(court):
    await court.say("/tahap 1 kasasi 2026-08-01")
    await assert_refused_and_unchanged(court, "/tahap 1 banding", "sudah di tingkat kasasi", "tingkat hanya dapat naik")
    await assert_refused_and_unchanged(court, "/tahap 1 kasasi", "sudah di tingkat kasasi")
    await assert_refused_and_unchanged(
        court, "/tahap 1 pk 2026-07-31", "tidak boleh sebelum tanggal mulai kasasi", "1 Agustus 2026"
    )
    assert "✅" in await court.say("/tahap 1 pk 2026-08-01")
    await assert_refused_and_unchanged(court, "/tahap 1 pk", "sudah di tingkat peninjauan kembali")


async def test_register_numbers_are_unique_across_every_level(court):
    await court.say("/tahap 1 banding 196/PDT/2026/PT.SBY 2026-07-10")
    await court.say("/perkara 13/Pdt.G/2026/PN Prb 2026-05-01")
    await assert_refused_and_unchanged(
        court, "/tahap 3 banding 196/pdt/2026/pt.sby", "sudah tercatat untuk tingkat banding perkara #1"
    )
    # A first-instance register may not repeat a higher level's either, at /perkara and at /ubah.
    await assert_refused_and_unchanged(court, "/perkara 196/PDT/2026/PT.SBY", "sudah tercatat untuk tingkat banding")
    await court.say("/ubah perkara 3")
    await court.press("Nomor register")
    assert "sudah tercatat untuk tingkat banding" in await court.say("196 / PDT / 2026 / PT.SBY")


async def test_a_resolved_case_is_reopened_only_after_confirmation(court):
    before = await state(court)
    reply = await court.say("/tahap 2 banding 40/B/2026/PT.TUN.SBY 2026-07-20")
    assert "sudah selesai pada 30 Juni 2026" in reply and "dibuka kembali" in reply
    assert [label for label, _, _ in court.buttons()] == ["Simpan", "Batal"]
    await court.press("Batal")
    assert await state(court) == before

    await court.say("/tahap 2 banding 40/B/2026/PT.TUN.SBY 2026-07-20")
    reply = (await court.press("Simpan"))[0]
    assert reply.startswith("✅ Perkara naik tingkat dan dibuka kembali.")
    stored = await case(court, 2)
    assert (stored.level, stored.resolved_on, stored.result, stored.outcome, stored.final_on) == (
        "banding",
        None,
        None,
        None,
        None,
    )
    assert "#2 5/G/2026/PTUN.SBY" in await court.say("/daftar perkara")
    history = await court.say("/riwayat perkara 2")
    assert "naik tingkat" in history and "Hasil: Gugatan ditolak → —" in history
    assert "Hasil bagi Pemkot: menang → —" in history and "Tingkat: pertama → banding" in history


async def test_undo_takes_the_stage_and_the_reopening_back(court):
    await court.say("/tahap 2 banding 40/B/2026/PT.TUN.SBY 2026-07-20")
    await court.press("Simpan")
    reply = await court.say("/urungkan")
    assert "Diurungkan: naik tingkat pada perkara #2" in reply
    assert "Beserta: tingkat baru dicatat pada tingkat perkara #1" in reply
    stored = await case(court, 2)
    assert (stored.level, stored.resolved_on, stored.result, stored.final_on) == (
        "pertama",
        date(2026, 6, 30),
        "menang",
        date(2026, 7, 14),
    )
    assert await stage_rows(court) == []
    # The register is free again.
    assert "✅" in await court.say("/tahap 1 banding 40/B/2026/PT.TUN.SBY 2026-07-20")


async def test_dialogue_offers_only_higher_levels(court):
    await court.say("/tahap 1 banding 2026-07-01")
    await court.say("/tahap")
    labels = [label for label, _, _ in court.buttons()]
    assert labels == ["#2 5/G/2026/PTUN.SBY (tingkat pertama)", "#1 12/Pdt.G/2026/PN Prb (banding)", "Batal"]
    await court.press("#1 12/Pdt.G/2026/PN Prb (banding)")
    assert [label for label, _, _ in court.buttons()] == ["Kasasi", "Peninjauan kembali", "Batal"]
    await court.press("Kasasi")
    assert "sudah tercatat sebagai perkara #2" in await court.say("5/G/2026/PTUN.SBY")
    await court.say("477 K/Pdt/2026")
    await court.press("Tanggal lain")
    assert "tidak boleh sebelum tanggal mulai banding" in await court.say("30 Juni 2026")
    summary = await court.say("1 Agustus 2026")
    assert "Naik ke tingkat: kasasi" in summary and "Nomor register: 477 K/Pdt/2026" in summary
    assert "dibuka kembali" not in summary
    assert "✅ Perkara naik tingkat." in (await court.press("Simpan"))[0]
    assert (await case(court, 1)).level == "kasasi"


async def test_dialogue_on_a_resolved_case_warns_before_saving(court):
    await court.say("/tahap")
    await court.press("#2 5/G/2026/PTUN.SBY (tingkat pertama)")
    await court.press("Banding")
    await court.press("Lewati")
    summary = (await court.press("Hari ini"))[0]
    assert "sudah selesai pada 30 Juni 2026" in summary and "dibuka kembali" in summary
    assert "dibuka kembali" in (await court.press("Simpan"))[0]


CALLERS = {"admin": (ADMIN, "admin", None), **PEOPLE, "stranger": (STRANGER, None, None)}


@pytest.mark.parametrize("caller", list(CALLERS))
async def test_permission_matrix(court, caller):
    await add_everyone(court)
    user_id, role, subsection = CALLERS[caller]
    before = await state(court)
    reply = await court.say("/tahap 1 banding", user=user_id)
    if role == "admin" or subsection == "bankum":
        assert reply.startswith("✅"), reply
    else:
        assert reply.startswith("Maaf"), reply
        assert await state(court) == before
        court.clock.advance(timedelta(minutes=10))
        assert (await court.say("/tahap", user=user_id)).startswith("Maaf")


async def test_staf_bankum_may_undo_their_move(court):
    await add_everyone(court)
    await court.say("/tahap 1 banding", user=STAF_BANKUM)
    assert "Diurungkan" in await court.say("/urungkan", user=STAF_BANKUM)
    assert (await case(court, 1)).level == "pertama"


@pytest.mark.parametrize(
    "words, register, day",
    [
        (["477", "K/TUN/2026"], ["477", "K/TUN/2026"], None),
        (["477", "K/TUN/2026", "2026-08-01"], ["477", "K/TUN/2026"], date(2026, 8, 1)),
        (["196/PDT/2026/PT.SBY", "1", "Agustus", "2026"], ["196/PDT/2026/PT.SBY"], date(2026, 8, 1)),
        (["196/PDT/2026/PT.SBY", "kemarin"], ["196/PDT/2026/PT.SBY"], date(2026, 11, 23)),
        (["12", "PK/Pdt/2026"], ["12", "PK/Pdt/2026"], None),
        ([], [], None),
    ],
)
def test_a_date_is_taken_from_the_end_only_when_unmistakable(words, register, day):
    assert split_trailing_date(words, date(2026, 11, 24)) == (register, day)
