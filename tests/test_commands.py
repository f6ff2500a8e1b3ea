"""Every command's success and its bad inputs: the reply says what is wrong with an example; nothing is written."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from models.tables import AuditEntry, Case, Member, Product
from tests.conftest import ADMIN
from tests.helpers import PIMPINAN, STAF_BANKUM, all_rows, case, count, find_member, member, product, state


def refused(reply: str, *says: str) -> None:
    assert reply.startswith("⚠️"), reply
    for part in says:
        assert part in reply, (part, reply)
    # The example is a whole command, or for a date the accepted ways to write one.
    assert "\nContoh: /" in reply or "\nContoh: 2026-03-01, 01-03-2026" in reply, reply


async def assert_refused_and_unchanged(harness, command: str, *says: str, user: int = ADMIN) -> str:
    before = await state(harness)
    reply = await harness.say(command, user=user)
    refused(reply, *says)
    assert await state(harness) == before, command
    return reply


@pytest.fixture
async def seeded(harness):
    """#1 perwali proposed; #2 perda enacted (No. 7/2026); #3 kepwali published; case #1 open, #2 resolved."""
    for command in (
        "/usul perwali 2026-03-01 Satu",
        "/usul perda 2026-03-01 Dua",
        "/usul kepwali 2026-03-01 Tiga",
        "/tetapkan 2 7 2026-03-10",
        "/tetapkan 3 1 2026-03-10",
        "/publikasi 3 2026-03-15",
        "/perkara 1/Pdt.G/2026/PN Prb 2026-02-01 Gugatan satu",
        "/perkara 2/Pdt.G/2026/PN Prb 2026-02-01 Gugatan dua",
        "/selesai 2 2026-06-30 Menang",
    ):
        assert "✅" in await harness.say(command), command
    return harness


# --- /start, /bantuan, /help ---------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/start", "/bantuan", "/help"])
async def test_help_for_admin_lists_every_command(harness, command):
    reply = await harness.say(command)
    assert "IKU Bot Bagian Hukum" in reply and "mencatat" in reply
    for name in ("/usul", "/tetapkan", "/publikasi", "/perkara", "/selesai", "/iku", "/daftar", "/anggota"):
        assert name in reply, name
    assert "1 Maret 2026" in reply  # how to write dates


async def test_unknown_command_and_plain_text_get_a_hint(harness):
    assert "Perintah tidak dikenal" in await harness.say("/entahlah")
    assert "/bantuan" in await harness.say("halo")


# --- /usul ---------------------------------------------------------------------------------------


async def test_usul_success_shows_record_and_id(harness):
    reply = await harness.say("/usul perwali 2026-03-01 Tata Cara Pengelolaan Arsip Daerah")
    assert reply.startswith("✅ Usulan dicatat.")
    assert "#1 Perwali: Tata Cara Pengelolaan Arsip Daerah" in reply
    assert "Diusulkan: 1 Maret 2026" in reply
    stored = await product(harness, 1)
    assert (stored.kind, stored.title, stored.proposed_on, stored.created_by) == (
        "perwali",
        "Tata Cara Pengelolaan Arsip Daerah",
        date(2026, 3, 1),
        ADMIN,
    )
    assert stored.enacted_on is None and stored.published_on is None


async def test_usul_date_defaults_to_today_and_kind_is_case_insensitive(harness):
    reply = await harness.say("/usul PERDA Pajak Daerah")
    assert "#1 Perda: Pajak Daerah" in reply and "Diusulkan: 24 November 2026" in reply
    assert (await product(harness, 1)).proposed_on == date(2026, 11, 24)


async def test_products_and_cases_number_separately(harness):
    assert "#1 Perda" in await harness.say("/usul perda Satu")
    assert "#2 Kepwali" in await harness.say("/usul kepwali Dua")
    assert "Perkara #1" in await harness.say("/perkara 5/Pdt.G/2026/PN Prb Gugatan")
    assert "#3 Perwali" in await harness.say("/usul perwali Tiga")


