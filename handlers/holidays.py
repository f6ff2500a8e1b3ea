"""/libur: the year's holidays for every member; admins add and remove days off (cuti bersama, local
holidays), in one line or, with `/libur tambah` or `/libur hapus` alone, as a dialogue with buttons. National
holidays come from the `holidays` package and cannot be removed."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from babel.dates import format_date
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update

from handlers import dialog, replies
from handlers.common import answer_error, member_of, refusal, send
from handlers.dialog import Form, SaveContext, Step, StepInput, StepKind
from handlers.services import BotContext
from handlers.telegram_limits import MAX_MESSAGE_CHARS
from models import workdays
from models.dates import parse_date, split_leading_date
from models.errors import InputError
from models.permissions import Action, allowed
from models.tables import Member
from models.validation import human_date, keyword

ADD, REMOVE = "tambah", "hapus"
USAGE = (
    "<code>/libur [tahun]</code> — daftar hari libur\n"
    "<code>/libur tambah &lt;tanggal&gt; &lt;nama&gt;</code> — tambah cuti bersama atau libur lokal (admin)\n"
    "<code>/libur hapus &lt;tanggal&gt;</code> — hapus hari libur tambahan (admin)\n"
    "<code>/libur tambah</code> atau <code>/libur hapus</code> saja — langkah demi langkah dengan tombol (admin)"
)


def day_off_line(day_off: workdays.DayOff) -> str:
    day = format_date(day_off.day, format="EEE, d MMM y", locale="id")
    return f"• {escape(day)} — {escape(day_off.name)} <i>({day_off.source})</i>"


async def _listing(update: Update, context: BotContext, member: Member, args: list[str]) -> None:
    try:
        if len(args) > 1:
            raise InputError("Sebutkan satu tahun saja, atau tambah/hapus.", "/libur 2026")
        year = workdays.parse_year(args[0]) if args else context.services.clock.today().year
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


async def _preface(update: Update, context: BotContext, args: list[str]) -> list[str] | None:
    """The listing answers here (any member); adding and removing go on as the form (alone: the dialogue)."""
    if args and keyword(args[0]) in (ADD, REMOVE):
        return [] if len(args) == 1 else args
    member = await member_of(update, context)
    if not allowed(member, Action.read):
        user = update.effective_user
        await send(update, refusal(user.id if user else 0, member))
        return None
    await _listing(update, context, member, args)
    return None


async def _start(update: Update, context: BotContext, member: Member) -> dict[str, Any]:
    """Which dialogue: the verb is still in the command's arguments (the preface passed none on)."""
    return {"action": keyword((context.args or [ADD])[0])}


def _parse(args: list[str], today: date) -> dict[str, Any]:
    """/libur tambah <tanggal> <nama> or /libur hapus <tanggal>."""
    verb = keyword(args[0])
    example = workdays.EXAMPLE_ADD if verb == ADD else workdays.EXAMPLE_REMOVE
    try:
        day, name_words = split_leading_date(args[1:], today)
    except InputError as exc:  # the date parser's example lists date forms; this one shows the command
        raise InputError(exc.message, example) from None
    if day is None:
        raise InputError("Sebutkan tanggalnya.", example)
    if verb == ADD:
        return {"action": ADD, "day": day.isoformat(), "name": " ".join(name_words)}
    if name_words:
        raise InputError("Cukup tanggalnya saja.", example)
    return {"action": REMOVE, "remove": day.isoformat()}


def _adding(values: dict[str, Any]) -> bool:
    return values.get("action") == ADD


def _removing(values: dict[str, Any]) -> bool:
    return values.get("action") == REMOVE


async def _check_day(inp: StepInput, raw: str) -> str:
    """Kept as ISO text: drafts store a text step's value as it is. A day ahead is the usual case."""
    try:
        day = parse_date(raw, inp.today, ahead=True)
    except InputError as exc:
        raise InputError(exc.message, workdays.EXAMPLE_ADD) from None
    return (await workdays.check_new(inp.session, day)).isoformat()


async def _check_name(inp: StepInput, raw: str) -> str:
    return workdays.clean_name(raw)


def _button_id(day: date) -> int:
    """A pick button carries an integer: the day as YYYYMMDD."""
    return day.year * 10000 + day.month * 100 + day.day


async def _added(inp: StepInput, offset: int, limit: int) -> tuple[list[tuple[str, int]], int]:
    rows, total = await workdays.added_from(inp.session, inp.today.year, offset=offset, limit=limit)
    return [(f"{human_date(row.day)} — {row.name}", _button_id(row.day)) for row in rows], total


async def _check_remove(inp: StepInput, raw: str) -> str:
    """A pressed button (YYYYMMDD) or a typed date."""
    try:
        if len(raw) == 8 and raw.isdigit():
            day = date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        else:
            day = parse_date(raw, inp.today, ahead=True)
    except (ValueError, InputError):
        raise InputError(f"«{raw}» bukan tanggal yang dikenali.", workdays.EXAMPLE_REMOVE) from None
    return (await workdays.removable(inp.session, day)).day.isoformat()


async def _summary(inp: StepInput) -> str:
    values = inp.values
    if _adding(values):
        day = date.fromisoformat(values["day"])
        return f"Tambah hari libur: {human_date(day)} — {escape(values['name'])}"
    row = await workdays.removable(inp.session, date.fromisoformat(values["remove"]))
    return f"Hapus hari libur: {human_date(row.day)} — {escape(row.name)}"


async def _save(session: AsyncSession, values: dict[str, Any], member: Member, ctx: SaveContext) -> str:
    if _adding(values):
        added = await workdays.add(
            session,
            day=date.fromisoformat(values["day"]),
            name=values["name"],
            actor_id=member.user_id,
            now=ctx.now,
            update_id=ctx.update_id,
        )
        return f"✅ Hari libur ditambahkan: {human_date(added.day)} — {escape(added.name)}."
    removed = await workdays.remove(
        session,
        day=date.fromisoformat(values["remove"]),
        actor_id=member.user_id,
        now=ctx.now,
        update_id=ctx.update_id,
    )
    return f"✅ Hari libur dihapus: {human_date(removed.day)} — {escape(removed.name)}."


LIBUR = dialog.register(
    Form(
        name="libur",
        title="Hari libur",
        # Every member reads the holidays (so /libur is in every member's menu); changing them is the admins'.
        action=Action.read,
        available=lambda member: allowed(member, Action.manage_holidays),
        steps=(
            Step(
                "day",
                StepKind.text,
                "Ketik tanggal hari libur (misalnya 24 Desember 2026 atau 24-12-2026):",
                _check_day,
                applies=_adding,
            ),
            Step(
                "name",
                StepKind.text,
                "Ketik nama hari libur (misalnya Cuti bersama Natal):",
                _check_name,
                applies=_adding,
            ),
            Step(
                "remove",
                StepKind.pick,
                "Pilih hari libur tambahan yang dihapus:",
                _check_remove,
                listing_on=_added,
                empty="Belum ada hari libur tambahan tahun ini atau sesudahnya.",
                applies=_removing,
            ),
        ),
        summary=_summary,
        save=_save,
        start_values=_start,
        parse_args=_parse,
        preface=_preface,
    )
)
