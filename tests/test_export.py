"""/ekspor and `iku-bot export`: the yearly workbook opened with openpyxl and checked cell by cell against
the records, the JDIH feed field by field, and the workbook converted by LibreOffice where installed."""

from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot import cli
from models import jdih
from tests.conftest import ADMIN
from tests.helpers import PIMPINAN, STRANGER, join, product, sent_document

SEED = (
    "/usul perwali 2026-03-01 Tata Cara Pengelolaan Arsip Daerah",
    "/usul perda 2026-02-01 Pajak Daerah",
    "/usul kepwali 2026-03-02 Tim Pelaksana",
    "/tetapkan 2 7 2026-03-10",
    "/tetapkan 1 12 2026-04-10",
    "/publikasi 2 2026-03-15 https://jdih.probolinggokota.go.id/perda-7-2026",
    "/perkara 12/Pdt.G/2026/PN Prb 2026-02-01 Gugatan & wanprestasi",
    "/perkara 5/G/2026/PTUN.SBY 2026-03-01 Sengketa izin",
    "/selesai 2 2026-06-01 Gugatan ditolak",
    "/undangkan 2 2026-03-12 3",
    "/usul perda 2026-05-01 Pencabutan Perwali Arsip",
    "/tetapkan 4 8 2026-05-20",
    "/status 1 dicabut oleh 4",
    "/sidang 1 2026-12-10 09:00 Pembuktian",
    "/tahap 1 banding 196/PDT/2026/PT.SBY 2026-06-10",
)


@pytest.fixture
async def seeded(harness):
    for command in SEED:
        reply = await harness.say(command)
        assert reply.startswith("✅"), (command, reply)
    return harness


def rows_of(ws) -> list[list]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


async def test_ekspor_sends_the_year_as_a_workbook_matching_the_records(seeded) -> None:
    start = len(seeded.api.calls)
    replies = await seeded.send("/ekspor 2026")
    call = sent_document(seeded, start)
    assert call.filenames["document"] == "IKU-Bagian-Hukum-2026.xlsx"
    assert "data s.d. 24 November 2026" in replies[0]
    # The progress note comes before the file.
    methods = [c.method for c in seeded.api.calls[start:]]
    assert methods.index("sendChatAction") < methods.index("sendDocument")
    assert seeded.api.calls[start + methods.index("sendChatAction")].params["action"] == "upload_document"

    book = load_workbook(BytesIO(call.files["document"]))
    assert book.sheetnames[-3:] == ["Produk Hukum", "Perkara", "Riwayat"]

    products = book["Produk Hukum"]
    header = [c.value for c in products[1]]
    for wanted in (
        "ID",
        "Jenis",
        "Judul",
        "Tanggal Usulan",
        "Nomor",
        "Tanggal Penetapan",
        "Tanggal Publikasi",
        "Tautan",
    ):
        assert wanted in header, (wanted, header)
    assert products.freeze_panes == "A2"
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows_of(products)[1:]}
    assert sorted(by_id) == [1, 2, 3, 4]
    perda = by_id[2]
    assert perda["Jenis"] == "Perda"
    assert perda["Judul"] == "Pajak Daerah"
    assert perda["Nomor"] == 7
    # Real date cells (openpyxl reads them back as datetimes), formatted as dates.
    assert perda["Tanggal Penetapan"] == datetime(2026, 3, 10)
    assert perda["Tanggal Publikasi"] == datetime(2026, 3, 15)
    assert perda["Tautan"] == "https://jdih.probolinggokota.go.id/perda-7-2026"
    column = header.index("Tanggal Penetapan") + 1
    assert products.cell(row=3, column=column).number_format == "DD/MM/YYYY"
    stored = await product(seeded, 1)
    assert by_id[1]["Tanggal Usulan"] == datetime.combine(stored.proposed_on, datetime.min.time())
    assert by_id[3]["Tanggal Penetapan"] is None
    assert perda["Tanggal Pengundangan"] == datetime(2026, 3, 12) and perda["Nomor Pengundangan"] == 3
    assert by_id[1]["Status"] == "Dicabut" and perda["Status"] == "Berlaku" and by_id[3]["Status"] == "Belum ditetapkan"

    cases = book["Perkara"]
    case_header = [c.value for c in cases[1]]
    for wanted in ("ID", "Nomor Register", "Uraian", "Tanggal Mulai", "Tanggal Selesai", "Sidang Berikutnya"):
        assert wanted in case_header, (wanted, case_header)
    case_rows = {row[0]: dict(zip(case_header, row, strict=True)) for row in rows_of(cases)[1:]}
    assert case_rows[1]["Nomor Register"] == "12/Pdt.G/2026/PN Prb"
    assert case_rows[1]["Uraian"] == "Gugatan & wanprestasi"  # not HTML-escaped in a cell
    assert case_rows[2]["Tanggal Selesai"] == datetime(2026, 6, 1)
    assert case_rows[1]["Pengadilan"] == "Pengadilan Negeri Probolinggo"
    assert case_rows[2]["Pengadilan"] == "PTUN Surabaya" and case_rows[2]["Jenis Perkara"] == "tata usaha negara"
    assert case_rows[1]["Tingkat"] == "banding" and case_rows[2]["Tingkat"] == "pertama"
    assert case_rows[1]["Sidang Berikutnya"] == "2026-12-10 09:00" and case_rows[2]["Sidang Berikutnya"] is None

    history = rows_of(book["Riwayat"])
    assert history[0] == ["Waktu", "Oleh", "Tindakan", "Catatan", "Perubahan"]
    assert len(history) - 1 >= len(SEED)
    assert any(row[2] == "penetapan dicatat" and row[3] == "produk hukum #2" for row in history[1:])
    assert all(isinstance(row[0], datetime) for row in history[1:])


