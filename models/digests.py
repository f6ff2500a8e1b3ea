"""Weekly digest: group subscriptions, their slots, the delivery ledger, and what a digest reports.

A subscription is a weekday and a wall-clock time in the configured zone. A *slot* is one concrete
moment of that schedule, kept in UTC. Every slot a group is owed gets at most one `digest_delivery` row,
and the unique key (chat_id, slot) is what makes a digest go out once, however many processes try.

Delivery row statuses:
  claimed  one process owns the slot and is sending; the first part without a message id in
           `figures["sent"]` is in flight.
  sent     every part arrived.
  retry    an attempt failed in a way that proves nothing was delivered; retried within the grace window.
  failed   given up: grace window over, the bot was removed, Telegram refused, or an attempt was
           interrupted mid-send (it may have arrived, so it is never repeated).
  skipped  the slot was found more than the grace window late (the bot was down); never sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import func, literal, union_all, update
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import audit, claims, paging, registry, validation, workdays
from models.db import Database, as_utc
from models.errors import InputError
from models.tables import Case, DigestDelivery, Product, Subscription

DAY_NAMES = validation.WEEKDAYS
EXAMPLE_SUBSCRIBE = "/langganan senin 08:00"
CLAIMED, SENT, RETRY, FAILED, SKIPPED = "claimed", "sent", "retry", "failed", "skipped"
PARTS = ("text", "chart")
MAX_TITLE = 255


# --- schedules and slots ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    weekday: int  # 0 = Monday (senin)
    hour: int
    minute: int

    @classmethod
    def of(cls, sub: Subscription) -> Schedule:
        return cls(sub.weekday, sub.hour, sub.minute)

    @property
    def day_name(self) -> str:
        return DAY_NAMES[self.weekday]

    @property
    def clock(self) -> str:
        """`08.00`: Indonesian writes times with a dot."""
        return f"{self.hour:02d}.{self.minute:02d}"


DEFAULT_SCHEDULE = Schedule(0, 8, 0)


def parse_schedule(args: list[str]) -> Schedule:
    """`[hari] [HH:MM]`, either part optional (defaults: senin, 08:00); `08.00` is accepted too."""
    weekday: int | None = None
    time: tuple[int, int] | None = None
    for arg in args:
        token = validation.keyword(arg).replace("'", "")
        if token in DAY_NAMES:
            if weekday is not None:
                raise InputError("Hari disebut dua kali.", EXAMPLE_SUBSCRIBE)
            weekday = DAY_NAMES.index(token)
        elif ":" in token or "." in token:  # meant as a time, whatever its digits
            if time is not None:
                raise InputError("Jam disebut dua kali.", EXAMPLE_SUBSCRIBE)
            time = _parse_time(arg)
        else:
            raise InputError(
                f"«{arg}» bukan nama hari ({', '.join(DAY_NAMES)}) atau jam seperti 08:00.", EXAMPLE_SUBSCRIBE
            )
    hour, minute = time or (DEFAULT_SCHEDULE.hour, DEFAULT_SCHEDULE.minute)
    return Schedule(DEFAULT_SCHEDULE.weekday if weekday is None else weekday, hour, minute)


def _parse_time(raw: str) -> tuple[int, int]:
    parts = raw.strip().replace(".", ":").split(":")
    numbers = [validation.number(p) if 1 <= len(p) <= 2 else None for p in parts]
    if len(numbers) != 2 or None in numbers:
        raise InputError(f"Jam «{raw}» tidak dikenali; tulis seperti 08:00.", EXAMPLE_SUBSCRIBE)
    hour, minute = numbers
    if hour is None or minute is None or hour > 23 or minute > 59:
        raise InputError(f"Jam «{raw}» tidak ada; jam 00:00 sampai 23:59.", EXAMPLE_SUBSCRIBE)
    return hour, minute


def slot_on(day: date, schedule: Schedule, tz: ZoneInfo) -> datetime:
    """The UTC moment of the schedule's wall-clock time on `day`.

    A time skipped by a daylight-saving jump lands the same distance after the jump (02:30 → 03:30), a
    time that occurs twice is its first occurrence: one slot per week whatever the zone does, and the
    same moment APScheduler's CronTrigger fires first.
    """
    local = datetime(day.year, day.month, day.day, schedule.hour, schedule.minute, tzinfo=tz)
    return local.astimezone(UTC)


def last_slot(schedule: Schedule, now: datetime, tz: ZoneInfo) -> datetime:
    """The latest slot at or before `now`."""
    local = now.astimezone(tz)
    day = local.date() - timedelta(days=(local.weekday() - schedule.weekday) % 7)
    slot = slot_on(day, schedule, tz)
    return slot if slot <= now else slot_on(day - timedelta(days=7), schedule, tz)


def next_slot(schedule: Schedule, now: datetime, tz: ZoneInfo) -> datetime:
    """The earliest slot after `now`."""
    local = now.astimezone(tz)
    day = local.date() + timedelta(days=(schedule.weekday - local.weekday()) % 7)
    slot = slot_on(day, schedule, tz)
    return slot if slot > now else slot_on(day + timedelta(days=7), schedule, tz)


def owed_slot(
    sub: Subscription, now: datetime, tz: ZoneInfo, calendar: workdays.Calendar | None = None
) -> datetime | None:
    """The slot this group is owed at `now`, if any: the latest one, provided the schedule was already
    in force then (`updated_at` is when the schedule was last set), so subscribing on Tuesday for Monday
    does not produce a digest for yesterday. With a calendar, a slot on a holiday is owed only from its
    moved moment (`send_moment`)."""
    slot = last_slot(Schedule.of(sub), now, tz)
    if slot <= as_utc(sub.updated_at):
        return None
    if calendar is not None and send_moment(slot, tz, calendar)[0] > now:
        return None
    return slot


def next_send(
    sub: Subscription, now: datetime, tz: ZoneInfo, calendar: workdays.Calendar
) -> tuple[datetime, workdays.DayOff | None]:
    """The next moment a digest goes out to this group, and the holiday that moved it there, if any: a
    slot that already passed but was moved past `now` by a holiday comes first."""
    schedule = Schedule.of(sub)
    latest = last_slot(schedule, now, tz)
    moved = send_moment(latest, tz, calendar)
    if moved[0] > now and latest > as_utc(sub.updated_at):
        return moved
    return send_moment(next_slot(schedule, now, tz), tz, calendar)


def send_moment(slot: datetime, tz: ZoneInfo, calendar: workdays.Calendar) -> tuple[datetime, workdays.DayOff | None]:
    """When a slot goes out, and the holiday that moved it: a slot on a weekday that is a holiday is sent
    at the same time on the next working day. The slot itself (the claimed key) stays the scheduled moment, so a
    holiday added or removed after a digest went out cannot make the same week's digest owed again."""
    local = slot.astimezone(tz)
    # A group that chose Saturday or Sunday chose a day off on purpose: a holiday then changes nothing.
    day_off = calendar.holiday(local.date()) if local.weekday() < 5 else None
    if day_off is None:
        return slot, None
    day = calendar.next_working_day(local.date())
    return slot_on(day, Schedule(day.weekday(), local.hour, local.minute), tz), day_off


