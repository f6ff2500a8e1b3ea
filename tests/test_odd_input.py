# ruff: noqa: RUF001  (look-alike characters are what these tests are about)
"""Odd input (issue 9, defects 4 and 5): text that looks the same is stored the same, and only ASCII 0-9
are numbers. Bad input gets the usual mistake reply with an example, never the apology and an ERROR."""

from __future__ import annotations

import logging

import pytest

from models import validation
from models.tables import Case, Product
from tests.conftest import ADMIN
from tests.helpers import STAF_BANKUM, all_rows, count, state

GROUP = -100123


def no_errors(caplog) -> None:
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]


# --- defect 5: digits that are not digits ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text, chat_type",
    [
        ("/tetapkan ² 7", "private"),
        ("/tetapkan 1 ²", "private"),
        ("/tetapkan 1 ７", "private"),
        ("/tetapkan 1 ٧", "private"),
        ("/iku ²⁰²⁶", "private"),
        ("/iku ٢٠٢٦", "private"),
        ("/langganan senin ²:00", "group"),
        ("/langganan senin 0８:00", "group"),
        ("/anggota hapus ①", "private"),
        ("/anggota tambah ①②③ staf bankum Siti", "private"),
        ("/selesai ³", "private"),
        ("/publikasi ⁴", "private"),
        ("/riwayat produk ²", "private"),
        ("/ubah produk ①", "private"),
        ("/usul perwali ²⁰ hari lalu Judul", "private"),
        ("/tetapkan 1 " + "9" * 5000, "private"),
        ("/tetapkan " + "9" * 5000 + " 7", "private"),
    ],
)
async def test_digits_that_are_not_ascii_get_the_mistake_reply(harness, caplog, text, chat_type):
    assert "✅" in await harness.say("/usul perwali 2026-01-05 Tata Cara Arsip")
    chat = GROUP if chat_type == "group" else None
    before = await state(harness)
    caplog.set_level(logging.INFO)
    reply = await harness.say(text, chat=chat, chat_type=chat_type)
    if text.startswith("/usul"):  # `²⁰ hari lalu` is not a date, so it is part of the title (NFKC: `20`)
        assert "✅" in reply and "Diusulkan: 24 November 2026" in reply and "20 hari lalu Judul" in reply
        return
    assert reply.startswith("⚠️") and "Contoh:" in reply, reply
    assert "Maaf, terjadi kesalahan" not in reply
    assert await state(harness) == before
    no_errors(caplog)


async def test_a_dialogue_step_refuses_digits_that_are_not_ascii(harness, caplog):
    assert "✅" in await harness.say("/usul perwali 2026-01-05 Tata Cara Arsip")
    caplog.set_level(logging.INFO)
    await harness.say("/tetapkan")
    await harness.press(harness.buttons()[0][0])  # the proposal
    reply = await harness.say("²")
    assert "⚠️" in reply and "angka" in reply
    assert (await all_rows(harness, Product))[0].enacted_on is None
    no_errors(caplog)


def test_the_one_number_helper():
    assert validation.number("12") == 12
    for odd in ("²", "①", "١٢", "１２", "", " 1", "-1", "1.0", "9" * 101):
        assert validation.number(odd) is None, odd


# --- defect 4: invisible characters in identifiers --------------------------------------------------------

REGISTER = "12/Pdt.G/2026/PN Prb"
LOOKALIKES = [
    "12/Pdt.G/20\u200b26/PN Prb",  # zero-width space
    "12/Pdt.\u00adG/2026/PN Prb",  # soft hyphen
    "\ufeff12/Pdt.G/2026/PN Prb",  # BOM
    "１２/Pdt.G/２０２６/PN Prb",  # full-width digits
    "12/Pdt.G/2026/ＰＮ Ｐｒｂ",  # full-width letters
    "12/Pdt.G/2026/PN\u202e Prb",  # right-to-left override
    "12/PDT.G/2026/pn prb",  # case
    "12/Pdt.G/2026/PN\u00a0Prb",  # no-break space
]


