"""Members of the bot: who they are, their role and subsection; admins manage them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import audit, validation
from models.errors import InputError
from models.tables import Member, Role, Subsection

MAX_NAME_CHARS = 100
ROLES = [r.value for r in Role]
SUBSECTIONS = [s.value for s in Subsection]
EXAMPLE_ADD = "/anggota tambah 123456789 staf bankum Siti Aminah"


EXAMPLE_REMOVE = "/anggota hapus 123456789"


@dataclass(frozen=True)
class Change:
    """An /anggota command: `tambah <user_id> <peran> [subbag] [nama]` or `hapus <user_id>`."""

    verb: str
    user_id: int
    role: str = ""
    subsection: str | None = None
    name: str = ""


def parse_change(args: list[str]) -> Change:
    verb = validation.keyword(args[0])
    if verb == "tambah":
        if len(args) < 3:
            raise InputError("Sebutkan user id dan peran anggota.", EXAMPLE_ADD)
        rest = args[3:]
        subsection = rest.pop(0) if rest and validation.keyword(rest[0]) in SUBSECTIONS else None
        return Change(verb, _parse_user_id(args[1], EXAMPLE_ADD), args[2], subsection, " ".join(rest))
    if verb == "hapus":
        if len(args) != 2:
            raise InputError("Sebutkan satu user id yang akan dihapus.", EXAMPLE_REMOVE)
        return Change(verb, _parse_user_id(args[1], EXAMPLE_REMOVE))
    raise InputError(f"Perintah «{args[0]}» tidak dikenal; gunakan tambah atau hapus.", EXAMPLE_ADD)


def _parse_user_id(text: str, example: str) -> int:
    user_id = validation.number(text.removeprefix("-"))
    if user_id is None:
        raise InputError(f"User id Telegram harus berupa angka (Anda menulis «{text}»).", example)
    _check_user_id(-user_id if text.startswith("-") else user_id, example)
    return user_id


# Built once: the sender is read with every update, and composing `session.get`'s query each time cost
# more than running it.
_BY_ID: Any = select(Member).where(col(Member.user_id) == bindparam("user_id"))


async def get(session: AsyncSession, user_id: int) -> Member | None:
    return (await session.exec(_BY_ID, params={"user_id": user_id})).first()


async def ensure_admins(session: AsyncSession, user_ids: list[int], now: datetime) -> None:
    """ADMIN_IDS are always admins: added at start, and promoted back if someone changed them."""
    for user_id in user_ids:
        member = await session.get(Member, user_id)
        if member is None:
            session.add(Member(user_id=user_id, name="", role=Role.admin, created_at=now, updated_at=now))
            await audit.record(
                session,
                at=now,
                actor_id=user_id,
                action="member.seed",
                entity="member",
                entity_id=user_id,
                before=None,
                after={"role": "admin"},
            )
        elif member.role != Role.admin:
            before = audit.snapshot(member)
            member.role, member.subsection, member.updated_at = Role.admin, None, now
            await audit.record_change(session, member, "member.seed", at=now, actor_id=user_id, before=before)


async def put(
    session: AsyncSession,
    *,
    actor_id: int,
    user_id: int,
    role: str,
    subsection: str | None,
    name: str,
    now: datetime,
    update_id: int | None = None,
) -> tuple[Member, bool]:
    """Add a member or change an existing one; returns (member, created)."""
    role = validation.keyword(role)
    if role not in ROLES:
        raise InputError(f"Peran «{role}» tidak dikenal. Pilih salah satu: {', '.join(ROLES)}.", EXAMPLE_ADD)
    if subsection is not None:
        subsection = validation.keyword(subsection)
    if role in (Role.kasubbag, Role.staf):
        if subsection not in SUBSECTIONS:
            raise InputError(f"Peran {role} memerlukan subbag: {', '.join(SUBSECTIONS)}.", EXAMPLE_ADD)
    elif subsection is not None:
        raise InputError(f"Peran {role} tidak memiliki subbag.", "/anggota tambah 123456789 pimpinan Kepala Bagian")
    _check_user_id(user_id, EXAMPLE_ADD)
    name = validation.prose(name)
    if len(name) > MAX_NAME_CHARS:
        raise InputError(f"Nama terlalu panjang (maksimal {MAX_NAME_CHARS} karakter).", EXAMPLE_ADD)

    member = await session.get(Member, user_id)
    created = member is None
    before = audit.snapshot(member)
    if member is None:
        member = Member(user_id=user_id, name=name, role=role, subsection=subsection, created_at=now, updated_at=now)
        session.add(member)
    else:
        member.role, member.subsection, member.updated_at = role, subsection, now
        if name:
            member.name = name
    await session.flush()
    if await admin_count(session) == 0:
        raise InputError("Admin terakhir tidak dapat diubah perannya.", EXAMPLE_ADD)  # rolled back
    await audit.record_change(
        session, member, "member.put", at=now, actor_id=actor_id, before=before, update_id=update_id
    )
    return member, created


async def remove(
    session: AsyncSession, *, actor_id: int, user_id: int, now: datetime, update_id: int | None = None
) -> Member:
    _check_user_id(user_id, EXAMPLE_REMOVE)
    member = await session.get(Member, user_id)
    if member is None:
        raise InputError(f"Tidak ada anggota dengan user id {user_id}.", "/anggota hapus 123456789")
    before = audit.snapshot(member)
    await session.delete(member)
    await session.flush()
    if await admin_count(session) == 0:
        raise InputError("Admin terakhir tidak dapat dihapus.", "/anggota hapus 123456789")  # rolled back
    await audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="member.remove",
        entity="member",
        entity_id=user_id,
        before=before,
        after=None,
        update_id=update_id,
    )
    return member


MAX_USER_ID = 2**53  # Telegram user ids fit in 52 bits; larger numbers are typing mistakes


def _check_user_id(user_id: int, example: str) -> None:
    if not 0 < user_id < MAX_USER_ID:
        raise InputError("User id Telegram harus berupa angka positif, misalnya 123456789.", example)


async def names(session: AsyncSession, user_ids) -> dict[int, str]:
    """Display names for audit lines: the member's name, else the Telegram id."""
    ids = set(user_ids)
    rows = await session.exec(select(Member.user_id, Member.name).where(col(Member.user_id).in_(ids)))
    found = {user_id: name for user_id, name in rows.all() if name}
    return {user_id: found.get(user_id, str(user_id)) for user_id in ids}


async def all_members(session: AsyncSession) -> list[Member]:
    result = await session.exec(select(Member).order_by(col(Member.role), col(Member.user_id)))
    return list(result.all())


async def admin_count(session: AsyncSession) -> int:
    """Admins left, counted after the change and before its commit: without an admin nobody can manage
    members until a restart seeds ADMIN_IDS again. Counting after the write is what makes it hold when
    two admins demote each other at the same moment: SQLite's driver begins the transaction at the
    first write, so the count sees every change committed before; on PostgreSQL the admin rows are
    locked, so the second count waits for the first transaction (or one of the two fails)."""
    result = await session.exec(select(Member.user_id).where(Member.role == Role.admin).with_for_update())
    return len(result.all())
