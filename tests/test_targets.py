"""Targets, capaian and predikat (issue 12): the rules at their edges, /target, /iku, the digest and its chart,
and counts written the Indonesian way."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

import pytest
from PIL import Image
from pydantic import ValidationError

from bot.settings import Settings
from handlers import chart, digest_content, replies
from models import targets
from models.indicators import IKU1, IKU2, IKU3, Figure, Period
from models.tables import Product, Target
from models.targets import DEFAULT_BANDS, Assessment, YearTargets
from tests.conftest import ADMIN, JAKARTA, make_settings
from tests.helpers import (
    KASUBBAG_BANKUM,
    KASUBBAG_DOKINFO,
    KASUBBAG_PERUNDANGAN,
    PIMPINAN,
    STAF_DOKINFO,
    STRANGER,
    add_everyone,
    add_member,
    all_rows,
    audit_rows,
    custom_harness,
    ids_in,
    state,
)

# --- the rules -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capaian", "predikat"),
    [
        ("250.00", "Sangat Berhasil"),
        ("100.00", "Sangat Berhasil"),
        ("99.99", "Berhasil"),
        ("75.00", "Berhasil"),
        ("74.99", "Cukup Berhasil"),
        ("55.00", "Cukup Berhasil"),
        ("54.99", "Kurang Berhasil"),
        ("0.00", "Kurang Berhasil"),
    ],
)
def test_predikat_at_the_band_edges(capaian, predikat):
    assert targets.predikat(Decimal(capaian)) == predikat


@pytest.mark.parametrize(
    ("numerator", "denominator", "target", "capaian", "predikat"),
    [
        (2, 3, "80", "83.33", "Berhasil"),  # from the exact 66.666…%, not from the rounded 66.67%
        (1, 1, "50", "200.00", "Sangat Berhasil"),  # not capped at 100
        (0, 3, "80", "0.00", "Kurang Berhasil"),
        (4, 5, "80", "100.00", "Sangat Berhasil"),
        # Exactly 99.995: shown as 100,00, so judged as 100 (the predikat follows what is shown).
        (19_999, 25_000, "80", "100.00", "Sangat Berhasil"),
        # Exactly 74.995: shown as 75,00.
        (59_996, 100_000, "80", "75.00", "Berhasil"),
        (11, 20, "100", "55.00", "Cukup Berhasil"),
        (10_999, 20_000, "100", "55.00", "Cukup Berhasil"),  # 54.995
        (10_998, 20_000, "100", "54.99", "Kurang Berhasil"),
    ],
)
def test_capaian_is_realisation_over_target_with_two_decimals(numerator, denominator, target, capaian, predikat):
    judged = Assessment(Figure(IKU1, numerator, denominator), Period(2026), Decimal(target))
    assert judged.capaian == Decimal(capaian)
    assert judged.predikat == predikat
    assert judged.below_target == (Decimal(capaian) < 100)
    assert judged.missing is None


def test_no_data_and_no_target_have_no_capaian():
    no_data = Assessment(Figure(IKU1, 0, 0), Period(2026), Decimal(80))
    assert no_data.capaian is None and no_data.predikat is None and not no_data.below_target
    assert no_data.missing == "belum ada data"
    no_target = Assessment(Figure(IKU1, 2, 3), Period(2026), None)
    assert no_target.capaian is None and no_target.predikat is None
    assert no_target.missing == "target belum ditetapkan"


def test_a_quarter_takes_its_own_target_or_else_the_annual_one():
    year = YearTargets(2026, {("iku1", 0): Decimal(80), ("iku1", 2): Decimal(60), ("iku2", 3): Decimal(50)})
    assert year.of_quarter(IKU1, None) == Decimal(80)
    assert [year.of_quarter(IKU1, q) for q in (1, 2, 3, 4)] == [80, 60, 80, 80]
    # A quarter's own target without an annual one still counts; other quarters have none.
    assert [year.of_quarter(IKU2, q) for q in (None, 1, 2, 3, 4)] == [None, None, None, 50, None]
    assert year.of_quarter(IKU3, 1) is None


def test_realisation_of_a_quarter_runs_from_the_first_of_january():
    tw3 = Period(2026, 3).to_date()
    assert (tw3.start, tw3.end, tw3.label) == (date(2026, 1, 1), date(2026, 9, 30), "s.d. Triwulan 3 Tahun 2026")
    assert Period(2026).to_date() == Period(2026)


def test_bands_come_from_the_setting_and_a_bad_setting_stops_the_start(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    settings = make_settings(url, predikat_bands="90:Baik; 60 : Sedang;0:Kurang")
    assert [b.name for b in settings.bands] == ["Baik", "Sedang", "Kurang"]
    assert targets.predikat(Decimal("89.99"), settings.bands) == "Sedang"
    assert make_settings(url).bands == DEFAULT_BANDS
    for wrong in ("90:Baik;60:Sedang", "90:Baik;x:Kurang", "90;0:Kurang", "0:A;0:B", "-5:A;0:B"):
        with pytest.raises(ValidationError):
            make_settings(url, predikat_bands=wrong)
    assert "predikat_bands" in Settings.model_fields


# --- /target ---------------------------------------------------------------------------------------------


async def stored_targets(harness) -> dict[tuple[int, str, int], Decimal]:
    return {(t.year, t.indicator, t.quarter): Decimal(t.percent) for t in await all_rows(harness, Target)}


@pytest.mark.parametrize(
    ("written", "stored"),
    [("80", "80.00"), ("80%", "80.00"), ("80,5", "80.50"), ("80.25", "80.25"), ("100", "100.00"), ("0,5", "0.50")],
)
async def test_target_accepts_the_ways_people_write_a_percentage(harness, written, stored):
    reply = await harness.say(f"/target iku1 {written}")
    assert reply.startswith("✅ Target IKU-1 tahunan 2026 disimpan"), reply
    assert await stored_targets(harness) == {(2026, "iku1", 0): Decimal(stored)}


async def test_setting_annual_and_quarter_targets_and_showing_them(harness):
    assert "Triwulan tanpa target sendiri memakai target ini" in await harness.say("/target iku2 80")
    reply = await harness.say("/target IKU-2 TW3 85,5")
    assert "Target IKU-2 Triwulan 3 2026 disimpan: 85,50%" in reply
    assert "✅ Target IKU-3 tahunan 2027 disimpan: 70,00%" in await harness.say("/target iku3 70 2027")
    changed = await harness.say("/target iku2 82")
    assert "disimpan: 82,00% (sebelumnya 80,00%)" in changed
    assert await stored_targets(harness) == {
        (2026, "iku2", 0): Decimal(82),
        (2026, "iku2", 3): Decimal("85.5"),
        (2027, "iku3", 0): Decimal(70),
    }

    shown = await harness.say("/target")
    assert "Target IKU Bagian Hukum — Tahun 2026" in shown
    block = shown.split("IKU-2 ")[1].split("IKU-3 ")[0]
    assert "Tahunan: 82,00%" in block
    assert "TW 1: 82,00% (tahunan) · TW 2: 82,00% (tahunan) · TW 3: 85,50% · TW 4: 82,00% (tahunan)" in block
    assert "IKU-1 " in shown and "Tahunan: belum ditetapkan" in shown.split("IKU-2 ")[0]
    assert "Tahunan: 70,00%" in await harness.say("/target 2027")


async def test_the_same_value_again_writes_nothing(harness):
    await harness.say("/target iku1 80")
    before = await state(harness)
    reply = await harness.say("/target iku1 80,00%")
    assert "sudah 80%; tidak ada yang diubah" in reply and "Contoh" in reply
    assert await state(harness) == before


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ("iku1 0", "lebih dari 0"),
        ("iku1 100,01", "paling tinggi 100"),
        ("iku1 101", "paling tinggi 100"),
        ("iku1 -5", "bukan persentase"),
        ("iku1 80,555", "bukan persentase"),
        ("iku1 delapan", "bukan persentase"),
        ("iku1 \uff18\uff10", "bukan persentase"),  # full-width digits
        ("iku4 80", "iku1, iku2, atau iku3"),
        ("ikuu 80", "iku1, iku2, atau iku3"),
        ("iku1 tw5 80", "tw1, tw2, tw3, atau tw4"),
        ("iku1", "Sebutkan target IKU-1"),
        ("iku1 tw2", "Sebutkan target IKU-1"),
        ("iku1 80 1999", "di luar jangkauan"),
        ("iku1 80 2028", "di luar jangkauan"),
        ("iku1 80 26", "bukan tahun"),
        ("iku1 80 2026 lagi", "Terlalu banyak"),
        ("1999", "di luar jangkauan"),
    ],
)
async def test_bad_input_is_explained_with_an_example_and_nothing_is_written(harness, args, problem):
    before = await state(harness)
    reply = await harness.say(f"/target {args}")
    assert reply.startswith("⚠️") and problem in reply and "Contoh: /target " in reply, reply
    assert await state(harness) == before


async def test_who_may_set_which_target(harness):
    await add_everyone(harness)
    allowed = {
        ADMIN: ("iku1", "iku2", "iku3"),
        KASUBBAG_DOKINFO: ("iku1",),
        KASUBBAG_PERUNDANGAN: ("iku2",),
        KASUBBAG_BANKUM: ("iku3",),
        STAF_DOKINFO: (),
        PIMPINAN: (),
    }
    percent = iter(range(10, 100))
    for user, keys in allowed.items():
        for key in ("iku1", "iku2", "iku3"):
            before = await state(harness)
            reply = await harness.say(f"/target {key} {next(percent)}", user=user)
            if key in keys:
                assert reply.startswith("✅"), (user, key, reply)
            else:
                assert "tidak tersedia untuk peran Anda" in reply, (user, key, reply)
                code = key.upper().replace("IKU", "IKU-")
                assert f"Target {code} hanya dapat diatur oleh admin atau Kasubbag" in reply
                assert await state(harness) == before
        # Every member may look.
        assert "Target IKU Bagian Hukum" in await harness.say("/target", user=user)
    before = await state(harness)
    assert "belum terdaftar" in await harness.say("/target iku1 80", user=STRANGER)
    assert await state(harness) == before


async def test_a_target_is_audited_undoable_and_in_the_history(harness):
    await add_member(harness, KASUBBAG_DOKINFO, "kasubbag", "dokinfo", "Dewi")
    await harness.say("/target iku1 80", user=KASUBBAG_DOKINFO)
    await harness.say("/target iku1 85", user=KASUBBAG_DOKINFO)
    entries = await audit_rows(harness, "target.set")
    assert [(e.before or {}).get("percent") for e in entries] == [None, "80.00"]
    assert [e.after["percent"] for e in entries if e.after] == ["80.00", "85.00"]

    undone = await harness.say("/urungkan", user=KASUBBAG_DOKINFO)
    assert undone.startswith("↩️ Diurungkan: target ditetapkan\n"), undone
    assert "IKU-1 tahunan 2026: 80,00% → 85,00%" in undone, undone
    assert await stored_targets(harness) == {(2026, "iku1", 0): Decimal(80)}

    history = await harness.say("/riwayat target 2026")
    assert "Riwayat target 2026 (3)" in history
    assert "perubahan diurungkan" in history and "target ditetapkan (diurungkan)" in history
    assert "IKU-1 tahunan 2026: — → 80,00%" in history
    assert "Belum ada riwayat" in await harness.say("/riwayat target 2025")
    assert "Riwayat target 2026" in await harness.say("/riwayat target")


async def test_undoing_a_new_target_removes_it_and_the_quarter_falls_back_to_the_annual(harness):
    await harness.say("/target iku3 70")
    await harness.say("/target iku3 tw1 50")
    assert "Diurungkan" in await harness.say("/urungkan")
    assert await stored_targets(harness) == {(2026, "iku3", 0): Decimal(70)}
    assert "TW 1: 70,00% (tahunan)" in await harness.say("/target")
    # The undone target stays in the history of its year.
    assert "IKU-3 TW 1 2026: — → 50,00%" in await harness.say("/riwayat target 2026")


async def test_removing_a_quarter_target_brings_back_the_annual_one_and_can_be_undone(harness):
    await harness.say("/target iku1 80")
    await harness.say("/target iku1 tw2 60")
    reply = await harness.say("/target iku1 tw2 hapus")
    assert "✅ Target IKU-1 Triwulan 2 2026 dihapus (sebelumnya 60,00%); kini memakai target tahunan." in reply
    assert await stored_targets(harness) == {(2026, "iku1", 0): Decimal(80)}
    assert "TW 2: 80,00% (tahunan)" in await harness.say("/target")
    history = await harness.say("/riwayat target 2026")
    assert "target dihapus" in history and "IKU-1 TW 2 2026: 60,00% → —" in history

    before = await state(harness)
    again = await harness.say("/target iku1 tw2 HAPUS")
    assert "belum ditetapkan; tidak ada yang dihapus" in again and "Contoh: /target iku1 tw2 85,5" in again
    assert await state(harness) == before

    assert "Diurungkan: target dihapus" in await harness.say("/urungkan")
    assert await stored_targets(harness) == {(2026, "iku1", 0): Decimal(80), (2026, "iku1", 2): Decimal(60)}
    # Removing needs the same right as setting.
    await add_member(harness, KASUBBAG_BANKUM, "kasubbag", "bankum", "Rina")
    before = await state(harness)
    assert "tidak tersedia untuk peran Anda" in await harness.say("/target iku1 tw2 hapus", user=KASUBBAG_BANKUM)
    assert await state(harness) == before


async def test_undoing_a_target_needs_the_right_to_set_it_now(harness):
    await add_member(harness, KASUBBAG_DOKINFO, "kasubbag", "dokinfo", "Dewi")
    await harness.say("/target iku1 80", user=KASUBBAG_DOKINFO)
    await add_member(harness, KASUBBAG_DOKINFO, "kasubbag", "bankum", "Dewi")
    before = await state(harness)
    assert "tidak dapat diurungkan" in await harness.say("/urungkan", user=KASUBBAG_DOKINFO)
    assert await state(harness) == before


# --- /iku, the digest, the chart ---------------------------------------------------------------------------


async def logged(harness, command: str, expect: str) -> int:
    reply = await harness.say(command)
    assert expect in reply, reply
    return ids_in(reply)[0] if "#" in reply else 0


def block(reply: str, code: str) -> str:
    """The lines of one indicator in an /iku reply or a digest."""
    start = reply.index(f"{code} ")
    ends = [reply.find(f"{other} ", start + 1) for other in ("IKU-1", "IKU-2", "IKU-3")]
    end = min([e for e in ends if e > start] + [len(reply)])
    return reply[start:end]


async def test_iku_shows_cumulative_realisation_against_the_quarter_target_with_a_controlled_clock(harness):
    harness.clock.set(datetime(2026, 5, 15, 9, 0, tzinfo=JAKARTA))
    a = await logged(harness, "/usul perwali 2026-02-10 Tata Cara Arsip", "Usulan dicatat")
    await logged(harness, f"/tetapkan {a} 1 2026-03-05", "Penetapan dicatat")
    b = await logged(harness, "/usul perda 2026-03-20 Pajak Daerah", "Usulan dicatat")
    await logged(harness, f"/tetapkan {b} 1 2026-05-10", "Penetapan dicatat")
    await logged(harness, "/usul kepwali 2026-05-01 Tim Penyusun", "Usulan dicatat")
    await harness.say("/target iku2 80")
    await harness.say("/target iku2 tw1 40")

    tw1 = block(await harness.say("/iku tw1"), "IKU-2")
    assert "Realisasi s.d. Triwulan 1 Tahun 2026: 1 dari 2 (50,00%)" in tw1
    assert "Target TW 1: 40,00% · Capaian: 125,00% (Sangat Berhasil)" in tw1

    # The running quarter: from 1 January to today.
    running = await harness.say("/iku tw2")
    tw2 = block(running, "IKU-2")
    assert "\n0 dari 1 (0,00%)\n" in tw2  # the quarter alone, as before
    assert "Realisasi s.d. Triwulan 2 Tahun 2026: 2 dari 3 (66,67%)" in tw2
    assert "Target TW 2: 80,00% (target tahunan) · Capaian: 83,33% (Berhasil)" in tw2
    assert "Capaian: target belum ditetapkan" in block(running, "IKU-1")
    assert "belum dimulai" in await harness.say("/iku tw3")  # not begun: refused as before

    harness.clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=JAKARTA))
    d = await logged(harness, "/usul perwali 2026-08-01 Pedoman Arsip", "Usulan dicatat")
    await logged(harness, f"/tetapkan {d} 2 2026-08-20", "Penetapan dicatat")
    await logged(harness, f"/tetapkan {b + 1} 3 2026-07-02", "Penetapan dicatat")  # the Kepwali, in TW 3

    # TW 2 is over: its realisation stops at 30 June whatever happened later.
    assert "Realisasi s.d. Triwulan 2 Tahun 2026: 2 dari 3 (66,67%)" in block(await harness.say("/iku tw2"), "IKU-2")
    tw3 = block(await harness.say("/iku tw3"), "IKU-2")
    assert "Realisasi s.d. Triwulan 3 Tahun 2026: 4 dari 4 (100,00%)" in tw3
    assert "Capaian: 125,00% (Sangat Berhasil)" in tw3
    year = block(await harness.say("/iku"), "IKU-2")
    assert "\n4 dari 4 (100,00%)\nTarget: 80,00% · Capaian: 125,00% (Sangat Berhasil)\n" in year
    assert "Realisasi s.d." not in year  # the year's figure is its realisation


async def test_the_year_report_matches_iku_for_each_quarter(harness):
    harness.clock.set(datetime(2026, 8, 15, 9, 0, tzinfo=JAKARTA))
    a = await logged(harness, "/usul perwali 2026-02-10 Tata Cara Arsip", "Usulan dicatat")
    await logged(harness, f"/tetapkan {a} 1 2026-05-05", "Penetapan dicatat")
    await logged(harness, "/usul perda 2026-07-20 Pajak Daerah", "Usulan dicatat")
    await harness.say("/target iku2 80")
    await harness.say("/target iku2 tw1 10")
    async with harness.db.session() as session:
        report = await targets.year_report(session, 2026, date(2026, 8, 15), DEFAULT_BANDS)
    iku2 = next(r for r in report if r.indicator is IKU2)
    assert sorted(iku2.quarters) == [1, 2, 3]  # TW 4 has not begun
    shown = {q: block(await harness.say(f"/iku tw{q}"), "IKU-2") for q in (1, 2, 3)}
    for quarter, judged in iku2.quarters.items():
        assert replies.assessment_lines(judged) in shown[quarter]
    assert [str(j.capaian) for j in iku2.quarters.values()] == ["0.00", "125.00", "62.50"]
    assert iku2.year.target == 80 and str(iku2.year.capaian) == "62.50"
    assert replies.assessment_lines(iku2.year) in block(await harness.say("/iku"), "IKU-2")


async def test_iku_without_data_says_so_under_a_target(harness):
    await harness.say("/target iku3 70")
    reply = await harness.say("/iku")
    assert "Target: 70,00% · Capaian: belum ada data" in block(reply, "IKU-3")
    assert "\nCapaian: target belum ditetapkan\n" in block(reply, "IKU-1")


async def test_predikat_bands_from_the_settings_reach_iku_and_the_digest(db_url, clock):
    async with custom_harness(db_url, clock, predikat_bands="90:Baik;0:Perlu Perbaikan") as harness:
        a = await logged(harness, "/usul perwali 2026-02-10 Tata Cara Arsip", "Usulan dicatat")
        await logged(harness, f"/tetapkan {a} 1 2026-03-05", "Penetapan dicatat")
        await logged(harness, "/usul perwali 2026-02-11 Pedoman Lain", "Usulan dicatat")
        await harness.say("/target iku2 60")
        assert "Capaian: 83,33% (Perlu Perbaikan)" in block(await harness.say("/iku"), "IKU-2")
        await harness.say("/target iku2 50")
        assert "Capaian: 100,00% (Baik)" in block(await harness.say("/iku"), "IKU-2")


async def test_digest_marks_indicators_below_target_and_its_chart_draws_the_targets(harness):
    a = await logged(harness, "/usul perwali 2026-02-10 Tata Cara Arsip", "Usulan dicatat")
    await logged(harness, f"/tetapkan {a} 1 2026-03-05", "Penetapan dicatat")
    await logged(harness, f"/publikasi {a} 2026-03-06", "Publikasi dicatat")
    b = await logged(harness, "/usul perda 2026-03-20 Pajak Daerah", "Usulan dicatat")
    await logged(harness, f"/tetapkan {b} 1 2026-05-10", "Penetapan dicatat")
    await harness.say("/target iku1 80")  # 1 of 2 published: 62,50%, below
    await harness.say("/target iku2 90")  # 2 of 2 enacted: 111,11% of the annual target...
    await harness.say("/target iku2 tw4 100")  # ...but the running quarter's own target applies: 100,00%

    text, caption = await harness.send("/ringkasan")
    assert "Grafik capaian IKU" in caption
    iku1, iku2, iku3 = (block(text, code) for code in ("IKU-1", "IKU-2", "IKU-3"))
    assert "Target TW 4: 80,00% (target tahunan) · Capaian: 62,50% (Cukup Berhasil) 🔻 di bawah target" in iku1
    assert "Target TW 4: 100,00% · Capaian: 100,00% (Sangat Berhasil)" in iku2 and "🔻" not in iku2
    assert "\nCapaian: target belum ditetapkan\n" in iku3 and "🔻" not in iku3

    data = await digest_content.collect(harness.db, date(2026, 11, 24), JAKARTA, 14, bands=DEFAULT_BANDS)
    assert [a.target for a in data.assessments] == [Decimal(80), Decimal(100), None]
    with_targets = Image.open(BytesIO(await digest_content.chart_png(data))).convert("RGB")
    without = Image.open(
        BytesIO(await chart.png(data.figures, "Capaian IKU Tahun 2026", "s.d. 24 November 2026"))
    ).convert("RGB")
    assert target_marks(with_targets) == {80, 100} and target_marks(without) == set()


def target_marks(image: Image.Image) -> set[int]:
    """The percentages at which the chart has a target mark: columns of the target colour."""
    red = tuple(int(chart.TARGET[i : i + 2], 16) for i in (1, 3, 5))
    width, height = image.size
    left, right = 0.14 * width, 0.95 * width
    found = set()
    for percent in range(0, 101):
        x = min(int(left + (right - left) * percent / 100), width - 1)
        column = [image.getpixel((x, y)) for y in range(height)]
        if sum(1 for pixel in column if pixel == red) >= 40:
            found.add(percent)
    return found


# --- Indonesian grouping -----------------------------------------------------------------------------------


def test_counts_use_indonesian_grouping():
    assert replies.count(235_526) == "235.526"
    assert replies.count(999) == "999"
    assert replies.ratio(Figure(IKU1, 235_526, 300_000)) == "235.526 dari 300.000 (78,51%)"
    assert replies.listing("Usulan", ["• a"], 12_345, "kosong").startswith("<b>Usulan</b> (12.345)")
    assert "… dan 12.344 lainnya" in replies.listing("Usulan", ["• a"], 12_345, "kosong")


async def test_iku_and_the_digest_show_large_counts_grouped(harness):
    async with harness.db.session() as session:
        now = harness.clock.utcnow()
        session.add_all(
            Product(
                kind="perwali",
                title=f"Judul {i}",
                proposed_on=date(2026, 1, 5),
                enacted_on=date(2026, 2, 1) if i < 1_200 else None,
                number=i + 1 if i < 1_200 else None,
                number_year=2026 if i < 1_200 else None,
                created_by=ADMIN,
                created_at=now,
                updated_at=now,
            )
            for i in range(1_500)
        )
    assert "\n1.200 dari 1.500 (80,00%)\n" in block(await harness.say("/iku"), "IKU-2")
    text, _ = await harness.send("/ringkasan")
    assert "1.200 dari 1.500 (80,00%)" in text
    assert re.search(r"Ditetapkan lebih dari 14 hari, belum dipublikasikan: 1\.200", text), text
    assert "… dan 1.195 lainnya" in text


def test_target_rows_round_trip_through_the_audit_snapshot():
    from models import audit

    row = Target(id=3, year=2026, indicator="iku1", quarter=2, percent=Decimal("85.50"), created_by=1)
    snap = audit.snapshot(row)
    assert snap is not None and snap["percent"] == "85.50"
    restored = audit.restore(Target, snap)
    assert isinstance(restored, Target) and restored.percent == Decimal("85.50")
