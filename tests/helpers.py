"""Helpers for the behaviour tests: members, stored rows, and a harness with custom settings."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlmodel import func, select

from models.tables import AuditEntry, Case, Member, ProcessedUpdate, Product
from tests.conftest import ADMIN, BotHarness, running_harness

# Members used across the tests: (user id, role, subsection)
PEOPLE: dict[str, tuple[int, str, str | None]] = {
    "kasubbag_perundangan": (2001, "kasubbag", "perundangan"),
    "staf_perundangan": (2002, "staf", "perundangan"),
    "kasubbag_dokinfo": (2003, "kasubbag", "dokinfo"),
    "staf_dokinfo": (2004, "staf", "dokinfo"),
    "kasubbag_bankum": (2005, "kasubbag", "bankum"),
    "staf_bankum": (2006, "staf", "bankum"),
    "pimpinan": (2007, "pimpinan", None),
}
STRANGER = 9999


async def add_member(
    harness: BotHarness, user_id: int, role: str, subsection: str | None = None, name: str = ""
) -> None:
    text = f"/anggota tambah {user_id} {role}" + (f" {subsection}" if subsection else "") + (f" {name}" if name else "")
    reply = await harness.say(text, user=ADMIN)
    assert "✅" in reply, reply


async def add_everyone(harness: BotHarness) -> None:
    for name, (user_id, role, subsection) in PEOPLE.items():
        await add_member(harness, user_id, role, subsection, name.replace("_", " ").title())


async def all_rows(harness: BotHarness, model) -> list[Any]:
    async with harness.db.session() as session:
        order = model.id if hasattr(model, "id") else None
        query = select(model) if order is None else select(model).order_by(order)
        return list((await session.exec(query)).all())


async def count(harness: BotHarness, model, *where) -> int:
    async with harness.db.session() as session:
        return int((await session.exec(select(func.count()).select_from(model).where(*where))).one())


async def find_product(harness: BotHarness, product_id: int) -> Product | None:
    async with harness.db.session() as session:
        return await session.get(Product, product_id)


async def product(harness: BotHarness, product_id: int) -> Product:
    """The stored product; a test that expects it to be gone uses find_product."""
    found = await find_product(harness, product_id)
    assert found is not None, f"product {product_id} is not stored"
    return found


async def case(harness: BotHarness, case_id: int) -> Case:
    async with harness.db.session() as session:
        found = await session.get(Case, case_id)
    assert found is not None, f"case {case_id} is not stored"
    return found


async def find_member(harness: BotHarness, user_id: int) -> Member | None:
    async with harness.db.session() as session:
        return await session.get(Member, user_id)


async def member(harness: BotHarness, user_id: int) -> Member:
    """The stored member; a test that expects them to be gone uses find_member."""
    found = await find_member(harness, user_id)
    assert found is not None, f"member {user_id} is not stored"
    return found


async def state(harness: BotHarness) -> dict[str, Any]:
    """Everything a write could change, to compare before and after a refused or bad request."""
    out: dict[str, Any] = {}
    for model in (Product, Case, Member, AuditEntry, ProcessedUpdate):
        rows = await all_rows(harness, model)
        if model is ProcessedUpdate:  # "handled, answered" markers of updates without a write are no change
            rows = [r for r in rows if r.reply]
        out[model.__name__] = [r.model_dump() for r in rows]
    return out


async def audit_rows(harness: BotHarness, action: str | None = None) -> list[AuditEntry]:
    rows = await all_rows(harness, AuditEntry)
    return [r for r in rows if action is None or r.action == action]


custom_harness = running_harness  # the harness fixture's machinery, with other settings


def fresh_db(tmp_path: Path, template: Path, name: str) -> str:
    """Another migrated SQLite file (from the session's template), for a second application."""
    path = tmp_path / f"{name}.db"
    shutil.copy(template, path)
    return f"sqlite+aiosqlite:///{path}"


def ids_in(reply: str) -> list[int]:
    """The `#<id>` references in a reply, in order."""
    import re

    return [int(m) for m in re.findall(r"#(\d+)", reply)]
