"""/target: the indicators' targets, shown to every member, set by an admin or the kasubbag responsible."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update

from handlers import replies
from handlers.common import answer_error, now, refusal, send, today, write
from handlers.services import BotContext
from models import members, targets
from models.errors import InputError
from models.permissions import Action, allowed
from models.tables import Member


async def target(update: Update, context: BotContext, member: Member) -> None:
    """/target [tahun] | /target <iku> [tw<n>] <persen> [tahun]"""
    try:
        request = targets.parse_command(list(context.args or []), today(context))
    except InputError as exc:
        await answer_error(update, exc)
        return
    if isinstance(request, targets.Show):
        async with context.services.db.session() as session:
            year_targets = await targets.of_year(session, request.year)
        await send(update, replies.targets_table(year_targets))
        return
    if not allowed(member, Action.set_target, request.indicator.subsection):
        await send(update, refusal(member.user_id, member) + "\n" + replies.target_refused(request))
        return
    change = request

    async def work(session: AsyncSession) -> str:
        _, earlier = await targets.set_target(
            session, change, member=member, now=now(context), update_id=update.update_id
        )
        return replies.target_saved(change, earlier)

    await write(update, context, work)


async def history(update: Update, context: BotContext, args: list[str]) -> None:
    """/riwayat target [tahun]: who set which target when, newest first."""
    svc = context.services
    day = today(context)
    try:
        if len(args) > 1:
            raise InputError("Sebutkan tahunnya saja.", targets.EXAMPLE_HISTORY)
        year = targets.parse_year(args[0], day, targets.EXAMPLE_HISTORY) if args else day.year
    except InputError as exc:
        await answer_error(update, exc)
        return
    async with svc.db.session() as session:
        entries, total = await targets.history(session, year)
        names = await members.names(session, [e.actor_id for e in entries])
    lines = [replies.audit_line(e, names, svc.tz) for e in entries]
    await send(update, replies.listing(f"Riwayat target {year}", lines, total, "Belum ada riwayat."))