async def test_usul_whitespace_in_title_is_tidied(harness):
    await harness.say("/usul perwali   Judul    dengan   spasi  ")
    assert (await product(harness, 1)).title == "Judul dengan spasi"


@pytest.mark.parametrize(
    "command, says",
    [
        ("/usul perbup Judul", ["«perbup»", "tidak dikenal", "perda, perwali, atau kepwali"]),
        ("/usul perwali", ["Judul belum diisi"]),
        ("/usul perwali 2026-03-01", ["Judul belum diisi"]),
        ("/usul perwali 1 Maret 2026", ["Judul belum diisi"]),
        ("/usul perwali 2026-12-01 Judul", ["masa depan"]),
        ("/usul perwali 31-02-2026 Judul", ["tidak valid"]),
        ("/usul perwali " + "x" * 501, ["Judul terlalu panjang", "501", "500"]),
    ],
)
async def test_usul_bad_input(harness, command, says):
    await assert_refused_and_unchanged(harness, command, *says)


async def test_usul_title_of_exactly_500_characters_is_accepted(harness):
    assert "✅" in await harness.say("/usul perwali " + "y" * 500)
    assert len((await product(harness, 1)).title) == 500


# --- /tetapkan -----------------------------------------------------------------------------------


async def test_tetapkan_success(seeded):
    reply = await seeded.say("/tetapkan 1 12 2026-04-01")
    assert reply.startswith("✅ Penetapan dicatat.")
    assert "#1 Perwali: Satu" in reply
    assert "Ditetapkan: Peraturan Wali Kota Probolinggo Nomor 12 Tahun 2026, 1 April 2026" in reply
    stored = await product(seeded, 1)
    assert (stored.enacted_on, stored.number, stored.number_year) == (date(2026, 4, 1), 12, 2026)


async def test_tetapkan_defaults_to_today_and_accepts_hash_id_and_worded_date(seeded):
    assert "24 November 2026" in await seeded.say("/tetapkan #1 12")
    await seeded.say("/usul perda 2026-01-01 Empat")
    assert "Nomor 3 Tahun 2026, 5 Mei 2026" in await seeded.say("/tetapkan 4 3 5 Mei 2026")


async def test_number_unique_per_kind_and_enactment_year(seeded):
    # No. 7/2026 is taken by perda #2. A perwali may use 7 in 2026; a perda may use 7 in 2025.
    assert "Nomor 7 Tahun 2026" in await seeded.say("/tetapkan 1 7 2026-04-01")
    await seeded.say("/usul perda 2025-01-02 Lama")
    assert "Nomor 7 Tahun 2025" in await seeded.say("/tetapkan 4 7 2025-02-01")
    await seeded.say("/usul perda 2026-01-02 Baru")
    await assert_refused_and_unchanged(
        seeded, "/tetapkan 5 7 2026-04-01", "Nomor 7 Tahun 2026 untuk Perda sudah dipakai"
    )


async def test_number_year_is_the_enactment_year_not_the_proposal_year(harness):
    await harness.say("/usul perda 2025-12-01 Diusulkan Tahun Lalu")
    await harness.say("/usul perda 2026-01-02 Diusulkan Tahun Ini")
    assert "Nomor 1 Tahun 2026" in await harness.say("/tetapkan 1 1 2026-01-05")
    await assert_refused_and_unchanged(harness, "/tetapkan 2 1 2026-02-01", "Nomor 1 Tahun 2026", "sudah dipakai")
    assert (await product(harness, 1)).number_year == 2026


