"""What handlers need from the application, kept in bot_data: the database, the clock, a few settings,
and the scheduler's digest jobs behind a protocol, so that handlers never import `bot/`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from telegram.ext import Application, CallbackContext, ExtBot

from models.clock import Clock
from models.db import Database
from models.reminders import Rules
from models.report import ReportSettings
from models.tables import Member
from models.targets import Bands

KEY = "services"


class DigestJobs(Protocol):
    """The scheduler's side of /langganan and /berhenti (implemented in bot/scheduler.py)."""

    async def sync(self, chat_id: int) -> None: ...

    def unschedule(self, chat_id: int) -> None: ...


class MemberMenus(Protocol):
    """Refreshes a member's command menu after their role changed (implemented in bot/app.py, which
    knows the command catalog; the handlers that change members must not import it: it imports them)."""

    async def refresh(self, user_id: int, member: Member | None) -> None: ...


@dataclass
class Services:
    db: Database
    clock: Clock
    digest_jobs: DigestJobs
    menus: MemberMenus
    digest_stale_days: int
    report: ReportSettings
    reminder_rules: Rules  # REMINDER_TIME and PUBLISH_REMINDER_DAYS, for /pengingat
    bands: Bands  # predikat bands (PREDIKAT_BANDS)
    dashboard_url: str | None  # DASHBOARD_URL without a trailing slash; None: the dashboard is off

    @property
    def tz(self) -> ZoneInfo:
        return self.clock.tz


def of(context: CallbackContext[Any, Any, Any, Any] | Application[Any, Any, Any, Any, Any, Any]) -> Services:
    return context.bot_data[KEY]


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context every handler receives (`ContextTypes(context=BotContext)` in bot/app.py): the
    application's services as a typed attribute, so handlers never look them up by key."""

    @property
    def services(self) -> Services:
        return of(self)
