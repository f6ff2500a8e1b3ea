"""The webhook endpoint, guarded: a request is judged on its headers before its body is read.

python-telegram-bot's endpoint reads the whole body (up to tornado's 100 MB default) before it checks the
secret header, and compares the secret with `!=`, whose running time tells an attacker how much of a guess
was right. Here a request without the right secret (compared in constant time) or announcing more than
MAX_BODY bytes is refused from its headers alone; a body that grows past MAX_BODY while it streams in
(chunked, or a lying Content-Length) is cut off there. Telegram's updates are far smaller.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram import Bot
from telegram.ext._utils.webhookhandler import TelegramHandler, WebhookAppClass

from models.validation import number

MAX_BODY = 1024 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def secret_matches(given: str | None, expected: str) -> bool:
    """Constant time in the length of `expected`, whatever `given` holds."""
    return hmac.compare_digest((given or "").encode(), expected.encode())


@tornado.web.stream_request_body
class GuardedTelegramHandler(TelegramHandler):
    """Telegram's handler, streaming the body in only after the headers passed."""

    def prepare(self) -> None:
        if self.secret_token is not None and not secret_matches(
            self.request.headers.get(SECRET_HEADER), self.secret_token
        ):
            self._refuse(HTTPStatus.FORBIDDEN)
            return
        announced = self.request.headers.get("Content-Length")
        if announced is not None and ((size := number(announced.strip())) is None or size > MAX_BODY):
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            return
        # Tornado closes the connection once more than this arrives, chunked or not.
        self.request.connection.set_max_body_size(MAX_BODY)  # type: ignore[union-attr]
        self._chunks: list[bytes] = []

    def _refuse(self, status: HTTPStatus) -> None:
        """Answer from the headers alone. The body was never read, so the connection cannot carry another
        request: `Connection: close` tells the client so (a kept-alive client would otherwise send its
        next request into a closed socket)."""
        self.set_status(status)
        self.set_header("Connection", "close")
        self.finish()

    def data_received(self, chunk: bytes) -> None:
        if self._finished:
            return
        self._chunks.append(chunk)

    async def post(self) -> None:
        self.request.body = b"".join(self._chunks)
        await super().post()


class GuardedWebhookApp(WebhookAppClass):
    """The webhook's tornado application; `routes` adds other pages to the same server (the dashboard)."""

    def __init__(
        self,
        webhook_path: str,
        bot: Bot,
        update_queue: asyncio.Queue,
        secret_token: str | None = None,
        routes: Sequence[Any] = (),
    ) -> None:
        self.shared_objects = {"bot": bot, "update_queue": update_queue, "secret_token": secret_token}
        handlers = [(rf"{webhook_path}/?", GuardedTelegramHandler, self.shared_objects), *routes]
        tornado.web.Application.__init__(self, handlers)
