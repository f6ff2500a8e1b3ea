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
from models.validation import WEEKDAYS, has_other_digits, number

EXAMPLE = "2026-03-01, 01-03-2026, 01/03/2026, 1 Maret 2026, atau 1 Mar 2026"
# [0-9], not \d: only ASCII digits are numbers (models.validation.number), and \d matches any script's.
NUMERIC = re.compile(r"^[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}$")
MAX_DATE_CHARS = 40  # `kemarin lusa`, `1 Nopember 2026`, `3 minggu lalu`: all far shorter
_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d")
_WEEKDAYS = WEEKDAYS
MONTHS = {
    "januari": 1,
    "jan": 1,
    "februari": 2,
    "pebruari": 2,
    "feb": 2,
    "peb": 2,
    "maret": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "agustus": 8,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nopember": 11,
    "nov": 11,
    "nop": 11,
    "desember": 12,
    "des": 12,
}
# `1 Maret 2026`, `1 Mar. 2026`, `1 Maret` (this year): read exactly, so `31 Februari` is an error rather
# than whatever dateparser makes of it (it reads `29 Feb` in 2026 as 29 February 2024).
_DAY_MONTH = re.compile(r"^([0-9]{1,2}) ([a-z]+)\.?,?(?: ([0-9]+))?$")


class DateError(InputError):
    pass


def looks_numeric(text: str) -> bool:
    return bool(NUMERIC.match(text.strip()))


def parse_date(text: str, today: date, *, ahead: bool = False) -> date:
    """A calendar date from what a user typed, or DateError. Future dates are the caller's rule.

    `ahead` is for dates that are usually coming (a hearing): it reads `besok`, `lusa`, `3 hari lagi`,
    `senin depan`, and a day and month without a year as the next such day."""
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
    if len(cleaned) > MAX_DATE_CHARS or has_other_digits(cleaned):
        # No date is that long (and dateparser is slow on long text); `²` or `٣` are not numbers here.
        raise DateError(f"«{raw}» tidak dikenali sebagai tanggal.", EXAMPLE)
    if ahead:
        coming = _coming(cleaned, today)
        if coming is not None:
            return coming
    worded = _day_month(cleaned, raw, today)
    if worded is not None:
        match = _DAY_MONTH.match(cleaned)
        if ahead and worded < today and match is not None and match.group(3) is None:
            return _day_month(cleaned, raw, date(today.year + 1, 1, 1)) or worded  # `5 Januari` in December
        return worded
    weekday = _weekday_ago(cleaned)
    if weekday is not None:
        return _last_weekday(weekday, today)
    try:
        parsed = _dateparser(cleaned, today)
    except (ValueError, OverflowError, IndexError, KeyError, TypeError):  # dateparser trips on some odd text
        parsed = None
    if parsed is None:
        raise DateError(f"«{raw}» tidak dikenali sebagai tanggal.", EXAMPLE)
    return parsed.date()


def _dateparser(cleaned: str, today: date) -> datetime | None:
    return dateparser.parse(
        cleaned,
        languages=["id"],
        settings={
            "RELATIVE_BASE": datetime(today.year, today.month, today.day, 12, 0),
            "REQUIRE_PARTS": ["day", "month"],
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "current_period",
            "RETURN_AS_TIMEZONE_AWARE": False,
            # Relative phrases only when the user clearly wrote one; otherwise `5 Tahun ...` in a title
            # would be read as "five years ago".
            "PARSERS": ["relative-time"] if _relative(cleaned) else ["absolute-time"],
        },
    )


def _day_month(cleaned: str, raw: str, today: date) -> date | None:
    match = _DAY_MONTH.match(cleaned)
    if match is None or match.group(2) not in MONTHS:
        return None
    day, month, year = int(match.group(1)), MONTHS[match.group(2)], match.group(3)
    if year is not None and len(year) not in (2, 4):
        raise DateError(f"Tanggal «{raw}» tidak valid.", EXAMPLE)
    full_year = today.year if year is None else int(year) + (2000 if len(year) == 2 else 0)
    try:
        return date(full_year, month, day)
    except ValueError:
        raise DateError(f"Tanggal «{raw}» tidak valid.", EXAMPLE) from None


