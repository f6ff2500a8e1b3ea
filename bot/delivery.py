"""Sending the weekly digest: once per group and slot, whatever restarts or other processes do.

One pass (`deliver`) looks at every active subscription: the slot it is owed now, if any, is claimed
in the database (an INSERT on the unique (chat_id, slot) key) before anything is sent, so of two
processes, or two passes, exactly one sends it. A digest is two messages, text then chart; each part's
message id is written as soon as Telegram confirms it, so a retry sends only what is missing.

What cannot be known is whether a message arrived when the process died, or the connection broke,
while it was in flight. Such a slot is marked failed and logged, never sent again: a lost digest is
reported, a doubled one would not be noticed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from telegram import Bot, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot import rate_limiter, services
from handlers import digest_content as content
from models import digests, workdays
from models.db import as_utc
from models.digests import CLAIMED, FAILED, PARTS, RETRY, SENT
from models.tables import DigestDelivery

log = logging.getLogger(__name__)

FAN_OUT = 16  # groups sent to at once; the rate limiter, not this, sets the pace
LEASE = timedelta(minutes=30)  # a claim older than this, not held by this process, was interrupted
FIRST_RETRY, LAST_RETRY = timedelta(minutes=5), timedelta(hours=1)
_INSTANCE = "digest.instance"
_IN_FLIGHT = "digest.in_flight"
# The request never reached Telegram: safe to send again.
_NEVER_LEFT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError, httpx.WriteTimeout)


@dataclass
class Report:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    busy: list[int] = field(default_factory=list)  # claimed by another worker
    deactivated: list[int] = field(default_factory=list)
    migrated: dict[int, int] = field(default_factory=dict)
    # Groups whose latest slot fell on a holiday and is sent later: when (the scheduler wakes up then).
    postponed: dict[int, datetime] = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            f"{len(self.sent)} sent, {len(self.retrying)} to retry, {len(self.failed)} failed, "
            f"{len(self.skipped)} skipped, {len(self.busy)} taken by another worker"
        )


def instance_id(application: Application) -> str:
    """Who holds a claim: unique per running Application, readable in the table."""
    if _INSTANCE not in application.bot_data:
        host = socket.gethostname()[:32]
        application.bot_data[_INSTANCE] = f"{host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return application.bot_data[_INSTANCE]


def retry_delay(attempts: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LAST_RETRY)


async def deliver(application: Application, now: datetime) -> Report:
    """Send every digest owed at `now`, retry failed ones, and settle slots that can no longer be sent."""
    svc = services.of(application)
    settings, db, tz = svc.settings, svc.db, svc.settings.tz
    grace = timedelta(hours=settings.digest_grace_hours)
    me = instance_id(application)
    in_flight: set[int] = application.bot_data.setdefault(_IN_FLIGHT, set())
    report = Report()

    async with db.session() as session:
        subs = await digests.active(session)
        calendar = await workdays.load(session)
    owed = {sub.chat_id: slot for sub in subs if (slot := digests.owed_slot(sub, now, tz, calendar)) is not None}
    for sub in subs:
        latest = digests.last_slot(digests.Schedule.of(sub), now, tz)
        moment, _ = digests.send_moment(latest, tz, calendar)
        if moment > now and latest > as_utc(sub.updated_at):
            report.postponed[sub.chat_id] = moment
    rows, pending = await digests.open_and_owed(db, owed)

    fresh: list[tuple[int, datetime]] = []
    for chat_id, slot in owed.items():
        if (chat_id, slot) in rows:
            continue
        if now - digests.send_moment(slot, tz, calendar)[0] <= grace:
            fresh.append((chat_id, slot))
        elif await digests.record_skipped(
            db,
            chat_id=chat_id,
            slot=slot,
            by=me,
            now=svc.clock.utcnow(),
            reason=f"{now - digests.send_moment(slot, tz, calendar)[0]} late, beyond the {grace} grace window",
        ):
            log.warning(
                "digest for chat %s, slot %s, skipped: the bot was down until %s (grace %s)",
                chat_id,
                slot.isoformat(),
                now.isoformat(),
                grace,
            )
            report.skipped.append(chat_id)

    retries: list[DigestDelivery] = []
    subscribed = {sub.chat_id for sub in subs}
    for row in pending:
        if row.status == RETRY:
            if now - digests.send_moment(row.slot, tz, calendar)[0] > grace:
                await _give_up(db, row, RETRY, f"grace window over; last error: {row.error}", report)
            elif row.chat_id not in subscribed:
                await _give_up(db, row, RETRY, f"subscription stopped; last error: {row.error}", report)
            elif now >= row.claimed_at + retry_delay(row.attempts):
                retries.append(row)
        elif row.id not in in_flight and now - row.claimed_at > LEASE:
            part = _in_flight_part(row)
            await _give_up(
                db,
                row,
                CLAIMED,
                f"interrupted while sending the {part}; it may have arrived, so it is not sent again",
                report,
            )

    if fresh or retries:
        today = now.astimezone(tz).date()
        data = await content.collect(db, today, tz, settings.digest_stale_days, bands=settings.bands)
        async with db.session() as session:
            baselines = await digests.baselines(session, [c for c, _ in fresh] + [r.chat_id for r in retries])
        fan_out = _FanOut(application, data, baselines, report, me, in_flight)
        fan_out.moved_by = {
            chat_id: day_off
            for chat_id, slot in [*fresh, *((r.chat_id, r.slot) for r in retries)]
            if (day_off := digests.send_moment(slot, tz, calendar)[1]) is not None
        }
        gate = asyncio.Semaphore(FAN_OUT)

        async def one(job: tuple[int, datetime] | DigestDelivery) -> None:
            async with gate:
                try:
                    await fan_out.attempt(job)
                except Exception:  # the database failed even to record the failure: the claim's lease ends it
                    log.exception("digest delivery %s could not be recorded", job)

        jobs: list[tuple[int, datetime] | DigestDelivery] = [*fresh, *retries]
        with rate_limiter.broadcasting():  # member replies go first (bot/rate_limiter.py)
            await asyncio.gather(*(one(job) for job in jobs))
    if fresh or retries or report.skipped or report.failed:
        log.info("digest pass at %s: %s", now.isoformat(), report)
    return report


def _in_flight_part(row: DigestDelivery) -> str:
    sent = (row.figures or {}).get("sent") or {}
    return next((part for part in PARTS if part not in sent), PARTS[-1])


async def _give_up(db, row: DigestDelivery, expect: str, reason: str, report: Report) -> None:
    if await digests.settle(db, row, by=None, expect=expect, status=FAILED, error=reason[:1000]):
        log.error("digest for chat %s, slot %s, not delivered: %s", row.chat_id, row.slot.isoformat(), reason)
        report.failed.append(row.chat_id)


class _Photo:
    """The chart is rendered once per pass and uploaded once; later groups get Telegram's file id."""

    def __init__(self, render: Callable[[], Awaitable[bytes]]) -> None:
        self._render = render
        self._png: bytes | None = None
        self._file_id: str | None = None
        self._lock = asyncio.Lock()

    async def send(self, bot: Bot, chat_id: int, caption: str) -> Message:
        if self._file_id is None:
            async with self._lock:
                if self._file_id is None:
                    if self._png is None:
                        self._png = await self._render()
                    message = await bot.send_photo(chat_id, photo=self._png, caption=caption)
                    if message.photo:
                        self._file_id = message.photo[-1].file_id
                    return message
        return await bot.send_photo(chat_id, photo=self._file_id, caption=caption)


