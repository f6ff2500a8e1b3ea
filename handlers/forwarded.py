"""Forwarded messages and messages sent via another bot are never executed.

A forwarded "/anggota tambah 999 admin" carries someone else's words; run as the forwarder, it would act
with the forwarder's rights on a command they only wanted to show or ask about. The same holds for text
an inline bot composed. Such a message is stopped before any command or dialogue sees it.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, filters

from handlers import updatelog
from handlers.common import send
from handlers.services import BotContext

NOT_RUN = (
    "Pesan yang diteruskan atau dikirim melalui bot lain tidak dijalankan sebagai perintah. "
    "Jika Anda ingin menjalankannya, ketik sendiri perintahnya."
)
# Runs before the dialogue (group 0) and every command.
GROUP = -1


async def refuse(update: Update, context: BotContext) -> None:
    """In a group, forwarded chatter is not addressed to the bot: only a forwarded command is answered."""
    message = update.effective_message
    chat = update.effective_chat
    if message is not None and chat is not None:
        text = message.text or message.caption or ""
        if chat.type == chat.PRIVATE or text.startswith("/"):
            updatelog.note(updatelog.REFUSED)
            await send(update, NOT_RUN)
    raise ApplicationHandlerStop


def handler() -> BaseHandler:
    return MessageHandler(filters.UpdateType.MESSAGE & (filters.FORWARDED | filters.VIA_BOT), refuse)