@pytest.mark.parametrize(
    "command, says",
    [
        ("/tetapkan 1", ["Sebutkan id usulan dan nomor"]),
        ("/tetapkan abc 7", ["Id usulan harus berupa angka", "«abc»"]),
        ("/tetapkan 0 7", ["Id usulan harus berupa angka"]),
        ("/tetapkan 99 7", ["#99 tidak ditemukan"]),
        ("/tetapkan 1 abc", ["Nomor harus berupa angka", "«abc»"]),
        ("/tetapkan 1 0", ["Nomor harus berupa angka"]),
        ("/tetapkan 1 -3", ["Nomor harus berupa angka"]),
        ("/tetapkan 1 7 2026-02-28", ["tidak boleh sebelum tanggal usulan", "1 Maret 2026"]),
        ("/tetapkan 1 7 2026-12-01", ["masa depan"]),
        ("/tetapkan 1 7 2026-02-31", ["tidak valid"]),
        ("/tetapkan 1 7 kapan-kapan", ["tidak dikenali sebagai tanggal"]),
        ("/tetapkan 2 8 2026-04-01", ["sudah ditetapkan", "Nomor 7 Tahun 2026"]),
    ],
)
async def test_tetapkan_bad_input(seeded, command, says):
    await assert_refused_and_unchanged(seeded, command, *says)


# --- /publikasi ----------------------------------------------------------------------------------


async def test_publikasi_success_with_date_and_link(seeded):
    reply = await seeded.say("/publikasi 2 2026-03-15 https://jdih.probolinggokota.go.id/perda-7-2026?a=1&b=2")
    assert reply.startswith("✅ Publikasi dicatat.")
    assert "Dipublikasikan: 15 Maret 2026 — https://jdih.probolinggokota.go.id/perda-7-2026?a=1&b=2" in reply
    stored = await product(seeded, 2)
    assert stored.published_on == date(2026, 3, 15)
    assert stored.link == "https://jdih.probolinggokota.go.id/perda-7-2026?a=1&b=2"


async def test_publikasi_link_only_and_date_defaults_to_today(seeded):
    reply = await seeded.say("/publikasi 2 https://jdih.example.go.id/x")
    assert "Dipublikasikan: 24 November 2026" in reply
    stored = await product(seeded, 2)
    assert stored.published_on == date(2026, 11, 24) and stored.link == "https://jdih.example.go.id/x"


async def test_publikasi_without_link(seeded):
    reply = await seeded.say("/publikasi 2 1 April 2026")
    assert "Dipublikasikan: 1 April 2026" in reply and "http" not in reply
    assert (await product(seeded, 2)).link is None


@pytest.mark.parametrize(
    "command, says",
    [
        ("/publikasi x", ["Id produk hukum harus berupa angka"]),
        ("/publikasi 99", ["#99 tidak ditemukan"]),
        ("/publikasi 1 2026-03-15", ["#1 belum ditetapkan"]),
        ("/publikasi 2 2026-03-09", ["tidak boleh sebelum tanggal penetapan", "10 Maret 2026"]),
        ("/publikasi 2 2026-12-01", ["masa depan"]),
        ("/publikasi 2 2026-02-30", ["tidak valid"]),
        ("/publikasi 2 ftp://jdih.example/x", ["«ftp://jdih.example/x»", "bukan tanggal atau tautan"]),
        ("/publikasi 2 2026-03-15 https://a.go.id sisa", ["bukan tanggal atau tautan"]),
        ("/publikasi 2 https://", ["Tautan harus diawali http"]),
        ("/publikasi 2 https://jdih.go.id/" + "a" * 500, ["Tautan terlalu panjang"]),
        ("/publikasi 3 2026-04-01", ["#3 sudah dipublikasikan", "15 Maret 2026"]),
    ],
)
async def test_publikasi_bad_input(seeded, command, says):
    await assert_refused_and_unchanged(seeded, command, *says)


# --- /perkara ------------------------------------------------------------------------------------


