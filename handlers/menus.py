"""The command menu Telegram shows beside the input field, per scope.

Private chats see the full list by default; each member's own chat shows only the commands their role
and subsection allow; group chats show only the group commands.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from handlers import catalog
from models.tables import Member

log = logging.getLogger(__name__)


def _commands(entries) -> list[BotCommand]:
    return [BotCommand(c.name, c.description) for c in entries if c.name != "help"]


async def set_default_menus(bot: Bot) -> None:
    try:
        await bot.set_my_commands(_commands(catalog.COMMANDS), scope=BotCommandScopeAllPrivateChats())
        await bot.set_my_commands(
            _commands(c for c in catalog.COMMANDS if c.in_groups), scope=BotCommandScopeAllGroupChats()
        )
    except TelegramError as exc:  # the menu is a convenience; the bot works without it
        log.warning("could not set the command menu: %s", exc)


async def set_member_menu(bot: Bot, user_id: int, member: Member | None) -> None:
    """A member's private chat lists their commands; a removed member falls back to the default."""
    scope = BotCommandScopeChat(chat_id=user_id)
    try:
        if member is None:
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands(_commands(catalog.for_member(member)), scope=scope)
    except TelegramError as exc:  # e.g. the user never opened a chat with the bot
        log.info("could not set the menu of user %s: %s", user_id, exc)
