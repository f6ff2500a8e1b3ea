"""Claiming a piece of work exactly once: the row that says "mine" is inserted before the work is done,
and a unique key decides between two processes (or two passes) that try at the same moment. Weekly digest
slots and private reminders both go out this way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col

from models.db import Database

CLAIMED = "claimed"


async def insert_first(db: Database, row: SQLModel) -> bool:
    """Insert `row` in its own transaction; False when its unique key is taken (someone claimed it)."""
    try:
        async with db.session() as session:
            session.add(row)
    except IntegrityError:
        return False
    return True


async def reclaim(db: Database, model: type[SQLModel], row: Any, *, expect: str, by: str, now: datetime) -> bool:
    """Take a row left in `expect` (to retry it) for another attempt; False if another worker took it."""
    table: Any = model
    async with db.session() as session:
        result = await session.exec(
            update(table)
            .where(col(table.id) == row.id, col(table.status) == expect)
            .values(status=CLAIMED, claimed_by=by, claimed_at=now, attempts=table.attempts + 1)
        )
    if result.rowcount != 1:
        return False
    row.status, row.claimed_by, row.claimed_at, row.attempts = CLAIMED, by, now, row.attempts + 1
    return True


async def settle(
    db: Database, model: type[SQLModel], row: Any, *, by: str | None, expect: str = CLAIMED, **values: Any
) -> bool:
    """Move a row on from `expect` (and, if `by`, only while this worker still owns it)."""
    table: Any = model
    query = update(table).where(col(table.id) == row.id, col(table.status) == expect)
    if by is not None:
        query = query.where(col(table.claimed_by) == by)
    async with db.session() as session:
        result = await session.exec(query.values(**values))
    if result.rowcount != 1:
        return False
    for key, value in values.items():
        setattr(row, key, value)
    return True