async def test_perkara_success(harness):
    reply = await harness.say("/perkara 12/Pdt.G/2026/PN Prb 2026-03-01 Gugatan wanprestasi pengadaan")
    assert reply.startswith("✅ Perkara dicatat.")
    assert "Perkara #1: 12/Pdt.G/2026/PN Prb" in reply
    assert "Uraian: Gugatan wanprestasi pengadaan" in reply and "Mulai ditangani: 1 Maret 2026" in reply
    stored = await case(harness, 1)
    assert (stored.register_number, stored.description, stored.started_on, stored.resolved_on) == (
        "12/Pdt.G/2026/PN Prb",
        "Gugatan wanprestasi pengadaan",
        date(2026, 3, 1),
        None,
    )


async def test_perkara_without_date_or_description(harness):
    reply = await harness.say("/perkara 3/G/2026/PTUN Sby")
    assert "Perkara #1: 3/G/2026/PTUN Sby" in reply and "Mulai ditangani: 24 November 2026" in reply
    assert "Uraian" not in reply
    assert (await case(harness, 1)).description == ""


async def test_perkara_quoted_register(harness):
    reply = await harness.say('/perkara "45/Pid.Sus/2026/PN Prb" 1 Mar 2026 Pidana khusus')
    assert "Perkara #1: 45/Pid.Sus/2026/PN Prb" in reply and "1 Maret 2026" in reply
    assert (await case(harness, 1)).description == "Pidana khusus"


@pytest.mark.parametrize(
    "command, says",
    [
        ("/perkara Gugatan", ["«Gugatan» tidak dikenali", "12/Pdt.G/2026/PN Prb"]),
        ('/perkara "12/Pdt.G/2026/PN Prb 2026-03-01', ["Tanda kutip"]),
        ("/perkara 1/Pdt.G/2026/PN Prb 2026-02-01 Lagi", ["sudah tercatat sebagai perkara #1"]),
        ('/perkara "1/pdt.g/2026/pn  prb" Lagi', ["sudah tercatat sebagai perkara #1"]),
        ("/perkara 9/Pdt.G/2026/PN Prb 2026-12-01 Nanti", ["masa depan"]),
        ("/perkara 9/Pdt.G/2026/PN Prb 31/04/2026 Salah", ["tidak valid"]),
        ("/perkara 9/Pdt.G/2026/PN Prb 2026-03-01 " + "u" * 501, ["Uraian terlalu panjang"]),
        ("/perkara 9/" + "P" * 100, ["Nomor register perkara terlalu panjang"]),
    ],
)
async def test_perkara_bad_input(seeded, command, says):
    await assert_refused_and_unchanged(seeded, command, *says)


# --- /selesai ------------------------------------------------------------------------------------


async def test_selesai_success(seeded):
    reply = await seeded.say("/selesai 1 2026-07-01 Menang di tingkat pertama")
    assert reply.startswith("✅ Penyelesaian perkara dicatat.")
    assert "Perkara #1: 1/Pdt.G/2026/PN Prb" in reply
    assert "Selesai: 1 Juli 2026 — Menang: di tingkat pertama" in reply
    stored = await case(seeded, 1)
    assert (stored.resolved_on, stored.result, stored.outcome) == (date(2026, 7, 1), "menang", "di tingkat pertama")


async def test_selesai_defaults_to_today_without_outcome(seeded):
    assert "Selesai: 24 November 2026" in await seeded.say("/selesai #1")
    assert (await case(seeded, 1)).outcome is None


@pytest.mark.parametrize(
    "command, says",
    [
        ("/selesai satu", ["Id perkara harus berupa angka"]),
        ("/selesai 99", ["Perkara #99 tidak ditemukan"]),
        ("/selesai 1 2026-01-31 Menang", ["tidak boleh sebelum tanggal mulai penanganan", "1 Februari 2026"]),
        ("/selesai 1 2026-12-01 Menang", ["masa depan"]),
        ("/selesai 1 2026-06-31 Menang", ["tidak valid"]),
        ("/selesai 2 2026-07-01 Lagi", ["Perkara #2 sudah selesai", "30 Juni 2026"]),
        ("/selesai 1 2026-07-01 " + "h" * 301, ["Hasil terlalu panjang", "300"]),
    ],
)
async def test_selesai_bad_input(seeded, command, says):
    await assert_refused_and_unchanged(seeded, command, *says)