async def test_a_year_without_records_gives_empty_registers_and_a_quarter_is_refused(harness) -> None:
    start = len(harness.api.calls)
    await harness.send("/ekspor 2025")
    book = load_workbook(BytesIO(sent_document(harness, start).files["document"]))
    assert book["Produk Hukum"].max_row == 1
    reply = await harness.say("/ekspor 2026 tw2")
    assert reply.startswith("⚠️") and "per tahun penuh" in reply and "Contoh: /ekspor 2026" in reply
    reply = await harness.say("/ekspor 2031")
    assert reply.startswith("⚠️") and "2031" in reply


async def test_every_member_may_export_and_a_stranger_may_not(seeded) -> None:
    await join(seeded, PIMPINAN)
    start = len(seeded.api.calls)
    await seeded.send("/ekspor", user=PIMPINAN)
    sent_document(seeded, start)
    start = len(seeded.api.calls)
    replies = await seeded.send("/ekspor", user=STRANGER)
    assert not [c for c in seeded.api.calls[start:] if c.method == "sendDocument"]
    assert replies == [replies[0]] and "belum terdaftar sebagai anggota" in replies[0]


async def test_jdih_feed_lists_published_products_field_by_field(seeded) -> None:
    start = len(seeded.api.calls)
    replies = await seeded.send("/ekspor jdih")
    call = sent_document(seeded, start)
    assert call.filenames["document"] == "jdih-2026-11-24.json"
    assert "1 produk hukum" in replies[0]
    await seeded.say("/publikasi 1 2026-04-20")  # revoked later by #4: its status says so

    records = json.loads(call.files["document"])
    assert records[1:] == []
    start = len(seeded.api.calls)
    await seeded.send("/ekspor jdih")
    records = json.loads(sent_document(seeded, start).files["document"])
    assert [r["idData"] for r in records] == ["2", "1"]
    assert records[1]["status"] == "Dicabut" and records[1]["sumber"] == "-"
    assert records[:1] == [
        {
            "idData": "2",
            "tahun_pengundangan": "2026",
            "tanggal_penetapan": "2026-03-10",
            "tanggal_pengundangan": "2026-03-12",
            "jenis": "Peraturan Daerah",
            "noPeraturan": "7",
            "judul": "Pajak Daerah",
            "singkatanJenis": "PERDA",
            "tempatTerbit": "Probolinggo",
            "sumber": "Lembaran Daerah Kota Probolinggo Tahun 2026 Nomor 3",
            "status": "Berlaku",
            "bahasa": "Indonesia",
            "bidangHukum": "-",
            "teuBadan": "Kota Probolinggo",
            "urlDetailPeraturan": "https://jdih.probolinggokota.go.id/perda-7-2026",
            "operasi": "4",
            "display": "1",
        }
    ]
    assert list(records[0]) == list(jdih.FIELDS)
    reply = await seeded.say("/ekspor jdih 2026")
    assert reply.startswith("⚠️")


