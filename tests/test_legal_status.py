"""/status: legal status (berlaku, diubah, dicabut), links between products, the chain, undo and history."""

from __future__ import annotations

import io
from datetime import date

import pytest

from bot.console import Console
from models.tables import ProductLink
from tests import helpers
from tests.conftest import ADMIN
from tests.helpers import PEOPLE, STRANGER, add_everyone, all_rows, state


async def everything(harness) -> dict:
    """`helpers.state` and the links."""
    return await state(harness) | {"links": [r.model_dump() for r in await all_rows(harness, ProductLink)]}


@pytest.fixture
async def world(harness):
    """#1 Perwali No. 7/2019; #2 Perwali No. 3/2021; #3 Perda No. 2/2026; #4 Kepwali No. 5/2026; #5 Perwali
    proposed only; #6 Perwali No. 4/2024."""
    for command in (
        "/usul perwali 2019-01-02 Arsip Daerah",
        "/usul perwali 2021-01-04 Perubahan Arsip Daerah",
        "/usul perda 2026-01-05 Pajak Daerah",
        "/usul kepwali 2026-01-05 Tim Evaluasi",
        "/usul perwali 2026-01-05 Belum Ditetapkan",
        "/usul perwali 2024-01-02 Pencabutan Arsip Daerah",
        "/tetapkan 1 7 2019-02-01",
        "/tetapkan 2 3 2021-02-01",
        "/tetapkan 3 2 2026-02-01",
        "/tetapkan 4 5 2026-02-01",
        "/tetapkan 6 4 2024-03-01",
    ):
        assert "✅" in await harness.say(command), command
    return harness


async def test_berlaku_from_enactment(world):
    reply = await world.say("/status 1")
    assert "#1 Perwali" in reply and "Status: Berlaku sejak 1 Februari 2019" in reply
    assert "Status: Belum ditetapkan" in await world.say("/status 5")


async def test_amend_then_revoke_shows_both_ways_and_the_chain(world):
    reply = await world.say("/status 1 diubah oleh 2")
    assert "Status dicatat" in reply
    assert "Diubah oleh Perwali Nomor 3 Tahun 2021 (#2) sejak 1 Februari 2021" in reply
    assert "Mengubah Perwali Nomor 7 Tahun 2019 (#1)" in reply
    links = await all_rows(world, ProductLink)
    assert [(x.product_id, x.by_id, x.relation, x.effective_on) for x in links] == [(1, 2, "amends", date(2021, 2, 1))]
    assert "Status: Berlaku, diubah sejak 1 Februari 2021" in await world.say("/status 1")
    reply = await world.say("/status 2 dicabut oleh 6")
    assert "Dicabut oleh Perwali Nomor 4 Tahun 2024 (#6)" in reply
    assert "Mencabut Perwali Nomor 3 Tahun 2021 (#2)" in reply
    chain = await world.say("/status 1")
    assert "Rantai perubahan" in chain
    assert "↳ diubah oleh #2 Perwali Nomor 3 Tahun 2021 — dicabut (tidak berlaku)" in chain
    assert "↳ dicabut oleh #6 Perwali Nomor 4 Tahun 2024 — berlaku" in chain
    assert chain.index("#2 Perwali Nomor") < chain.index("#6 Perwali Nomor")
    # A Perda revokes a Perwali: a higher kind may.
    reply = await world.say("/status 1 dicabut oleh 3")
    assert "Dicabut oleh Perda Nomor 2 Tahun 2026 (#3)" in reply and "Mencabut Perwali Nomor 7 Tahun 2019 (#1)" in reply
    assert "Status: Dicabut (tidak berlaku) sejak 1 Februari 2026" in await world.say("/status 1")
    history = await world.say("/riwayat produk 1")
    assert history.count("status dicatat") == 2 and "Hubungan: — → dicabut oleh" in history
    assert "status dicatat" in await world.say("/riwayat produk 6")


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("/status 3 dicabut oleh 1", "Perwali tidak dapat mencabut Perda"),
        ("/status 2 diubah oleh 4", "Kepwali tidak dapat mengubah Perwali"),
        ("/status 1 dicabut oleh 1", "dirinya sendiri"),
        ("/status 1 diubah oleh 5", "#5 belum ditetapkan"),
        ("/status 5 diubah oleh 2", "#5 belum ditetapkan"),
        ("/status 2 diubah oleh 1", "sebelum Perwali Nomor 3 Tahun 2021"),
        ("/status 1 dicabut oleh 99", "tidak ditemukan"),
        ("/status 99", "tidak ditemukan"),
        ("/status satu", "harus berupa angka"),
        ("/status 1 dihapus oleh 2", "tidak dikenal"),
        ("/status 1 diubah oleh", "Sebutkan satu id"),
        ("/status 1 diubah oleh 2 3", "Sebutkan satu id"),
    ],
)
async def test_bad_links_write_nothing(world, command, says):
    before = await everything(world)
    reply = await world.say(command)
    assert says in reply and "Contoh" in reply, reply
    assert await everything(world) == before


