"""Checks shared by every way of logging (one-line commands and guided dialogues alike)."""

from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date

from models.errors import InputError

EARLIEST = date(2000, 1, 1)
# Monday first, as date.weekday() counts.
WEEKDAYS = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")
MAX_TITLE_CHARS = 500
MAX_DESCRIPTION_CHARS = 500
MAX_OUTCOME_CHARS = 300
MAX_LINK_CHARS = 500
MAX_REGISTER_CHARS = 100


def human_date(day: date) -> str:
    """`1 Maret 2026`: the one way dates are shown to users."""
    return format_date(day, format="d MMMM y", locale="id")


def event_date(day: date, today: date, what: str, example: str, field: str = "date") -> date:
    if day > today:
        raise InputError(
            f"Tanggal {what} ({human_date(day)}) ada di masa depan; hari ini {human_date(today)}.", example, field
        )
    if day < EARLIEST:
        raise InputError(f"Tanggal {what} ({human_date(day)}) terlalu lampau.", example, field)
    return day


def not_before(day: date, earlier: date, what: str, earlier_what: str, example: str, field: str = "date") -> None:
    if day < earlier:
        raise InputError(
            f"Tanggal {what} ({human_date(day)}) tidak boleh sebelum tanggal {earlier_what} ({human_date(earlier)}).",
            example,
            field,
        )


def not_after(day: date, later: date | None, what: str, later_what: str, example: str, field: str = "date") -> None:
    if later is not None and day > later:
        raise InputError(
            f"Tanggal {what} ({human_date(day)}) tidak boleh sesudah tanggal {later_what} ({human_date(later)}).",
            example,
            field,
        )


def text(value: str | None, *, limit: int, what: str, example: str, required: bool, field: str | None = None) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise InputError(f"{what.capitalize()} belum diisi.", example, field)
    if len(value) > limit:
        raise InputError(
            f"{what.capitalize()} terlalu panjang ({len(value)} karakter; maksimal {limit}).", example, field
        )
    return value


def record_id(value: str, what: str, example: str) -> int:
    """`12` or `#12`."""
    cleaned = value.strip().lstrip("#")
    if not cleaned.isdigit() or int(cleaned) <= 0 or len(cleaned) > 9:
        raise InputError(f"Id {what} harus berupa angka, misalnya 12 (Anda menulis «{value}»).", example)
    return int(cleaned)


def positive_number(value: str, what: str, example: str, field: str = "number") -> int:
    cleaned = value.strip()
    if not cleaned.isdigit() or not 0 < int(cleaned) < 100000:
        raise InputError(
            f"{what.capitalize()} harus berupa angka bulat positif (Anda menulis «{value}»).", example, field
        )
    return int(cleaned)


_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def link(value: str | None, example: str) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not _URL.match(value):
        raise InputError(f"Tautan harus diawali http:// atau https:// (Anda menulis «{value}»).", example, "link")
    if len(value) > MAX_LINK_CHARS:
        raise InputError(f"Tautan terlalu panjang (maksimal {MAX_LINK_CHARS} karakter).", example, "link")
    return value
