"""python-telegram-bot persistence in the project's own database, as JSON rows (nothing pickled).

Only what dialogues need is stored: conversation states and user_data (the draft of a dialogue).
bot_data holds live objects (settings, engine) and is never persisted.
"""

from __future__ import annotations

import json
from collections import defaultdict
from copy import deepcopy
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from models import stored_state
from models.db import Database

CONVERSATION = "conversation"
USER_DATA = "user_data"


class DatabasePersistence(BasePersistence):
    def __init__(self, db: Database, update_interval: float = 5) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self.db = db
        self._written: dict[int, str] = {}  # user id -> the user data last stored, as JSON

    # conversations: one row per dialogue, key "<name>|[chat, user]" -> {"state": state}. A row per key
    # (not one row per conversation handler) so that writes of two dialogues flushed together, which
    # python-telegram-bot runs concurrently, never overwrite each other.
    async def get_conversations(self, name: str) -> dict:
        stored = await stored_state.load(self.db, CONVERSATION)
        prefix = f"{name}|"
        found: dict[tuple, object] = {}
        legacy = stored.get(name)
        if legacy:  # the whole conversation in one row, as stored before: moved to a row per key
            for raw, value in legacy.items():
                await stored_state.put(self.db, CONVERSATION, prefix + raw, {"state": value})
                found[tuple(json.loads(raw))] = value
        if name in stored:
            await stored_state.put(self.db, CONVERSATION, name, None)
        for key, value in stored.items():
            if key.startswith(prefix) and isinstance(value, dict):
                found[tuple(json.loads(key[len(prefix) :]))] = value.get("state")
        return found

    async def update_conversation(self, name: str, key: tuple, new_state: object | None) -> None:
        value = None if new_state is None else {"state": new_state}
        await stored_state.put(self.db, CONVERSATION, f"{name}|{json.dumps(list(key))}", value)

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        data: dict[int, dict[Any, Any]] = defaultdict(dict)
        for key, value in (await stored_state.load(self.db, USER_DATA)).items():
            data[int(key)] = deepcopy(value or {})
        return data

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        # python-telegram-bot hands over every user's data after every update: write only what changed.
        written = json.dumps(data or None, sort_keys=True, default=str)
        if self._written.get(user_id) == written:
            return
        await stored_state.put(self.db, USER_DATA, str(user_id), data or None)
        self._written[user_id] = written

    async def drop_user_data(self, user_id: int) -> None:
        await stored_state.put(self.db, USER_DATA, str(user_id), None)
        self._written.pop(user_id, None)

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
