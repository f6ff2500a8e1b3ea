"""/undangkan: promulgation of an enacted Perda (Lembaran Daerah) or Perwali (Berita Daerah)."""

from __future__ import annotations

import io
from datetime import date

import pytest

from bot.console import Console
from tests import helpers
from tests.conftest import ADMIN
from tests.helpers import PEOPLE, STRANGER, add_everyone, state


@pytest.fixture
async def enacted(harness):
    """#1 Perda No. 3/2026 enacted 10 March; #2 Perwali No. 7/2026 enacted 12 March; #3 Kepwali enacted;
    #4 Perwali only proposed."""
    for command in (
        "/usul perda 2026-03-01 Pajak Daerah",
        "/usul perwali 2026-03-01 Tata Cara Arsip",
        "/usul kepwali 2026-03-01 Tim Evaluasi",
        "/usul perwali 2026-03-01 Belum Ditetapkan",
        "/tetapkan 1 3 2026-03-10",
        "/tetapkan 2 7 2026-03-12",
        "/tetapkan 3 9 2026-03-12",
    ):
        assert "✅" in await harness.say(command), command
    return harness


async def test_one_line_with_date_and_number(enacted):
    reply = await enacted.say("/undangkan 1 2026-03-11 4")
    assert "Pengundangan dicatat" in reply
    assert "Diundangkan: Lembaran Daerah Kota Probolinggo Tahun 2026 Nomor 4, 11 Maret 2026" in reply
    stored = await helpers.product(enacted, 1)
    assert (stored.promulgated_on, stored.promulgation_number, stored.promulgation_year) == (date(2026, 3, 11), 4, 2026)
    assert [e.action for e in await helpers.audit_rows(enacted, "product.promulgate")] == ["product.promulgate"]


async def test_date_defaults_to_today_and_number_to_the_next_free_one(enacted):
    assert "Nomor 1, 24 November 2026" in await enacted.say("/undangkan 2")
    await enacted.say("/usul perwali 2026-03-01 Perwali Lain")
    await enacted.say("/tetapkan 5 8 2026-03-13")
    reply = await enacted.say("/undangkan 5 12 Maret 2026 9")
    assert "Berita Daerah Kota Probolinggo Tahun 2026 Nomor 9, 13 Maret 2026" not in reply
    assert "tidak boleh sebelum tanggal penetapan" in reply  # 12 March < enactment 13 March
    reply = await enacted.say("/undangkan 5 14 Maret 2026 9")
    assert "Berita Daerah Kota Probolinggo Tahun 2026 Nomor 9, 14 Maret 2026" in reply
    await enacted.say("/usul perwali 2026-03-01 Perwali Ketiga")
    await enacted.say("/tetapkan 6 10 2026-03-13")
    assert "Tahun 2026 Nomor 10" in await enacted.say("/undangkan 6 2026-03-20")
    # The Lembaran Daerah is a series of its own: the Perda starts at 1.
    assert "Lembaran Daerah Kota Probolinggo Tahun 2026 Nomor 1" in await enacted.say("/undangkan 1 2026-03-20")


async def test_number_is_unique_per_series_and_year(enacted):
    await enacted.say("/undangkan 2 2026-03-12 5")
    await enacted.say("/usul perwali 2026-03-01 Perwali Lain")
    await enacted.say("/tetapkan 5 8 2026-03-13")
    before = await state(enacted)
    reply = await enacted.say("/undangkan 5 2026-03-13 5")
    assert "Nomor 5 Berita Daerah Kota Probolinggo Tahun 2026 sudah dipakai" in reply and "Contoh" in reply
    assert await state(enacted) == before
    # Same number in the Lembaran Daerah is another series.
    assert "✅" in await enacted.say("/undangkan 1 2026-03-12 5")


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("/undangkan 3", "(Kepwali) tidak diundangkan"),
        ("/undangkan 4", "belum ditetapkan"),
        ("/undangkan 99", "tidak ditemukan"),
        ("/undangkan 1 2026-03-09", "tidak boleh sebelum tanggal penetapan"),
        ("/undangkan 1 2099-01-01", "masa depan"),
        ("/undangkan 1 2026-03-11 nol", "bukan tanggal atau nomor"),
        ("/undangkan 1 2026-03-11 0", "angka bulat positif"),
        ("/undangkan satu", "harus berupa angka"),
        ("/undangkan 1 2026-03-11 4 5", "bukan tanggal atau nomor"),
    ],
)
async def test_bad_input_writes_nothing(enacted, command, says):
    before = await state(enacted)
    reply = await enacted.say(command)
    assert says in reply and "Contoh" in reply, reply
    assert await state(enacted) == before


async def test_not_after_publication_and_not_twice(enacted):
    await enacted.say("/publikasi 2 2026-03-15")
    assert "tidak boleh sesudah tanggal publikasi" in await enacted.say("/undangkan 2 2026-03-16")
    assert "✅" in await enacted.say("/undangkan 2 2026-03-14")
    assert "sudah diundangkan dalam Berita Daerah" in await enacted.say("/undangkan 2 2026-03-14")


