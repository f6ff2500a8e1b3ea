"""The audit trail: every change with who, when, what, and full before/after snapshots."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, DateTime, Numeric
from sqlalchemy import inspect as sa_inspect
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from models.db import Writer, insert_values
from models.tables import AuditEntry


def snapshot(row: SQLModel | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a row: dates as ISO strings and decimals as strings (`"80.50"`, exact), so the
    before-state can be restored exactly."""
    if row is None:
        return None
    out: dict[str, Any] = {}
    for key, value in row.model_dump().items():
        if isinstance(value, (date, datetime)):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        out[key] = value
    return out


def restore(model: type[SQLModel], values: dict[str, Any]) -> SQLModel:
    """Build a row from a snapshot, turning ISO strings back into dates by the column's type."""
    columns = model.__table__.columns  # type: ignore[attr-defined]
    converted: dict[str, Any] = {}
    for key, value in values.items():
        column = columns.get(key)
        if isinstance(value, str) and column is not None:
            if isinstance(column.type, DateTime):
                value = datetime.fromisoformat(value)
            elif isinstance(column.type, Date):
                value = date.fromisoformat(value)
            elif isinstance(column.type, Numeric):
                value = Decimal(value)
        converted[key] = value
    return model(**converted)


async def record(
    session: Writer,
    *,
    at: datetime,
    actor_id: int,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    update_id: int | None = None,
) -> None:
    """Written at once, in a session or a plain transaction alike (from the values: no model object)."""
    values = {
        "at": at,
        "actor_id": actor_id,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "before": before,
        "after": after,
        "update_id": update_id,
    }
    await insert_values(session, AuditEntry, values)


async def record_change(
    session: Writer,
    row: SQLModel,
    action: str,
    *,
    at: datetime,
    actor_id: int,
    before: dict[str, Any] | None,
    update_id: int | None = None,
) -> None:
    """The usual entry: `row` after `action` (`<entity>.<verb>`), the entity named by the action's prefix,
    the id and after-state read from the row itself."""
    key = sa_inspect(type(row)).primary_key[0].key
    return await record(
        session,
        at=at,
        actor_id=actor_id,
        action=action,
        entity=action.split(".", 1)[0],
        entity_id=getattr(row, key),
        before=before,
        after=snapshot(row),
        update_id=update_id,
    )


async def record_removal(
    session: AsyncSession, row: SQLModel, action: str, *, at: datetime, actor_id: int, update_id: int | None = None
) -> None:
    """Delete `row` and record its last state, in the caller's transaction: undo puts it back as it was."""
    key = sa_inspect(type(row)).primary_key[0].key
    entity_id, before = getattr(row, key), snapshot(row)
    await session.delete(row)
    await session.flush()
    return await record(
        session,
        at=at,
        actor_id=actor_id,
        action=action,
        entity=action.split(".", 1)[0],
        entity_id=entity_id,
        before=before,
        after=None,
        update_id=update_id,
    )
