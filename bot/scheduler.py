"""When digests go out: one APScheduler cron job per subscription, plus a sweep.

The jobs are alarm clocks only. Each starts a delivery pass (`bot.delivery.deliver`), and the pass
decides from the database what is owed. So a job that fires twice (a repeated hour when daylight saving
ends), late, or in two processes at once sends nothing twice, and the jobs can be rebuilt from the
`subscription` rows at every start: they live in APScheduler's memory store under deterministic ids
(`digest:<chat_id>`), nothing is pickled.

The sweep runs shortly after start and then every few minutes: it sends slots missed while the bot was
down (within the grace window), retries failed sends, and settles slots that can no longer be sent.

Private reminders (bot/reminders.py) ride on the same machinery: a daily job at REMINDER_TIME and the
sweep (which, run at start, sends those missed while the bot was down) start a reminder pass, and the
`reminder_delivery` rows decide what is still owed. A weekly digest whose day is a holiday is owed from
the same time on the next working day: a one-off job wakes the pass then (`digest-moved:<chat_id>`).

One more job keeps the redelivery ledger (models/ledger.py) small while the bot runs for months.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.triggers.cron import CronTrigger
from telegram.ext import Application, ContextTypes

from bot import delivery, reminders, services
from bot.delivery import Report
from models import digests, ledger
from models import reminders as reminder_ledger
from models.tables import Subscription

log = logging.getLogger(__name__)

LEDGER_ID = "ledger:prune"
LEDGER_EVERY = timedelta(hours=1)
SWEEP_ID = "digest:sweep"
SWEEP_EVERY = timedelta(minutes=5)
SWEEP_FIRST = timedelta(seconds=5)  # after start, once polling runs: the catch-up
CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PASSES = "digest.passes"
_REMINDER_PASSES = "reminder.passes"
REMINDERS_ID = "reminders:daily"


def job_id(chat_id: int) -> str:
    return f"digest:{chat_id}"


def delivers(application: Application) -> bool:
    """The terminal console answers one person through an in-process Bot API; it must not deliver (and
    so claim) the groups' digests. Its request object says so."""
    return getattr(application.bot.request, "delivers_digests", True)


async def start(application: Application) -> None:
    """(Re)create the jobs from the active subscriptions; called at every start (post_init)."""
    if application.job_queue is None or not delivers(application):
        log.info("weekly digests are not scheduled in this process")
        return
    async with services.of(application).db.session() as session:
        subs = await digests.active(session)
    for sub in subs:
        schedule(application, sub)
    _remove(application, SWEEP_ID)
    application.job_queue.run_repeating(
        _on_sweep,
        interval=SWEEP_EVERY,
        first=SWEEP_FIRST,
        name=SWEEP_ID,
        job_kwargs={
            "id": SWEEP_ID,
            "replace_existing": True,
            "coalesce": True,
            "misfire_grace_time": int(SWEEP_EVERY.total_seconds()),
        },
    )
    log.info("weekly digests: %d group(s) scheduled", len(subs))
    schedule_reminders(application)


def schedule_reminders(application: Application) -> None:
    """The daily reminder job at REMINDER_TIME in TIMEZONE (the sweep catches up on missed ones)."""
    if application.job_queue is None or not delivers(application):
        return
    settings = services.of(application).settings
    hour, minute = settings.reminder_hour_minute
    application.job_queue.run_custom(
        _on_reminders,
        name=REMINDERS_ID,
        job_kwargs={
            "trigger": CronTrigger(hour=hour, minute=minute, timezone=settings.tz),
            "id": REMINDERS_ID,
            "replace_existing": True,
            "misfire_grace_time": 3600,
            "coalesce": True,
            "max_instances": 1,
        },
    )


def prune_ledger_regularly(application: Application) -> None:
    """Every process that handles updates writes markers, the console included; pruning only at start
    would let the table grow for as long as the bot runs."""
    if application.job_queue is None:
        return
    application.job_queue.run_repeating(
        _on_prune_ledger,
        interval=LEDGER_EVERY,
        first=LEDGER_EVERY,
        name=LEDGER_ID,
        job_kwargs={"id": LEDGER_ID, "replace_existing": True, "coalesce": True},
    )


