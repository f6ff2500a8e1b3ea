"""Flood control: one account can never stall the bot for everyone (checked before any handler runs).

- Any single account sending more than 30 updates within a minute is ignored for the rest of that minute,
  members included; that is logged once.
- Someone who is not a member gets at most one reply per 10 minutes (the refusal with their Telegram id);
  further updates are ignored and counted, and the count is logged when the quiet time ends.
- The bot, added to a group by someone who is neither an admin nor a kasubbag, says so once and leaves
  (handlers/digest.py, `membership`).

Replies in a flooded group never delay other chats: updates of different chats are handled concurrently
(bot/intake.py) and every chat has its own sending bucket (bot/rate_limiter.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import Update

from bot import services
from handlers import updatelog
from models import members
from models.tables import Member

log = logging.getLogger(__name__)

UPDATES_PER_MINUTE = 30
FLOOD_WINDOW = timedelta(minutes=1)
NON_MEMBER_QUIET = timedelta(minutes=10)
_FORGET_ABOVE = 10_000  # entries kept before old ones are dropped


class Unread:
    """The sender's member row was not read yet."""


UNREAD = Unread()


@dataclass
class _Window:
    start: datetime
    count: int = 0


@dataclass
class _Quiet:
    answered_at: datetime
    ignored: int = 0


class Gate:
    def __init__(self, per_minute: int = UPDATES_PER_MINUTE) -> None:
        self.per_minute = per_minute
        self._windows: dict[int, _Window] = {}
        self._quiet: dict[int, _Quiet] = {}

    def flooding(self, user_id: int, now: datetime) -> bool:
        """Counts the update; True once the account is past its updates for this minute."""
        window = self._windows.get(user_id)
        if window is None or now - window.start >= FLOOD_WINDOW:
            if len(self._windows) > _FORGET_ABOVE:
                self._windows = {k: w for k, w in self._windows.items() if now - w.start < FLOOD_WINDOW}
            window = self._windows[user_id] = _Window(now)
        window.count += 1
        if window.count == self.per_minute + 1:
            log.warning(
                "user %s sent more than %d updates within a minute; ignored until %s",
                user_id,
                self.per_minute,
                (window.start + FLOOD_WINDOW).isoformat(timespec="seconds"),
            )
        return window.count > self.per_minute

    def quiet_for(self, user_id: int, now: datetime) -> bool:
        """A non-member answered less than 10 minutes ago: ignore (and count) this update."""
        quiet = self._quiet.get(user_id)
        if quiet is None:
            return False
        if now - quiet.answered_at < NON_MEMBER_QUIET:
            quiet.ignored += 1
            return True
        del self._quiet[user_id]
        if quiet.ignored:
            log.info("non-member %s: %d updates ignored in the 10 minutes after the reply", user_id, quiet.ignored)
        return False

    def answered(self, user_id: int, now: datetime) -> None:
        if len(self._quiet) > _FORGET_ABOVE:
            self._quiet = {k: q for k, q in self._quiet.items() if now - q.answered_at < NON_MEMBER_QUIET}
        self._quiet[user_id] = _Quiet(now)


async def admit(gate: Gate, application, update: Update, member: Member | Unread | None = UNREAD) -> int | None:
    """Whether the update may reach the handlers: None to ignore it, else the id of the non-member to mark
    as answered if a reply goes out (0 for members and updates without a person). `member`: the sender's
    row if the caller read it already."""
    user = update.effective_user
    if user is None or user.is_bot or update.my_chat_member is not None:
        return 0
    svc = services.of(application)
    now = svc.clock.utcnow()
    if gate.flooding(user.id, now):
        updatelog.note(updatelog.IGNORED)
        return None
    if isinstance(member, Unread):
        async with svc.db.session() as session:
            member = await members.get(session, user.id)
    if member is not None:
        return 0
    if gate.quiet_for(user.id, now):
        updatelog.note(updatelog.IGNORED)
        return None
    return user.id
