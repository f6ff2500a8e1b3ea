"""/ubah, /urungkan and /riwayat through the real Application."""

from datetime import date, timedelta

from sqlmodel import select

from models.tables import AuditEntry, Product
from tests import helpers
from tests.helpers import OTHER_STAF_PERUNDANGAN as OTHER_STAF
from tests.helpers import PIMPINAN, STRANGER
from tests.helpers import STAF_DOKINFO as DOKINFO
from tests.helpers import STAF_PERUNDANGAN as STAF


async def product(harness, product_id: int = 1) -> Product:
    return await helpers.product(harness, product_id)


def labels(harness):
    return [label for label, _, _ in harness.buttons()]


async def add_staff(harness):
    await harness.say(f"/anggota tambah {STAF} staf perundangan Budi")
    await harness.say(f"/anggota tambah {OTHER_STAF} staf perundangan Ani")
    await harness.say(f"/anggota tambah {DOKINFO} staf dokinfo Citra")


async def test_ubah_changes_a_title_with_history_kept(harness):
    await harness.say("/usul perwali 2026-03-01 Tata Cara Arsip")
    await harness.say("/ubah produk 1")
    assert labels(harness) == ["Judul", "Tanggal usulan", "Batal"]
    await harness.press("Judul")
    summary = await harness.say("Tata Cara Pengelolaan Arsip")
    assert "Tata Cara Arsip → Tata Cara Pengelolaan Arsip" in summary
    assert "Perubahan disimpan" in (await harness.press("Simpan"))[0]
    assert (await product(harness)).title == "Tata Cara Pengelolaan Arsip"
    history = await harness.say("/riwayat produk 1")
    assert history.index("data diubah") < history.index("usulan dicatat")  # newest first


async def test_ubah_refuses_what_logging_refuses_and_asks_again(harness):
    await harness.say("/usul perwali 2026-03-01 Judul Satu")
    await harness.say("/usul perwali 2026-03-01 Sesuatu Yang Lain")
    await harness.say("/tetapkan 1 7 2026-03-10")
    await harness.say("/tetapkan 2 8 2026-03-10")
    await harness.say("/ubah produk 2")
    assert labels(harness) == ["Judul", "Tanggal usulan", "Nomor", "Tanggal penetapan", "Batal"]
    await harness.press("Tanggal penetapan")
    await harness.press("Tanggal lain")
    reply = await harness.say("2026-02-01")
    assert "tidak boleh sebelum tanggal usulan" in reply
    reply = await harness.say("2099-01-01")
    assert "masa depan" in reply
    await harness.say("/batal")
    await harness.say("/ubah produk 2")
    await harness.press("Nomor")
    reply = await harness.say("7")
    assert "sudah dipakai" in reply
    summary = await harness.say("9")
    assert "8 → 9" in summary
    await harness.press("Simpan")
    assert (await product(harness, 2)).number == 9


async def test_ubah_offers_only_the_fields_of_the_members_subsection(harness):
    await add_staff(harness)
    await harness.say("/usul perda 2026-01-01 Pajak Daerah")
    await harness.say("/tetapkan 1 2 2026-01-05")
    await harness.say("/publikasi 1 2026-01-07 https://jdih.example/perda-2-2026")
    await harness.say("/ubah produk 1", user=DOKINFO)
    assert labels(harness) == ["Tanggal publikasi", "Tautan", "Batal"]
    assert "belum terdaftar" in await harness.say("/ubah produk 1", user=STRANGER)
    await harness.say(f"/anggota tambah {PIMPINAN} pimpinan Kabag")
    assert "tidak tersedia" in await harness.say("/ubah produk 1", user=PIMPINAN)


async def test_urungkan_restores_exactly_the_earlier_state(harness):
    await harness.say("/usul perwali 2026-03-01 Judul Asli")
    before = (await product(harness)).model_dump()
    await harness.say("/tetapkan 1 7 2026-03-10")
    reply = await harness.say("/urungkan")
    assert "Diurungkan" in reply and "penetapan" in reply
    after = (await product(harness)).model_dump()
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }
    # The number is free again.
    assert "Penetapan dicatat" in await harness.say("/tetapkan 1 7 2026-03-11")


