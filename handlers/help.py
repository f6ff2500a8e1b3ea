"""The introduction /bantuan starts with, and a polite answer to anything the bot does not understand.
(/bantuan itself lives in the command catalog, which it lists.)"""

from __future__ import annotations

from telegram import Update

from handlers.common import send
from handlers.services import BotContext

INTRO = (
    "<b>IKU Bot Bagian Hukum Setda Kota Probolinggo</b>\n"
    "Bot ini mencatat usulan, penetapan, dan publikasi produk hukum serta penanganan perkara, "
    "lalu menghitung capaian tiga Indikator Kinerja Utama (IKU) setiap saat."
)


async def unknown(update: Update, context: BotContext) -> None:
    """Private chats always get an answer; in groups the bot stays quiet unless addressed by a command."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return
    text = message.text or ""
    if chat.type != chat.PRIVATE:
        # In a group, answer only commands addressed to this bot (`/foo@this_bot`); others are not ours.
        first = text.split()[0] if text.split() else ""
        if not first.startswith("/") or f"@{context.bot.username}".lower() not in first.lower():
            return
    if text.startswith("/"):
        text = "Perintah tidak dikenal. Ketik /bantuan untuk melihat perintah yang tersedia."
    else:
        text = "Silakan gunakan perintah, misalnya /iku atau /usul. Ketik /bantuan untuk petunjuk."
    await send(update, text)
