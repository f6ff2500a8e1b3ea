"""The command catalog is the one list: what the menus show, what /bantuan lists and which commands have a
handler all come from it, so they cannot drift apart."""

import re

from telegram.ext import CommandHandler, ConversationHandler

from handlers import catalog
from tests.conftest import ADMIN
from tests.test_menus_console import menus

CATALOG = {c.name for c in catalog.COMMANDS}


def registered_commands(application) -> set[str]:
    """Every command some handler of the application answers, dialogues' entry points and fallbacks included."""
    names: set[str] = set()
    for handlers in application.handlers.values():
        for handler in handlers:
            inner = (
                [*handler.entry_points, *handler.fallbacks] if isinstance(handler, ConversationHandler) else [handler]
            )
            names |= {name for h in inner if isinstance(h, CommandHandler) for name in h.commands}
    return names


async def test_every_catalog_entry_has_a_handler_and_every_handler_an_entry(harness):
    aliases = {alias for c in catalog.COMMANDS for alias in c.aliases}
    assert registered_commands(harness.app) == CATALOG | aliases


async def test_menus_list_the_catalog(harness):
    scopes = menus(harness)
    assert scopes["all_private_chats"] == CATALOG
    assert scopes["all_group_chats"] == {c.name for c in catalog.COMMANDS if c.in_groups}
    assert scopes[f"chat:{ADMIN}"] == CATALOG  # an admin may use everything


async def test_bantuan_lists_what_the_menu_shows(harness):
    await harness.say("/anggota tambah 2006 staf bankum Siti")
    for user in (ADMIN, 2006):
        reply = await harness.say("/bantuan", user=user)
        listed = set(re.findall(r"^/(\w+)", reply, flags=re.MULTILINE))
        assert listed == menus(harness)[f"chat:{user}"], user


def test_dialogue_commands_take_their_permission_from_their_form():
    for command in catalog.COMMANDS:
        if command.form is not None:
            assert command.permission is None and command.action == command.form.action, command.name
        if command.run is not None:
            assert command.permission is not None, command.name
