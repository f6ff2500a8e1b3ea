"""The one date parser, and how the commands use it."""

from __future__ import annotations

from datetime import date

import pytest

from models.dates import DateError, parse_date, split_leading_date
from models.tables import Case, Product
from tests.helpers import all_rows, count, state

TODAY = date(2026, 11, 24)  # the `clock` fixture's day


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-01",
        "01-03-2026",
        "01/03/2026",
        "1 Maret 2026",
        "1 Mar 2026",
        "1 maret 2026",
        "1 MARET 2026",
        "01 Maret 2026",
        "1-3-2026",
        "1/3/2026",
        " 1  Maret   2026 ",
        "1 Mar. 2026",
        "1 Maret 2026.",
    ],
)
def test_accepted_formats(text):
    assert parse_date(text, TODAY) == date(2026, 3, 1)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("17 Agustus 2025", date(2025, 8, 17)),
        ("17 Agu 2025", date(2025, 8, 17)),
        ("5 Mei 2026", date(2026, 5, 5)),
        ("1 Jan 2026", date(2026, 1, 1)),
        ("28 Feb 2026", date(2026, 2, 28)),
        ("29 Februari 2024", date(2024, 2, 29)),
        ("30 Jun 2026", date(2026, 6, 30)),
        ("1 Juli 2026", date(2026, 7, 1)),
        ("1 Sep 2026", date(2026, 9, 1)),
        ("1 Okt 2026", date(2026, 10, 1)),
        ("1 Nov 2026", date(2026, 11, 1)),
        ("31 Des 2025", date(2025, 12, 31)),
        ("31 Desember 2025", date(2025, 12, 31)),
        ("1 April 2026", date(2026, 4, 1)),
        ("1 Maret", date(2026, 3, 1)),  # no year: this year
        ("kemarin", date(2026, 11, 23)),
        ("hari ini", date(2026, 11, 24)),
        ("2 hari lalu", date(2026, 11, 22)),
        ("1 bulan lalu", date(2026, 10, 24)),
        ("1 tahun lalu", date(2025, 11, 24)),
        ("senin lalu", date(2026, 11, 23)),  # 24 Nov 2026 is a Tuesday
        ("selasa lalu", date(2026, 11, 17)),
    ],
)
def test_other_accepted_dates(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "31-02-2026",
        "2026-02-30",
        "2026-13-01",
        "00-01-2026",
        "29/02/2025",
        "32/01/2026",
        "31 April 2026",
        "30 Februari 2026",
        "29 Feb 2025",
        "32 Maret 2026",
        "0 Mei 2026",
        "29 Februari",  # 2026 is not a leap year
        "",
        "   ",
        "besok pagi",
        "Maret 2026",
        "10:00",
        "2026-03-01 10:00",
        "abc",
        "1 Maret 1",
    ],
)
def test_invalid_dates_raise(text):
    with pytest.raises(DateError) as caught:
        parse_date(text, TODAY)
    assert caught.value.example and "2026-03-01" in caught.value.example


@pytest.mark.parametrize(
    "words, expected_date, rest",
    [
        ("2026-03-01 Judul", date(2026, 3, 1), "Judul"),
        ("01/03/2026 Judul Panjang", date(2026, 3, 1), "Judul Panjang"),
        ("1 Maret 2026 Judul", date(2026, 3, 1), "Judul"),
        ("1 Mar 2026 Judul", date(2026, 3, 1), "Judul"),
        ("1 Maret Judul", date(2026, 3, 1), "Judul"),
        ("kemarin Judul", date(2026, 11, 23), "Judul"),
        ("2 hari lalu Judul", date(2026, 11, 22), "Judul"),
        ("5 Tahun Rencana Pembangunan", None, "5 Tahun Rencana Pembangunan"),
        ("2 Tahun Anggaran", None, "2 Tahun Anggaran"),
        ("3 Desa Wisata", None, "3 Desa Wisata"),
        ("7 Hari Kerja Pelayanan", None, "7 Hari Kerja Pelayanan"),
        ("100 Hari Kerja", None, "100 Hari Kerja"),
        ("24 Jam Layanan", None, "24 Jam Layanan"),
        ("2026 Tentang Pajak", None, "2026 Tentang Pajak"),
        ("Tata Cara 1 Maret 2026", None, "Tata Cara 1 Maret 2026"),
        ("", None, ""),
    ],
)
def test_split_leading_date(words, expected_date, rest):
    found, remaining = split_leading_date(words.split(), TODAY)
    assert found == expected_date
    assert " ".join(remaining) == rest