# --- /daftar -------------------------------------------------------------------------------------


async def test_daftar_shows_what_is_open_with_ids(seeded):
    usulan, terbit, perkara = await seeded.send("/daftar")
    assert "Usulan belum ditetapkan (1)" in usulan and "#1 Perwali Satu" in usulan
    assert "#2" not in usulan and "#3" not in usulan
    assert "Sudah ditetapkan, belum dipublikasikan (1)" in terbit and "#2 Perda Dua" in terbit
    assert "No. 7/2026" in terbit and "#3" not in terbit
    assert "Perkara belum selesai (1)" in perkara and "#1 1/Pdt.G/2026/PN Prb" in perkara
    assert "#2" not in perkara


async def test_daftar_sections_follow_the_records(seeded):
    await seeded.say("/tetapkan 1 9 2026-04-01")
    assert "Tidak ada usulan yang menunggu" in await seeded.say("/daftar usulan")
    terbit = await seeded.say("/daftar terbit")
    assert "(2)" in terbit and "#1 Perwali" in terbit and "#2 Perda" in terbit
    await seeded.say("/publikasi 1 2026-04-02")
    await seeded.say("/publikasi 2 2026-04-02")
    assert "Semua produk yang ditetapkan sudah dipublikasikan" in await seeded.say("/daftar TERBIT")
    await seeded.say("/selesai 1")
    assert "Tidak ada perkara yang masih berjalan" in await seeded.say("/daftar perkara")


@pytest.mark.parametrize("command", ["/daftar semua", "/daftar usulan terbit"])
async def test_daftar_bad_section(seeded, command):
    await assert_refused_and_unchanged(seeded, command, "tidak dikenal", "usulan, terbit, pengundangan, atau perkara")


# --- /anggota ------------------------------------------------------------------------------------


async def test_anggota_add_list_update_remove(harness, clock):
    reply = await harness.say(f"/anggota tambah {STAF_BANKUM} staf bankum Siti Aminah")
    assert reply.startswith("✅ Anggota ditambahkan.") and f"Siti Aminah — {STAF_BANKUM} — Staf bankum" in reply
    stored = await member(harness, STAF_BANKUM)
    assert (stored.name, stored.role, stored.subsection) == ("Siti Aminah", "staf", "bankum")

    listing = await harness.say("/anggota")
    assert "Anggota (2)" in listing and "1001" in listing and "Siti Aminah" in listing
    assert "/anggota tambah" in listing

    reply = await harness.say(f"/anggota tambah {STAF_BANKUM} KASUBBAG DOKINFO")
    assert (
        reply.startswith("✅ Data anggota diperbarui.") and f"Siti Aminah — {STAF_BANKUM} — Kasubbag dokinfo" in reply
    )
    stored = await member(harness, STAF_BANKUM)
    assert (stored.name, stored.role, stored.subsection) == ("Siti Aminah", "kasubbag", "dokinfo")

    assert "✅ Anggota ditambahkan." in await harness.say(f"/anggota tambah {PIMPINAN} pimpinan Kepala Bagian")
    assert (await member(harness, PIMPINAN)).subsection is None

    reply = await harness.say(f"/anggota hapus {STAF_BANKUM}")
    assert reply.startswith("✅ Anggota dihapus.") and str(STAF_BANKUM) in reply
    assert await find_member(harness, STAF_BANKUM) is None
    assert await count(harness, Member) == 2


async def test_second_admin_and_removing_an_admin(harness):
    assert "✅" in await harness.say("/anggota tambah 1002 admin Admin Dua")
    assert "✅" in await harness.say("/anggota hapus 1001", user=1002)
    assert await find_member(harness, 1001) is None


