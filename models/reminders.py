"""Private reminders: which are due, for whom, and the ledger that sends each one once.

At the reminder time (REMINDER_TIME, local) bankum members are reminded of a hearing on the working day
before it ("Besok …") and on its day ("Hari ini …"); dokinfo members once per enacted Perda or Perwali
that has stayed unpublished for PUBLISH_REMINDER_DAYS days. Each reminder is a key (kind, subject, user,
day) claimed in `reminder_delivery` before it is sent, like a digest slot (models/claims.py), so restarts
and second processes never double it. A reminder missed while the bot was down is still due later on,
as long as it is useful: a hearing's only before the hearing, and nothing before the day's reminder
time (no message at three in the morning).

Delivery row statuses:
  claimed      one process owns it and is sending (a process that died here may have sent it: never again)
  sent         delivered
  retry        Telegram answered with an error that proves nothing arrived; tried again while still due
  failed       given up (refused, uncertain, or too many attempts)
  unreachable  the member never opened a private chat with the bot, or blocked it (403)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import audit, claims
from models.db import Database
from models.errors import InputError
from models.tables import Case, Hearing, Kind, Member, Product, ReminderDelivery, Role, Subsection
from models.workdays import Calendar

HEARING_EVE, HEARING_DAY, UNPUBLISHED = "hearing_eve", "hearing_day", "unpublished"
CLAIMED, SENT, RETRY, FAILED, UNREACHABLE = claims.CLAIMED, "sent", "retry", "failed", "unreachable"
MAX_ATTEMPTS = 5
# Hearings this far ahead are looked at: the working day before a hearing is never further back than a
# long holiday season.
LOOKAHEAD = timedelta(days=21)
# An unpublished product whose reminder day is older than this (the reminders started after it had long
# been waiting) is not reminded about: /daftar terbit and the weekly digest already list it.
UNPUBLISHED_WINDOW = timedelta(days=30)
PUBLISHED_KINDS = (Kind.perda, Kind.perwali)
EXAMPLE = "/pengingat mati"
STAFF = (Role.kasubbag, Role.staf)


@dataclass(frozen=True)
class Rules:
    hour: int
    minute: int
    publish_days: int
    tz: ZoneInfo

    def moment(self, day: date) -> datetime:
        """The reminder time on `day`, local."""
        return datetime(day.year, day.month, day.day, self.hour, self.minute, tzinfo=self.tz)


@dataclass
class Due:
    """One reminder to send: its key, what it is about, and an earlier attempt to retry, if any."""

    kind: str
    subject_id: int
    user_id: int
    day: date
    hearing: Hearing | None = None
    case: Case | None = None
    product: Product | None = None
    earlier: ReminderDelivery | None = None

    @property
    def key(self) -> tuple[str, int, int, date]:
        return (self.kind, self.subject_id, self.user_id, self.day)


def hearing_time(hearing: Hearing) -> time | None:
    if not hearing.time_of_day:
        return None
    hour, _, minute = hearing.time_of_day.partition(":")
    return time(int(hour), int(minute))


def kinds_for(member: Member) -> list[str]:
    """What a member is reminded of: bankum staff of hearings, dokinfo staff of unpublished products."""
    if member.role not in STAFF:
        return []
    if member.subsection == Subsection.bankum:
        return [HEARING_EVE, HEARING_DAY]
    if member.subsection == Subsection.dokinfo:
        return [UNPUBLISHED]
    return []


def hearing_reminder(hearing: Hearing, today: date, calendar: Calendar, now: datetime) -> tuple[str, date] | None:
    """The hearing reminder due at `now` (local, after the day's reminder time), as (kind, day)."""
    if hearing.day > today:
        eve = calendar.previous_working_day(hearing.day)
        return (HEARING_EVE, eve) if eve <= today else None
    if hearing.day == today:
        at = hearing_time(hearing)
        return (HEARING_DAY, today) if at is None or now.time() < at else None
    return None


def unpublished_day(product: Product, calendar: Calendar, publish_days: int) -> date | None:
    """The working day on which dokinfo is reminded that `product` is still unpublished."""
    if product.enacted_on is None or product.published_on is not None or product.kind not in PUBLISHED_KINDS:
        return None
    first = product.enacted_on + timedelta(days=publish_days)
    return first if calendar.is_working_day(first) else calendar.next_working_day(first)


async def recipients(session: AsyncSession, subsection: Subsection) -> list[Member]:
    query = select(Member).where(
        col(Member.role).in_(STAFF),
        Member.subsection == subsection,
        col(Member.reminders).is_(True),
        col(Member.unreachable_at).is_(None),
    )
    return list((await session.exec(query.order_by(col(Member.user_id)))).all())


async def upcoming_hearings(session: AsyncSession, start: date, end: date) -> list[tuple[Hearing, Case]]:
    """Hearings not cancelled, of open cases, from `start` to `end`, soonest first."""
    query = (
        select(Hearing, Case)
        .join(Case, col(Case.id) == col(Hearing.case_id))
        .where(
            col(Hearing.day).between(start, end),
            col(Hearing.cancelled_at).is_(None),
            col(Case.resolved_on).is_(None),
        )
        .order_by(col(Hearing.day), col(Hearing.time_of_day), col(Hearing.id))
    )
    return [(h, c) for h, c in (await session.exec(query)).all()]


async def waiting_products(session: AsyncSession, enacted_before: date) -> list[Product]:
    query = select(Product).where(
        col(Product.kind).in_(PUBLISHED_KINDS),
        col(Product.enacted_on).is_not(None),
        col(Product.enacted_on) <= enacted_before,
        col(Product.published_on).is_(None),
    )
    return list((await session.exec(query.order_by(col(Product.enacted_on), col(Product.id)))).all())


async def due(session: AsyncSession, now: datetime, calendar: Calendar, rules: Rules) -> list[Due]:
    """Every reminder owed at `now` that has no delivery row yet, or whose earlier attempt may be retried."""
    local = now.astimezone(rules.tz)
    today = local.date()
    if local < rules.moment(today):
        return []
    out: list[Due] = []
    bankum = await recipients(session, Subsection.bankum)
    if bankum:
        for hearing, case in await upcoming_hearings(session, today, today + LOOKAHEAD):
            reminder = hearing_reminder(hearing, today, calendar, local)
            if reminder is None or hearing.id is None:
                continue
            kind, day = reminder
            out += [Due(kind, hearing.id, m.user_id, day, hearing=hearing, case=case) for m in bankum]
    dokinfo = await recipients(session, Subsection.dokinfo)
    if dokinfo:
        for product in await waiting_products(session, today - timedelta(days=rules.publish_days)):
            when = unpublished_day(product, calendar, rules.publish_days)
            if when is None or product.id is None or not today - UNPUBLISHED_WINDOW <= when <= today:
                continue
            out += [Due(UNPUBLISHED, product.id, m.user_id, when, product=product) for m in dokinfo]
    return await _without_settled(session, out)


async def _without_settled(session: AsyncSession, candidates: list[Due]) -> list[Due]:
    """Drop reminders that already have a row (an unpublished product: on any day, it is reminded once),
    keeping those to retry."""
    if not candidates:
        return []
    subjects = {c.subject_id for c in candidates}
    rows = await session.exec(select(ReminderDelivery).where(col(ReminderDelivery.subject_id).in_(subjects)))
    exact: dict[tuple[str, int, int, date], ReminderDelivery] = {}
    ever: dict[tuple[str, int, int], ReminderDelivery] = {}
    for row in rows.all():
        exact[(row.kind, row.subject_id, row.user_id, row.day)] = row
        ever[(row.kind, row.subject_id, row.user_id)] = row
    out = []
    for item in candidates:
        found = exact.get(item.key)
        if found is None and item.kind == UNPUBLISHED:
            found = ever.get(item.key[:3])
        if found is None:
            out.append(item)
        elif found.status == RETRY and found.attempts < MAX_ATTEMPTS and found.day == item.day:
            item.earlier = found
            out.append(item)
    return out


# --- the delivery ledger ----------------------------------------------------------------------------


async def claim(db: Database, item: Due, *, by: str, now: datetime) -> ReminderDelivery | None:
    """Own the reminder before sending it; None if another worker (or an earlier run) has it."""
    if item.earlier is not None:
        row = item.earlier
        return row if await claims.reclaim(db, ReminderDelivery, row, expect=RETRY, by=by, now=now) else None
    row = ReminderDelivery(
        kind=item.kind,
        subject_id=item.subject_id,
        user_id=item.user_id,
        day=item.day,
        status=CLAIMED,
        claimed_by=by,
        claimed_at=now,
        attempts=1,
    )
    return row if await claims.insert_first(db, row) else None


async def settle(
    db: Database, row: ReminderDelivery, *, by: str, status: str, now: datetime, error: str | None = None
) -> bool:
    if status == RETRY and row.attempts >= MAX_ATTEMPTS:
        status = FAILED
    values: dict[str, Any] = {"status": status, "error": error[:1000] if error else None}
    if status == SENT:
        values["sent_at"] = now
    return await claims.settle(db, ReminderDelivery, row, by=by, **values)


async def mark_unreachable(db: Database, user_id: int, now: datetime) -> bool:
    """The member cannot be written to privately; True the first time (so it is logged once)."""
    async with db.session() as session:
        result = await session.exec(
            update(Member)
            .where(col(Member.user_id) == user_id, col(Member.unreachable_at).is_(None))
            .values(unreachable_at=now)
        )
    return result.rowcount == 1


async def reachable_again(session: AsyncSession, member: Member) -> None:
    """The member wrote to the bot privately: private messages reach them again."""
    await session.exec(update(Member).where(col(Member.user_id) == member.user_id).values(unreachable_at=None))
    member.unreachable_at = None


# --- the member's own switch ---------------------------------------------------------------------------


def parse_switch(args: list[str]) -> bool | None:
    """`/pengingat` (None: show), `/pengingat nyala` (True) or `/pengingat mati` (False)."""
    if not args:
        return None
    word = args[0].strip().lower()
    if len(args) == 1 and word in ("nyala", "on", "aktif"):
        return True
    if len(args) == 1 and word in ("mati", "off", "nonaktif"):
        return False
    raise InputError(
        f"«{' '.join(args)}» tidak dikenal; tulis /pengingat, /pengingat nyala, atau /pengingat mati.", EXAMPLE
    )


async def switch(
    session: AsyncSession, *, user_id: int, on: bool, now: datetime, update_id: int | None = None
) -> tuple[Member, bool]:
    """Turn the member's own reminders on or off; returns (member, it changed). Audited."""
    member = await session.get(Member, user_id)
    if member is None:
        raise InputError("Anda belum terdaftar sebagai anggota.", EXAMPLE)
    if member.reminders == on:
        return member, False
    before = audit.snapshot(member)
    member.reminders, member.updated_at = on, now
    await session.flush()
    await audit.record_change(
        session, member, "member.reminders", at=now, actor_id=user_id, before=before, update_id=update_id
    )
    return member, True


@dataclass
class Overview:
    """What /pengingat shows a member: their reminders from today on."""

    kinds: list[str]
    hearings: list[tuple[Hearing, Case, date, date]] = field(default_factory=list)  # hearing, case, eve, day
    products: list[tuple[Product, date, bool]] = field(default_factory=list)  # product, reminder day, sent


async def overview(session: AsyncSession, member: Member, now: datetime, calendar: Calendar, rules: Rules) -> Overview:
    today = now.astimezone(rules.tz).date()
    kinds = kinds_for(member)
    out = Overview(kinds)
    if HEARING_EVE in kinds:
        for hearing, case in await upcoming_hearings(session, today, today + LOOKAHEAD):
            out.hearings.append((hearing, case, calendar.previous_working_day(hearing.day), hearing.day))
    if UNPUBLISHED in kinds:
        reminded = set(
            (
                await session.exec(
                    select(ReminderDelivery.subject_id).where(
                        ReminderDelivery.kind == UNPUBLISHED,
                        ReminderDelivery.user_id == member.user_id,
                        col(ReminderDelivery.status) == SENT,
                    )
                )
            ).all()
        )
        for product in await waiting_products(session, today):
            day = unpublished_day(product, calendar, rules.publish_days)
            if day is not None and day >= today - UNPUBLISHED_WINDOW:
                out.products.append((product, day, product.id in reminded))
    return out


# Delivery rows older than this are forgotten: by then no reminder can be owed for them again (a hearing's
# are before the hearing, an unpublished product's within UNPUBLISHED_WINDOW of its day).
KEEP = timedelta(days=90)


async def prune(db: Database, today: date) -> int:
    """Forget delivery rows of days long past, so the table stays small however long the bot runs."""
    assert KEEP > UNPUBLISHED_WINDOW + LOOKAHEAD
    async with db.session() as session:
        result = await session.exec(delete(ReminderDelivery).where(col(ReminderDelivery.day) < today - KEEP))
    return int(result.rowcount or 0)