async def test_urungkan_a_proposal_removes_it(harness):
    await harness.say("/usul kepwali Tim Evaluasi")
    await harness.say("/urungkan")
    assert await helpers.find_product(harness, 1) is None
    assert "Tidak ada" in await harness.say("/urungkan")


async def test_urungkan_only_own_writes_within_a_day_admins_any(harness):
    await add_staff(harness)
    await harness.say("/usul perwali Judul Budi", user=STAF)
    assert "Tidak ada catatan Anda" in await harness.say("/urungkan", user=OTHER_STAF)
    harness.clock.advance(timedelta(hours=25))
    assert "Tidak ada catatan Anda" in await harness.say("/urungkan", user=STAF)
    await harness.say("/usul perwali Judul Kedua Budi", user=STAF)
    assert "Diurungkan" in await harness.say("/urungkan")  # the admin undoes Budi's write
    assert await helpers.find_product(harness, 2) is None


async def test_urungkan_refused_when_the_record_changed_since(harness):
    await add_staff(harness)
    await harness.say("/usul perwali 2026-03-01 Judul Budi", user=STAF)
    await harness.say("/tetapkan 1 4 2026-03-02", user=OTHER_STAF)
    reply = await harness.say("/urungkan", user=STAF)
    assert "sudah diubah lagi" in reply
    assert (await product(harness)).number == 4


async def test_undo_is_in_the_audit_trail(harness):
    await harness.say("/usul perwali Judul")
    await harness.say("/urungkan")
    async with harness.db.session() as session:
        entries = list((await session.exec(select(AuditEntry).where(AuditEntry.entity == "product"))).all())
    assert [e.action for e in entries] == ["product.propose", "undo"]
    assert entries[0].undone_at is not None


async def test_riwayat_bad_input(harness):
    assert "Contoh" in await harness.say("/riwayat")
    assert "tidak ditemukan" in await harness.say("/riwayat produk 99")
    assert "tidak dikenal" in await harness.say("/riwayat surat 1")


async def test_relative_dates_in_one_line_forms(harness):
    # Tuesday 24 November 2026 in Jakarta.
    cases = {
        "hari ini": date(2026, 11, 24),
        "kemarin": date(2026, 11, 23),
        "2 hari lalu": date(2026, 11, 22),
        "1 Maret": date(2026, 3, 1),
        "Senin lalu": date(2026, 11, 23),
        "Selasa lalu": date(2026, 11, 17),
    }
    topics = iter(["Arsip", "Pajak", "Pasar", "Retribusi", "Kepegawaian", "Kesehatan"])
    for n, (typed, expected) in enumerate(cases.items(), 1):
        reply = await harness.say(f"/usul perwali {typed} {next(topics)}")
        assert "Usulan dicatat" in reply, reply
        assert (await product(harness, n)).proposed_on == expected, typed
    assert "masa depan" in await harness.say("/usul perwali 1 Desember Judul Masa Depan")


async def test_undoing_a_member_change_restores_their_menu(harness):
    await harness.say(f"/anggota tambah {STAF} staf perundangan Budi")
    await harness.say(f"/anggota tambah {STAF} pimpinan Budi")
    assert "Diurungkan" in await harness.say("/urungkan")
    menus = [
        c for c in harness.api.calls if c.method == "setMyCommands" and c.params.get("scope", {}).get("chat_id") == STAF
    ]
    assert "usul" in {c["command"] for c in menus[-1].params["commands"]}


async def test_a_changed_title_keeps_its_numbers_for_the_duplicate_check(harness):
    """The stored numbers of a title follow every change of it, so the duplicate-title check (which reads
    only titles with the same numbers) still finds a title after /ubah."""
    from models.tables import title_numbers

    await harness.say("/usul perwali 2026-03-01 Tata Cara Arsip Nomor 3")
    assert (await product(harness)).title_numbers == "3"
    await harness.say("/ubah produk 1")
    await harness.press("Judul")
    await harness.say("Tata Cara Arsip Nomor 4 Tahun 2026")
    assert "Perubahan disimpan" in (await harness.press("Simpan"))[0]
    stored = await product(harness)
    assert stored.title_numbers == title_numbers(stored.title) == "4 2026"
    warning = await harness.say("/usul perwali 2026-03-02 Tata Cara Arsip Nomor 4 Tahun 2026")
    assert "mirip" in warning  # found by its new numbers: asks before a second entry