def test_the_source_names_the_series_of_the_promulgation() -> None:
    from models.tables import Product

    perda = Product(kind="perda", title="x", proposed_on=date(2026, 1, 1), created_by=ADMIN)
    perda.promulgated_on, perda.promulgation_year, perda.promulgation_number = date(2026, 3, 11), 2026, 3
    assert jdih.source(perda) == "Lembaran Daerah Kota Probolinggo Tahun 2026 Nomor 3"
    perwali = Product(kind="perwali", title="x", proposed_on=date(2026, 1, 1), created_by=ADMIN)
    perwali.promulgated_on, perwali.promulgation_year, perwali.promulgation_number = date(2026, 4, 1), 2026, 9
    assert jdih.source(perwali) == "Berita Daerah Kota Probolinggo Tahun 2026 Nomor 9"
    kepwali = Product(kind="kepwali", title="x", proposed_on=date(2026, 1, 1), created_by=ADMIN)
    assert jdih.source(kepwali) == "-"


async def test_the_cli_writes_the_same_files(seeded, db_url, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.chdir(tmp_path)  # no .env from the developer's folder
    out = tmp_path / "laporan.xlsx"
    assert await asyncio.to_thread(cli.main, ["export", "--year", "2026", "--out", str(out)]) == 0
    book = load_workbook(out)
    assert [r[0] for r in rows_of(book["Produk Hukum"])[1:]] == [1, 2, 3, 4]
    assert await asyncio.to_thread(cli.main, ["export", "--jdih", str(tmp_path)]) == 0
    feeds = list(tmp_path.glob("jdih-*.json"))
    assert len(feeds) == 1 and json.loads(feeds[0].read_text())[0]["idData"] == "2"


def pdf_by_libreoffice(xlsx: Path) -> bytes:
    """Convert headless, with a throw-away profile so a developer's LibreOffice settings play no part."""
    profile = xlsx.parent / "lo-profile"
    command = ["libreoffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf"]
    result = subprocess.run([*command, "--outdir", str(xlsx.parent), str(xlsx)], capture_output=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return xlsx.with_suffix(".pdf").read_bytes()


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="LibreOffice is not installed on this machine")
async def test_libreoffice_opens_the_workbook(seeded, tmp_path) -> None:
    start = len(seeded.api.calls)
    await seeded.send("/ekspor 2026")
    path = tmp_path / "IKU-Bagian-Hukum-2026.xlsx"
    path.write_bytes(sent_document(seeded, start).files["document"])
    assert (await asyncio.to_thread(pdf_by_libreoffice, path)).startswith(b"%PDF")


def _percent(text: str) -> Decimal | None:
    """`1 dari 3 (33,33%)` -> Decimal('33.33')."""
    found = re.search(r"\(([0-9.]+,[0-9]{2})%\)", text)
    return None if found is None else Decimal(found.group(1).replace(".", "").replace(",", "."))


async def test_capaian_sheet_matches_iku_for_each_quarter(seeded) -> None:
    for command in ("/target iku1 80", "/target iku3 tw2 40", "/target iku3 50"):
        assert (await seeded.say(command)).startswith("✅"), command
    start = len(seeded.api.calls)
    await seeded.send("/ekspor 2026")
    book = load_workbook(BytesIO(sent_document(seeded, start).files["document"]))
    assert book.sheetnames == ["Capaian IKU", "Produk Hukum", "Perkara", "Riwayat"]
    ws = book["Capaian IKU"]
    assert ws["A1"].value == "Capaian Indikator Kinerja Utama (IKU) Tahun 2026"
    assert ws["A2"].value == "Bagian Hukum Sekretariat Daerah Kota Probolinggo"
    assert "Data s.d. 24 November 2026" in ws["A3"].value
    header_row = next(r for r in range(1, 10) if ws.cell(row=r, column=1).value == "No")
    header = [c.value for c in ws[header_row]]
    assert header == [
        "No",
        "Sasaran",
        "Indikator Kinerja Utama",
        "Formulasi",
        "Sumber Data",
        "Penanggung Jawab",
        "Target",
        "Realisasi TW I",
        "Realisasi TW II",
        "Realisasi TW III",
        "Realisasi TW IV",
        "Capaian",
        "Predikat",
    ]
    assert ws.freeze_panes == f"A{header_row + 1}"
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=header_row + 1, values_only=True)]
    assert [r["No"] for r in rows] == [1, 2, 3]
    assert str(rows[0]["Indikator Kinerja Utama"]).startswith("IKU-1")
    assert rows[0]["Penanggung Jawab"] == "Subbag Dokumentasi dan Informasi Hukum"
    assert all(r["Sasaran"] and r["Formulasi"] and r["Sumber Data"] for r in rows)
    # Percent cells hold numbers formatted as percent, not text.
    target_cell = ws.cell(row=header_row + 1, column=header.index("Target") + 1)
    assert target_cell.number_format == "0.00%" and target_cell.value == pytest.approx(0.8)
    for quarter, column in enumerate(("Realisasi TW I", "Realisasi TW II", "Realisasi TW III", "Realisasi TW IV"), 1):
        iku = await seeded.say(f"/iku 2026 tw{quarter}")
        lines = [line for line in iku.splitlines() if line.startswith("Realisasi s.d. Triwulan")]
        assert len(lines) == 3, iku
        for row, line in zip(rows, lines, strict=True):
            expected = _percent(line)
            shown = row[column]
            assert (shown is None) == (expected is None), (quarter, row, line)
            if expected is not None:
                assert Decimal(str(shown)) * 100 == pytest.approx(expected), (quarter, line)
    year = await seeded.say("/iku 2026")
    assert "Capaian: 41,67% (Kurang Berhasil)" in year
    assert rows[0]["Capaian"] == pytest.approx(0.4167, abs=1e-4) and rows[0]["Predikat"] == "Kurang Berhasil"
    assert rows[1]["Target"] is None and rows[1]["Predikat"] == "target belum ditetapkan"
    assert rows[2]["Capaian"] == pytest.approx(1.0) and rows[2]["Predikat"] == "Sangat Berhasil"


