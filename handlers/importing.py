"""/impor: the template, a spreadsheet sent back (caption /impor, or after /impor), the check of every row,
the preview with Simpan / Batal, and the one transaction that writes it all.

Between the preview and the press the file waits as JSON in the database (models.stored_state, one per
admin, with a token the buttons carry), so a restart in between loses nothing; "Simpan" checks the file
again before it writes, since records may have changed meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from datetime import datetime, timedelta
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from handlers.common import answer_button, answer_error, member_of, refusal, send, send_document, today, write
from handlers.services import BotContext
from handlers.telegram_limits import MAX_MESSAGE_CHARS, join_within_limit, shorten
from models import importing, report, spreadsheets, stored_state
from models.db import as_utc
from models.errors import InputError
from models.permissions import Action, allowed
from models.tables import Member
from models.validation import grouped

STATE = "import"  # stored_state kind; key: the admin's user id
WAITING_FOR = timedelta(hours=1)  # how long after /impor a document without caption counts as the answer
PREFIX = "imp"
TEMPLATE_NAME = "templat-impor.xlsx"
SEND_IT = (
    "Isi templat ini, lalu kirim kembali berkasnya (XLSX, atau CSV satu register per berkas) di sini. "
    "Bot memeriksa setiap baris dan menampilkan pratinjau; tidak ada yang disimpan sebelum Anda menekan Simpan."
)
NOT_AWAITED = "Untuk mengimpor data, kirim berkas XLSX atau CSV dengan keterangan /impor (khusus admin)."
STALE = "Pratinjau ini sudah tidak berlaku. Kirim berkasnya lagi dengan keterangan /impor."
NO_ROWS = "Berkas ini tidak berisi baris data (selain judul kolom dan baris contoh). Isi, lalu kirim lagi."
IN_PRIVATE = "Impor data dilakukan lewat chat pribadi dengan bot: buka chat dengan bot, lalu kirim /impor."


async def _state(context: BotContext, user_id: int) -> dict[str, Any] | None:
    value = await stored_state.get(context.services.db, STATE, str(user_id))
    return value if isinstance(value, dict) else None


async def _set_state(context: BotContext, user_id: int, value: dict[str, Any] | None) -> None:
    await stored_state.put(context.services.db, STATE, str(user_id), value)


async def impor(update: Update, context: BotContext, member: Member) -> None:
    """/impor without a file: the template, and the next document counts as the answer."""
    if update.effective_chat is not None and update.effective_chat.type != ChatType.PRIVATE:
        await send(update, IN_PRIVATE)
        return
    from handlers import workbook  # openpyxl: imported when needed, not at start

    content = await asyncio.to_thread(workbook.template, report.registers())
    await send_document(update, content, TEMPLATE_NAME, SEND_IT)
    await _set_state(context, member.user_id, {"waiting_since": context.services.clock.utcnow().isoformat()})


def _awaited(state: dict[str, Any] | None, now: datetime) -> bool:
    since = (state or {}).get("waiting_since")
    return since is not None and now - as_utc(datetime.fromisoformat(since)) <= WAITING_FOR


ERROR_LINE_CHARS = 300  # one row's message: a long cell quoted back is cut, so twenty rows fit a message


def _errors_text(plan: importing.Plan) -> str:
    """The rows in error, at most MAX_ERRORS_SHOWN, within one message, then how many more there are."""
    shown = [escape(shorten(e.text(), ERROR_LINE_CHARS)) for e in plan.errors[: importing.MAX_ERRORS_SHOWN]]
    hidden = len(plan.errors) - len(shown)
    head = f"⚠️ Berkas belum dapat diimpor: {grouped(len(plan.errors))} baris bermasalah. Tidak ada yang disimpan.\n"
    tail = "\n\nPerbaiki baris tersebut, lalu kirim berkasnya lagi."

    def more(extra: int) -> str:
        return f"… dan {grouped(extra + hidden)} kesalahan lain."

    text = join_within_limit(head, shown, more, MAX_MESSAGE_CHARS - len(tail) - len(more(0)) - 1)
    if hidden > 0 and not text.endswith("lain."):
        text += "\n" + more(0)
    return text + tail


def _preview_text(name: str, plan: importing.Plan) -> str:
    lines = [
        f"Pratinjau impor <b>{escape(name)}</b>:",
        f"• Produk hukum baru: {grouped(plan.count('product'))}",
        f"• Perkara baru: {grouped(plan.count('case'))}",
        f"• Sudah tercatat (dilewati): {grouped(len(plan.skipped))}",
    ]
    return "\n".join(lines) + "\n\nSimpan semuanya?"


def _buttons(token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Simpan", callback_data=f"{PREFIX}|y|{token}"),
                InlineKeyboardButton("Batal", callback_data=f"{PREFIX}|n|{token}"),
            ]
        ]
    )


async def on_document(update: Update, context: BotContext) -> None:
    """A document in a private chat: an import when captioned /impor or sent after /impor."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.document is None:
        return
    member = await member_of(update, context)
    captioned = (message.caption or "").strip().lower().startswith("/impor")
    state = await _state(context, user.id) if member is not None else None
    if not captioned and not _awaited(state, context.services.clock.utcnow()):
        await send(update, NOT_AWAITED if member is not None else refusal(user.id, None))
        return
    if not allowed(member, Action.import_records):
        await send(update, refusal(user.id, member))
        return
    document = message.document
    name = document.file_name or "berkas"
    try:
        spreadsheets.check_size(document.file_size)
        await message.chat.send_action(ChatAction.TYPING)  # reading and checking takes a moment
        file = await document.get_file()
        content = bytes(await file.download_as_bytearray())
        tables = await asyncio.to_thread(spreadsheets.read, content, name)  # parsing is CPU work: off the loop
        async with context.services.db.session() as session:
            plan = await importing.plan(session, tables, today(context))
    except InputError as exc:
        await answer_error(update, exc)
        return
    except TelegramError as exc:
        await send(update, f"⚠️ Berkas tidak dapat diunduh dari Telegram ({escape(str(exc))}). Coba kirim lagi.")
        return
    if plan.errors:
        await send(update, _errors_text(plan))
        await _set_state(context, member.user_id, {"waiting_since": context.services.clock.utcnow().isoformat()})
        return
    if not plan.new and not plan.skipped:
        await send(update, NO_ROWS)
        return
    if not plan.new:
        await send(update, f"Semua {grouped(len(plan.skipped))} baris sudah tercatat; tidak ada yang perlu disimpan.")
        await _set_state(context, member.user_id, None)
        return
    token = secrets.token_hex(4)
    await _set_state(context, member.user_id, {"token": token, "name": name, "tables": [t.to_json() for t in tables]})
    await send(update, _preview_text(name, plan), reply_markup=_buttons(token))


