"""A Bot API that lives in this process: it answers python-telegram-bot's requests without a network.

The terminal console talks to it, and tests record every call through it. It answers like Telegram
would for the methods the bot uses (messages get ids, edits return the message, the rest `true`).
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "IKU Bot",
    "username": "iku_bagian_hukum_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    filenames: dict[str, str] = field(default_factory=dict)  # upload parameter -> the file name sent


class OfflineBotApi(BaseRequest):
    # The console must not deliver the groups' weekly digests (see bot.scheduler.delivers).
    delivers_digests = False

    def __init__(self, on_call: Callable[[ApiCall], None] | None = None) -> None:
        self.calls: list[ApiCall] = []
        self.on_call = on_call
        self._message_ids = itertools.count(1)
        self.message_ids: dict[int, int] = {}  # id(ApiCall) -> message_id it was answered with
        # Set by a test to make the next calls fail: method -> (http status, description, parameters).
        self.failures: dict[str, list[tuple[int, str, dict | None]]] = {}
        # Files users "sent" (documents for /impor), by file_id: getFile and the download serve them.
        self.uploads: dict[str, bytes] = {}

    def add_upload(self, content: bytes) -> str:
        file_id = f"upload-{len(self.uploads) + 1}"
        self.uploads[file_id] = content
        return file_id

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=None,
        write_timeout=None,
        connect_timeout=None,
        pool_timeout=None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        if "/file/bot" in url:  # a download (File.download_*): the raw bytes, not a JSON answer
            download = self.uploads.get(name)
            return (200, download) if download is not None else (404, b"Not Found")
        params = dict(request_data.parameters) if request_data else {}
        files: dict[str, bytes] = {}
        filenames: dict[str, str] = {}
        if request_data and request_data.contains_files:
            for key, value in (request_data.multipart_data or {}).items():
                content = value[1] if isinstance(value, tuple) else value
                if isinstance(value, tuple) and isinstance(value[0], str):
                    filenames[key] = value[0]
                files[key] = content if isinstance(content, bytes) else content.read()
                params.setdefault(key, f"attach://{key}")  # Telegram sees the upload as that parameter
        queued = self.failures.get(name)
        if queued:
            status, description, extra = queued.pop(0)
            body = {"ok": False, "error_code": status, "description": description}
            if extra:
                body["parameters"] = extra
            return status, json.dumps(body).encode()
        call = ApiCall(name, params, files, filenames)
        self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)
        result = self.result(call)
        if isinstance(result, dict) and "message_id" in result:
            self.message_ids[id(call)] = result["message_id"]
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def result(self, call: ApiCall) -> Any:
        params = call.params
        if call.method == "getMe":
            return BOT_USER
        if call.method == "getUpdates":
            return []
        if call.method in (
            "sendMessage",
            "sendPhoto",
            "sendDocument",
            "editMessageText",
            "editMessageReplyMarkup",
            "editMessageCaption",
        ):
            chat_id = int(params.get("chat_id", 0))
            message: dict[str, Any] = {
                "message_id": int(params.get("message_id") or next(self._message_ids)),
                "date": int(time.time()),
                "chat": {
                    "id": chat_id,
                    "type": "private" if chat_id > 0 else "supergroup",
                    **({"title": "Grup"} if chat_id < 0 else {"first_name": "Pengguna"}),
                },
                "from": BOT_USER,
            }
            if "text" in params:
                message["text"] = params["text"]
            if "caption" in params:
                message["caption"] = params["caption"]
            if call.method == "sendPhoto":
                message["photo"] = [{"file_id": "photo", "file_unique_id": "photo", "width": 1, "height": 1}]
            if call.method == "sendDocument":
                name = call.filenames.get("document", "document")
                message["document"] = {"file_id": "document", "file_unique_id": "document", "file_name": name}
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            return message
        if call.method == "getFile":
            file_id = str(params.get("file_id", ""))
            if file_id not in self.uploads:
                return None
            size = len(self.uploads[file_id])
            return {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": size,
                "file_path": f"documents/{file_id}",
            }
        if call.method == "getChat":
            return {"id": int(params.get("chat_id", 0)), "type": "private"}
        return True


def message_data(
    text: str,
    *,
    message_id: int,
    user_id: int,
    date: int,
    chat_id: int | None = None,
    chat_type: str = "private",
    first_name: str = "Pengguna",
    chat_title: str = "Grup",
) -> dict[str, Any]:
    """A text message as Telegram delivers it, with the bot_command entity Telegram adds to commands."""
    chat: dict[str, Any] = {"id": user_id if chat_id is None else chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = first_name
    else:
        chat["title"] = chat_title
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": date,
        "chat": chat,
        "from": {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "id"},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return message


def document_data(
    content_id: str,
    file_name: str,
    size: int,
    *,
    caption: str = "",
    message_id: int,
    user_id: int,
    date: int,
    first_name: str = "Pengguna",
) -> dict[str, Any]:
    """A document sent in a private chat, as Telegram delivers it (the caption's command marked)."""
    message = message_data("", message_id=message_id, user_id=user_id, date=date, first_name=first_name)
    del message["text"]
    message["document"] = {
        "file_id": content_id,
        "file_unique_id": content_id,
        "file_name": file_name,
        "file_size": size,
    }
    if caption:
        message["caption"] = caption
        if caption.startswith("/"):
            message["caption_entities"] = [{"type": "bot_command", "offset": 0, "length": len(caption.split()[0])}]
    return message
