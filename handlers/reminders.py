"""/pengingat (a member's own reminders, on or off, with a Matikan/Nyalakan button under the overview) and
the reminder messages themselves."""

from __future__ import annotations

import contextlib
from datetime import date
from html import escape
from typing import Any

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler

from handlers import replies
from handlers.common import answer_button, answer_error, member_of, now, refusal, send, write
from handlers.services import BotContext
from handlers.telegram_limits import shorten
from models import reminders, workdays
from models.errors import InputError
from models.permissions import Action, allowed
from models.products import KIND_SHORT, official_name
from models.reminders import HEARING_EVE, UNPUBLISHED, Due, Overview
from models.tables import Case, Hearing, Kind, Member, Product
from models.validation import human_date

TEXT_CHARS = 300  # a description, title or agenda quoted in a reminder


def day_name(day: date) -> str:
    """`Senin, 7 Desember 2026`."""
    return format_date(day, format="EEEE, d MMMM y", locale="id")


def clock(hearing: Hearing) -> str:
    return f"pukul {hearing.time_of_day.replace(':', '.')}" if hearing.time_of_day else "jam belum dicatat"


def _when(day: date, today: date) -> str:
    if day == today:
        return "Hari ini ada sidang"
    if day == today.fromordinal(today.toordinal() + 1):
        return "Besok ada sidang"
    return "Sidang mendatang"


def hearing_message(hearing: Hearing, case: Case, today: date) -> str:
    lines = [
        f"🔔 <b>{_when(hearing.day, today)}</b>: {escape(day_name(hearing.day))}, {clock(hearing)}",
        f"Perkara #{case.id}: {escape(case.register_number)}",
    ]
    if case.description:
        lines.append(f"Uraian: {escape(shorten(case.description, TEXT_CHARS))}")
    lines.append(f"Pengadilan: {escape(shorten(case.court, TEXT_CHARS)) if case.court else 'belum dicatat'}")
    if hearing.agenda:
        lines.append(f"Agenda: {escape(shorten(hearing.agenda, TEXT_CHARS))}")
    return "\n".join(lines)


def unpublished_message(product: Product, today: date) -> str:
    assert product.enacted_on is not None
    days = (today - product.enacted_on).days
    return (
        "🔔 <b>Produk hukum belum dipublikasikan</b>\n"
        f"<b>#{product.id} {KIND_SHORT[Kind(product.kind)]}</b>: {escape(shorten(product.title, TEXT_CHARS))}\n"
        f"{escape(official_name(product))}, ditetapkan {human_date(product.enacted_on)} ({days} hari lalu).\n"
        f"Setelah dipublikasikan di JDIH, catat dengan <code>/publikasi {product.id} [tanggal] [tautan]</code>."
    )


def reminder(item: Due, today: date) -> str:
    """The private message of one reminder, sent on `today` (local)."""
    if item.product is not None:
        return unpublished_message(item.product, today)
    assert item.hearing is not None and item.case is not None
    return hearing_message(item.hearing, item.case, today)


# --- /pengingat ------------------------------------------------------------------------------------------


def _what(kinds: list[str], publish_days: int) -> str:
    if HEARING_EVE in kinds:
        return "sidang perkara, pada hari kerja sebelum sidang dan pada hari sidang"
    if UNPUBLISHED in kinds:
        return f"Perda dan Perwali yang {publish_days} hari sesudah penetapan belum dipublikasikan (sekali per produk)"
    return ""