@pytest.mark.parametrize(
    "command, says",
    [
        ("/anggota tambah", ["Sebutkan user id dan peran"]),
        ("/anggota tambah 2001", ["Sebutkan user id dan peran"]),
        ("/anggota tambah abc staf bankum", ["User id Telegram harus berupa angka"]),
        ("/anggota tambah -5 pimpinan", ["User id Telegram harus berupa angka positif"]),
        ("/anggota tambah 99999999999999999999 staf bankum", ["User id Telegram harus berupa angka positif"]),
        ("/anggota hapus 99999999999999999999", ["User id Telegram harus berupa angka positif"]),
        ("/anggota tambah 2001 bos", ["Peran «bos» tidak dikenal"]),
        ("/anggota tambah 2001 staf", ["memerlukan subbag"]),
        ("/anggota tambah 2001 kasubbag hukum Nama", ["memerlukan subbag"]),
        ("/anggota tambah 2001 pimpinan bankum", ["tidak memiliki subbag"]),
        ("/anggota tambah 2001 admin dokinfo", ["tidak memiliki subbag"]),
        ("/anggota tambah 2001 pimpinan " + "N" * 101, ["Nama terlalu panjang"]),
        ("/anggota ubah 2001", ["«ubah» tidak dikenal"]),
        ("/anggota hapus", ["Sebutkan satu user id"]),
        ("/anggota hapus 5555", ["Tidak ada anggota dengan user id 5555"]),
        ("/anggota hapus 1001", ["Admin terakhir tidak dapat dihapus"]),
        ("/anggota tambah 1001 staf bankum", ["Admin terakhir tidak dapat diubah"]),
    ],
)
async def test_anggota_bad_input(harness, command, says):
    await assert_refused_and_unchanged(harness, command, *says)


# --- nothing half-written ------------------------------------------------------------------------


async def test_a_refused_write_leaves_no_audit_row_and_no_update_marker(seeded):
    before = await count(seeded, AuditEntry)
    await seeded.say("/tetapkan 2 8")
    await seeded.say("/usul perda")
    assert await count(seeded, AuditEntry) == before
    assert await count(seeded, Product) == 3 and await count(seeded, Case) == 2
    # After the mistakes, a correct write works as usual.
    assert "✅" in await seeded.say("/usul perda Benar")
    assert [p.title for p in await all_rows(seeded, Product)] == ["Satu", "Dua", "Tiga", "Benar"]


async def test_enacting_on_the_proposal_day_and_publishing_on_the_enactment_day_is_fine(harness, clock):
    clock.set(datetime(2026, 3, 1, 9, 0, tzinfo=clock.tz))
    assert "✅" in await harness.say("/usul perwali Kilat")
    assert "✅" in await harness.say("/tetapkan 1 1")
    assert "✅" in await harness.say("/publikasi 1")
    stored = await product(harness, 1)
    assert stored.proposed_on == stored.enacted_on == stored.published_on == date(2026, 3, 1)


@pytest.mark.parametrize(
    "command, prompt",
    [
        ("/usul", "Pilih jenis"),
        ("/tetapkan", "Pilih usulan"),
        ("/publikasi", "Pilih produk hukum"),
        ("/perkara", "nomor register"),
        ("/selesai", "Pilih perkara"),
    ],
)
async def test_write_command_without_arguments_starts_its_dialogue(seeded, command, prompt):
    before = await state(seeded)
    assert prompt in await seeded.say(command)
    assert await state(seeded) == before


async def test_register_number_parsing_is_case_insensitive_and_leaves_dates_alone(harness):
    reply = await harness.say("/perkara 12/Pdt.G/2026/PN Prb 2026-03-01 Gugatan")
    assert "Perkara #1" in reply
    reply = await harness.say("/perkara 12/pdt.g/2026/pn prb Gugatan yang sama")
    assert "sudah tercatat sebagai perkara #1" in reply
    reply = await harness.say("/perkara 13/Pdt.G/2026/PN kemarin Gugatan baru")
    assert "13/Pdt.G/2026/PN\n" in reply and "23 November 2026" in reply and "Uraian: Gugatan baru" in reply
