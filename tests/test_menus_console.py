"""Command menus per scope, and the terminal console's buttons."""

import io

from bot.console import Console
from tests.conftest import ADMIN
from tests.helpers import STAF_BANKUM

GROUP_COMMANDS = {"iku", "ringkasan", "langganan", "berhenti", "bantuan"}


def menus(harness):
    out = {}
    for call in harness.api.calls:
        if call.method == "setMyCommands":
            scope = call.params.get("scope", {})
            key = scope.get("type") if scope.get("type") != "chat" else f"chat:{scope['chat_id']}"
            out[key] = {c["command"] for c in call.params["commands"]}
        if call.method == "deleteMyCommands":
            out.pop(f"chat:{call.params['scope']['chat_id']}", None)
    return out


async def test_private_chats_see_everything_groups_only_group_commands(harness):
    scopes = menus(harness)
    assert {"usul", "tetapkan", "publikasi", "perkara", "selesai", "iku", "daftar", "anggota", "ubah"} <= scopes[
        "all_private_chats"
    ]
    assert scopes["all_group_chats"] == GROUP_COMMANDS


async def test_each_member_sees_only_their_commands(harness):
    assert "anggota" in menus(harness)[f"chat:{ADMIN}"]
    await harness.say(f"/anggota tambah {STAF_BANKUM} staf bankum Siti")
    staff = menus(harness)[f"chat:{STAF_BANKUM}"]
    assert {"perkara", "selesai", "iku", "daftar"} <= staff
    assert not {"usul", "tetapkan", "publikasi", "anggota"} & staff
    await harness.say(f"/anggota tambah {STAF_BANKUM} pimpinan Siti")
    assert not {"perkara", "selesai", "ubah", "urungkan"} & menus(harness)[f"chat:{STAF_BANKUM}"]
    await harness.say(f"/anggota hapus {STAF_BANKUM}")
    assert f"chat:{STAF_BANKUM}" not in menus(harness)


async def test_console_lists_buttons_and_accepts_number_or_label(harness):
    out = io.StringIO()
    api = harness.api
    console = Console(harness.app, api, ADMIN, out)
    await console.say("/usul")
    assert "[2] Perwali" in out.getvalue()
    await console.say("2")
    await console.say("Tata Cara Arsip")
    await console.say("hari ini")
    await console.say("Simpan")
    text = out.getvalue()
    assert "Usulan dicatat" in text and "#1 Perwali: Tata Cara Arsip" in text
    assert "<b>" not in text
