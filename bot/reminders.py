"""Sending private reminders (models/reminders.py says which are due): each is claimed in the database
before it is sent, so of two processes, or two passes, exactly one sends it.

A 403 means the member never opened a private chat with the bot (or blocked it): the member is marked
unreachable, which is logged once, and skipped until they write to the bot privately again
(handlers/arrival.py). An error that proves nothing arrived is retried by a later pass while the
reminder is still due; one that leaves it uncertain is never retried (a doubled reminder would be
worse than a lost one, which is logged).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from telegram.error import TelegramError
from telegram.ext import Application

from bot import rate_limiter, services
from bot.delivery import classify, instance_id
from handlers import reminders as texts
from models import reminders, workdays
from models.reminders import FAILED, RETRY, SENT, UNREACHABLE, Due

log = logging.getLogger(__name__)


@dataclass
class Report:
    sent: list[tuple[str, int, int]] = field(default_factory=list)  # (kind, subject, user)
    retrying: list[tuple[str, int, int]] = field(default_factory=list)
    failed: list[tuple[str, int, int]] = field(default_factory=list)
    unreachable: list[int] = field(default_factory=list)
    busy: int = 0  # claimed by another worker

    def __str__(self) -> str:
        return (
            f"{len(self.sent)} sent, {len(self.retrying)} to retry, {len(self.failed)} failed, "
            f"{len(self.unreachable)} member(s) unreachable, {self.busy} taken by another worker"
        )


async def deliver(application: Application, now: datetime) -> Report:
    """Send every reminder owed at `now`."""
    svc = services.of(application)
    me = instance_id(application)
    report = Report()
    async with svc.db.session() as session:
        calendar = await workdays.load(session)
        owed = await reminders.due(session, now, calendar, svc.reminder_rules)
    if not owed:
        return report
    skip: set[int] = set()  # members found unreachable during this pass
    with rate_limiter.broadcasting():  # member replies go first (bot/rate_limiter.py)
        for item in owed:
            if item.user_id in skip:
                continue
            await _one(application, item, me, report, skip)
    log.info("reminder pass at %s: %s", now.isoformat(), report)
    return report


async def _one(application: Application, item: Due, me: str, report: Report, skip: set[int]) -> None:
    svc = services.of(application)
    db, tz = svc.db, svc.settings.tz
    row = await reminders.claim(db, item, by=me, now=svc.clock.utcnow())
    if row is None:
        report.busy += 1
        return
    what = (item.kind, item.subject_id, item.user_id)
    try:
        await application.bot.send_message(item.user_id, texts.reminder(item, svc.clock.now().astimezone(tz).date()))
    except TelegramError as exc:
        outcome = classify(exc)
        error = f"{type(exc).__name__}: {exc}"
        if outcome == "removed":
            skip.add(item.user_id)
            await reminders.settle(db, row, by=me, status=UNREACHABLE, now=svc.clock.utcnow(), error=error)
            if await reminders.mark_unreachable(db, item.user_id, svc.clock.utcnow()):
                log.warning(
                    "member %s cannot be sent private reminders (%s); skipped until they write to the bot",
                    item.user_id,
                    exc,
                )
            report.unreachable.append(item.user_id)
        elif outcome == "retry":
            await reminders.settle(db, row, by=me, status=RETRY, now=svc.clock.utcnow(), error=error)
            log.warning("reminder %s not sent (%s); retried later", what, error)
            report.retrying.append(what)
        else:
            reason = error + ("; it may have arrived, so it is not sent again" if outcome == "uncertain" else "")
            await reminders.settle(db, row, by=me, status=FAILED, now=svc.clock.utcnow(), error=reason)
            log.error("reminder %s not delivered: %s", what, reason)
            report.failed.append(what)
        return
    except Exception as exc:  # a bug: never retried blindly, always reported
        log.exception("reminder %s failed unexpectedly", what)
        await reminders.settle(db, row, by=me, status=FAILED, now=svc.clock.utcnow(), error=f"internal error: {exc!r}")
        report.failed.append(what)
        return
    await reminders.settle(db, row, by=me, status=SENT, now=svc.clock.utcnow())
    report.sent.append(what)
