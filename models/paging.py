"""A page of rows and the total they come from, so lists can say "… dan n lainnya"."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import func
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

Row = TypeVar("Row", bound=SQLModel)


async def page(
    session: AsyncSession, model: type[Row], where: Any, *order: Any, limit: int, offset: int = 0
) -> tuple[list[Row], int]:
    total = (await session.exec(select(func.count()).select_from(model).where(where))).one()
    rows = await session.exec(select(model).where(where).order_by(*order).offset(offset).limit(limit))
    return list(rows.all()), int(total)