# --- subscriptions ----------------------------------------------------------------------------------


async def get(session: AsyncSession, chat_id: int) -> Subscription | None:
    return await session.get(Subscription, chat_id)


async def active(session: AsyncSession) -> list[Subscription]:
    query = select(Subscription).where(col(Subscription.active).is_(True)).order_by(col(Subscription.chat_id))
    return list((await session.exec(query)).all())


async def subscribe(
    session: AsyncSession,
    *,
    chat_id: int,
    title: str,
    schedule: Schedule,
    actor_id: int,
    now: datetime,
    update_id: int | None = None,
) -> tuple[Subscription, bool]:
    """Start or change a group's schedule; returns (subscription, it was new or inactive)."""
    sub = await session.get(Subscription, chat_id)
    before = audit.snapshot(sub)
    started = sub is None or not sub.active
    if sub is None:
        sub = Subscription(
            chat_id=chat_id,
            title=validation.prose(title)[:MAX_TITLE],
            weekday=schedule.weekday,
            hour=schedule.hour,
            minute=schedule.minute,
            active=True,
            created_by=actor_id,
            created_at=now,
            updated_at=now,
        )
        session.add(sub)
    else:
        # `updated_at` says since when the schedule is in force (see owed_slot): repeating /langganan
        # with the same schedule must not cancel a slot that is owed but not yet sent.
        if started or Schedule.of(sub) != schedule:
            sub.updated_at = now
        sub.title = validation.prose(title)[:MAX_TITLE] or sub.title
        sub.weekday, sub.hour, sub.minute, sub.active = schedule.weekday, schedule.hour, schedule.minute, True
    await session.flush()
    await audit.record_change(
        session, sub, "subscription.put", at=now, actor_id=actor_id, before=before, update_id=update_id
    )
    return sub, started


