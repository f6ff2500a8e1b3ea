"""Helpers for the behaviour tests: members, stored rows, and a harness with custom settings."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlmodel import func, select

from models.tables import AuditEntry, Case, CaseStage, Hearing, Member, ProcessedUpdate, Product, Target
from tests.conftest import ADMIN, BotHarness, running_harness

# The one roster of test members: a user id means the same person with the same role in every test
# (ADMIN, 1001, is the configured first admin: tests/conftest.py). A test that changes someone's role
# starts from the role given here.
SECOND_ADMIN = 1002
KASUBBAG_PERUNDANGAN = 2001
STAF_PERUNDANGAN = 2002
KASUBBAG_DOKINFO = 2003
STAF_DOKINFO = 2004
KASUBBAG_BANKUM = 2005
STAF_BANKUM = 2006
PIMPINAN = 2007
OTHER_STAF_PERUNDANGAN = 2008
STRANGER = 9999  # never a member

# (user id, role, subsection) by name; add_everyone adds the first seven.
PEOPLE: dict[str, tuple[int, str, str | None]] = {
    "kasubbag_perundangan": (KASUBBAG_PERUNDANGAN, "kasubbag", "perundangan"),
    "staf_perundangan": (STAF_PERUNDANGAN, "staf", "perundangan"),
    "kasubbag_dokinfo": (KASUBBAG_DOKINFO, "kasubbag", "dokinfo"),
    "staf_dokinfo": (STAF_DOKINFO, "staf", "dokinfo"),
    "kasubbag_bankum": (KASUBBAG_BANKUM, "kasubbag", "bankum"),
    "staf_bankum": (STAF_BANKUM, "staf", "bankum"),
    "pimpinan": (PIMPINAN, "pimpinan", None),
}
ROSTER: dict[int, tuple[str, str | None]] = {uid: (role, sub) for uid, role, sub in PEOPLE.values()} | {
    SECOND_ADMIN: ("admin", None),
    OTHER_STAF_PERUNDANGAN: ("staf", "perundangan"),
}


async def add_member(
    harness: BotHarness, user_id: int, role: str, subsection: str | None = None, name: str = ""
) -> None:
    text = f"/anggota tambah {user_id} {role}" + (f" {subsection}" if subsection else "") + (f" {name}" if name else "")
    reply = await harness.say(text, user=ADMIN)
    assert "✅" in reply, reply


async def join(harness: BotHarness, user_id: int, name: str = "") -> None:
    """Add a roster member with their roster role."""
    role, subsection = ROSTER[user_id]
    await add_member(harness, user_id, role, subsection, name)


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
    for model in (Product, Case, CaseStage, Hearing, Member, Target, AuditEntry, ProcessedUpdate):
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


def sent_document(harness: BotHarness, start: int):
    """The one document the bot sent since call number `start`."""
    calls = [c for c in harness.api.calls[start:] if c.method == "sendDocument"]
    assert len(calls) == 1, [c.method for c in harness.api.calls[start:]]
    return calls[0]


@contextmanager
def statements_run(db) -> Iterator[list[str]]:
    """The SQL the database runs meanwhile: through SQLAlchemy's engine, and on SQLite also what runs
    straight on the plain connections (`Database.rows`, `Database.write_batch`)."""
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    plain = [db._plain_connection(use) for use in ("read", "write")] if db.is_sqlite else []
    for connection in plain:
        connection.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
        for connection in plain:
            connection.set_trace_callback(None)
