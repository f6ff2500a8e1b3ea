"""/start, /bantuan (/help), and a polite answer to anything the bot does not understand."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import ContextTypes

from handlers import catalog, services
from handlers.common import refusal, send
from models import members

INTRO = (
    "<b>IKU Bot Bagian Hukum Setda Kota Probolinggo</b>\n"
    "Bot ini mencatat usulan, penetapan, dan publikasi produk hukum serta penanganan perkara, "
    "lalu menghitung capaian tiga Indikator Kinerja Utama (IKU) setiap saat."
)


async def bantuan(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None:
        return
    async with services.of(context).db.session() as session:
        member = await members.get(session, user.id)
    if member is None:
        await send(update, INTRO + "\n\n" + refusal(user.id, None))
        return
    lines = [f"<code>{escape(c.usage)}</code> — {escape(c.description)}" for c in catalog.for_member(member)]
    dates = (
        "Tanggal boleh ditulis 2026-03-01, 01-03-2026, 01/03/2026, 1 Maret 2026, atau 1 Mar 2026; "
        "jika tidak ditulis, dipakai tanggal hari ini."
    )
    await send(update, INTRO + "\n\n<b>Perintah yang dapat Anda gunakan</b>\n" + "\n".join(lines) + "\n\n" + dates)


async def unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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


COMMANDS = {"start": bantuan, "bantuan": bantuan, "help": bantuan}