async def test_dialogue_picks_offers_skip_and_saves_the_next_number(enacted):
    await enacted.say("/undangkan")
    labels = [label for label, _, _ in enacted.buttons()]
    assert any("#1 Perda" in label for label in labels) and any("#2 Perwali" in label for label in labels)
    assert not any("#3" in label or "#4" in label for label in labels)  # Kepwali and a proposal are not offered
    await enacted.press(next(label for label in labels if label.startswith("#2")))
    await enacted.press("Tanggal lain")
    assert "tidak boleh sebelum tanggal penetapan" in await enacted.say("2026-03-01")
    await enacted.say("2026-03-13")
    summary = (await enacted.press("Lewati"))[0]
    assert "Berita Daerah Kota Probolinggo Tahun 2026 Nomor 1 (nomor berikutnya)" in summary
    assert "Pengundangan dicatat" in (await enacted.press("Simpan"))[0]
    assert (await helpers.product(enacted, 2)).promulgation_number == 1


async def test_dialogue_refuses_a_taken_number_and_asks_again(enacted):
    await enacted.say("/undangkan 1 2026-03-12 2")
    await enacted.say("/usul perda 2026-03-01 Perda Lain")
    await enacted.say("/tetapkan 5 4 2026-03-12")
    await enacted.say("/undangkan")
    await enacted.press(next(label for label, _, _ in enacted.buttons() if label.startswith("#5")))
    await enacted.press("Hari ini")
    # Taken in 2026, but the promulgation today is in 2026 as well.
    assert "sudah dipakai" in await enacted.say("2")
    assert "Nomor 3" in await enacted.say("3")


async def test_permissions(enacted):
    await add_everyone(enacted)
    allowed = {"kasubbag_perundangan", "staf_perundangan"}
    for name, (user_id, _, _) in PEOPLE.items():
        before = await state(enacted)
        reply = await enacted.say("/undangkan 1 2026-03-12", user=user_id)
        if name in allowed:
            assert "Pengundangan dicatat" in reply, name
            assert "Diurungkan" in await enacted.say("/urungkan", user=user_id)
        else:
            assert "tidak tersedia" in reply, name
            assert await state(enacted) == before
    assert "belum terdaftar" in await enacted.say("/undangkan 1", user=STRANGER)
    assert "✅" in await enacted.say("/undangkan 1", user=ADMIN)


async def test_ubah_riwayat_urungkan_and_daftar_through_the_spec(enacted):
    await enacted.say("/undangkan 2 2026-03-13 5")
    await enacted.say("/ubah produk 2")
    labels = [label for label, _, _ in enacted.buttons()]
    assert "Tanggal pengundangan" in labels and "Nomor pengundangan" in labels
    await enacted.press("Nomor pengundangan")
    assert "5 → 6" in await enacted.say("6")
    await enacted.press("Simpan")
    stored = await helpers.product(enacted, 2)
    assert stored.promulgation_number == 6
    history = await enacted.say("/riwayat produk 2")
    assert "pengundangan dicatat" in history and "Nomor pengundangan: 5 → 6" in history
    assert "Diurungkan" in await enacted.say("/urungkan")
    assert (await helpers.product(enacted, 2)).promulgation_number == 5
    listing = await enacted.say("/daftar pengundangan")
    assert "belum diundangkan (1)" in listing and "#1 Perda" in listing
    assert "#2" not in listing and "#3" not in listing


async def test_urungkan_clears_the_promulgation(enacted):
    await enacted.say("/undangkan 2 2026-03-13 5")
    assert "pengundangan dicatat" in await enacted.say("/urungkan")
    stored = await helpers.product(enacted, 2)
    assert (stored.promulgated_on, stored.promulgation_number, stored.promulgation_year) == (None, None, None)
    listing = await enacted.say("/daftar pengundangan")
    assert "belum diundangkan (2)" in listing and "#2 Perwali" in listing
    assert "✅" in await enacted.say("/undangkan 2 2026-03-14 5")  # the number is free again


async def test_ubah_keeps_the_number_unique_when_the_year_changes(enacted):
    await enacted.say("/usul perwali 2025-01-01 Lama")
    await enacted.say("/tetapkan 5 1 2025-12-20")
    await enacted.say("/undangkan 5 2025-12-30 1")
    await enacted.say("/undangkan 2 2026-03-13 1")
    await enacted.say("/ubah produk 5")
    await enacted.press("Tanggal pengundangan")
    await enacted.press("Tanggal lain")
    assert "sudah dipakai" in await enacted.say("2026-01-02")


async def test_console(enacted):
    out = io.StringIO()
    console = Console(enacted.app, enacted.api, ADMIN, out)
    await console.say("/undangkan 2 2026-03-13")
    assert "Berita Daerah Kota Probolinggo Tahun 2026 Nomor 1" in out.getvalue()
    assert "<b>" not in out.getvalue()


async def test_the_digest_lists_promulgations_and_the_result_of_resolved_cases(harness):
    for command in (
        "/usul perda 2026-11-16 Pajak Daerah",
        "/tetapkan 1 3 2026-11-17",
        "/undangkan 1 2026-11-18 4",
        "/perkara 1/Pdt.G/2026/PN Prb 2026-11-17 Gugatan",
        "/selesai 1 2026-11-20 menang Gugatan ditolak",
    ):
        assert "✅" in await harness.say(command), command
    text = "\n".join(await harness.send("/ringkasan"))
    assert "Diundangkan: 1" in text
    assert "(18 November 2026" in text.split("Diundangkan: 1", 1)[1].split("\n", 2)[1]
    assert "— Menang: Gugatan ditolak (20 November 2026)" in text