def overview(member: Member, view: Overview, rules: reminders.Rules, today: date) -> str:
    state = "nyala" if member.reminders else "mati"
    lines = [f"<b>Pengingat Anda: {state}</b>"]
    what = _what(view.kinds, rules.publish_days)
    if not what:
        lines.append(
            f"Peran Anda ({escape(replies.role_label(member))}) tidak menerima pengingat. Pengingat dikirim kepada "
            "kasubbag dan staf bankum (sidang) serta dokinfo (produk hukum belum dipublikasikan)."
        )
        return "\n".join(lines)
    lines.append(f"Pesan pribadi pukul {rules.hour:02d}.{rules.minute:02d} tentang {escape(what)}.")
    if member.unreachable_at is not None:
        lines.append(
            "⚠️ Pesan pribadi dari bot tidak dapat dikirim kepada Anda. Kirim pesan apa saja kepada bot di "
            "chat pribadi agar pengingat dikirim lagi."
        )
    upcoming: list[str] = []
    for hearing, case, eve, day in view.hearings:
        upcoming.append(
            f"• {escape(day_name(day))}, {clock(hearing)} — perkara #{case.id} {escape(case.register_number)}"
            f" (diingatkan {human_date(eve)} dan {human_date(day)})"
        )
    for product, day, sent in view.products:
        note = "sudah diingatkan" if sent else f"diingatkan {human_date(day)}"
        upcoming.append(
            f"• #{product.id} {KIND_SHORT[Kind(product.kind)]} {escape(shorten(product.title, 80))} ({note})"
        )
    title = "Sidang 3 minggu ke depan" if view.hearings or HEARING_EVE in view.kinds else "Belum dipublikasikan"
    lines.append("")
    lines.append(replies.listing(title, upcoming, len(upcoming), "Tidak ada.", limit=3000))
    lines.append("")
    lines.append("Matikan: /pengingat mati" if member.reminders else "Nyalakan: /pengingat nyala")
    return "\n".join(lines)


# The button under the overview: `pengingat|<nyala|mati>|<user id>`. The user id keeps a button in a
# group from switching the reminders of whoever presses it instead of the one who asked.
PREFIX = "pengingat"
OTHERS_BUTTON = "Tombol ini milik anggota lain; kirim /pengingat untuk pengingat Anda sendiri."


def switch_button(member: Member) -> InlineKeyboardMarkup:
    on = not member.reminders
    label = "Nyalakan" if on else "Matikan"
    data = f"{PREFIX}|{'nyala' if on else 'mati'}|{member.user_id}"
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])


async def pengingat(update: Update, context: BotContext, member: Member) -> None:
    """/pengingat [nyala|mati]: any member, for themselves."""
    svc = context.services
    try:
        on = reminders.parse_switch(list(context.args or []))
    except InputError as exc:
        await answer_error(update, exc)
        return
    if on is None:
        async with svc.db.session() as session:
            calendar = await workdays.load(session)
            view = await reminders.overview(session, member, svc.clock.now(), calendar, svc.reminder_rules)
        text = overview(member, view, svc.reminder_rules, svc.clock.today())
        await send(update, text, reply_markup=switch_button(member))
        return
    await _switch(update, context, member, on)


async def _switch(update: Update, context: BotContext, member: Member, on: bool) -> None:
    async def work(session) -> str:
        changed_member, changed = await reminders.switch(
            session, user_id=member.user_id, on=on, now=now(context), update_id=update.update_id
        )
        state = "dinyalakan" if on else "dimatikan"
        if not changed:
            return f"Pengingat Anda sudah {'nyala' if on else 'mati'}."
        text = f"✅ Pengingat Anda {state}."
        if on and not reminders.kinds_for(changed_member):
            text += " Peran Anda saat ini tidak menerima pengingat."
        return text

    await write(update, context, work)


async def on_press(update: Update, context: BotContext) -> None:
    """Matikan or Nyalakan under an overview: the same switch as `/pengingat mati|nyala`. Pressing an old
    button again only says the reminders are already so; a redelivered press is not applied twice (the
    ledger)."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    _, word, owner = (query.data or "||").split("|", 2)
    if owner != str(user.id):
        await answer_button(query, OTHERS_BUTTON, alert=True)
        return
    member = await member_of(update, context)
    if member is None or not allowed(member, Action.read):
        await answer_button(query)
        await send(update, refusal(user.id, member))
        return
    await answer_button(query)
    if query.message is not None:
        with contextlib.suppress(TelegramError):  # the press counts even if the old buttons stay
            await query.edit_message_reply_markup(None)
    await _switch(update, context, member, word == "nyala")


def handlers() -> list[BaseHandler[Update, Any, Any]]:
    """Registered before the dialogues, which would otherwise take the button as a stale one of theirs."""
    return [CallbackQueryHandler(on_press, pattern=rf"^{PREFIX}\|(nyala|mati)\|")]
