"""/libur: the year's holidays for every member; admins add and remove days off (cuti bersama, local
holidays). National holidays come from the `holidays` package and cannot be removed."""

from __future__ import annotations

from html import escape

from babel.dates import format_date
from telegram import Update

from handlers import replies
from handlers.common import answer_error, now, refusal, send, today, write
from handlers.services import BotContext
from handlers.telegram_limits import MAX_MESSAGE_CHARS
from models import workdays
from models.dates import split_leading_date
from models.errors import InputError
from models.permissions import Action, allowed
from models.tables import Member
from models.validation import human_date, keyword

USAGE = (
    "<code>/libur [tahun]</code> — daftar hari libur\n"
    "<code>/libur tambah &lt;tanggal&gt; &lt;nama&gt;</code> — tambah cuti bersama atau libur lokal (admin)\n"
    "<code>/libur hapus &lt;tanggal&gt;</code> — hapus hari libur tambahan (admin)"
)


def day_off_line(day_off: workdays.DayOff) -> str:
    day = format_date(day_off.day, format="EEE, d MMM y", locale="id")
    return f"• {escape(day)} — {escape(day_off.name)} <i>({day_off.source})</i>"


async def libur(update: Update, context: BotContext, member: Member) -> None:
    args = list(context.args or [])
    verb = keyword(args[0]) if args else ""
    if verb in ("tambah", "hapus"):
        if not allowed(member, Action.manage_holidays):
            user = update.effective_user
            await send(update, refusal(user.id if user else member.user_id, member))
            return
        await _change(update, context, member, verb, args[1:])
        return
    try:
        if len(args) > 1:
            raise InputError("Sebutkan satu tahun saja, atau tambah/hapus.", "/libur 2026")
        year = workdays.parse_year(args[0]) if args else today(context).year
    except InputError as exc:
        await answer_error(update, exc)
        return
    async with context.services.db.session() as session:
        calendar = await workdays.load(session)
    days = calendar.of_year(year)
    lines = [day_off_line(d) for d in days]
    text = replies.listing(
        f"Hari libur {year}", lines, len(days), "Tidak ada.", limit=MAX_MESSAGE_CHARS - len(USAGE) - 100
    )
    if allowed(member, Action.manage_holidays):
        text += "\n\n" + USAGE
    await send(update, text)


async def _change(update: Update, context: BotContext, member: Member, verb: str, rest: list[str]) -> None:
    example = workdays.EXAMPLE_ADD if verb == "tambah" else workdays.EXAMPLE_REMOVE
    try:
        try:
            day, name_words = split_leading_date(rest, today(context))
        except InputError as exc:  # the date parser's example lists date forms; this one shows the command
            raise InputError(exc.message, example) from None
        if day is None:
            raise InputError("Sebutkan tanggalnya.", example)
        if verb == "hapus" and name_words:
            raise InputError("Cukup tanggalnya saja.", example)
    except InputError as exc:
        await answer_error(update, exc)
        return

    async def work(session) -> str:
        if verb == "tambah":
            added = await workdays.add(
                session,
                day=day,
                name=" ".join(name_words),
                actor_id=member.user_id,
                now=now(context),
                update_id=update.update_id,
            )
            return f"✅ Hari libur ditambahkan: {human_date(added.day)} — {escape(added.name)}."
        removed = await workdays.remove(
            session, day=day, actor_id=member.user_id, now=now(context), update_id=update.update_id
        )
        return f"✅ Hari libur dihapus: {human_date(removed.day)} — {escape(removed.name)}."

    await write(update, context, work)
