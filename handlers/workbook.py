"""The yearly report as an XLSX workbook (openpyxl): how the sheets look. What they hold is decided in
`models.report`; this module only lays it out — real date and percent cells, a frozen header row, and
column widths that fit the longest value (within reason), so the file opens ready to read in Excel and
LibreOffice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from handlers.replies import ACTION_LABEL, ENTITY_LABEL
from models.corrections import FIELD_LABELS, changes
from models.db import as_utc
from models.importing import EXAMPLE_MARK
from models.report import CellKind, Register, Sheet
from models.tables import AuditEntry
from models.targets import QUARTERS, YearReport

DATE_FORMAT = "DD/MM/YYYY"
MOMENT_FORMAT = "DD/MM/YYYY HH:MM"
PERCENT_FORMAT = "0.00%"
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
MIN_WIDTH, MAX_WIDTH = 6, 60
HISTORY_SHEET = "Riwayat"
HISTORY_HEADERS = ["Waktu", "Oleh", "Tindakan", "Catatan", "Perubahan"]

_FORMATS = {CellKind.date: DATE_FORMAT, CellKind.moment: MOMENT_FORMAT, CellKind.percent: PERCENT_FORMAT}


def _shown_len(value: Any, kind: CellKind) -> int:
    if value is None:
        return 0
    if kind in (CellKind.date, CellKind.moment, CellKind.percent):
        return len(_FORMATS[kind])
    return max((len(line) for line in str(value).splitlines()), default=0)


def write_table(
    ws: Worksheet, headers: Sequence[str], kinds: Sequence[CellKind], rows: Sequence[Sequence[Any]], top: int = 1
) -> None:
    """A header row at `top` (bold, shaded, frozen) and the rows below it, each cell typed by its kind."""
    widths = [len(h) for h in headers]
    for column, title in enumerate(headers, start=1):
        cell = ws.cell(row=top, column=column, value=title)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for offset, values in enumerate(rows, start=1):
        for column, (value, kind) in enumerate(zip(values, kinds, strict=True), start=1):
            cell = ws.cell(row=top + offset, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text: a title "=1+1" is not a formula (nor an injection)
            if kind in _FORMATS and value is not None:
                cell.number_format = _FORMATS[kind]
            if kind == CellKind.text and isinstance(value, str) and "\n" in value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            widths[column - 1] = max(widths[column - 1], _shown_len(value, kind))
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(column)].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
    ws.freeze_panes = f"A{top + 1}"


CAPAIAN_SHEET = "Capaian IKU"
CAPAIAN_HEADERS = [
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
CAPAIAN_KINDS = [CellKind.number] + [CellKind.text] * 5 + [CellKind.percent] * 6 + [CellKind.text]
WRAPPED_WIDTH = 40  # the long texts of the indicator sheet wrap within this width


def _fraction(value: Decimal | None) -> Decimal | None:
    """A percentage as the fraction a percent-formatted cell holds: 83,33 -> 0.8333."""
    return None if value is None else value / 100


def capaian_rows(assessed: Sequence[YearReport]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for number, report in enumerate(assessed, start=1):
        indicator, year = report.indicator, report.year
        quarters = [report.quarters.get(q) for q in QUARTERS]
        rows.append(
            [
                number,
                indicator.sasaran,
                f"{indicator.code}: {indicator.name}",
                indicator.formula,
                indicator.source,
                indicator.subsection_name,
                _fraction(year.target),
                *[None if q is None else _fraction(q.realisation.percent) for q in quarters],
                _fraction(year.capaian),
                year.predikat or year.missing,
            ]
        )
    return rows


def add_capaian(book: Workbook, assessed: Sequence[YearReport], heading: Sequence[str]) -> Worksheet:
    """The LKjIP / e-SAKIP table: a heading, then one row per indicator (realisation s.d. each quarter
    begun, the year's capaian against the annual target)."""
    ws = book.create_sheet(CAPAIAN_SHEET)
    for row, line in enumerate(heading, start=1):
        ws.cell(row=row, column=1, value=line).font = Font(bold=row == 1, size=13 if row == 1 else 11)
    top = len(heading) + 2
    write_table(ws, CAPAIAN_HEADERS, CAPAIAN_KINDS, capaian_rows(assessed), top=top)
    for column in range(2, 7):  # long texts wrap instead of stretching the sheet
        ws.column_dimensions[get_column_letter(column)].width = WRAPPED_WIDTH
        for row in range(top + 1, top + 1 + len(assessed)):
            ws.cell(row=row, column=column).alignment = Alignment(wrap_text=True, vertical="top")
    return ws


def add_sheet(book: Workbook, sheet: Sheet) -> Worksheet:
    ws = book.create_sheet(sheet.title)
    write_table(ws, sheet.headers, sheet.kinds, sheet.rows)
    return ws


def _plain(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


def change_text(entry: AuditEntry) -> str:
    """ "Label: before → after" per changed field, as plain text for a cell."""
    return "; ".join(f"{FIELD_LABELS.get(n, n)}: {_plain(old)} → {_plain(new)}" for n, old, new in changes(entry))


def local_moment(moment: datetime, tz: ZoneInfo) -> datetime:
    """A naive local date-time: spreadsheet cells have no time zone."""
    return as_utc(moment).astimezone(tz).replace(tzinfo=None)


def add_history(book: Workbook, entries: Sequence[tuple[AuditEntry, str]], tz: ZoneInfo) -> Worksheet:
    rows: list[list[Any]] = []
    for entry, actor in entries:
        action = ACTION_LABEL.get(entry.action, entry.action)
        if entry.undone_at is not None:
            action += " (diurungkan)"
        noun = ENTITY_LABEL.get(entry.entity, entry.entity)
        rows.append([local_moment(entry.at, tz), actor, action, f"{noun} #{entry.entity_id}", change_text(entry)])
    kinds = [CellKind.moment, CellKind.text, CellKind.text, CellKind.text, CellKind.text]
    ws = book.create_sheet(HISTORY_SHEET)
    write_table(ws, HISTORY_HEADERS, kinds, rows)
    return ws


def to_bytes(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()


TEMPLATE_EXAMPLES: dict[str, dict[str, Any]] = {
    "product": {
        "kind": "Perwali",
        "title": "Tata Cara Pengelolaan Arsip Daerah",
        "proposed_on": date(2026, 3, 1),
        "number": 7,
        "enacted_on": date(2026, 3, 10),
        "published_on": date(2026, 3, 15),
        "link": "https://jdih.probolinggokota.go.id/perwali-7-2026",
    },
    "case": {
        "register_number": "12/Pdt.G/2026/PN Prb",
        "description": "Gugatan wanprestasi pengadaan barang",
        "started_on": date(2026, 2, 1),
    },
}
TEMPLATE_GUIDE = (
    "Petunjuk impor",
    "",
    "1. Isi lembar «Produk Hukum» dan/atau «Perkara»: satu baris per catatan. Baris contoh (ID «CONTOH») tidak",
    "   diimpor; boleh dihapus.",
    "2. Judul kolom di baris pertama jangan diubah. Kolom ID, Status, Tingkat, dan Sidang Berikutnya diabaikan",
    "   (tingkat banding, kasasi, atau PK dicatat dengan /tahap sesudah impor).",
    "3. Tanggal sebagai sel tanggal atau teks (2026-03-01, 01-03-2026, 1 Maret 2026).",
    "4. Jenis: Perda, Perwali, Kepwali, atau nama lengkapnya.",
    "5. Tanggal penetapan diisi bersama nomornya; tanggal publikasi hanya untuk yang sudah ditetapkan.",
    "6. Baris yang sudah tercatat dilewati, jadi berkas yang sama aman dikirim dua kali.",
    "7. Kirim berkas (XLSX, atau CSV satu register per berkas) ke bot dengan keterangan /impor.",
    "   Bot memeriksa semuanya dulu; tidak ada yang disimpan sebelum Anda menekan Simpan.",
)


def template(registers: Sequence[Register]) -> bytes:
    """The import template: a guide sheet, then each register's headers with one example row."""
    book = Workbook()
    guide = book.active
    assert guide is not None
    guide.title = "Petunjuk"
    for number, line in enumerate(TEMPLATE_GUIDE, start=1):
        guide.cell(row=number, column=1, value=line).font = Font(bold=number == 1)
    guide.column_dimensions["A"].width = 100
    for register in registers:
        example = TEMPLATE_EXAMPLES.get(register.spec.entity, {})
        row = [example.get(c.field or "") if c.extra is None and c.field != "id" else None for c in register.columns]
        row[0] = EXAMPLE_MARK  # the ID column: import skips the example row
        ws = book.create_sheet(register.sheet)
        write_table(ws, [c.header for c in register.columns], [c.kind for c in register.columns], [row])
    return to_bytes(book)
