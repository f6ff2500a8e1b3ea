"""Checks what the bot sends against Telegram's rules, from the Bot API description vendored in
tests/data/telegram-bot-api/api.min.json: known method, required parameters present, no unknown
parameters, HTML that Telegram's parser accepts, texts within 4096 characters, callback_data within
64 bytes. Used by the in-process recorder and by the HTTP stand-in."""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from bot.offline_api import ApiCall, OfflineBotApi

# Vendored with the repository (see tests/data/telegram-bot-api/README.md); BOT_API_SPEC overrides it.
VENDORED_SPEC = Path(__file__).resolve().parent / "data" / "telegram-bot-api" / "api.min.json"


def _spec_path() -> Path:
    """BOT_API_SPEC if set, else the copy vendored in tests/data. A missing file fails loudly: every
    Bot API check depends on it, and skipping them would hide exactly what they are for."""
    path = Path(os.environ.get("BOT_API_SPEC") or VENDORED_SPEC)
    if not path.is_file():
        raise FileNotFoundError(
            f"Bot API description not found at {path}: restore tests/data/telegram-bot-api/api.min.json "
            "from git or point BOT_API_SPEC at a copy"
        )
    return path


ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
    "tg-time",
}
_ENTITY = re.compile(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


class BotApiViolation(AssertionError):
    pass


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    return json.loads(_spec_path().read_text())


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            raise BotApiViolation(f"Telegram rejects HTML tag <{tag}>")
        if tag == "a" and not dict(attrs).get("href"):
            raise BotApiViolation("<a> without href")
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            raise BotApiViolation(f"unbalanced HTML end tag </{tag}>")
        self.stack.pop()

    def handle_data(self, data):
        self.text += data


def visible_text(html_text: str) -> str:
    """The text a user sees, after Telegram parses the HTML; raises on HTML Telegram would reject."""
    if _ENTITY.search(html_text):
        raise BotApiViolation(f"unescaped '&' in HTML: {html_text!r}")
    for match in re.finditer(r"<(/?)([a-zA-Z][\w-]*)", html_text):
        if match.group(2).lower() not in ALLOWED_TAGS:
            raise BotApiViolation(f"unescaped '<' or unsupported tag in HTML: {html_text[match.start() :][:40]!r}")
    if re.search(r"<(?![/a-zA-Z])", html_text):
        raise BotApiViolation(f"unescaped '<' in HTML: {html_text!r}")
    parser = _TelegramHtml()
    parser.feed(html_text)
    parser.close()
    if parser.stack:
        raise BotApiViolation(f"unclosed HTML tags {parser.stack}")
    return parser.text


def check_call(method: str, params: dict[str, Any]) -> None:
    methods = spec()["methods"]
    if method not in methods:
        raise BotApiViolation(f"unknown Bot API method {method}")
    fields = {f["name"]: f for f in methods[method].get("fields", [])}
    missing = [name for name, f in fields.items() if f["required"] and name not in params]
    if missing:
        raise BotApiViolation(f"{method} without required {missing}")
    unknown = [name for name in params if name not in fields]
    if unknown:
        raise BotApiViolation(f"{method} with unknown parameters {unknown}")
    for key, limit in (("text", 4096), ("caption", 1024)):
        if key in params:
            value = params[key]
            shown = visible_text(value) if params.get("parse_mode") == "HTML" else value
            if len(shown) > limit:
                raise BotApiViolation(f"{method} {key} of {len(shown)} characters (limit {limit})")
            if not shown.strip():
                raise BotApiViolation(f"{method} with empty {key}")
    markup = params.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    if isinstance(markup, dict):
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise BotApiViolation(f"callback_data of {len(data.encode())} bytes: {data!r}")


class RecordingBotApi(OfflineBotApi):
    """The offline Bot API, checking every call the bot makes as Telegram would."""

    delivers_digests = True  # tests drive the digest scheduler through it

    def __init__(self) -> None:
        super().__init__(on_call=self._check)

    @staticmethod
    def _check(call: ApiCall) -> None:
        check_call(call.method, call.params)

    def sent(self, since: int = 0) -> list[ApiCall]:
        shown = ("sendMessage", "sendPhoto", "sendDocument", "editMessageText")
        return [c for c in self.calls[since:] if c.method in shown]
