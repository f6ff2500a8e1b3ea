"""/anggota: admins list, add, change and remove members."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import menus, replies, services
from bot.telegram_limits import MAX_MESSAGE_CHARS
from handlers.common import answer_error, now, requires, send, write
from models import members
from models.errors import InputError
from models.permissions import Action
from models.tables import Member

USAGE = (
    "<b>Kelola anggota</b>\n"
    "<code>/anggota</code> — daftar anggota\n"
    "<code>/anggota tambah &lt;user_id&gt; &lt;peran&gt; [subbag] [nama]</code>\n"
    "<code>/anggota hapus &lt;user_id&gt;</code>\n"
    "Peran: admin, kasubbag, staf, pimpinan. Subbag (untuk kasubbag dan staf): perundangan, dokinfo, bankum."
)


def _user_id(text: str, example: str) -> int:
    if not text.lstrip("-").isdigit():
        raise InputError(f"User id Telegram harus berupa angka (Anda menulis «{text}»).", example)
    return int(text)


@requires(Action.manage_members)
async def anggota(update: Update, context: ContextTypes.DEFAULT_TYPE, member: Member) -> None:
    args = list(context.args or [])
    if not args:
        async with services.of(context).db.session() as session:
            everyone = await members.all_members(session)
        lines = [replies.member_line(m) for m in everyone]
        roster = replies.listing("Anggota", lines, len(everyone), "Belum ada anggota.",
                                 limit=MAX_MESSAGE_CHARS - len(USAGE) - 2)
        await send(update, roster + "\n\n" + USAGE)
        return
    verb = args[0].lower()
    try:
        if verb == "tambah":
            if len(args) < 3:
                raise InputError("Sebutkan user id dan peran anggota.", members.EXAMPLE_ADD)
            user_id = _user_id(args[1], members.EXAMPLE_ADD)
            role = args[2]
            rest = args[3:]
            subsection = rest.pop(0) if rest and rest[0].lower() in members.SUBSECTIONS else None
            name = " ".join(rest)

            async def work(session) -> str:
                added, created = await members.put(
                    session, actor_id=member.user_id, user_id=user_id, role=role, subsection=subsection,
                    name=name, now=now(context), update_id=update.update_id,
                )
                return ("✅ Anggota ditambahkan.\n" if created else "✅ Data anggota diperbarui.\n") + \
                    replies.member_line(added)

        elif verb == "hapus":
            if len(args) != 2:
                raise InputError("Sebutkan satu user id yang akan dihapus.", "/anggota hapus 123456789")
            user_id = _user_id(args[1], "/anggota hapus 123456789")

            async def work(session) -> str:
                removed = await members.remove(session, actor_id=member.user_id, user_id=user_id,
                                               now=now(context), update_id=update.update_id)
                return "✅ Anggota dihapus.\n" + replies.member_line(removed)

        else:
            raise InputError(f"Perintah «{args[0]}» tidak dikenal; gunakan tambah atau hapus.", members.EXAMPLE_ADD)
    except InputError as exc:
        await answer_error(update, exc)
        return
    if not await write(update, context, work):
        return
    async with services.of(context).db.session() as session:
        changed = await members.get(session, user_id)
    await menus.set_member_menu(context.bot, user_id, changed)


COMMANDS = {"anggota": anggota}
