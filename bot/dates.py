"""The one date parser: every date a user types goes through `parse_date`.

Numeric forms (`2026-03-01`, `01-03-2026`, `01/03/2026`) are read with fixed formats, so they are never
ambiguous; words (`1 Maret 2026`, `1 Mar 2026`, `kemarin`, `2 hari lalu`) are read by dateparser in
Indonesian, relative to today in the configured time zone. Times are not accepted.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import dateparser

from models.errors import InputError

EXAMPLE = "2026-03-01, 01-03-2026, 01/03/2026, 1 Maret 2026, atau 1 Mar 2026"
NUMERIC = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$")
_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d")
_WEEKDAYS = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")


class DateError(InputError):
    pass


def looks_numeric(text: str) -> bool:
    return bool(NUMERIC.match(text.strip()))


def parse_date(text: str, today: date) -> date:
    """A calendar date from what a user typed, or DateError. Future dates are the caller's rule."""
    raw = " ".join(text.split())
    cleaned = raw.lower().rstrip(".,")
    if not cleaned:
        raise DateError("Tanggal belum diisi.", EXAMPLE)
    if looks_numeric(cleaned):
        for fmt in _FORMATS:
            try:
                return datetime.strptime(cleaned, fmt).date()
            except ValueError:
                continue
        raise DateError(f"Tanggal «{raw}» tidak valid.", EXAMPLE)
    if ":" in cleaned:
        raise DateError(f"Cukup tanggalnya saja, tanpa jam (Anda menulis «{raw}»).", EXAMPLE)
    weekday = _weekday_ago(cleaned)
    if weekday is not None:
        return _last_weekday(weekday, today)
    parsed = dateparser.parse(
        cleaned,
        languages=["id"],
        settings={
            "RELATIVE_BASE": datetime(today.year, today.month, today.day, 12, 0),
            "REQUIRE_PARTS": ["day", "month"],
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "current_period",
            "PREFER_DAY_OF_MONTH": "first",
            "RETURN_AS_TIMEZONE_AWARE": False,
            # Relative phrases only when the user clearly wrote one; otherwise `5 Tahun ...` in a title
            # would be read as "five years ago".
            "PARSERS": ["relative-time"] if _relative(cleaned) else ["absolute-time"],
        },
    )
    if parsed is None:
        raise DateError(f"«{raw}» tidak dikenali sebagai tanggal.", EXAMPLE)
    return parsed.date()


_RELATIVE_WORDS = {"hari ini", "kemarin", "kemarin lusa"}


def _relative(cleaned: str) -> bool:
    return cleaned in _RELATIVE_WORDS or cleaned.endswith(" lalu")


def _weekday_ago(cleaned: str) -> int | None:
    """`senin lalu` names the most recent Monday before today; dateparser does not read it in Indonesian."""
    parts = cleaned.split()
    if len(parts) == 2 and parts[1] == "lalu" and parts[0].replace("'", "") in _WEEKDAYS:
        return _WEEKDAYS.index(parts[0].replace("'", ""))
    return None


def _last_weekday(weekday: int, today: date) -> date:
    delta = (today.weekday() - weekday) % 7 or 7
    return today - timedelta(days=delta)


def split_leading_date(words: list[str], today: date) -> tuple[date | None, list[str]]:
    """An optional date at the start of `words` (up to three words, e.g. `1 Maret 2026`), and the rest.

    A first word that is clearly meant as a date but is invalid (`31-02-2026`) is an error, not a title.
    """
    if not words:
        return None, words
    if looks_numeric(words[0]):
        return parse_date(words[0], today), words[1:]
    for size in (3, 2, 1):
        if len(words) < size:
            continue
        candidate = " ".join(words[:size])
        if not _plausible(candidate):
            continue
        try:
            return parse_date(candidate, today), words[size:]
        except DateError:
            continue
    return None, words


def _plausible(candidate: str) -> bool:
    """Only phrases that start like a date are offered to dateparser, so titles are left alone."""
    lowered = candidate.lower()
    first = lowered.split()[0]
    return first.isdigit() or _relative(lowered) or _weekday_ago(lowered) is not None
