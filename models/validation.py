"""Checks shared by every way of logging (one-line commands and guided dialogues alike)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal

from models.errors import InputError

EARLIEST = date(2000, 1, 1)
# Monday first, as date.weekday() counts.
WEEKDAYS = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")
MAX_TITLE_CHARS = 500
MAX_DESCRIPTION_CHARS = 500
MAX_OUTCOME_CHARS = 300
MAX_LINK_CHARS = 500
MAX_REGISTER_CHARS = 100


# --- one normalisation for everything stored ---------------------------------------------------------

# Bidirectional embeddings, overrides, isolates and marks: they let a line be shown in another order
# than it is stored (U+202E turns "gnp.exe" around), so no stored text keeps them.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Joiners stay in prose: they are part of how some letters and emoji are written.
_JOINERS = frozenset("\u200c\u200d")


# Format characters (invisible), control characters other than whitespace (NUL, which PostgreSQL refuses
# to store, ESC, ...) and lone surrogates (not encodable).
_DROPPED = frozenset({"Cf", "Cc", "Cs"})


def _fold(value: str, keep: frozenset[str]) -> str:
    value = unicodedata.normalize("NFKC", value)
    value = "".join(ch for ch in value if ch in keep or ch.isspace() or unicodedata.category(ch) not in _DROPPED)
    return " ".join(value.split())


def identifier(value: str | None) -> str:
    """The stored form of anything that identifies a record (register numbers, links, names, keywords).

    Two strings a reader cannot tell apart must be one value: compatibility forms (full-width digits,
    ligatures) are folded by NFKC, invisible format characters (zero-width space, soft hyphen, BOM,
    bidirectional controls) and control characters are dropped, and runs of any whitespace become one
    space.
    """
    return _fold(value or "", frozenset())


def unique_key(value: str | None) -> str:
    """What uniqueness is decided on: the identifier, case-folded and without spaces, so `12/pdt.g/...`
    and `12 / Pdt.G / ...` are the same register number."""
    return "".join(identifier(value).casefold().split())


def prose(value: str | None) -> str:
    """The stored form of titles, descriptions and outcomes: normalised like an identifier, except that
    joiners, which belong to some letters and emoji, are kept; bidirectional controls never are."""
    return _fold(value or "", _JOINERS)  # bidirectional controls are format characters: all dropped


def without_bidi_controls(value: str) -> str:
    """For text shown in a message that was stored before the normalisation existed, or comes from
    Telegram (names, chat titles): it must not reorder the line it is shown on."""
    return "".join(ch for ch in value if ch not in _BIDI_CONTROLS)


def keyword(value: str | None) -> str:
    """A word the user picks from a fixed list (`perwali`, `senin`, `tw2`), compared case-insensitively."""
    return identifier(value).casefold()


# --- numbers ------------------------------------------------------------------------------------------

_ASCII_DIGITS = re.compile(r"[0-9]{1,100}")


def number(value: str) -> int | None:
    """The number written in ASCII digits 0-9, or None for anything else: the one test of "is this a
    number" for every command and dialogue step.

    `str.isdigit()` also accepts `²` and `①`, which `int()` then rejects with a traceback; `int()` itself
    accepts Arabic-Indic and full-width digits and fails on very long input (more than 100 digits is
    not a number here). The range is the caller's rule.
    """
    return int(value) if _ASCII_DIGITS.fullmatch(value) else None


def has_other_digits(value: str) -> bool:
    """Whether `value` holds digits of another kind (`²`, `①`, `٣`, full-width), which are not numbers
    here: text that must not be read as a number by a library that would accept them."""
    return any(not "0" <= ch <= "9" and (ch.isdigit() or ch.isnumeric()) for ch in value)


def grouped(value: int) -> str:
    """`235.526`: counts in Indonesian digit grouping, wherever the bot shows one."""
    return format_decimal(value, locale="id")


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
    """Free text (titles, descriptions, outcomes) as stored: see `prose`."""
    value = prose(value)
    if required and not value:
        raise InputError(f"{what.capitalize()} belum diisi.", example, field)
    if len(value) > limit:
        raise InputError(
            f"{what.capitalize()} terlalu panjang ({len(value)} karakter; maksimal {limit}).", example, field
        )
    return value


def record_id(value: str, what: str, example: str) -> int:
    """`12` or `#12`."""
    parsed = number(value.strip().lstrip("#"))
    if parsed is None or not 0 < parsed < 10**9:
        raise InputError(f"Id {what} harus berupa angka, misalnya 12 (Anda menulis «{value}»).", example)
    return parsed


def positive_number(value: str, what: str, example: str, field: str = "number") -> int:
    parsed = number(value.strip())
    if parsed is None or not 0 < parsed < 100000:
        raise InputError(
            f"{what.capitalize()} harus berupa angka bulat positif (Anda menulis «{value}»).", example, field
        )
    return parsed


_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def link(value: str | None, example: str) -> str | None:
    value = identifier(value)
    if not value:
        return None
    if not _URL.match(value):
        raise InputError(f"Tautan harus diawali http:// atau https:// (Anda menulis «{value}»).", example, "link")
    if len(value) > MAX_LINK_CHARS:
        raise InputError(f"Tautan terlalu panjang (maksimal {MAX_LINK_CHARS} karakter).", example, "link")
    return value
