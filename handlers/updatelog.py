"""One log line per handled update: its command, outcome and duration.

Operators see what the bot did without reading personal data: the line holds Telegram ids, the command
word and the outcome, never names, titles or the text typed. Handlers say how an update ended with
`note()`; the line is written when the update is done (see `bot.intake.IkuApplication`).
"""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

from telegram import Update

log = logging.getLogger("bot.updates")

# Outcomes handlers note; an update nobody noted anything for was answered by a read-only handler ("ok").
APPLIED = "applied"  # a write was stored
DUPLICATE = "duplicate"  # a redelivered update whose write had been stored before
INVALID = "invalid"  # bad input, explained to the user, nothing written
REFUSED = "refused"  # the caller may not do this
ERROR = "error"  # an unexpected failure (logged separately with its traceback)
IGNORED = "ignored"  # flood control dropped it (bot/gate.py): no handler ran, nothing was sent


@dataclass
class _Record:
    update: Update
    started: float
    outcomes: list[str] = field(default_factory=list)
    replies: int = 0


_current: ContextVar[_Record | None] = ContextVar("iku_update", default=None)


def note(outcome: str) -> None:
    """Record how the update being handled ended; several notes are kept in order (`applied+error`)."""
    record = _current.get()
    if record is not None and outcome not in record.outcomes:
        record.outcomes.append(outcome)


def note_reply() -> None:
    """A message went to the update's chat (counted for flood control)."""
    record = _current.get()
    if record is not None:
        record.replies += 1


def replies() -> int:
    record = _current.get()
    return 0 if record is None else record.replies


def command(update: Update) -> str:
    """`/usul`, `button`, `text`, or the update's kind: never the arguments, which hold personal data."""
    message = update.message
    if message is not None:
        text = message.text or message.caption or ""
        if text.startswith("/"):
            return text.split(maxsplit=1)[0].split("@", 1)[0].lower()[:32]
        return "text" if message.text is not None else "message"
    if update.callback_query is not None:
        return "button"
    for kind in ("edited_message", "my_chat_member", "chat_member", "channel_post", "inline_query"):
        if getattr(update, kind, None) is not None:
            return kind
    return "update"


def begin(update: Update) -> object:
    return _current.set(_Record(update, time.perf_counter()))


def end(token: object) -> None:
    record = _current.get()
    _current.reset(token)  # type: ignore[arg-type]
    if record is None:
        return
    update = record.update
    user = update.effective_user.id if update.effective_user else "-"
    chat = update.effective_chat.id if update.effective_chat else "-"
    outcome = "+".join(record.outcomes) or "ok"
    millis = (time.perf_counter() - record.started) * 1000
    log.info(
        "update %s %s user=%s chat=%s outcome=%s duration=%.0fms",
        update.update_id,
        command(update),
        user,
        chat,
        outcome,
        millis,
    )
