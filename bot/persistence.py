"""python-telegram-bot persistence in the project's own database, as JSON rows (nothing pickled).

Only what dialogues need is stored: conversation states and user_data (the draft of a dialogue).
bot_data holds live objects (settings, engine) and is never persisted.
"""

from __future__ import annotations

import json
from collections import defaultdict
from copy import deepcopy
from typing import Any

from sqlalchemy import delete
from sqlmodel import select
from telegram.ext import BasePersistence, PersistenceInput

from models.db import Database
from models.tables import PersistenceEntry

CONVERSATION = "conversation"
USER_DATA = "user_data"


class DatabasePersistence(BasePersistence):
    def __init__(self, db: Database, update_interval: float = 5) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self.db = db

    async def _rows(self, kind: str) -> list[PersistenceEntry]:
        async with self.db.session() as session:
            result = await session.exec(select(PersistenceEntry).where(PersistenceEntry.kind == kind))
            return list(result.all())

    async def _put(self, kind: str, key: str, value: Any) -> None:
        async with self.db.session() as session:
            row = await session.get(PersistenceEntry, (kind, key))
            if value is None:
                if row is not None:
                    await session.delete(row)
            elif row is None:
                session.add(PersistenceEntry(kind=kind, key=key, value=value))
            else:
                row.value = value

    # conversations: key "<name>" -> {"[chat, user]": state}
    async def get_conversations(self, name: str) -> dict:
        rows = await self._rows(CONVERSATION)
        for row in rows:
            if row.key == name:
                return {tuple(json.loads(k)): v for k, v in (row.value or {}).items()}
        return {}

    async def update_conversation(self, name: str, key: tuple, new_state: object | None) -> None:
        current = await self.get_conversations(name)
        if new_state is None:
            current.pop(key, None)
        else:
            current[key] = new_state
        await self._put(CONVERSATION, name, {json.dumps(list(k)): v for k, v in current.items()})

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        data: dict[int, dict[Any, Any]] = defaultdict(dict)
        for row in await self._rows(USER_DATA):
            data[int(row.key)] = deepcopy(row.value or {})
        return data

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        await self._put(USER_DATA, str(user_id), data or None)

    async def drop_user_data(self, user_id: int) -> None:
        await self._put(USER_DATA, str(user_id), None)

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        return None

    # Not stored (see store_data); the abstract interface still asks for these.
    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return defaultdict(dict)

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def get_callback_data(self):
        return None

    async def update_callback_data(self, data) -> None:
        return None

    async def flush(self) -> None:
        return None


async def forget_all(db: Database) -> None:
    async with db.session() as session:
        await session.exec(delete(PersistenceEntry))
