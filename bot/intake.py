"""How updates travel between Telegram and the handlers, so that nothing is lost and nothing is doubled.

python-telegram-bot tells Telegram an update arrived as soon as it is queued: polling confirms it with the
next getUpdates offset, the webhook server answers 200. An update queued but not yet handled when the
process dies (kill -9, power cut, OOM) would be gone. Here the queue's `put` returns only once the update
has been handled, which delays both confirmations until then. After a crash Telegram delivers the update
again; the ledger (models/ledger.py) applies its write once. On a clean stop (SIGTERM, SIGINT) the updates
already queued are handled and then confirmed, so a restart neither repeats nor skips any.

This relies on updates being handled one at a time by blocking handlers (python-telegram-bot's default):
with `concurrent_updates` or `block=False` handlers, "handled" would be signalled too early.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, Updater

from handlers import updatelog

log = logging.getLogger(__name__)


class HandledQueue(asyncio.Queue):
    """An update queue whose `put` of an Update waits until the application has handled that update."""

    def __init__(self) -> None:
        super().__init__()
        self._waiting: dict[int, asyncio.Future[None]] = {}
        self._refusal: Callable[[], Exception] | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    def refuse_new(self, error: Callable[[], Exception]) -> None:
        """From now on, putting an update raises `error()`: the sender keeps it and delivers it later."""
        self._refusal = error

    async def drain(self, timeout: float) -> bool:
        """Wait until every update put so far has been handled; False if that took longer than `timeout`."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def put(self, item: Any) -> None:
        if not isinstance(item, Update):
            await super().put(item)
            return
        if self._refusal is not None:
            raise self._refusal()
        self._idle.clear()
        done = asyncio.get_running_loop().create_future()
        self._waiting[id(item)] = done
        try:
            await super().put(item)
            await done
        finally:
            self._waiting.pop(id(item), None)
            if not self._waiting:
                self._idle.set()

    def handled(self, update: object) -> None:
        done = self._waiting.get(id(update))
        if done is not None and not done.done():
            done.set_result(None)


class DrainingUpdater(Updater):
    """Webhook mode: on stop, requests still being handled get their answer before the server closes.

    Otherwise Telegram would see those connections drop and deliver the updates again after a restart.
    New requests arriving meanwhile are answered 503, so Telegram keeps them for the next start. The
    endpoint itself is `bot.webhook`'s, which refuses a request from its headers before reading its body.
    """

    DRAIN_SECONDS = 60.0

    async def _start_webhook(
        self,
        listen: str,
        port: int,
        url_path: str,
        bootstrap_retries: int,
        allowed_updates: Sequence[str] | None,
        cert: str | Path | None = None,
        key: str | Path | None = None,
        drop_pending_updates: bool | None = None,
        webhook_url: str | None = None,
        ready: asyncio.Event | None = None,
        ip_address: str | None = None,
        max_connections: int = 40,
        secret_token: str | None = None,
        unix: Any = None,
    ) -> None:
        """python-telegram-bot's own, with the guarded endpoint; TLS is left to a reverse proxy."""
        from telegram.ext._utils.webhookhandler import WebhookServer

        from bot.webhook import GuardedWebhookApp

        if cert is not None or key is not None:
            raise TelegramError("TLS certificates are not supported here; terminate TLS in a reverse proxy")
        if not url_path.startswith("/"):
            url_path = f"/{url_path}"
        app = GuardedWebhookApp(url_path, self.bot, self.update_queue, secret_token)
        self._httpd = WebhookServer(listen, port, app, None, unix)
        await self._bootstrap(
            max_retries=bootstrap_retries,
            drop_pending_updates=drop_pending_updates,
            webhook_url=webhook_url or f"http://{listen}:{port}{url_path}",
            allowed_updates=allowed_updates,
            ip_address=ip_address,
            max_connections=max_connections,
            secret_token=secret_token,
        )
        await self._httpd.serve_forever(ready=ready)

    async def stop(self) -> None:
        queue = self.update_queue
        if self._httpd is not None and isinstance(queue, HandledQueue):
            from tornado.web import HTTPError

            queue.refuse_new(lambda: HTTPError(503))
            if not await queue.drain(self.DRAIN_SECONDS):
                log.warning("stopping with webhook requests still in progress; Telegram will send them again")
        await super().stop()


class IkuApplication(Application):
    """The Application, plus: one log line per update, and the queue told when an update is handled."""

    last_handled_update_id: int | None = None

    async def process_update(self, update: object) -> None:
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        token = updatelog.begin(update)
        try:
            await super().process_update(update)
        finally:
            updatelog.end(token)
            if update.update_id > (self.last_handled_update_id or 0):
                self.last_handled_update_id = update.update_id
            if isinstance(self.update_queue, HandledQueue):
                self.update_queue.handled(update)


async def confirm_handled(application: Application) -> None:
    """After a clean stop in polling mode: confirm to Telegram every update that was handled.

    python-telegram-bot's own last getUpdates runs before the queue is drained, so it cannot confirm the
    updates handled while stopping; without this call a restart would receive them again.
    """
    last = getattr(application, "last_handled_update_id", None)
    if last is None:
        return
    try:
        await application.bot.get_updates(offset=last + 1, limit=1, timeout=0)
    except TelegramError as exc:  # the ledger still keeps a redelivered write single
        log.warning("could not confirm the handled updates to Telegram: %s", exc)
