"""Reading the spreadsheets people send for /impor: XLSX (openpyxl) or CSV (the standard csv module), as
plain tables of cells, within the limits the bot accepts. What the tables mean is `models.importing`'s
business."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.numbers import format_decimal

from models.errors import InputError
from models.validation import grouped

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000  # data rows over all sheets, headers not counted
MAX_COLUMNS = 100  # columns read per row: the registers have about 20
EXAMPLE = "/impor (tanpa berkas: bot mengirim templatnya)"


@dataclass(frozen=True)
class Table:
    """One sheet (or a CSV file): its name and its rows, header first, every cell as text (dates in ISO
    form), so a table can wait as JSON between the preview and "Simpan". Trailing empty rows are dropped."""

    name: str
    rows: list[list[str]]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "rows": self.rows}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Table:
        return cls(str(data["name"]), [[str(v) for v in row] for row in data["rows"]])


def cell_text(value: Any) -> str:
    """A cell as the text a user would have typed: date cells as `2026-03-10`, whole numbers without `.0`."""
    if value is None:
        return ""
    if isinstance(value, datetime):  # a date cell that also holds a time: the date is what counts here
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def check_size(size: int | None) -> None:
    if size is not None and size > MAX_BYTES:
        megabytes = format_decimal(size / 1024 / 1024, format="#,##0.0", locale="id")
        raise InputError(
            f"Berkas terlalu besar ({megabytes} MB); batasnya 2 MB. Bagilah menjadi beberapa berkas.", EXAMPLE
        )


def _trimmed(rows: list[list[str]]) -> list[list[str]]:
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def _too_many(count: int, more: bool = False) -> InputError:
    shown = f"lebih dari {grouped(MAX_ROWS)}" if more else grouped(count)
    return InputError(
        f"Berkas berisi {shown} baris data; batasnya {grouped(MAX_ROWS)} baris. Bagilah menjadi beberapa berkas.",
        EXAMPLE,
    )


def _check_rows(tables: list[Table]) -> None:
    count = sum(sum(1 for row in t.rows[1:] if any(row)) for t in tables)
    if count > MAX_ROWS:
        raise _too_many(count)


def read_xlsx(content: bytes) -> list[Table]:
    # openpyxl is imported when a workbook is read, not at start: it is a third of the bot's start-up.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = "Berkas ini tidak dapat dibaca sebagai spreadsheet XLSX."
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(unreadable, EXAMPLE) from exc
    tables: list[Table] = []
    filled = 0  # rows with content over all sheets: rows only formatted do not count
    try:
        for sheet in book.worksheets:
            rows: list[list[str]] = []
            for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
                cells = [cell_text(v) for v in row]
                if any(cells):
                    filled += 1
                    if filled > MAX_ROWS + len(book.worksheets):  # headers aside, over the limit: stop here
                        raise _too_many(filled, more=True)
                rows.append(cells)
            tables.append(Table(sheet.title, _trimmed(rows)))
    except InputError:
        raise
    except Exception as exc:  # a damaged sheet inside a valid zip: openpyxl raises what its parser raises
        raise InputError(unreadable, EXAMPLE) from exc
    finally:
        book.close()
    _check_rows(tables)
    return tables


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("Berkas CSV harus berkode UTF-8 (dengan atau tanpa BOM).", EXAMPLE) from exc


def read_csv(content: bytes) -> list[Table]:
    """One register per CSV file; `;` or `,` as the separator, whichever the header line uses more."""
    text = _decode(content)
    if "\x00" in text:
        raise InputError("Berkas ini bukan CSV teks.", EXAMPLE)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = [[cell.strip() for cell in row] for row in reader]
    except csv.Error as exc:
        raise InputError(f"Berkas CSV tidak dapat dibaca: {exc}.", EXAMPLE) from exc
    tables = [Table("", _trimmed(rows))]  # named by the register it turns out to hold
    _check_rows(tables)
    return tables


def read(content: bytes, filename: str) -> list[Table]:
    """The tables of an XLSX or CSV file, by its name and, failing that, by its first bytes."""
    check_size(len(content))
    lower = filename.lower()
    if lower.endswith(".xlsx") or (not lower.endswith(".csv") and content[:2] == b"PK"):
        return read_xlsx(content)
    if lower.endswith(".csv"):
        return read_csv(content)
    raise InputError("Kirim berkas .xlsx atau .csv (misalnya templat dari /impor).", EXAMPLE)
