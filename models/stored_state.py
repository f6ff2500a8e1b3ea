"""Rows of python-telegram-bot state (dialogues in progress) in the project's database, as JSON."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from models.db import Database
from models.tables import PersistenceEntry


async def load(db: Database, kind: str) -> dict[str, Any]:
    async with db.session() as session:
        rows = await session.exec(select(PersistenceEntry).where(PersistenceEntry.kind == kind))
        return {row.key: row.value for row in rows.all()}


async def put(db: Database, kind: str, key: str, value: Any) -> None:
    """Store `value` under (kind, key); None removes the row. Only that row is touched, so writes of
    different keys never overwrite each other; of two concurrent first writes of one key, the one that
    loses the insert writes again as an update."""
    for attempt in range(2):
        try:
            await _put(db, kind, key, value)
            return
        except IntegrityError:
            if attempt:
                raise


async def _put(db: Database, kind: str, key: str, value: Any) -> None:
    async with db.session() as session:
        row = await session.get(PersistenceEntry, (kind, key))
        if value is None:
            if row is not None:
                await session.delete(row)
        elif row is None:
            session.add(PersistenceEntry(kind=kind, key=key, value=value))
        else:
            row.value = value


async def get(db: Database, kind: str, key: str) -> Any:
    """The value stored under (kind, key), or None."""
    async with db.session() as session:
        row = await session.get(PersistenceEntry, (kind, key))
        return None if row is None else row.value