async def test_no_duplicate_no_second_revocation_no_cycle(world):
    await world.say("/status 1 diubah oleh 2")
    before = await everything(world)
    assert "sudah tercatat" in await world.say("/status 1 dicabut oleh 2")
    assert await everything(world) == before
    await world.say("/status 1 dicabut oleh 6")
    assert "sudah dicabut oleh Perwali Nomor 4 Tahun 2024" in await world.say("/status 1 diubah oleh 3")
    # Same-day enactments could otherwise link both ways: #7 amends #8, so #8 cannot amend #7.
    for command in (
        "/usul perwali 2026-03-01 Satu",
        "/usul perwali 2026-03-01 Dua Lain",
        "/tetapkan 7 20 2026-03-02",
        "/tetapkan 8 21 2026-03-02",
        "/status 8 diubah oleh 7",
    ):
        assert "✅" in await world.say(command), command
    before = await everything(world)
    assert "lingkaran" in await world.say("/status 7 diubah oleh 8")
    assert await everything(world) == before


async def test_permissions(world):
    await add_everyone(world)
    allowed = {"kasubbag_perundangan", "staf_perundangan", "kasubbag_dokinfo", "staf_dokinfo"}
    for name, (user_id, _, _) in PEOPLE.items():
        assert "Status: Berlaku" in await world.say("/status 1", user=user_id), name  # everyone reads
        before = await everything(world)
        reply = await world.say("/status 1 diubah oleh 2", user=user_id)
        if name in allowed:
            assert "Status dicatat" in reply, name
            assert "Diurungkan" in await world.say("/urungkan", user=user_id), name
        else:
            assert "tidak tersedia" in reply, name
            assert await everything(world) == before, name
        assert await all_rows(world, ProductLink) == []
    assert "belum terdaftar" in await world.say("/status 1", user=STRANGER)
    await world.send("/status 1 diubah oleh 2", user=STRANGER)  # the gate answers a stranger once in 10 minutes
    assert await all_rows(world, ProductLink) == []
    assert "Status dicatat" in await world.say("/status 1 diubah oleh 2", user=ADMIN)


async def test_urungkan_removes_the_link_and_blocks_undoing_what_it_relies_on(world):
    await world.say("/status 1 dicabut oleh 3")
    reply = await world.say("/urungkan")
    assert "Diurungkan" in reply and "hubungan status" in reply
    assert await all_rows(world, ProductLink) == []
    assert "Status: Berlaku sejak" in await world.say("/status 1")
    history = await world.say("/riwayat produk 1")
    assert "status dicatat (diurungkan)" in history and "perubahan diurungkan" in history
    # A link recorded after an enactment makes the enactment a thing that changed since.
    await helpers.join(world, helpers.STAF_DOKINFO)
    await helpers.join(world, helpers.STAF_PERUNDANGAN)
    await world.say("/usul perwali 2026-03-01 Baru", user=helpers.STAF_PERUNDANGAN)
    await world.say("/tetapkan 7 30 2026-03-02", user=helpers.STAF_PERUNDANGAN)
    assert "✅" in await world.say("/status 1 diubah oleh 7", user=helpers.STAF_DOKINFO)
    assert "sudah diubah lagi" in await world.say("/urungkan", user=helpers.STAF_PERUNDANGAN)
    assert (await helpers.product(world, 7)).enacted_on is not None