async def unsubscribe(
    session: AsyncSession, *, chat_id: int, actor_id: int, now: datetime, update_id: int | None = None
) -> Subscription:
    """/berhenti: the group asked to stop."""
    sub = await deactivate(
        session, chat_id=chat_id, actor_id=actor_id, now=now, reason="subscription.stop", update_id=update_id
    )
    if sub is None:
        raise InputError("Grup ini tidak berlangganan ringkasan mingguan.", EXAMPLE_SUBSCRIBE)
    return sub


async def deactivate(
    session: AsyncSession,
    *,
    chat_id: int,
    actor_id: int,
    now: datetime,
    reason: str,
    update_id: int | None = None,
) -> Subscription | None:
    """Stop deliveries to a group (asked to stop, bot removed, 403); None if it was not active."""
    sub = await session.get(Subscription, chat_id)
    if sub is None or not sub.active:
        return None
    before = audit.snapshot(sub)
    sub.active, sub.updated_at = False, now
    await session.flush()
    await audit.record_change(session, sub, reason, at=now, actor_id=actor_id, before=before, update_id=update_id)
    return sub


async def migrate(session: AsyncSession, *, old: int, new: int, actor_id: int, now: datetime) -> bool:
    """A group became a supergroup with a new id: its subscription and delivery history follow it.

    The schedule's `updated_at` is kept, so a slot owed before the upgrade is still owed after it.
    Idempotent: Telegram reports the upgrade in both chats. False if there was nothing to move.
    """
    sub = await session.get(Subscription, old)
    if sub is None:
        return False
    before = audit.snapshot(sub)
    if await session.get(Subscription, new) is None:
        moved = Subscription(**{**sub.model_dump(), "chat_id": new})
        session.add(moved)
    await session.delete(sub)
    taken = select(DigestDelivery.slot).where(DigestDelivery.chat_id == new)
    await session.exec(
        update(DigestDelivery)
        .where(col(DigestDelivery.chat_id) == old, col(DigestDelivery.slot).not_in(taken))
        .values(chat_id=new)
    )
    await session.flush()
    after = audit.snapshot(await session.get(Subscription, new))
    await audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="subscription.migrate",
        entity="subscription",
        entity_id=new,
        before=before,
        after=after,
    )
    return True


# --- delivery ledger ----------------------------------------------------------------------------------


def figures_record(year: int, values: dict[str, list[int]], sent: dict[str, int] | None = None) -> dict[str, Any]:
    """What a delivery row keeps: the figures the text showed (next week's baseline) and the message id
    of each part that arrived."""
    return {"year": year, "values": values, "sent": dict(sent or {})}


async def open_and_owed(
    db: Database, owed: dict[int, datetime]
) -> tuple[dict[tuple[int, datetime], DigestDelivery], list[DigestDelivery]]:
    """Rows for the owed (chat, slot) pairs, and every row still open (claimed or retry)."""
    async with db.session() as session:
        rows: dict[tuple[int, datetime], DigestDelivery] = {}
        if owed:
            query = select(DigestDelivery).where(col(DigestDelivery.slot) >= min(owed.values()))
            for row in (await session.exec(query)).all():
                slot = as_utc(row.slot)
                if owed.get(row.chat_id) == slot:
                    rows[(row.chat_id, slot)] = row
        pending = list(
            (
                await session.exec(
                    select(DigestDelivery)
                    .where(col(DigestDelivery.status).in_([CLAIMED, RETRY]))
                    .order_by(col(DigestDelivery.id))
                )
            ).all()
        )
    for row in pending:
        row.slot = as_utc(row.slot)
        row.claimed_at = as_utc(row.claimed_at)
    return rows, pending


async def claim(
    db: Database, *, chat_id: int, slot: datetime, by: str, now: datetime, record: dict[str, Any]
) -> DigestDelivery | None:
    """Own a slot before sending anything; None if another worker (or an earlier run) has it."""
    row = DigestDelivery(
        chat_id=chat_id,
        slot=slot.astimezone(UTC),
        status=CLAIMED,
        claimed_by=by,
        claimed_at=now,
        attempts=1,
        figures=record,
    )
    return row if await _first_row_of_slot(db, row) else None


