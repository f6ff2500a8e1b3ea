"""/anggota: admins list, add, change and remove members."""

from __future__ import annotations

from telegram import Update

from handlers import replies
from handlers.common import answer_error, now, send, write
from handlers.services import BotContext
from handlers.telegram_limits import MAX_MESSAGE_CHARS
from models import members
from models.errors import InputError
from models.tables import Member

USAGE = (
    "<b>Kelola anggota</b>\n"
    "<code>/anggota</code> — daftar anggota\n"
    "<code>/anggota tambah &lt;user_id&gt; &lt;peran&gt; [subbag] [nama]</code>\n"
    "<code>/anggota hapus &lt;user_id&gt;</code>\n"
    "Peran: admin, kasubbag, staf, pimpinan. Subbag (untuk kasubbag dan staf): perundangan, dokinfo, bankum."
)


async def anggota(update: Update, context: BotContext, member: Member) -> None:
    args = list(context.args or [])
    if not args:
        async with context.services.db.session() as session:
            everyone = await members.all_members(session)
        lines = [replies.member_line(m) for m in everyone]
        roster = replies.listing(
            "Anggota", lines, len(everyone), "Belum ada anggota.", limit=MAX_MESSAGE_CHARS - len(USAGE) - 2
        )
        await send(update, roster + "\n\n" + USAGE)
        return
    try:
        change = members.parse_change(args)
    except InputError as exc:
        await answer_error(update, exc)
        return
    user_id = change.user_id

    async def work(session) -> str:
        if change.verb == "hapus":
            removed = await members.remove(
                session, actor_id=member.user_id, user_id=user_id, now=now(context), update_id=update.update_id
            )
            return "✅ Anggota dihapus.\n" + replies.member_line(removed)
        added, created = await members.put(
            session,
            actor_id=member.user_id,
            user_id=user_id,
            role=change.role,
            subsection=change.subsection,
            name=change.name,
            now=now(context),
            update_id=update.update_id,
        )
        return ("✅ Anggota ditambahkan.\n" if created else "✅ Data anggota diperbarui.\n") + replies.member_line(
            added
        )

    if not await write(update, context, work):
        return
    async with context.services.db.session() as session:
        changed = await members.get(session, user_id)
    await context.services.menus.refresh(user_id, changed)
