"""Who may do what: every kind of caller against every command; refusals write nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.settings import Settings
from models.tables import AuditEntry, Member
from tests.conftest import ADMIN
from tests.helpers import (
    PEOPLE,
    STRANGER,
    add_everyone,
    add_member,
    audit_rows,
    count,
    custom_harness,
    find_member,
    fresh_db,
    member,
    state,
)

# command -> (what is sent, who may: "admin", a subsection, or "member" for every member)
COMMANDS = {
    "usul": ("/usul perwali Judul Baru", "perundangan"),
    "tetapkan": ("/tetapkan 1 50", "perundangan"),
    "publikasi": ("/publikasi 2", "dokinfo"),
    "perkara": ("/perkara 77/Pdt.G/2026/PN Prb Perkara baru", "bankum"),
    "selesai": ("/selesai 1 Damai", "bankum"),
    "iku": ("/iku", "member"),
    "daftar": ("/daftar usulan", "member"),
    "anggota": ("/anggota", "admin"),
    "anggota tambah": ("/anggota tambah 3001 pimpinan Tamu", "admin"),
    "anggota hapus": ("/anggota hapus 3002", "admin"),
}
SUCCESS = {
    "usul": "✅ Usulan dicatat.",
    "tetapkan": "✅ Penetapan dicatat.",
    "publikasi": "✅ Publikasi dicatat.",
    "perkara": "✅ Perkara dicatat.",
    "selesai": "✅ Penyelesaian perkara dicatat.",
    "iku": "Capaian IKU Bagian Hukum",
    "daftar": "Usulan belum ditetapkan",
    "anggota": "Anggota (",
    "anggota tambah": "✅ Anggota ditambahkan.",
    "anggota hapus": "✅ Anggota dihapus.",
}
CALLERS = {"admin": (ADMIN, "admin", None), **PEOPLE, "stranger": (STRANGER, None, None)}


def may(caller: str, command: str) -> bool:
    _, role, subsection = CALLERS[caller]
    who = COMMANDS[command][1]
    if role is None:
        return False
    if role == "admin":
        return True
    if who == "member":
        return True
    if who == "admin":
        return False
    return role in ("kasubbag", "staf") and subsection == who


@pytest.fixture
async def world(harness):
    await add_everyone(harness)
    await add_member(harness, 3002, "staf", "dokinfo", "Akan Dihapus")
    for command in (
        "/usul perda 2026-01-05 Satu",
        "/usul perwali 2026-01-05 Dua",
        "/tetapkan 2 1 2026-02-01",
        "/perkara 1/Pdt.G/2026/PN Prb 2026-01-10 Gugatan",
    ):
        assert "✅" in await harness.say(command)
    return harness


def test_the_matrix_itself():
    assert [c for c in COMMANDS if may("kasubbag_perundangan", c)] == ["usul", "tetapkan", "iku", "daftar"]
    assert [c for c in COMMANDS if may("staf_dokinfo", c)] == ["publikasi", "iku", "daftar"]
    assert [c for c in COMMANDS if may("staf_bankum", c)] == ["perkara", "selesai", "iku", "daftar"]
    assert [c for c in COMMANDS if may("pimpinan", c)] == ["iku", "daftar"]
    assert [c for c in COMMANDS if may("stranger", c)] == []
    assert all(may("admin", c) for c in COMMANDS)


@pytest.mark.parametrize("caller", list(CALLERS))
async def test_permission_matrix(world, caller):
    user_id, role, subsection = CALLERS[caller]
    problems: list[tuple[object, ...]] = []
    for command, (text, _) in COMMANDS.items():
        before = await state(world)
        replies = await world.send(text, user=user_id)
        world.clock.advance(timedelta(minutes=10))  # a stranger gets one reply per 10 minutes (bot/gate.py)
        if len(replies) != 1:
            problems.append((command, "replies", replies))
            continue
        reply = replies[0]
        if may(caller, command):
            if SUCCESS[command] not in reply:
                problems.append((command, "should succeed", reply))
        else:
            if not reply.startswith("Maaf"):
                problems.append((command, "should be refused", reply))
            if role is None:
                if f"User id Telegram Anda: {user_id}" not in reply or "admin" not in reply:
                    problems.append((command, "stranger not told their id", reply))
            else:
                label = {"kasubbag": "Kasubbag", "staf": "Staf", "pimpinan": "Pimpinan"}[role]
                expected = f"({label} {subsection})" if subsection else f"({label})"
                if expected not in reply:
                    problems.append((command, "refusal does not name the role", reply))
            if await state(world) != before:
                problems.append((command, "refused but something was written"))
    assert problems == []


@pytest.mark.parametrize("caller", list(CALLERS))
async def test_help_lists_only_the_commands_the_caller_may_use(world, caller):
    user_id, role, _ = CALLERS[caller]
    for command in ("/bantuan", "/start", "/help"):
        world.clock.advance(timedelta(minutes=10))  # a stranger gets one reply per 10 minutes (bot/gate.py)
        reply = await world.say(command, user=user_id)
        assert "IKU Bot Bagian Hukum" in reply
        if role is None:
            assert f"User id Telegram Anda: {user_id}" in reply
            assert "/usul" not in reply and "/iku" not in reply
            continue
        for name in ("usul", "tetapkan", "publikasi", "perkara", "selesai", "iku", "daftar", "anggota"):
            assert (f"/{name} " in reply) == may(caller, name), (caller, name, reply)


async def test_stranger_in_a_group_is_refused_with_their_id(world):
    reply = await world.say("/iku", user=STRANGER, chat=-100123, chat_type="supergroup")
    assert "User id Telegram Anda: 9999" in reply
    assert "Capaian" in await world.say("/iku", user=2007, chat=-100123, chat_type="supergroup")


async def test_stranger_writes_nothing_even_with_valid_commands(harness):
    before = await state(harness)
    for text in (
        "/usul perda Judul",
        "/perkara 1/Pdt.G/2026/PN Prb",
        "/anggota tambah 9999 admin",
        "/tetapkan 1 1",
        "/publikasi 1",
        "/selesai 1",
    ):
        assert "9999" in await harness.say(text, user=STRANGER)
        harness.clock.advance(timedelta(minutes=10))  # one reply per 10 minutes (bot/gate.py)
    assert await state(harness) == before
    assert await find_member(harness, STRANGER) is None


async def test_removed_member_is_a_stranger_again_and_a_moved_member_changes_rights(world):
    assert "✅" in await world.say("/usul perda Oleh Staf", user=2002)
    await world.say("/anggota hapus 2002")
    assert "User id Telegram Anda: 2002" in await world.say("/usul perda Lagi", user=2002)
    await world.say("/anggota tambah 2006 staf dokinfo")  # from bankum to dokinfo
    assert (await world.say("/selesai 1", user=2006)).startswith("Maaf")
    assert "✅" in await world.say("/publikasi 2", user=2006)


async def test_admin_can_promote_and_the_new_admin_manages_members(world):
    assert (await world.say("/anggota", user=2007)).startswith("Maaf")
    await world.say("/anggota tambah 2007 admin")
    assert "✅" in await world.say("/anggota tambah 3003 staf bankum Baru", user=2007)
    assert "✅" in await world.say("/usul kepwali Oleh Admin Baru", user=2007)


# --- ADMIN_IDS -----------------------------------------------------------------------------------


def test_admin_ids_are_read_from_a_comma_separated_environment_value(monkeypatch):
    monkeypatch.setenv("ADMIN_IDS", "1001, 1002;1003")
    assert Settings(_env_file=None).admin_ids == [1001, 1002, 1003]
    monkeypatch.setenv("ADMIN_IDS", "")
    assert Settings(_env_file=None).admin_ids == []


async def test_admin_ids_are_seeded_and_restored_at_start(tmp_path, migrated_template):
    url = fresh_db(tmp_path, migrated_template, "seed")
    async with custom_harness(url, admin_ids=[1001, 1002]) as harness:
        for user_id in (1001, 1002):
            seeded = await member(harness, user_id)
            assert seeded is not None and seeded.role == "admin" and seeded.subsection is None
        assert {r.entity_id for r in await audit_rows(harness, "member.seed")} == {"1001", "1002"}
        assert "Anggota (2)" in await harness.say("/anggota", user=1002)
        # 1001 demotes 1002 to staff
        assert "✅" in await harness.say("/anggota tambah 1002 staf bankum", user=1001)
        assert (await harness.say("/anggota", user=1002)).startswith("Maaf")
    async with custom_harness(url, admin_ids=[1001, 1002], first_update_id=100) as harness:
        # At the next start ADMIN_IDS are admins again; seeding twice adds no one.
        assert (await member(harness, 1002)).role == "admin"
        assert await count(harness, Member) == 2
        assert "Anggota (2)" in await harness.say("/anggota", user=1002)
        seeds = await audit_rows(harness, "member.seed")
        assert len(seeds) == 3 and seeds[-1].before is not None and seeds[-1].before["role"] == "staf"


async def test_without_admin_ids_nobody_is_seeded(tmp_path, migrated_template):
    async with custom_harness(fresh_db(tmp_path, migrated_template, "none"), admin_ids=[]) as harness:
        harness.clock.set(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
        assert await count(harness, Member) == 0 and await count(harness, AuditEntry) == 0
        assert "User id Telegram Anda: 1001" in await harness.say("/anggota", user=1001)
