"""/dasbor: the dashboard, as a Mini App button and, in a private chat, a one-time link for a browser."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from babel.dates import format_timedelta
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, WebAppInfo
from telegram.constants import ChatType

from handlers.common import send
from handlers.services import BotContext
from models import web_access
from models.tables import Member

NOT_ENABLED = (
    "Dasbor belum diaktifkan. Admin server dapat mengaktifkannya dengan pengaturan <code>DASHBOARD_URL</code>."
)
PRIVATE_ONLY = "Dasbor dibuka dari chat pribadi dengan bot: kirim /dasbor di sana."
BUTTON = "Buka dasbor"
MENU_BUTTON = "Dasbor"


def web_app_url(url: str | None) -> str | None:
    """The URL Telegram may open as a Mini App: only https (a local http dashboard is for a browser)."""
    return url if url is not None and url.startswith("https://") else None


async def dasbor(update: Update, context: BotContext, member: Member) -> None:
    """/dasbor"""
    url = context.services.dashboard_url
    chat = update.effective_chat
    if url is None:
        await send(update, NOT_ENABLED)
        return
    if chat is None or chat.type != ChatType.PRIVATE:
        await send(update, PRIVATE_ONLY)
        return
    async with context.services.db.session() as session:
        token = await web_access.new_link(session, member.user_id, context.services.clock.now())
    link = f"{url}/masuk#t={token}"
    lines = ["<b>Dasbor IKU Bagian Hukum</b>"]
    app_url = web_app_url(url)
    if app_url is not None:
        lines.append(f"Tekan tombol <b>{BUTTON}</b> untuk membukanya di Telegram (juga dari tombol menu).")
    lines.append(
        f'Untuk peramban: <a href="{escape(link, quote=True)}">tautan masuk sekali pakai</a>. Tautan berlaku '
        f"{_duration(web_access.LINK_VALIDITY)} dan hanya untuk satu kali masuk; sesi di peramban berlaku "
        f"{_duration(web_access.SESSION_VALIDITY)}. Jangan teruskan tautan ini."
    )
    markup = (
        None
        if app_url is None
        else InlineKeyboardMarkup([[InlineKeyboardButton(BUTTON, web_app=WebAppInfo(url=app_url))]])
    )
    await send(update, "\n\n".join(lines), reply_markup=markup)


def _duration(span: timedelta) -> str:
    """`10 menit`, `8 jam`: the validity web_access enforces, so the text cannot drift from it."""
    return format_timedelta(span, locale="id")