async def _first_row_of_slot(db: Database, row: DigestDelivery) -> bool:
    """Insert the slot's row; False when the slot already has one (unique chat and slot)."""
    return await claims.insert_first(db, row)


async def reclaim(db: Database, row: DigestDelivery, *, by: str, now: datetime) -> bool:
    """Take a `retry` row for another attempt; False if another worker took it first."""
    return await claims.reclaim(db, DigestDelivery, row, expect=RETRY, by=by, now=now)


async def settle(db: Database, row: DigestDelivery, *, by: str | None, expect: str = CLAIMED, **values: Any) -> bool:
    """Move a row on from `expect` (and, if `by`, only while this worker still owns it)."""
    return await claims.settle(db, DigestDelivery, row, by=by, expect=expect, **values)


async def record_skipped(db: Database, *, chat_id: int, slot: datetime, by: str, now: datetime, reason: str) -> bool:
    """Mark a slot as never to be sent; False if the slot already had a row."""
    row = DigestDelivery(
        chat_id=chat_id,
        slot=slot.astimezone(UTC),
        status=SKIPPED,
        claimed_by=by,
        claimed_at=now,
        attempts=0,
        error=reason,
    )
    return await _first_row_of_slot(db, row)


@dataclass(frozen=True)
class Baseline:
    """The figures of a group's last delivered digest: what "change since last week" compares with."""

    slot: datetime
    year: int
    values: dict[str, list[int]]


async def baselines(session: AsyncSession, chat_ids: list[int]) -> dict[int, Baseline]:
    """Each group's latest sent digest (one aggregate query, whatever the number of groups)."""
    if not chat_ids:
        return {}
    latest = (
        select(col(DigestDelivery.chat_id), func.max(DigestDelivery.slot).label("slot"))
        .where(col(DigestDelivery.status) == SENT, col(DigestDelivery.chat_id).in_(chat_ids))
        .group_by(col(DigestDelivery.chat_id))
        .subquery()
    )
    rows = await session.exec(
        select(DigestDelivery).join(
            latest, (col(DigestDelivery.chat_id) == latest.c.chat_id) & (col(DigestDelivery.slot) == latest.c.slot)
        )
    )
    out = {}
    for row in rows.all():
        record = row.figures or {}
        if "values" in record:
            out[row.chat_id] = Baseline(as_utc(row.slot), int(record.get("year", 0)), record["values"])
    return out


# --- what the digest reports ---------------------------------------------------------------------------


@dataclass
class Activity:
    """What happened (by event date) in a window of days: counts, and the most recent items of each."""

    start: date
    end: date
    counts: dict[str, int] = field(default_factory=dict)
    recent: dict[str, list[Product | Case]] = field(default_factory=dict)


def _event_columns() -> dict[str, tuple[type[SQLModel], Any]]:
    """Each dated event of every record type: name -> (table, date column), from the record specs."""
    return {
        f.event: (spec.table, col(getattr(spec.table, f.name)))
        for spec in registry.RECORDS.values()
        for f in spec.dates
        if f.event is not None
    }


async def activity(session: AsyncSession, start: date, end: date, *, recent: int) -> Activity:
    """Counts in one UNION ALL of indexed range counts; then the few most recent rows of each kind."""
    columns = _event_columns()
    counts: Any = union_all(  # session.exec takes a UNION at run time; its stubs know only SELECT
        *(
            select(literal(name).label("event"), func.count().label("n")).where(column.between(start, end))
            for name, (_, column) in columns.items()
        )
    )
    result = Activity(start, end)
    for name, count in (await session.exec(counts)).all():
        result.counts[name] = int(count)
    for name, (table, column) in columns.items():
        if not result.counts.get(name):
            result.recent[name] = []
            continue
        key = col(table.id)  # type: ignore[attr-defined]  # every record table has an integer id
        rows = await session.exec(
            select(table).where(column.between(start, end)).order_by(column.desc(), key.desc()).limit(recent)
        )
        # select(table) over a union of two tables is typed as plain SQLModel rows.
        result.recent[name] = cast("list[Product | Case]", list(rows.all()))
    return result


async def stale_unpublished(session: AsyncSession, *, enacted_before: date, limit: int) -> tuple[list[Product], int]:
    """Enacted before the given day and still not published, the longest waiting first."""
    where = (col(Product.enacted_on) < enacted_before) & col(Product.published_on).is_(None)
    return await paging.page(session, Product, where, col(Product.enacted_on), col(Product.id), limit=limit)