async def test_quarters_not_begun_are_left_empty(harness, clock) -> None:
    clock.set(datetime(2026, 5, 5, 10, 0, tzinfo=clock.tz))
    assert (await harness.say("/usul perwali 2026-02-01 Satu")).startswith("✅")
    start = len(harness.api.calls)
    await harness.send("/ekspor")
    ws = load_workbook(BytesIO(sent_document(harness, start).files["document"]))["Capaian IKU"]
    header_row = next(r for r in range(1, 10) if ws.cell(row=r, column=1).value == "No")
    header = [c.value for c in ws[header_row]]
    first = dict(zip(header, next(ws.iter_rows(min_row=header_row + 2, values_only=True)), strict=True))
    assert first["Realisasi TW I"] == 0 and first["Realisasi TW II"] == 0  # IKU-2: 0 of 1 enacted
    assert first["Realisasi TW III"] is None and first["Realisasi TW IV"] is None


async def test_the_console_saves_the_workbook_it_is_sent(db_url, tmp_path) -> None:
    from bot.console import run_console
    from tests.conftest import make_settings

    out = io.StringIO()
    stdin = io.StringIO("/usul perwali 2026-03-01 Satu\n/ekspor\n")
    await run_console(make_settings(db_url), ADMIN, stdin=stdin, out=out, save_dir=tmp_path)
    saved = list(tmp_path.glob("IKU-Bagian-Hukum-*.xlsx"))
    assert len(saved) == 1 and f"[berkas terlampir, disimpan di {saved[0]}]" in out.getvalue()
    assert load_workbook(saved[0])["Produk Hukum"]["C2"].value == "Satu"


async def test_history_follows_the_local_year_and_text_is_never_a_formula(harness) -> None:
    from models.tables import AuditEntry

    new_year = datetime(2025, 12, 31, 18, 0, tzinfo=UTC)  # 1 January 2026, 01:00 in Jakarta
    async with harness.db.session() as session:
        session.add(AuditEntry(at=new_year, actor_id=ADMIN, action="member.seed", entity="member", entity_id="1"))
    assert (await harness.say("/usul perwali 2026-03-01 =1+1")).startswith("✅")
    start = len(harness.api.calls)
    await harness.send("/ekspor 2026")
    book = load_workbook(BytesIO(sent_document(harness, start).files["document"]))
    history = rows_of(book["Riwayat"])[1:]
    assert history[0][0] == datetime(2026, 1, 1, 1, 0) and history[0][2] == "admin awal"
    title = book["Produk Hukum"]["C2"]
    assert title.value == "=1+1" and title.data_type == "s"
    start = len(harness.api.calls)
    await harness.send("/ekspor 2025")
    assert rows_of(load_workbook(BytesIO(sent_document(harness, start).files["document"]))["Riwayat"])[1:] == []
    reply = await harness.say("/ekspor abc")
    assert reply.startswith("⚠️") and "triwulan" not in reply and "Contoh: /ekspor 2026" in reply
