"""Court hearings (sidang) of a case: scheduling, cancelling, the calendar of the coming days.

A hearing is a local date in the configured time zone and an optional local time `HH:MM`. Cancelled
hearings are kept (cancelled_at, cancel_reason), so history and reminders see what happened to them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import audit, validation
from models.errors import InputError
from models.records import TextRule
from models.tables import Case, Hearing

EXAMPLE_SCHEDULE = "/sidang 3 2026-12-10 09:00 Pembuktian"
EXAMPLE_CANCEL = "/sidang batal 5"
UPCOMING_DAYS = 30
FARTHEST = timedelta(days=731)  # two years: a later date is a typing mistake
CANCELLED = "batal"  # `/sidang batal`
CASE_RESOLVED = "selesai"  # cancelled because the case was resolved
AGENDA = TextRule(validation.MAX_OUTCOME_CHARS, "agenda")
# Labels of the hearing's columns in history lines (a hearing is not a record type of its own: its
# history is part of its case's).
LABELS = {
    "case_id": "Perkara",
    "day": "Tanggal sidang",
    "time_of_day": "Jam sidang",
    "agenda": "Agenda",
    "cancel_reason": "Sidang dibatalkan",
}
BOOKKEEPING = ("cancelled_at",)  # shown through cancel_reason
_TIME = re.compile(r"^([01]?[0-9]|2[0-3])[:.]([0-5][0-9])$")


def parse_time(raw: str) -> str | None:
    """`9:00`, `09.30` -> `09:00`, `09:30`; None when `raw` is not a time of day."""
    match = _TIME.match(validation.identifier(raw))
    return None if match is None else f"{int(match.group(1)):02d}:{match.group(2)}"


_TIME_SHAPE = re.compile(r"^[0-9]{1,2}[:.][0-9]{1,2}$")


def looks_like_time(raw: str) -> bool:
    """Meant as a time (valid or not): `25:00` is a mistake to point out, not the start of an agenda."""
    return bool(_TIME_SHAPE.match(validation.identifier(raw)))


def clean_time(raw: str, example: str = EXAMPLE_SCHEDULE) -> str:
    parsed = parse_time(raw)
    if parsed is None:
        raise InputError(f"Jam sidang «{raw}» tidak dikenali; tulis seperti 09:00.", example, "time")
    return parsed


def when(hearing: Hearing) -> str:
    """`10 Desember 2026 09:00` (the time when known)."""
    text = validation.human_date(hearing.day)
    return f"{text} {hearing.time_of_day}" if hearing.time_of_day else text


def check_day(day: date, today: date, example: str) -> date:
    """A hearing's day: today or later, not years away."""
    if day < today:
        raise InputError(
            f"Tanggal sidang ({validation.human_date(day)}) sudah lewat; hari ini {validation.human_date(today)}. "
            "Jadwal sidang harus yang akan datang.",
            example,
            "day",
        )
    if day > today + FARTHEST:
        raise InputError(f"Tanggal sidang ({validation.human_date(day)}) terlalu jauh ke depan.", example, "day")
    return day


def check_moment(day: date, time_of_day: str | None, local_now: datetime, example: str) -> None:
    """A hearing is scheduled ahead: not before now (today without a time is fine), not years away."""
    today = local_now.date()
    check_day(day, today, example)
    if day == today and time_of_day is not None and time_of_day <= local_now.strftime("%H:%M"):
        shown = validation.human_date(day) + (f" {time_of_day}" if time_of_day else "")
        raise InputError(
            f"Sidang ({shown}) sudah lewat; hari ini {validation.human_date(today)}, pukul "
            f"{local_now.strftime('%H:%M')}. Jadwal sidang harus yang akan datang.",
            example,
            "time",
        )


async def case_for_hearing(session: AsyncSession, case_id: int, example: str) -> Case:
    """An open case: hearings are scheduled only for cases still being handled."""
    case = await session.get(Case, case_id)
    if case is None:
        raise InputError(f"Perkara #{case_id} tidak ditemukan. Lihat /daftar perkara untuk id yang ada.", example)
    if case.resolved_on is not None:
        raise InputError(
            f"Perkara #{case.id} sudah selesai pada {validation.human_date(case.resolved_on)}; "
            "sidang tidak dapat dijadwalkan.",
            "/daftar perkara",
        )
    return case


async def ensure_free(session: AsyncSession, case_id: int, day: date, time_of_day: str | None, example: str) -> None:
    """Two hearings of one case at the same moment are one hearing typed twice."""
    same = col(Hearing.time_of_day).is_(None) if time_of_day is None else Hearing.time_of_day == time_of_day
    clash = (
        await session.exec(
            select(Hearing).where(
                Hearing.case_id == case_id, Hearing.day == day, same, col(Hearing.cancelled_at).is_(None)
            )
        )
    ).first()
    if clash is not None:
        raise InputError(f"Perkara #{case_id} sudah punya sidang #{clash.id} pada {when(clash)}.", "/sidang", "time")