async def test_console(world):
    out = io.StringIO()
    console = Console(world.app, world.api, ADMIN, out)
    await console.say("/status 1 dicabut oleh 6")
    assert "Dicabut oleh Perwali Nomor 4 Tahun 2024" in out.getvalue()
    assert "<b>" not in out.getvalue()


async def test_a_corrected_enactment_date_keeps_the_order_of_links(world):
    await world.say("/usul perwali 2020-01-01 Perubahan Kedua")
    await world.say("/tetapkan 7 11 2021-06-01")
    await world.say("/status 2 diubah oleh 7")
    await world.say("/ubah produk 7")
    await world.press("Tanggal penetapan")
    await world.press("Tanggal lain")
    assert "tidak boleh sebelum itu" in await world.say("2021-01-31")
    assert "1 Juni 2021 → 1 Juli 2021" in await world.say("2021-07-01")
    await world.press("Simpan")
    assert "Diubah oleh Perwali Nomor 11 Tahun 2021 (#7) sejak 1 Juli 2021" in await world.say("/status 2")
    await world.say("/ubah produk 2")
    await world.press("Tanggal penetapan")
    await world.press("Tanggal lain")
    assert "tidak boleh sesudah itu" in await world.say("2021-07-02")


async def test_dialogue_with_buttons(world):
    await world.say("/status")
    labels = [label for label, _, _ in world.buttons()]
    assert any(label.startswith("#1 Perwali Nomor 7 Tahun 2019") for label in labels)
    assert not any(label.startswith("#5") for label in labels)  # not enacted
    await world.press(next(label for label in labels if label.startswith("#1 ")))
    assert [label for label, _, _ in world.buttons()] == ["Diubah", "Dicabut", "Batal"]
    await world.press("Dicabut")
    # A Kepwali cannot revoke a Perwali: the same step is asked again.
    kepwali = next(label for label, _, _ in world.buttons() if label.startswith("#4 "))
    reply = (await world.press(kepwali))[0]
    assert "Kepwali tidak dapat mencabut Perwali" in reply
    assert not await all_rows(world, ProductLink)
    perda = next(label for label, _, _ in world.buttons() if label.startswith("#3 "))
    summary = (await world.press(perda))[0]
    assert "Perwali Nomor 7 Tahun 2019 (#1) dicabut oleh Perda Nomor 2 Tahun 2026 (#3)" in summary
    saved = (await world.press("Simpan"))[0]
    assert "Dicabut oleh Perda Nomor 2 Tahun 2026 (#3)" in saved and "Mencabut Perwali Nomor 7 Tahun 2019 (#1)" in saved
    assert [(x.product_id, x.by_id, x.relation) for x in await all_rows(world, ProductLink)] == [(1, 3, "revokes")]


async def test_dialogue_is_for_those_who_record_readers_name_a_product(world):
    await helpers.join(world, helpers.PIMPINAN)
    reply = await world.say("/status", user=helpers.PIMPINAN)
    assert "Sebutkan id produk hukum" in reply and "Contoh: /status 4" in reply
    assert "Status: Berlaku" in await world.say("/status 1", user=helpers.PIMPINAN)


async def test_an_omnibus_revocation_fits_one_message(world):
    title = "Pencabutan " + "<Peraturan & Ketentuan> " * 19  # near the title limit, with characters to escape
    await world.say(f"/usul perda 2026-03-01 {title}")
    await world.say("/tetapkan 7 9 2026-03-02")
    for n in range(8):
        await world.say(f"/usul perwali 2026-01-01 {title} {n}")
        await world.say(f"/tetapkan {8 + n} {40 + n} 2026-01-02")
        assert "✅" in await world.say(f"/status {8 + n} dicabut oleh 7")
    replies = await world.send("/status 7")
    assert len(replies) == 1
    assert "Mencabut Perwali Nomor 40 Tahun 2026 (#8)" in replies[0] and "… dan 3 lainnya" in replies[0]
    sent = [c for c in world.api.calls if c.method == "sendMessage"]
    assert all(len(c.params["text"]) <= 4096 for c in sent)
