"""/langganan, /berhenti, /jadwal, /ringkasan, and the group events that concern subscriptions: the bot
removed from a group, a group upgraded to a supergroup."""

from __future__ import annotations

import logging

from telegram import Chat, ChatMember, Update
from telegram.ext import ChatMemberHandler, MessageHandler, filters

from handlers import digest_content as content
from handlers.common import answer_error, now, refusal, send, write
from handlers.services import BotContext
from models import digests, members, workdays
from models.errors import InputError
from models.permissions import Action, allowed
from models.tables import Member

log = logging.getLogger(__name__)
GROUPS = (Chat.GROUP, Chat.SUPERGROUP)


def _group_only(update: Update) -> Chat:
    chat = update.effective_chat
    if chat is None or chat.type not in GROUPS:
        raise InputError(
            "Perintah ini digunakan di grup yang akan menerima ringkasan mingguan. "
            "Tambahkan bot ke grup, lalu kirim perintahnya di sana.",
            digests.EXAMPLE_SUBSCRIBE,
        )
    return chat


async def langganan(update: Update, context: BotContext, member: Member) -> None:
    """/langganan [hari] [HH:MM]"""
    try:
        chat = _group_only(update)
        schedule = digests.parse_schedule(list(context.args or []))
    except InputError as exc:
        await answer_error(update, exc)
        return
    svc = context.services

    async def work(session) -> str:
        sub, started = await digests.subscribe(
            session,
            chat_id=chat.id,
            title=chat.title or "",
            schedule=schedule,
            actor_id=member.user_id,
            now=now(context),
            update_id=update.update_id,
        )
        return content.subscribed(sub, started, svc.tz, now(context))

    await write(update, context, work)
    await context.services.digest_jobs.sync(chat.id)


async def berhenti(update: Update, context: BotContext, member: Member) -> None:
    """/berhenti"""
    try:
        chat = _group_only(update)
    except InputError as exc:
        await answer_error(update, exc)
        return

    async def work(session) -> str:
        await digests.unsubscribe(
            session, chat_id=chat.id, actor_id=member.user_id, now=now(context), update_id=update.update_id
        )
        return content.stopped()

    await write(update, context, work)
    await context.services.digest_jobs.sync(chat.id)


async def jadwal(update: Update, context: BotContext, member: Member) -> None:
    """/jadwal: this group's schedule; in a private chat, every group's."""
    svc = context.services
    chat = update.effective_chat
    async with svc.db.session() as session:
        if chat is not None and chat.type in GROUPS:
            calendar = await workdays.load(session)
            text = content.schedule_of_group(await digests.get(session, chat.id), svc.tz, now(context), calendar)
        else:
            text = content.schedules(await digests.active(session), svc.tz, now(context))
    await send(update, text)


async def ringkasan(update: Update, context: BotContext) -> None:
    """/ringkasan: the digest now, for members anywhere and for anyone in a subscribed group."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    svc = context.services
    async with svc.db.session() as session:
        member = await members.get(session, user.id)
        sub = await digests.get(session, chat.id) if chat.type in GROUPS else None
        baseline = (await digests.baselines(session, [chat.id])).get(chat.id)
    if not (allowed(member, Action.read) or (sub is not None and sub.active)):
        await send(update, refusal(user.id, member))
        return
    today = svc.clock.today()
    data = await content.collect(svc.db, today, svc.tz, svc.digest_stale_days, bands=svc.bands)
    await content.send_now(context.bot, chat.id, data, baseline)


NOT_INVITED = (
    "Mohon maaf, bot ini hanya dapat ditambahkan ke grup oleh admin atau kepala subbagian Bagian Hukum "
    "Setda Kota Probolinggo. Bot akan meninggalkan grup ini."
)
_OUTSIDE = (ChatMember.LEFT, ChatMember.BANNED)


async def membership(update: Update, context: BotContext) -> None:
    """The bot added to a group by someone who may not: one polite message, then it leaves. The bot left
    or was removed from a group: its digest stops."""
    change = update.my_chat_member
    if change is None:
        return
    if change.new_chat_member.status not in _OUTSIDE:
        if change.old_chat_member.status in _OUTSIDE and change.chat.type in GROUPS:
            async with context.services.db.session() as session:
                adder = await members.get(session, change.from_user.id)
            if not allowed(adder, Action.subscribe):
                log.info(
                    "added to chat %s by %s, who may not add the bot; leaving", change.chat.id, change.from_user.id
                )
                await context.bot.send_message(change.chat.id, NOT_INVITED)
                await context.bot.leave_chat(change.chat.id)
        return
    async with context.services.db.session() as session:
        stopped = await digests.deactivate(
            session,
            chat_id=change.chat.id,
            actor_id=change.from_user.id,
            now=now(context),
            reason="subscription.removed",
        )
    if stopped is not None:
        log.info("bot removed from chat %s by %s; weekly digest stopped", change.chat.id, change.from_user.id)
    context.services.digest_jobs.unschedule(change.chat.id)


async def migration(update: Update, context: BotContext) -> None:
    """A group became a supergroup: Telegram tells both chats; the subscription follows the new id."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    actor = message.from_user.id if message.from_user else context.bot.id
    async with context.services.db.session() as session:
        moved = await digests.migrate(session, old=old, new=new, actor_id=actor, now=now(context))
    if moved:
        log.info("chat %s became supergroup %s; weekly digest subscription moved", old, new)
        context.services.digest_jobs.unschedule(old)
        await context.services.digest_jobs.sync(new)


HANDLERS = (
    ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER),
    MessageHandler(filters.StatusUpdate.MIGRATE, migration),
)