async def schedule(
    session: AsyncSession,
    *,
    actor_id: int,
    case_id: int,
    day: date,
    time_of_day: str | None,
    agenda: str | None,
    local_now: datetime,
    now: datetime,
    update_id: int | None = None,
) -> tuple[Hearing, Case]:
    example = EXAMPLE_SCHEDULE
    case = await case_for_hearing(session, case_id, example)
    if time_of_day is not None:
        time_of_day = clean_time(time_of_day, example)
    check_moment(day, time_of_day, local_now, example)
    cleaned = AGENDA(agenda, example, "agenda") or ""
    await ensure_free(session, case_id, day, time_of_day, example)
    hearing = Hearing(
        case_id=case_id,
        day=day,
        time_of_day=time_of_day,
        agenda=cleaned,
        created_by=actor_id,
        created_at=now,
        updated_at=now,
    )
    session.add(hearing)
    await session.flush()
    await audit.record_change(
        session, hearing, "hearing.schedule", at=now, actor_id=actor_id, before=None, update_id=update_id
    )
    return hearing, case


async def cancel(
    session: AsyncSession,
    *,
    actor_id: int,
    hearing_id: int,
    today: date,
    now: datetime,
    update_id: int | None = None,
) -> tuple[Hearing, Case | None]:
    hearing = await session.get(Hearing, hearing_id)
    if hearing is None:
        raise InputError(f"Sidang #{hearing_id} tidak ditemukan. Lihat /sidang untuk nomor yang ada.", EXAMPLE_CANCEL)
    if hearing.cancelled_at is not None:
        raise InputError(f"Sidang #{hearing_id} sudah dibatalkan.", "/sidang")
    if hearing.day < today:
        raise InputError(f"Sidang #{hearing_id} ({when(hearing)}) sudah lewat.", "/sidang")
    await _cancel(session, hearing, CANCELLED, actor_id=actor_id, now=now, update_id=update_id)
    return hearing, await session.get(Case, hearing.case_id)


async def _cancel(
    session: AsyncSession, hearing: Hearing, reason: str, *, actor_id: int, now: datetime, update_id: int | None
) -> None:
    before = audit.snapshot(hearing)
    hearing.cancelled_at, hearing.cancel_reason, hearing.updated_at = now, reason, now
    await session.flush()
    action = "hearing.cancel" if reason == CANCELLED else "hearing.close"
    await audit.record_change(session, hearing, action, at=now, actor_id=actor_id, before=before, update_id=update_id)


async def close_open(
    session: AsyncSession, *, actor_id: int, case_id: int, today: date, now: datetime, update_id: int | None
) -> list[Hearing]:
    """A resolved case has no hearings ahead: those from today on are cancelled (reason `selesai`), each
    with its audit entry under the same update, so one undo brings them back with the case."""
    rows = await session.exec(
        select(Hearing)
        .where(Hearing.case_id == case_id, Hearing.day >= today, col(Hearing.cancelled_at).is_(None))
        .order_by(col(Hearing.day), col(Hearing.time_of_day).is_(None), col(Hearing.time_of_day), col(Hearing.id))
    )
    closed = list(rows.all())
    for hearing in closed:
        await _cancel(session, hearing, CASE_RESOLVED, actor_id=actor_id, now=now, update_id=update_id)
    return closed


async def upcoming(
    session: AsyncSession, today: date, *, days: int = UPCOMING_DAYS, limit: int = 60
) -> tuple[list[tuple[Hearing, Case]], int]:
    """Hearings not cancelled from today through `days` ahead, soonest first (a hearing without a time
    after those of its day with one), with their case."""
    where = (
        (col(Hearing.day) >= today)
        & (col(Hearing.day) <= today + timedelta(days=days))
        & col(Hearing.cancelled_at).is_(None)
    )
    total = (await session.exec(select(func.count()).select_from(Hearing).where(where))).one()
    rows = await session.exec(
        select(Hearing, Case)
        .join(Case, col(Case.id) == col(Hearing.case_id))
        .where(where)
        .order_by(col(Hearing.day), col(Hearing.time_of_day).is_(None), col(Hearing.time_of_day), col(Hearing.id))
        .limit(limit)
    )
    return [(h, c) for h, c in rows.all()], int(total)


async def next_of_cases(session: AsyncSession, case_ids: Sequence[int], today: date) -> dict[int, Hearing]:
    """The next hearing (not cancelled, today or later) of each of the cases that has one."""
    if not case_ids:
        return {}
    rows = await session.exec(
        select(Hearing)
        .where(col(Hearing.case_id).in_(list(case_ids)), col(Hearing.cancelled_at).is_(None), col(Hearing.day) >= today)
        .order_by(col(Hearing.day), col(Hearing.time_of_day).is_(None), col(Hearing.time_of_day), col(Hearing.id))
    )
    out: dict[int, Hearing] = {}
    for hearing in rows.all():
        out.setdefault(hearing.case_id, hearing)
    return out
