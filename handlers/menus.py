"""The command menu Telegram shows beside the input field, per scope.

Private chats see the full list by default; each member's own chat shows only the commands their role
and subsection allow; group chats show only the group commands.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    MenuButtonDefault,
    MenuButtonWebApp,
    WebAppInfo,
)
from telegram.error import TelegramError

log = logging.getLogger(__name__)


class MenuLine(Protocol):
    """What a menu shows of a command (an entry of handlers/catalog.py)."""

    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def in_groups(self) -> bool: ...


def _commands(entries: Iterable[MenuLine]) -> list[BotCommand]:
    return [BotCommand(c.name, c.description) for c in entries]


async def set_default_menus(bot: Bot, entries: Iterable[MenuLine]) -> None:
    entries = list(entries)
    try:
        await bot.set_my_commands(_commands(entries), scope=BotCommandScopeAllPrivateChats())
        await bot.set_my_commands(_commands(c for c in entries if c.in_groups), scope=BotCommandScopeAllGroupChats())
    except TelegramError as exc:  # the menu is a convenience; the bot works without it
        log.warning("could not set the command menu: %s", exc)


async def set_member_menu(bot: Bot, user_id: int, entries: Iterable[MenuLine] | None) -> None:
    """A member's private chat lists their commands (`entries`); a removed member (None) falls back to
    the default."""
    scope = BotCommandScopeChat(chat_id=user_id)
    try:
        if entries is None:
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands(_commands(entries), scope=scope)
    except TelegramError as exc:  # e.g. the user never opened a chat with the bot
        log.info("could not set the menu of user %s: %s", user_id, exc)


async def set_member_menu_button(bot: Bot, user_id: int, web_app_url: str | None, text: str) -> None:
    """A member's private chat opens the dashboard from the menu button (`web_app_url`); None puts back
    Telegram's default button (a removed member)."""
    button = MenuButtonDefault() if web_app_url is None else MenuButtonWebApp(text, WebAppInfo(url=web_app_url))
    try:
        await bot.set_chat_menu_button(chat_id=user_id, menu_button=button)
    except TelegramError as exc:  # e.g. the user never opened a chat with the bot
        log.info("could not set the menu button of user %s: %s", user_id, exc)