async def in_group(update: Update, context: BotContext) -> None:
    """A document captioned /impor in a group: imports happen in a private chat."""
    await send(update, IN_PRIVATE)


async def on_press(update: Update, context: BotContext) -> None:
    """Simpan or Batal under a preview."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    _, choice, token = (query.data or "||").split("|", 2)
    member = await member_of(update, context)
    if not allowed(member, Action.import_records):
        await answer_button(query)
        await send(update, refusal(user.id, member))
        return
    state = await _state(context, user.id)
    if state is None or state.get("token") != token:
        await answer_button(query, STALE, alert=True)
        return
    await answer_button(query)
    await _set_state(context, user.id, None)
    if query.message is not None:
        with contextlib.suppress(TelegramError):  # the buttons stay; a second press finds no preview and says so
            await query.edit_message_reply_markup(None)
    if choice != "y":
        await send(update, "Impor dibatalkan; tidak ada yang disimpan.")
        return
    tables = [spreadsheets.Table.from_json(t) for t in state.get("tables", [])]
    svc = context.services

    async def work(session) -> str:
        saved = await importing.save(
            session,
            tables,
            actor_id=member.user_id,
            today=svc.clock.today(),
            now=svc.clock.utcnow(),
            update_id=update.update_id,
        )
        return (
            f"✅ Impor disimpan: {grouped(saved.count('product'))} produk hukum dan {grouped(saved.count('case'))} "
            f"perkara baru; {grouped(len(saved.skipped))} baris sudah tercatat dan dilewati."
        )

    await write(update, context, work)


def handlers() -> list[BaseHandler[Update, Any, Any]]:
    """Registered before the dialogues, which would otherwise take the buttons of a preview."""
    return [
        CallbackQueryHandler(on_press, pattern=rf"^{PREFIX}\|"),
        MessageHandler(filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.Document.ALL, on_document),
        MessageHandler(
            filters.UpdateType.MESSAGE
            & filters.ChatType.GROUPS
            & filters.Document.ALL
            & filters.CaptionRegex(r"^/impor"),
            in_group,
        ),
    ]
