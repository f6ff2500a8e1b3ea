"""Plumbing shared by all handlers: who is asking, may they, and replying exactly once."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from html import escape
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import CallbackQuery, Update
from telegram.error import TelegramError

from handlers import arrival, replies, updatelog
from handlers.services import BotContext
from handlers.telegram_limits import MAX_CAPTION_CHARS, shorten
from models import ledger, members
from models.errors import InputError
from models.permissions import Action, allowed
from models.tables import Member
from models.validation import without_bidi_controls

log = logging.getLogger(__name__)

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
MemberHandler = Callable[[Update, BotContext, Member], Coroutine[Any, Any, None]]


async def send(update: Update, text: str, **kwargs) -> None:
    """Reply in the chat of the update (HTML without link previews: the application's `Defaults`). No
    reply carries bidirectional controls (rows stored before titles were normalised may hold them), so
    none can reorder a line."""
    chat = update.effective_chat
    if chat is None:
        return
    await chat.send_message(without_bidi_controls(text), **kwargs)
    updatelog.note_reply()


async def send_document(update: Update, content: bytes, filename: str, caption: str) -> None:
    """A file in the chat of the update, with an HTML caption (within Telegram's caption limit)."""
    chat = update.effective_chat
    if chat is None:
        return
    await chat.send_document(document=content, filename=filename, caption=shorten(caption, MAX_CAPTION_CHARS))
    updatelog.note_reply()


async def answer_button(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """Stop the button's spinner. Telegram refuses answers to presses older than a few seconds (a stall,
    a redelivery after a crash), yet the press itself still counts: the work goes on whatever happens
    here, and a refusal is only noted."""
    try:
        await query.answer(text, show_alert=alert)
    except TelegramError as exc:
        log.debug("could not answer button press %s: %s", query.id, exc)


def refusal(user_id: int, member: Member | None) -> str:
    """The answer to someone who may not do what they asked (the update's log line says `refused`)."""
    updatelog.note(updatelog.REFUSED)
    if member is None:
        return (
            "Maaf, Anda belum terdaftar sebagai anggota bot ini.\n"
            f"User id Telegram Anda: <code>{user_id}</code>\n"
            "Berikan user id tersebut kepada admin Bagian Hukum agar Anda didaftarkan."
        )
    return f"Maaf, perintah ini tidak tersedia untuk peran Anda ({escape(replies.role_label(member))})."


async def member_of(update: Update, context: BotContext) -> Member | None:
    """The sender's member row: the one the intake read for this update, else read now."""
    user = update.effective_user
    if user is None:
        return None
    known, member = arrival.known_member(update.update_id, user.id)
    if known:
        return member
    async with context.services.db.read() as session:
        return await members.get(session, user.id)


def requires(action: Action) -> Callable[[MemberHandler], Handler]:
    """Let the handler run only for members whose role permits `action`; everyone else is told why.
    The handler receives the member as a third argument."""

    def decorate(handler: MemberHandler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(update: Update, context: BotContext) -> None:
            user = update.effective_user
            if user is None:
                return
            member = await member_of(update, context)
            if not allowed(member, action):
                await send(update, refusal(user.id, member))
                return
            await handler(update, context, member)

        return wrapper

    return decorate


async def apply(
    update: Update,
    context: BotContext,
    work: Callable[[Any], Awaitable[str]],
    *,
    plain: bool = False,
) -> None:
    """Apply a write once per Telegram update and send its reply once; bad input raises InputError.

    A redelivered update (same update_id) is not applied again; its reply is re-sent only if it had not
    been delivered the first time. `plain`: `work` takes a plain transaction, not a session
    (models/ledger.py `apply_once`).
    """
    svc = context.services
    seen = arrival.of_update(update.update_id)
    # The intake read this update's marker moments ago and found none: no second read before the write
    # (a concurrent writer of the same update still fails on the marker's key, and the ledger looks again).
    unseen = seen is not None and seen.marker is None and not seen.stored
    outcome = await ledger.apply_once(svc.db, update.update_id, svc.clock.utcnow(), work, unseen=unseen, plain=plain)
    if seen is not None:
        seen.stored = True
    updatelog.note(updatelog.DUPLICATE if outcome.duplicate else updatelog.APPLIED)
    if outcome.duplicate and outcome.replied:
        log.info("update %s was applied before; not applied again", update.update_id)
        return
    await send(update, outcome.reply)
    await _delivered(context, update, seen)


async def _delivered(context: BotContext, update: Update, seen: arrival.Arrival | None) -> None:
    """The write's reply reached the chat: its marker says so. Within the intake that is written once the
    update is handled (bot/intake.py); elsewhere (tests, the console) at once."""
    if seen is not None:
        seen.reply_delivered = True
    else:
        await ledger.mark_replied(context.services.db, update.update_id)


async def already_applied(update: Update, context: BotContext) -> bool:
    """True when this update's write was applied before (Telegram delivered it again).

    Its reply is sent now if it never arrived the first time; otherwise nothing is sent.
    """
    svc = context.services
    known = arrival.of_update(update.update_id)
    seen = known.marker if known is not None else await ledger.lookup(svc.db, update.update_id)
    if seen is None:
        return False
    if known is not None:
        known.stored = True
    updatelog.note(updatelog.DUPLICATE)
    if not seen.replied:
        await send(update, seen.reply)
        await _delivered(context, update, known)
    return True


async def write(
    update: Update,
    context: BotContext,
    work: Callable[[AsyncSession], Awaitable[str]],
) -> bool:
    """`apply`, answering bad input with the explanation and an example; nothing is written then.
    Returns whether the write stands."""
    try:
        await apply(update, context, work)
    except InputError as exc:
        await answer_error(update, exc)
        return False
    return True


async def answer_error(update: Update, exc: InputError) -> None:
    """The answer to bad input; the update's log line says `invalid`."""
    updatelog.note(updatelog.INVALID)
    await send(update, replies.error(exc))


def today(context: BotContext):
    return context.services.clock.today()


def now(context: BotContext):
    return context.services.clock.utcnow()