@pytest.mark.parametrize("lookalike", LOOKALIKES)
async def test_register_numbers_that_look_the_same_are_the_same(harness, lookalike):
    assert "✅" in await harness.say(f"/perkara {REGISTER} 2026-03-01 Gugatan")
    reply = await harness.say(f"/perkara {lookalike} 2026-03-02 Lagi")
    assert "sudah tercatat" in reply, reply
    assert await count(harness, Case) == 1


@pytest.mark.parametrize("lookalike", LOOKALIKES[:6])
async def test_a_register_number_is_stored_normalised(harness, lookalike):
    assert "✅" in await harness.say(f"/perkara {lookalike} 2026-03-01 Gugatan")
    (case,) = await all_rows(harness, Case)
    assert case.register_number == REGISTER
    assert case.register_key == "12/pdt.g/2026/pnprb"


async def test_a_corrected_register_number_cannot_duplicate_another(harness):
    assert "✅" in await harness.say(f"/perkara {REGISTER} 2026-03-01 Gugatan")
    assert "✅" in await harness.say("/perkara 13/Pdt.G/2026/PN Prb 2026-03-01 Gugatan")
    await harness.say("/ubah perkara 2")
    await harness.press("Nomor register")
    reply = await harness.say("12/Pdt.G/20\u200b26/PN Prb")
    assert "sudah tercatat" in reply, reply
    keys = sorted(c.register_key for c in await all_rows(harness, Case))
    assert keys == ["12/pdt.g/2026/pnprb", "13/pdt.g/2026/pnprb"]


async def test_titles_lose_bidirectional_controls_and_keep_their_letters(harness):
    reply = await harness.say("/usul perwali 2026-01-05 Tata Cara \u202eFIHCRA\u202c Arsip\u2066 Daerah\u2069 Ｋｏｔａ")
    assert "✅" in reply and "\u202e" not in reply
    (product,) = await all_rows(harness, Product)
    assert product.title == "Tata Cara FIHCRA Arsip Daerah Kota"


async def test_descriptions_and_member_names_are_normalised(harness):
    assert "✅" in await harness.say(f"/perkara {REGISTER} 2026-03-01 Gugatan\u200b \u202ewanprestasi")
    (case,) = await all_rows(harness, Case)
    assert case.description == "Gugatan wanprestasi"
    assert "✅" in await harness.say(f"/anggota tambah {STAF_BANKUM} STAF Bankum Siti\u00ad \u202eAminah", user=ADMIN)
    listing = await harness.say("/anggota")
    assert "Siti Aminah" in listing and "\u202e" not in listing


async def test_an_old_title_with_an_override_never_reaches_a_reply(harness):
    """Rows written before the normalisation existed may hold controls; no reply shows them."""
    assert "✅" in await harness.say("/usul perwali 2026-01-05 Tata Cara Arsip")
    async with harness.db.session() as session:
        product = await session.get(Product, 1)
        product.title = "Tata \u202eCara\u202c Arsip"
        session.add(product)
    listing = await harness.say("/daftar usulan")
    assert "Tata Cara Arsip" in listing and "\u202e" not in listing


def test_the_normalisation_helpers():
    assert validation.identifier(" a\u200b\u00adb\ufeff  c\u202e ") == "ab c"
    assert validation.unique_key("12/Pdt.G/2026/PN Prb") == validation.unique_key("１２/pdt.g/2026/pn\u00a0prb")
    assert validation.prose("Keluarga 👨\u200d👩\u200d👧 \u202eX") == "Keluarga 👨\u200d👩\u200d👧 X"


@pytest.mark.parametrize("ids", ["1001,²", "١٠٠١", "1001;①"])
def test_admin_ids_are_written_with_ascii_digits(ids):
    from pydantic import ValidationError

    from bot.settings import Settings

    with pytest.raises(ValidationError, match="digits 0-9"):
        Settings(_env_file=None, admin_ids=ids)
    assert Settings(_env_file=None, admin_ids="1001, 1002").admin_ids == [1001, 1002]


def test_cli_ids_are_written_with_ascii_digits(capsys):
    from bot.cli import main

    for odd in ("²", "١", "１"):
        with pytest.raises(SystemExit):
            main(["console", "--as", odd])
        assert "digits 0-9" in capsys.readouterr().err