_RELATIVE_WORDS = {"hari ini", "kemarin", "kemarin lusa"}
_AHEAD_WORDS = {"hari ini": 0, "besok": 1, "lusa": 2}
_AHEAD_UNITS = {"hari": 1, "minggu": 7, "pekan": 7}
_IN_SOME = re.compile(r"^([0-9]{1,3}) (hari|minggu|pekan) lagi$")


def _coming(cleaned: str, today: date) -> date | None:
    """`besok`, `lusa`, `3 hari lagi`, `2 minggu lagi`, `senin depan` / `senin`: the coming day meant."""
    if cleaned in _AHEAD_WORDS:
        return today + timedelta(days=_AHEAD_WORDS[cleaned])
    match = _IN_SOME.match(cleaned)
    if match is not None:
        return today + timedelta(days=int(match.group(1)) * _AHEAD_UNITS[match.group(2)])
    parts = cleaned.replace("'", "").split()
    if parts and parts[0] in _WEEKDAYS and (len(parts) == 1 or parts[1:] == ["depan"]):
        delta = (_WEEKDAYS.index(parts[0]) - today.weekday()) % 7 or 7
        return today + timedelta(days=delta)
    return None


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


def split_leading_date(words: list[str], today: date, *, ahead: bool = False) -> tuple[date | None, list[str]]:
    """An optional date at the start of `words` (up to three words, e.g. `1 Maret 2026`), and the rest.

    A first word that is clearly meant as a date but is invalid (`31-02-2026`) is an error, not a title.
    """
    if not words:
        return None, words
    if looks_numeric(words[0]):
        return parse_date(words[0], today, ahead=ahead), words[1:]
    if len(words) >= 2 and number(words[0]) is not None and words[1].lower().rstrip(".,") in MONTHS:
        # A day and a month name are a date, valid or not; a number after them is its year.
        size = 3 if len(words) >= 3 and number(words[2].rstrip(".,")) is not None else 2
        return parse_date(" ".join(words[:size]), today, ahead=ahead), words[size:]
    for size in (3, 2, 1):
        if len(words) < size:
            continue
        candidate = " ".join(words[:size])
        if ahead and _coming(candidate.lower(), today) is not None:
            return parse_date(candidate, today, ahead=True), words[size:]
        if not _plausible(candidate):
            continue
        try:
            return parse_date(candidate, today, ahead=ahead), words[size:]
        except DateError:
            continue
    return None, words


def split_trailing_date(words: list[str], today: date) -> tuple[list[str], date | None]:
    """The words before an optional date at the end (`2026-07-10`, `10 Juli 2026`, `hari ini`), and the
    date. Only unmistakable dates count: what comes before may be a register like `477 K/TUN/2026`."""
    if not words:
        return words, None
    if looks_numeric(words[-1]):
        return words[:-1], parse_date(words[-1], today)
    for size in (3, 2):
        tail = words[-size:]
        month = len(words) >= size and number(tail[0]) is not None and tail[1].lower().rstrip(".,") in MONTHS
        if month and (size == 2 or number(tail[2].rstrip(".,")) is not None):
            return words[:-size], parse_date(" ".join(tail), today)
    for size in (2, 1):
        phrase = " ".join(words[-size:]).lower()
        if len(words) >= size and phrase in _RELATIVE_WORDS:
            return words[:-size], parse_date(phrase, today)
    return words, None


def _plausible(candidate: str) -> bool:
    """Only phrases that start like a date are offered to dateparser, so titles are left alone."""
    lowered = candidate.lower()
    first = lowered.split()[0]
    return number(first) is not None or _relative(lowered) or _weekday_ago(lowered) is not None


def starts_with_date(words: list[str]) -> bool:
    """Whether `words` begin with something meant as a date (valid or not)."""
    if not words:
        return False
    if looks_numeric(words[0]) or _plausible(" ".join(words[:3])):
        return True
    return any(_relative(" ".join(words[:size]).lower()) for size in (1, 2, 3))