async def _on_prune_ledger(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services.of(context.application)
    try:
        await ledger.prune(svc.db, svc.clock.utcnow())
    except Exception:  # the next run tries again; a stale marker only costs a row
        log.exception("pruning the update ledger failed")
    try:
        await reminder_ledger.prune(svc.db, svc.clock.today())
    except Exception:  # likewise
        log.exception("pruning the reminder deliveries failed")


def trigger(sub: Subscription, application: Application) -> CronTrigger:
    tz = services.of(application).settings.tz
    return CronTrigger(day_of_week=CRON_DAYS[sub.weekday], hour=sub.hour, minute=sub.minute, timezone=tz)


def schedule(application: Application, sub: Subscription) -> None:
    """One cron job per group. APScheduler's default misfire grace is one second; a job that could not
    fire on time (event loop busy, machine suspended) still fires within the digest's grace window."""
    if application.job_queue is None or not delivers(application):
        return
    _remove(application, job_id(sub.chat_id))  # also drops a not-yet-started duplicate
    grace = services.of(application).settings.digest_grace_hours * 3600
    application.job_queue.run_custom(
        _on_slot,
        name=job_id(sub.chat_id),
        data=sub.chat_id,
        job_kwargs={
            "trigger": trigger(sub, application),
            "id": job_id(sub.chat_id),
            "replace_existing": True,
            "misfire_grace_time": grace,
            "coalesce": True,
            "max_instances": 1,
        },
    )


@dataclass
class DigestJobs:
    """What /langganan and /berhenti ask of the scheduler (handlers.services.DigestJobs)."""

    application: Application

    async def sync(self, chat_id: int) -> None:
        await sync_chat(self.application, chat_id)

    def unschedule(self, chat_id: int) -> None:
        unschedule(self.application, chat_id)


def unschedule(application: Application, chat_id: int) -> None:
    _remove(application, job_id(chat_id))


def _remove(application: Application, ident: str) -> None:
    if application.job_queue is None:
        return
    with contextlib.suppress(JobLookupError):
        application.job_queue.scheduler.remove_job(ident)


async def sync_chat(application: Application, chat_id: int) -> None:
    """Make the group's job match its subscription row."""
    async with services.of(application).db.session() as session:
        sub = await digests.get(session, chat_id)
    if sub is not None and sub.active:
        schedule(application, sub)
    else:
        unschedule(application, chat_id)


async def deliver_due(application: Application, now: datetime | None = None) -> Report:
    """One delivery pass at `now` (default: the clock), then the jobs follow what it changed."""
    now = now or services.of(application).clock.utcnow()
    report = await delivery.deliver(application, now)
    for chat_id in report.deactivated:
        unschedule(application, chat_id)
    for old, new in report.migrated.items():
        unschedule(application, old)
        await sync_chat(application, new)
    for chat_id, moment in report.postponed.items():
        wake_at(application, chat_id, moment)
    return report


def moved_job_id(chat_id: int) -> str:
    return f"digest-moved:{chat_id}"


def wake_at(application: Application, chat_id: int, moment: datetime) -> None:
    """A slot moved by a holiday: no cron job fires at its new moment, so a one-off job does."""
    if application.job_queue is None or not delivers(application):
        return
    grace = services.of(application).settings.digest_grace_hours * 3600
    application.job_queue.run_once(
        _on_slot,
        when=moment,
        name=moved_job_id(chat_id),
        data=chat_id,
        job_kwargs={"id": moved_job_id(chat_id), "replace_existing": True, "misfire_grace_time": grace},
    )


async def deliver_reminders(application: Application, now: datetime | None = None) -> reminders.Report:
    """One reminder pass at `now` (default: the clock)."""
    return await reminders.deliver(application, now or services.of(application).clock.utcnow())


class _Passes:
    """Many groups share a slot, so many jobs fire in the same second: they share one pass (one set of
    queries, one chart), plus at most one more for kicks that came during it."""

    def __init__(
        self, run: Callable[[Application], Awaitable[object]] | None = None, what: str = "weekly digest"
    ) -> None:
        self._lock = asyncio.Lock()
        self._again = False
        self._run = run or deliver_due
        self._what = what

    async def kick(self, application: Application) -> None:
        self._again = True
        if self._lock.locked():
            return
        async with self._lock:
            while self._again:
                self._again = False
                try:
                    await self._run(application)
                except Exception:  # the next job or sweep tries again; nothing was claimed without a record
                    log.exception("%s pass failed", self._what)


async def kick(application: Application) -> None:
    passes = application.bot_data.setdefault(_PASSES, _Passes())
    await passes.kick(application)


async def _on_slot(context: ContextTypes.DEFAULT_TYPE) -> None:
    await kick(context.application)


async def kick_reminders(application: Application) -> None:
    passes = application.bot_data.setdefault(_REMINDER_PASSES, _Passes(deliver_reminders, "reminder"))
    await passes.kick(application)


async def _on_reminders(context: ContextTypes.DEFAULT_TYPE) -> None:
    await kick_reminders(context.application)


async def _on_sweep(context: ContextTypes.DEFAULT_TYPE) -> None:
    await kick(context.application)
    await kick_reminders(context.application)