class _FanOut:
    def __init__(
        self,
        application: Application,
        data: content.Digest,
        baselines: dict[int, digests.Baseline],
        report: Report,
        me: str,
        in_flight: set[int],
    ) -> None:
        self.app = application
        self.svc = services.of(application)
        self.data = data
        self.baselines = baselines
        self.report = report
        self.me = me
        self.in_flight = in_flight
        self.photo = _Photo(lambda: content.chart_png(data))
        self.moved_by: dict[int, workdays.DayOff] = {}  # groups whose slot a holiday moved to today

    async def attempt(self, job: tuple[int, datetime] | DigestDelivery) -> None:
        db, now = self.svc.db, self.svc.clock.utcnow()
        if isinstance(job, DigestDelivery):
            row: DigestDelivery | None = job
            if not await digests.reclaim(db, job, by=self.me, now=now):
                self.report.busy.append(job.chat_id)
                return
        else:
            chat_id, slot = job
            row = await digests.claim(db, chat_id=chat_id, slot=slot, by=self.me, now=now, record=self.data.record())
            if row is None:
                self.report.busy.append(chat_id)
                return
        assert row is not None and row.id is not None
        self.in_flight.add(row.id)
        try:
            await self._send_parts(row)
        except Exception as exc:  # a bug or the database: never retried blindly, always reported
            log.exception("digest for chat %s failed unexpectedly", row.chat_id)
            await digests.settle(db, row, by=self.me, status=FAILED, error=f"internal error: {exc!r}"[:1000])
            self.report.failed.append(row.chat_id)
        finally:
            self.in_flight.discard(row.id)

    async def _send_parts(self, row: DigestDelivery) -> None:
        record = dict(row.figures or {})
        sent = dict(record.get("sent") or {})
        if "text" not in sent:  # the figures stored are the ones the text shows
            record = self.data.record(sent)
        text = content.render(self.data, self.baselines.get(row.chat_id), self.moved_by.get(row.chat_id))
        chat_id = row.chat_id
        for part in PARTS:
            if part in sent:
                continue
            try:
                try:
                    message = await self._send(part, chat_id, text)
                except ChatMigrated as exc:
                    chat_id = await self._follow(chat_id, int(exc.new_chat_id))
                    message = await self._send(part, chat_id, text)
            except TelegramError as exc:
                await self._failed(row, chat_id, part, exc)
                return
            sent[part] = message.message_id
            record = {**record, "sent": dict(sent)}
            values: dict[str, Any] = {"figures": record, "claimed_at": self.svc.clock.utcnow()}
            if part == PARTS[-1]:
                values.update(status=SENT, sent_at=self.svc.clock.utcnow(), error=None)
            if not await digests.settle(self.svc.db, row, by=self.me, **values):
                log.warning("digest for chat %s: the claim was taken over while sending", chat_id)
                return
        self.report.sent.append(chat_id)

    async def _send(self, part: str, chat_id: int, text: str) -> Message:
        bot = self.app.bot
        if part == "text":
            return await bot.send_message(chat_id, text)  # HTML, no preview: the application's Defaults
        return await self.photo.send(bot, chat_id, self.data.chart_caption)

    async def _follow(self, old: int, new: int) -> int:
        """The group became a supergroup: move the subscription (and this delivery) to its new id."""
        async with self.svc.db.session() as session:
            await digests.migrate(session, old=old, new=new, actor_id=self.app.bot.id, now=self.svc.clock.utcnow())
        log.info("chat %s became supergroup %s; its digest subscription moved", old, new)
        self.report.migrated[old] = new
        return new

    async def _failed(self, row: DigestDelivery, chat_id: int, part: str, exc: TelegramError) -> None:
        db, now = self.svc.db, self.svc.clock.utcnow()
        error = f"{part}: {type(exc).__name__}: {exc}"[:1000]
        outcome = classify(exc)
        if outcome == "removed":
            async with db.session() as session:
                await digests.deactivate(
                    session, chat_id=chat_id, actor_id=self.app.bot.id, now=now, reason="subscription.removed"
                )
            await digests.settle(db, row, by=self.me, status=FAILED, error=error)
            log.info("digest for chat %s: the bot is no longer in the group (%s); subscription stopped", chat_id, exc)
            self.report.deactivated.append(chat_id)
            self.report.failed.append(chat_id)
        elif outcome == "retry":
            await digests.settle(db, row, by=self.me, status=RETRY, error=error, claimed_at=now)
            log.warning("digest for chat %s not sent (%s); retrying in %s", chat_id, error, retry_delay(row.attempts))
            self.report.retrying.append(chat_id)
        else:
            reason = error + ("; it may have arrived, so it is not sent again" if outcome == "uncertain" else "")
            await digests.settle(db, row, by=self.me, status=FAILED, error=reason[:1000])
            log.error("digest for chat %s not delivered: %s", chat_id, reason)
            self.report.failed.append(chat_id)


def classify(exc: TelegramError) -> str:
    """removed (403), refused (400: retrying cannot help), uncertain (the request may have been
    processed), or retry (Telegram answered with an error, or the request never left)."""
    if isinstance(exc, Forbidden):
        return "removed"
    if isinstance(exc, RetryAfter):
        return "retry"
    if isinstance(exc, BadRequest):
        return "refused"
    if isinstance(exc, NetworkError) and exc.__cause__ is not None and not isinstance(exc.__cause__, _NEVER_LEFT):
        return "uncertain"
    return "retry"
