"""Any characters in what users type; every message valid HTML for Telegram and within 4096 characters.

The recording Bot API (tests/botapi.py) rejects invalid HTML and over-long texts, so every reply these tests
receive has passed Telegram's rules; the tests also check that what the user sees is exactly what was typed.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from handlers import replies
from handlers.telegram_limits import MAX_MESSAGE_CHARS
from models.tables import Case, Member, Product
from tests.botapi import visible_text
from tests.helpers import STAF_BANKUM, all_rows, count, state

NASTY = "Tentang <b>Pajak</b> & \"Retribusi\" 'Daerah' <script>x</script> a<b &amp; 5 > 3 🚀🇮🇩 &lt;"


def sent_html(harness) -> str:
    return harness.api.sent()[-1].params["text"]


async def test_nasty_title_round_trips_through_every_product_reply(harness):
    reply = await harness.say(f"/usul perda 2026-01-05 {NASTY}")
    assert f"#1 Perda: {NASTY}" in reply
    assert '&lt;b&gt;Pajak&lt;/b&gt; &amp; "Retribusi"' in sent_html(
        harness
    ) or "&lt;b&gt;Pajak&lt;/b&gt; &amp; &quot;Retribusi&quot;" in sent_html(harness)
    assert (await all_rows(harness, Product))[0].title == NASTY
    assert NASTY in await harness.say("/daftar usulan")
    assert NASTY in await harness.say("/tetapkan 1 3 2026-02-01")
    assert NASTY in await harness.say("/daftar terbit")
    reply = await harness.say('/publikasi 1 2026-02-02 https://jdih.go.id/?q="a"&b=<c>')
    assert NASTY in reply and 'https://jdih.go.id/?q="a"&b=<c>' in reply


async def test_nasty_case_fields_round_trip(harness):
    reply = await harness.say(f"/perkara 12/Pdt.G/2026/PN Prb 2026-01-05 {NASTY}")
    assert f"Uraian: {NASTY}" in reply
    assert "12/Pdt.G/2026/PN Prb" in (listing := await harness.say("/daftar perkara"))
    assert visible_text(replies.case_line((await all_rows(harness, Case))[0], date(2026, 11, 24))) in listing
    assert 'Tentang <b>Pajak</b> & "Retribusi"' in listing
    reply = await harness.say("/selesai 1 2026-02-01 <i>Menang</i> & damai 🎉")
    assert "Selesai: 1 Februari 2026 — <i>Menang</i> & damai 🎉" in reply


async def test_quoted_register_with_markup_is_escaped(harness):
    reply = await harness.say('/perkara "1/<b>&/2026" Aneh')
    assert "Perkara #1: 1/<b>&/2026" in reply


async def test_member_name_with_markup(harness):
    reply = await harness.say(f"/anggota tambah {STAF_BANKUM} staf bankum <b>Siti</b> & Co")
    assert f"<b>Siti</b> & Co — {STAF_BANKUM} — Staf bankum" in reply
    assert "<b>Siti</b> & Co" in await harness.say("/anggota")


@pytest.mark.parametrize(
    "command, echoed",
    [
        ("/usul <perda> Judul", "«<perda>»"),
        ("/tetapkan <1> 7", "«<1>»"),
        ("/tetapkan 1 &7", "«&7»"),
        ("/publikasi 1 <a href=x>", "«<a href=x>»"),
        ("/iku <tw1>", "«<tw1>»"),
        ("/daftar <usulan>", "«<usulan>»"),
        ("/anggota tambah 2001 <admin>", "«<admin>»"),
        ("/anggota <hapus>", "«<hapus>»"),
        ("/usul perwali 2026-01-05 Judul\u00a0<", None),
    ],
)
async def test_user_input_echoed_in_errors_is_escaped(harness, command, echoed):
    await harness.say("/usul perda 2026-01-05 Ada")
    reply = await harness.say(command)
    if echoed is not None:
        assert echoed in reply, reply


async def test_emoji_and_500_character_titles(harness):
    title = "🚀" + "<&>" * 166 + "!"
    assert len(title) == 500
    reply = await harness.say(f"/usul perwali {title}")
    assert title in reply
    assert (await all_rows(harness, Product))[0].title == title
    assert "✅" in await harness.say("/usul perwali " + "🇮🇩" * 250)  # 500 code points


@pytest.mark.parametrize("title", ["a" * 501, "&" * 501, "🚀" * 501, "<" * 600])
async def test_over_long_titles_are_refused(harness, title):
    before = await state(harness)
    reply = await harness.say(f"/usul perwali {title}")
    assert "Judul terlalu panjang" in reply and "maksimal 500" in reply and "Contoh:" in reply
    assert await state(harness) == before


# --- long lists ----------------------------------------------------------------------------------


async def insert_products(harness, n: int, *, title, enacted: bool = False) -> None:
    now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    async with harness.db.session() as session:
        for i in range(n):
            session.add(
                Product(
                    kind="perwali",
                    title=title(i),
                    proposed_on=date(2026, 1, 1 + i % 28),
                    created_by=1001,
                    enacted_on=date(2026, 2, 1) if enacted else None,
                    number=i + 1 if enacted else None,
                    number_year=2026 if enacted else None,
                    created_at=now,
                    updated_at=now,
                )
            )


async def insert_cases(harness, n: int, *, description) -> None:
    now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    async with harness.db.session() as session:
        for i in range(n):
            register = f"{i + 1}/Pdt.G/2026/PN Prb"
            session.add(
                Case(
                    register_number=register,
                    register_key=register.lower().replace(" ", ""),
                    description=description(i),
                    started_on=date(2026, 1, 1 + i % 28),
                    created_by=1001,
                    created_at=now,
                    updated_at=now,
                )
            )


def check_listing(reply: str, total: int) -> None:
    assert len(reply) <= MAX_MESSAGE_CHARS
    shown = len(re.findall(r"^• ", reply, re.M))
    assert f"({total})" in reply.splitlines()[0]
    left = re.search(r"… dan (\d+) lainnya", reply)
    assert left is not None, reply[-200:]
    assert shown + int(left.group(1)) == total, (shown, left.group(1))
    assert shown > 0


@pytest.mark.parametrize(
    "title",
    [
        lambda i: f"Judul usulan nomor {i} " + "x" * 200,
        lambda i: "<&>" * 60,
        lambda i: "🚀" * 150,
        lambda i: f"Judul {i:03d}",
        lambda i: f"Peraturan {i:03d} ab",
    ],
)
async def test_daftar_usulan_with_200_open_items_stays_within_the_limit(harness, title):
    await insert_products(harness, 200, title=title)
    check_listing(await harness.say("/daftar usulan"), 200)


@pytest.mark.parametrize("width", range(14, 26))
async def test_daftar_with_lines_that_just_fill_the_message(harness, width):
    """Short titles: all the first 60 rows fit, and the "… dan n lainnya" line must still fit."""
    await insert_products(harness, 200, title=lambda i: f"{i:03d}".ljust(width, "x"))
    check_listing(await harness.say("/daftar usulan"), 200)


async def test_daftar_terbit_and_perkara_with_200_open_items(harness):
    await insert_products(harness, 200, title=lambda i: f"Produk {i} " + "y" * 150, enacted=True)
    await insert_cases(harness, 200, description=lambda i: f"Gugatan {i} " + "<z>" * 40)
    usulan, terbit, perkara = await harness.send("/daftar")
    assert "Tidak ada usulan" in usulan
    check_listing(terbit, 200)
    check_listing(perkara, 200)


def test_listing_never_exceeds_the_limit_whatever_the_line_lengths():
    for title in ("T", "Judul", "Usulan belum ditetapkan"):
        for width in range(1, 200):
            for total in (60, 61, 200, 10_000):
                lines = ["• " + "x" * width] * min(total, 60)
                text = replies.listing(title, lines, total, "kosong")
                assert len(visible_text(text)) <= MAX_MESSAGE_CHARS, (title, width, total)
                if total > len(lines) or "lainnya" in text:
                    shown = text.count("\n• ")
                    more = re.search(r"dan ([\d.]+) lainnya", text)  # counts are grouped: 9.940
                    assert more is not None, text
                    assert shown + int(more.group(1).replace(".", "")) == total


async def test_anggota_list_with_many_members_stays_within_the_limit(harness):
    now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    async with harness.db.session() as session:
        for i in range(150):
            session.add(
                Member(
                    user_id=5_000_000_000 + i,
                    name=f"Anggota Nomor {i} dengan Nama Panjang",
                    role="staf",
                    subsection="bankum",
                    created_at=now,
                    updated_at=now,
                )
            )
    reply = await harness.say("/anggota")
    assert len(reply) <= MAX_MESSAGE_CHARS
    assert "Anggota (151)" in reply and "lainnya" in reply and "/anggota tambah" in reply
    assert await count(harness, Member) == 151


@pytest.mark.parametrize("name", ["Anggota Nomor {i} dengan Nama Panjang", "{i}" + "N" * 97, "&" * 100])
async def test_anggota_list_with_long_names_stays_within_the_limit(harness, name):
    now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    async with harness.db.session() as session:
        for i in range(150):
            session.add(
                Member(
                    user_id=5_000_000_000 + i,
                    name=name.format(i=i)[:100],
                    role="kasubbag",
                    subsection="perundangan",
                    created_at=now,
                    updated_at=now,
                )
            )
    reply = await harness.say("/anggota")
    assert len(reply) <= MAX_MESSAGE_CHARS
    assert "Anggota (151)" in reply and "lainnya" in reply and "/anggota tambah" in reply


@pytest.mark.parametrize(
    "command",
    [
        "/publikasi 1 " + "x" * 4080,
        "/publikasi 1 " + "<" * 4000,
        "/tetapkan 1 " + "9" * 4080,
        "/tetapkan " + "a" * 4000 + " 1",
        "/usul " + "k" * 4000 + " Judul",
        "/iku " + "t" * 4090,
        "/daftar " + "d" * 4000,
        "/anggota tambah " + "1" * 4000 + " staf bankum",
        "/anggota tambah 2001 " + "r" * 4000,
        "/anggota " + "v" * 4000,
        "/tetapkan 1 1 " + "z" * 4000,
        "/perkara " + "1/" + "P" * 4000,
    ],
)
async def test_long_input_echoed_in_an_error_stays_within_the_limit(harness, command):
    await harness.say("/usul perda 2026-01-05 Ada")
    before = await state(harness)
    reply = await harness.say(command)
    assert reply.startswith("⚠️") and "Contoh:" in reply, reply[:200]
    assert len(reply) <= MAX_MESSAGE_CHARS
    assert await state(harness) == before
