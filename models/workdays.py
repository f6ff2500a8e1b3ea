"""Working days: Monday to Friday, except public holidays.

National holidays of Indonesia come from the maintained `holidays` package (it computes the ones that
follow the Islamic and Chinese calendars); cuti bersama and local days off are added by admins and kept
in the `holiday` table. Hearing reminders go out on the working day before a hearing, and a weekly digest
whose day is a holiday goes out on the next working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import audit, validation
from models.errors import InputError
from models.tables import Holiday

NATIONAL, ADDED = "nasional", "ditambahkan admin"
MAX_NAME_CHARS = 200
FIRST_YEAR, LAST_YEAR = 2000, 2100
EXAMPLE_ADD = "/libur tambah 2026-12-24 Cuti bersama Natal"
EXAMPLE_REMOVE = "/libur hapus 2026-12-24"
# A stretch of days off longer than this is a mistake in the data, not a holiday season: the search for
# a working day stops there instead of looping.
_MAX_DAYS_OFF = 60


@lru_cache(maxsize=64)
def national(year: int) -> dict[date, str]:
    """The national public holidays of one year, named in Indonesian. The language is asked for explicitly:
    left to the package, some installations name them in English."""
    return dict(holidays.country_holidays("ID", years=year, language="id").items())


@dataclass(frozen=True)
class DayOff:
    day: date
    name: str
    source: str  # NATIONAL or ADDED


@dataclass(frozen=True)
class Calendar:
    """Holidays as known now: the national ones plus the admins' (the table is small: read whole)."""

    added: dict[date, str]

    def holiday(self, day: date) -> DayOff | None:
        if day in self.added:
            return DayOff(day, self.added[day], ADDED)
        name = national(day.year).get(day)
        return DayOff(day, name, NATIONAL) if name is not None else None

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and self.holiday(day) is None

    def next_working_day(self, day: date) -> date:
        """The first working day after `day`."""
        return self._step(day, 1)

    def previous_working_day(self, day: date) -> date:
        """The last working day before `day`."""
        return self._step(day, -1)

    def _step(self, day: date, direction: int) -> date:
        for _ in range(_MAX_DAYS_OFF):
            day += timedelta(days=direction)
            if self.is_working_day(day):
                return day
        return day

    def of_year(self, year: int) -> list[DayOff]:
        """Every holiday of the year, national and added, by date (an added day on a national holiday
        shows both names)."""
        days = [DayOff(d, n, NATIONAL) for d, n in national(year).items()]
        days += [DayOff(d, n, ADDED) for d, n in self.added.items() if d.year == year]
        return sorted(days, key=lambda d: (d.day, d.source != NATIONAL))


async def load(session: AsyncSession) -> Calendar:
    rows = await session.exec(select(Holiday))
    return Calendar({row.day: row.name for row in rows.all()})


def check_day(day: date, example: str) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InputError(f"Tahun {day.year} di luar rentang {FIRST_YEAR}–{LAST_YEAR}.", example)
    return day


def parse_year(text: str, example: str = "/libur 2026") -> int:
    year = validation.number(text)
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(f"«{text}» bukan tahun antara {FIRST_YEAR} dan {LAST_YEAR}.", example)
    return year


async def add(
    session: AsyncSession, *, day: date, name: str, actor_id: int, now: datetime, update_id: int | None = None
) -> DayOff:
    check_day(day, EXAMPLE_ADD)
    name = clean_name(name)
    await check_new(session, day)
    row = Holiday(day=day, name=name, created_by=actor_id, created_at=now)
    session.add(row)
    await session.flush()
    await audit.record_change(session, row, "holiday.add", at=now, actor_id=actor_id, before=None, update_id=update_id)
    return DayOff(day, name, ADDED)


def clean_name(name: str) -> str:
    name = validation.prose(name)
    if not name:
        raise InputError("Sebutkan nama hari libur sesudah tanggalnya.", EXAMPLE_ADD, "name")
    if len(name) > MAX_NAME_CHARS:
        raise InputError(f"Nama hari libur terlalu panjang (maksimal {MAX_NAME_CHARS} karakter).", EXAMPLE_ADD, "name")
    return name


async def check_new(session: AsyncSession, day: date) -> date:
    """A day that may be added: in range, not added already, not a national holiday."""
    check_day(day, EXAMPLE_ADD)
    existing = await session.get(Holiday, day)
    if existing is not None:
        raise InputError(
            f"{validation.human_date(day)} sudah tercatat sebagai hari libur: {existing.name}.", EXAMPLE_REMOVE, "day"
        )
    if (national_name := national(day.year).get(day)) is not None:
        raise InputError(
            f"{validation.human_date(day)} sudah hari libur nasional: {national_name}.",
            "/libur " + str(day.year),
            "day",
        )
    return day


async def remove(
    session: AsyncSession, *, day: date, actor_id: int, now: datetime, update_id: int | None = None
) -> DayOff:
    row = await removable(session, day)
    await audit.record_removal(session, row, "holiday.remove", at=now, actor_id=actor_id, update_id=update_id)
    return DayOff(day, row.name, ADDED)


async def removable(session: AsyncSession, day: date) -> Holiday:
    """The admin-added holiday on `day`; national ones cannot be removed."""
    check_day(day, EXAMPLE_REMOVE)
    row = await session.get(Holiday, day)
    if row is None:
        national_name = national(day.year).get(day)
        if national_name is not None:
            raise InputError(
                f"{validation.human_date(day)} adalah hari libur nasional ({national_name}) dan tidak dapat "
                "dihapus; yang dapat dihapus hanya hari libur yang ditambahkan admin.",
                EXAMPLE_REMOVE,
                "remove",
            )
        raise InputError(
            f"{validation.human_date(day)} tidak tercatat sebagai hari libur tambahan.", "/libur", "remove"
        )
    return row


async def added_from(session: AsyncSession, year: int, *, offset: int, limit: int) -> tuple[list[Holiday], int]:
    """A page of the admin-added holidays of `year` and later, earliest first, and how many there are."""
    since = col(Holiday.day) >= date(year, 1, 1)
    total = (await session.exec(select(func.count()).select_from(Holiday).where(since))).one()
    rows = await session.exec(select(Holiday).where(since).order_by(col(Holiday.day)).offset(offset).limit(limit))
    return list(rows.all()), total