@pytest.mark.parametrize(
    "words",
    [
        "31-02-2026 Judul",
        "2026-13-01 Judul",
        "31 Februari 2026 Judul",
        "29 Feb 2025 Judul",
        "32 Maret 2026 Judul",
        "31 April Judul",
    ],
)
def test_split_leading_date_refuses_an_invalid_date_instead_of_taking_it_as_title(words):
    with pytest.raises(DateError):
        split_leading_date(words.split(), TODAY)


# --- through the commands ------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["2026-03-01", "01-03-2026", "01/03/2026", "1 Maret 2026", "1 Mar 2026"])
async def test_usul_accepts_every_documented_format(harness, typed):
    reply = await harness.say(f"/usul perwali {typed} Tata Cara Arsip")
    assert "Diusulkan: 1 Maret 2026" in reply
    (stored,) = await all_rows(harness, Product)
    assert stored.proposed_on == date(2026, 3, 1) and stored.title == "Tata Cara Arsip"


async def test_title_starting_with_a_number_is_not_eaten_as_a_date(harness):
    reply = await harness.say("/usul perda 5 Tahun Rencana Pembangunan")
    assert "5 Tahun Rencana Pembangunan" in reply and "Diusulkan: 24 November 2026" in reply
    (stored,) = await all_rows(harness, Product)
    assert stored.title == "5 Tahun Rencana Pembangunan" and stored.proposed_on == TODAY


@pytest.mark.parametrize(
    "command",
    [
        "/usul perwali 31-02-2026 Judul",
        "/usul perwali 31 Februari 2026 Judul",
        "/usul perwali 29 Feb 2025 Judul",
        "/perkara 1/Pdt.G/2026/PN Prb 31 April 2026 Gugatan",
        "/perkara 1/Pdt.G/2026/PN Prb 2026-02-30 Gugatan",
    ],
)
async def test_invalid_date_is_refused_and_nothing_written(harness, command):
    before = await state(harness)
    reply = await harness.say(command)
    assert "tidak valid" in reply or "tidak dikenali" in reply, reply
    assert "Contoh:" in reply
    assert await state(harness) == before


async def test_invalid_worded_date_in_selesai_is_not_taken_as_outcome(harness):
    await harness.say("/perkara 1/Pdt.G/2026/PN Prb 2026-01-05 Gugatan")
    before = await state(harness)
    reply = await harness.say("/selesai 1 31 Juni 2026 Menang")
    assert "tidak valid" in reply and "Contoh:" in reply
    assert await state(harness) == before
    (stored,) = await all_rows(harness, Case)
    assert stored.resolved_on is None


@pytest.mark.parametrize(
    "command",
    [
        "/usul perwali 2026-11-25 Besok",
        "/usul perwali 25 November 2026 Besok",
        "/usul perwali 1 Desember Tanpa Tahun",
        "/usul perwali 2027-01-01 Tahun Depan",
    ],
)
async def test_future_dates_are_refused(harness, command):
    reply = await harness.say(command)
    assert "masa depan" in reply and "hari ini 24 November 2026" in reply and "Contoh:" in reply
    assert await count(harness, Product) == 0


async def test_today_is_accepted_and_very_old_dates_are_refused(harness):
    assert "Diusulkan: 24 November 2026" in await harness.say("/usul perwali 2026-11-24 Hari Ini")
    reply = await harness.say("/usul perwali 1999-12-31 Lampau")
    assert "terlalu lampau" in reply and "Contoh:" in reply
    assert await count(harness, Product) == 1
