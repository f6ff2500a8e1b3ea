"""`iku-bot console --as <user_id>`: a chat with the bot in the terminal, no network, no token.

Every line typed (or piped in) is a message to the same handlers and database the real bot uses.
Replies print as plain text with their buttons listed underneath; typing a button's number or label
presses it.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import re
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from telegram import Update
from telegram.ext import Application

from bot.app import build_application, running
from bot.offline_api import ApiCall, OfflineBotApi, document_data, message_data
from bot.settings import Settings
from models.migrate import upgrade
from models.validation import number

_TAG = re.compile(r"<[^>]+>")
CONSOLE_CHAT_TITLE = "Konsol"


def plain(text: str) -> str:
    return html.unescape(_TAG.sub("", text))


class Console:
    def __init__(
        self, application: Application, api: OfflineBotApi, user_id: int, out: TextIO, save_dir: Path | None = None
    ) -> None:
        self.application = application
        # Documents the bot sends (/ekspor) are written here, since a terminal cannot show them.
        self.save_dir = save_dir or Path.cwd()
        self.api = api
        self.user_id = user_id
        self.out = out
        # Negative, time-based update ids never collide with Telegram's or with an earlier console session.
        self._update_ids = itertools.count(-time.time_ns() // 1000, -1)
        self._message_ids = itertools.count(1)
        self.buttons: list[tuple[str, str, int]] = []  # (label, callback_data, message_id)
        api.on_call = self._show

    def _show(self, call: ApiCall) -> None:
        text = call.params.get("text") or call.params.get("caption")
        if call.method == "sendPhoto":
            self.out.write("[gambar terlampir]\n")
        if call.method == "sendDocument" and "document" in call.files:
            target = self.save_dir / Path(call.filenames.get("document", "berkas")).name
            target.write_bytes(call.files["document"])
            self.out.write(f"[berkas terlampir, disimpan di {target}]\n")
        if text is None:
            if call.method == "answerCallbackQuery" and call.params.get("text"):
                self.out.write(f"({plain(call.params['text'])})\n")
            return
        self.out.write(plain(text).rstrip() + "\n")
        markup = call.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        self.buttons = []
        if rows:
            message_id = int(call.params.get("message_id") or 0) or self.api_message_id()
            for row in rows:
                for button in row:
                    if "callback_data" in button:
                        self.buttons.append((button["text"], button["callback_data"], message_id))
            listed = "  ".join(f"[{i}] {label}" for i, (label, _, _) in enumerate(self.buttons, 1))
            self.out.write(f"  Tombol: {listed}\n")
        self.out.write("\n")
        self.out.flush()

    def api_message_id(self) -> int:
        return len(self.api.calls)

    def _sender(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": CONSOLE_CHAT_TITLE, "language_code": "id"}

    def update_for(self, line: str) -> dict[str, Any]:
        pressed = self._button(line)
        if pressed is not None:
            label, data, message_id = pressed
            return {
                "update_id": next(self._update_ids),
                "callback_query": {
                    "id": str(time.time_ns()),
                    "from": self._sender(),
                    "chat_instance": "console",
                    "data": data,
                    "message": {
                        "message_id": message_id,
                        "date": int(time.time()),
                        "chat": {"id": self.user_id, "type": "private", "first_name": CONSOLE_CHAT_TITLE},
                        "text": label,
                    },
                },
            }
        words = line.split(maxsplit=1)
        if len(words) == 2 and words[0] == "/impor":  # a terminal cannot attach: `/impor <file>` sends it
            path = Path(words[1]).expanduser()
            if path.is_file():
                content = path.read_bytes()
                document = document_data(
                    self.api.add_upload(content),
                    path.name,
                    len(content),
                    caption="/impor",
                    message_id=next(self._message_ids),
                    user_id=self.user_id,
                    date=int(time.time()),
                    first_name=CONSOLE_CHAT_TITLE,
                )
                return {"update_id": next(self._update_ids), "message": document}
        message = message_data(
            line,
            message_id=next(self._message_ids),
            user_id=self.user_id,
            date=int(time.time()),
            first_name=CONSOLE_CHAT_TITLE,
        )
        return {"update_id": next(self._update_ids), "message": message}

    def _button(self, line: str) -> tuple[str, str, int] | None:
        if not self.buttons or line.startswith("/"):
            return None
        choice = number(line)
        if choice is not None and 1 <= choice <= len(self.buttons):
            return self.buttons[choice - 1]
        for button in self.buttons:
            if button[0].strip().lower() == line.strip().lower():
                return button
        return None

    async def say(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        update = Update.de_json(self.update_for(line), self.application.bot)
        if update.callback_query is not None:
            self.buttons = []
        await self.application.process_update(update)


async def run_console(
    settings: Settings,
    user_id: int,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
    save_dir: Path | None = None,
) -> None:
    api = OfflineBotApi()
    settings.ensure_data_dir()
    await asyncio.to_thread(upgrade, settings.async_database_url)
    application = build_application(settings, request=api, rate_limit=False, migrate=False)
    console = Console(application, api, user_id, out, save_dir)
    interactive = stdin.isatty()
    async with running(application):
        if interactive:
            out.write(f"Konsol IKU Bot — Anda sebagai user id {user_id}. Ketik /bantuan; Ctrl-D untuk keluar.\n\n")
        while True:
            if interactive:
                out.write("> ")
                out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            if not interactive and line.strip():
                out.write(f"> {line.strip()}\n")
            await console.say(line)
