"""Fixtures: a migrated database per test (SQLite always; PostgreSQL too when TEST_DATABASE_URL is set), the
real Application with a recording Bot API, a fixed clock."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from telegram import Update

from bot.app import build_application, running
from bot.offline_api import message_data
from bot.settings import Settings
from models.clock import Clock
from models.migrate import upgrade
from tests import databases
from tests.botapi import RecordingBotApi, visible_text

ADMIN = 1001
JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "iku.db"
    upgrade(f"sqlite:///{path}")
    return path


def pytest_report_header(config) -> str:
    if databases.TEST_DATABASE_URL:
        return f"database backends: sqlite, postgresql ({databases.shown_url()})"
    return f"database backends: sqlite only ({databases.PG_SKIP_REASON})"


def pytest_collection_modifyitems(config, items) -> None:
    # A skip mark (rather than pytest.skip in the fixture) lets pytest fold the report to one line per file.
    if databases.TEST_DATABASE_URL:
        return
    skip = pytest.mark.skip(reason=databases.PG_SKIP_REASON)
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgresql":
            item.add_marker(skip)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request) -> str:
    """Every test that touches the database runs once per backend; PostgreSQL only when configured."""
    if request.param == "postgresql" and not databases.TEST_DATABASE_URL:
        pytest.skip(databases.PG_SKIP_REASON)
    return request.param


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The migrated PostgreSQL database the tests share, one after the other, emptied after each."""
    databases.drop_leftovers()
    name = databases.new_name()
    upgrade(databases.create(name))
    yield name
    databases.drop(name)


@pytest.fixture
def db_url(request, backend, tmp_path, migrated_template) -> Iterator[str]:
    """A migrated, empty database of the current backend, for this test alone."""
    if backend == "sqlite":
        path = tmp_path / "iku.db"
        shutil.copy(migrated_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    name = request.getfixturevalue("pg_database")
    yield databases.url_for(name)
    databases.empty(name)


@pytest.fixture
def empty_db_url(backend, tmp_path) -> Iterator[str]:
    """A database without any schema, private to the test."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    name = databases.new_name()
    yield databases.create(name)
    databases.drop(name)


def make_settings(db_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        telegram_bot_token="123456:TEST",
        database_url=db_url,
        admin_ids=[ADMIN],
        timezone="Asia/Jakarta",
        # The tests' clock stands still, so every update falls into one minute; tests/test_flood.py sets it.
        flood_updates_per_minute=100_000,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)


class BotHarness:
    """Talks to the real Application as Telegram would, one update at a time."""

    def __init__(self, application, api: RecordingBotApi, clock: Clock) -> None:
        self.app = application
        self.api = api
        self.clock = clock
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)

    @property
    def db(self):
        return self.app.bot_data["services"].db

    def message_update(
        self,
        text: str,
        *,
        user: int = ADMIN,
        chat: int | None = None,
        chat_type: str = "private",
        update_id: int | None = None,
        first_name: str = "Uji",
    ) -> Update:
        message = message_data(
            text,
            message_id=next(self._message_ids),
            user_id=user,
            date=int(self.clock.now().timestamp()),
            chat_id=chat,
            chat_type=chat_type,
            first_name=first_name,
            chat_title="Grup Uji",
        )
        data = {"update_id": next(self._update_ids) if update_id is None else update_id, "message": message}
        return Update.de_json(data, self.app.bot)

    async def process(self, update: Update) -> list[str]:
        """Process one update; return what the user sees of each message the bot sent in reply."""
        start = len(self.api.calls)
        await self.app.process_update(update)
        out = []
        for call in self.api.sent(start):
            text = call.params.get("text") or call.params.get("caption") or ""
            out.append(visible_text(text) if call.params.get("parse_mode") == "HTML" else text)
        return out

    def buttons(self) -> list[tuple[str, str, int]]:
        """(label, callback_data, message_id) of the newest message that has inline buttons."""
        for call in reversed(self.api.calls):
            markup = call.params.get("reply_markup")
            if call.method == "sendMessage" and markup:
                message_id = self.api.message_ids.get(id(call), 0)
                return [
                    (b["text"], b["callback_data"], message_id)
                    for row in markup.get("inline_keyboard", [])
                    for b in row
                    if "callback_data" in b
                ]
        return []

    def callback_update(
        self,
        data: str,
        *,
        user: int = ADMIN,
        message_id: int = 1,
        chat: int | None = None,
        update_id: int | None = None,
    ) -> Update:
        chat_id = user if chat is None else chat
        payload = {
            "update_id": next(self._update_ids) if update_id is None else update_id,
            "callback_query": {
                "id": str(next(self._message_ids) + 10_000),
                "from": {"id": user, "is_bot": False, "first_name": "Uji"},
                "chat_instance": "uji",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(self.clock.now().timestamp()),
                    "chat": {"id": chat_id, "type": "private", "first_name": "Uji"},
                    "text": "…",
                },
            },
        }
        return Update.de_json(payload, self.app.bot)

    async def press(self, label: str, *, user: int = ADMIN) -> list[str]:
        """Press the button labelled `label` on the newest keyboard; every press must be answered once."""
        options = self.buttons()
        match = [b for b in options if b[0] == label]
        assert match, f"no button {label!r} in {[b[0] for b in options]}"
        _, data, message_id = match[0]
        return await self.press_data(data, user=user, message_id=message_id)

    async def press_data(self, data: str, *, user: int = ADMIN, message_id: int = 1) -> list[str]:
        start = len(self.api.calls)
        replies = await self.process(self.callback_update(data, user=user, message_id=message_id))
        answers = [c for c in self.api.calls[start:] if c.method == "answerCallbackQuery"]
        assert len(answers) == 1, f"button press answered {len(answers)} times"
        self.last_answer = answers[0].params.get("text", "")
        return replies

    async def send(self, text: str, **kwargs: Any) -> list[str]:
        return await self.process(self.message_update(text, **kwargs))

    async def say(self, text: str, **kwargs: Any) -> str:
        """Send and expect exactly one reply."""
        replies = await self.send(text, **kwargs)
        assert len(replies) == 1, replies
        return replies[0]


@pytest.fixture
def clock() -> Clock:
    c = Clock(JAKARTA)
    c.set(datetime(2026, 11, 24, 10, 0, tzinfo=JAKARTA))
    return c


@asynccontextmanager
async def running_harness(
    db_url: str,
    clock: Clock | None = None,
    first_update_id: int = 1,
    *,
    api: RecordingBotApi | None = None,
    rate_limit: bool = False,
    **settings: Any,
) -> AsyncIterator[BotHarness]:
    """The real Application, started as the bot starts it, with a recording Bot API. Without `clock` the
    application makes its own from the settings' time zone (reachable as `harness.clock`)."""
    api = api or RecordingBotApi()
    application = build_application(make_settings(db_url, **settings), request=api, clock=clock, rate_limit=rate_limit)
    async with running(application):
        harness = BotHarness(application, api, application.bot_data["services"].clock)
        harness._update_ids = itertools.count(first_update_id)
        yield harness


@pytest.fixture
async def harness(db_url, clock) -> AsyncIterator[BotHarness]:
    async with running_harness(db_url, clock) as started:
        yield started
