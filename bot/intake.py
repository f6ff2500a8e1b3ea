"""How updates travel between Telegram and the handlers: concurrently across chats, in order within a
chat, and so that nothing is lost and nothing is doubled.

python-telegram-bot tells Telegram an update arrived as soon as it is queued: polling confirms it with the
next getUpdates offset, the webhook server answers 200. An update queued but not yet handled when the
process dies (kill -9, power cut, OOM) would be gone. Here Telegram is told only about handled updates:

- Polling: every update taken from Telegram is "in flight" until handled. getUpdates asks from the lowest
  update still in flight (the watermark), so Telegram confirms exactly the updates below it; the updates
  in flight that Telegram hands out again are dropped, not handled twice (`WatermarkBot`).
- Webhook: the queue's `put` returns, and the request is answered, only once its update is handled.

After a crash Telegram delivers the unfinished updates again. Writes are kept single by the ledger
(models/ledger.py); an update that was handled completely (read or write, its reply sent) is marked there
too, so one handled above the watermark is skipped when it comes back, and no reply is sent twice. On a
clean stop (SIGTERM, SIGINT) the updates already queued are handled and then confirmed.

Updates of different chats run concurrently (`ChatOrderedProcessor`); two updates that share a chat or a
person run one after the other in the order Telegram sent them, so a dialogue sees its steps in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from telegram import Update
from telegram._utils.types import JSONDict
from telegram.error import TelegramError
from telegram.ext import Application, BaseUpdateProcessor, Updater
from telegram.request import HTTPXRequest

from bot import gate, services
from handlers import arrival, updatelog
from models import ledger

log = logging.getLogger(__name__)


class HandledQueue(asyncio.Queue):
    """An update queue that knows which updates are in flight (queued or being handled). Its `put` of an
    Update waits until the application has handled it, unless `wait_for_handling` is off (polling, where
    the watermark does the waiting)."""

    def __init__(self) -> None:
        super().__init__()
        self._waiting: dict[int, asyncio.Future[None]] = {}
        self.in_flight: dict[int, int] = {}  # update_id -> id(update)
        # Handled, but maybe not yet confirmed to Telegram (an update below them is still in flight).
        self.finished: set[int] = set()
        self.wait_for_handling = True
        self._refusal: Callable[[], Exception] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self.changed = asyncio.Event()  # set (and replaced) whenever an update in flight is handled

    def watermark(self) -> int | None:
        """The lowest update id still in flight: Telegram may confirm only those below it."""
        return min(self.in_flight) if self.in_flight else None

    def refuse_new(self, error: Callable[[], Exception]) -> None:
        """From now on, putting an update raises `error()`: the sender keeps it and delivers it later."""
        self._refusal = error

    async def drain(self, timeout: float) -> bool:
        """Wait until every update put so far has been handled; False if that took longer than `timeout`."""
        try:
            async with asyncio.timeout(timeout):
                await self._idle.wait()
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
        self.in_flight[item.update_id] = id(item)
        if not self.wait_for_handling:
            await super().put(item)
            return
        try:
            await super().put(item)
            await done
        finally:
            self._forget(item)

    def _forget(self, update: Update, *, finished: bool = True) -> None:
        self._waiting.pop(id(update), None)
        if finished and self.in_flight.get(update.update_id) == id(update):
            del self.in_flight[update.update_id]
            self.finished.add(update.update_id)
        if not self._waiting:
            self._idle.set()
        # Every update handled wakes whoever waits for progress (the poll, WatermarkBot).
        self.changed.set()
        self.changed = asyncio.Event()

    def confirmed_below(self, offset: int) -> None:
        """Telegram was told about every update below `offset`: they will not come back."""
        self.finished = {u for u in self.finished if u >= offset}

    def seen(self, update_id: int) -> bool:
        return update_id in self.in_flight or update_id in self.finished

    def handled(self, update: object) -> None:
        if not isinstance(update, Update):
            return
        done = self._waiting.get(id(update))
        if done is not None and not done.done():
            done.set_result(None)
        if not self.wait_for_handling:
            self._forget(update)

    def set_aside(self, update: object) -> None:
        """Polling, stopping: `update` was taken from Telegram but will not be handled by this process. It
        stays in flight, so every getUpdates from now on (a late poll, the final confirmation) asks from it
        or below, and Telegram delivers it again after the restart."""
        if isinstance(update, Update):
            self._forget(update, finished=False)


class FreshUpdatesRequest(HTTPXRequest):
    """The getUpdates connection. Asking from the watermark, Telegram repeats every update still in flight
    in each answer; they are dropped here, from the decoded JSON, before python-telegram-bot turns them into
    Update objects (parsing dozens of repeated updates per call was most of the bot's CPU under load)."""

    def __init__(self, queue: HandledQueue | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("connection_pool_size", 1)
        super().__init__(**kwargs)
        self.queue = queue

    def parse_json_payload(self, payload: bytes) -> JSONDict:  # type: ignore[override]
        data = super().parse_json_payload(payload)
        result = data.get("result")
        if self.queue is not None and data.get("ok") and isinstance(result, list):
            seen = self.queue.seen
            data["result"] = [u for u in result if not (isinstance(u, dict) and seen(u.get("update_id", -1)))]
        return data


class WatermarkBot:
    """The bot as the polling Updater sees it: getUpdates asks from the watermark, and updates already in
    flight are not handed out again. Everything else is the application's bot."""

    # While updates are in flight, Telegram is asked again once they are all handled; or, from IN_FLIGHT_WAIT
    # after the last time on (for updates of other chats meanwhile), once no more than SMALL_BACKLOG are in
    # flight or half of those in flight then were handled; and at the latest after MAX_WAIT. Each answer
    # repeats every update in flight: asking often while a long backlog is worked off only parses the
    # same updates again.
    IN_FLIGHT_WAIT = 0.05
    MAX_WAIT = 1.0
    SMALL_BACKLOG = 8

    def __init__(self, bot: Any, queue: HandledQueue) -> None:
        self._bot = bot
        self._queue = queue
        self._last_ask = 0.0
        self._backlog = 0  # updates in flight once the last answer was handed out
        # Set when the Updater stops (WatermarkUpdater): from then on getUpdates neither pauses nor long-polls.
        # A long poll would hold the one getUpdates connection that the final confirmation needs.
        self.stopping = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bot, name)

    def _may_ask(self, now: float) -> bool:
        in_flight = len(self._queue.in_flight)
        if not in_flight or now >= self._last_ask + self.MAX_WAIT:
            return True
        small = max(self.SMALL_BACKLOG, self._backlog // 2)
        return now >= self._last_ask + self.IN_FLIGHT_WAIT and in_flight <= small

    async def _pause_while_in_flight(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._may_ask(now := loop.time()):
            # Woken by each update handled, or when the shortest wait ends.
            until = self._last_ask + (
                self.IN_FLIGHT_WAIT if now < self._last_ask + self.IN_FLIGHT_WAIT else self.MAX_WAIT
            )
            # asyncio.timeout, not wait_for: Python 3.11's wait_for drops a cancellation (the Updater
            # stopping) that arrives as the event is set, and the poll would then go on after the stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, until - now)):
                    await self._queue.changed.wait()

    async def get_updates(self, offset: int | None = None, **kwargs: Any) -> tuple[Update, ...]:
        if not self.stopping:
            await self._pause_while_in_flight()
        low = self._queue.watermark()
        if low is not None and offset is not None and low < offset:
            offset = low
            kwargs["timeout"] = 0  # Telegram answers at once anyway: those updates are pending
        if self.stopping:
            kwargs["timeout"] = 0
        self._last_ask = asyncio.get_running_loop().time()
        updates = await self._bot.get_updates(offset=offset, **kwargs)
        if offset is not None:
            self._queue.confirmed_below(offset)
        # Without the filtering request (tests), repeated updates are parsed, then dropped here.
        fresh = tuple(u for u in updates if not self._queue.seen(u.update_id))
        self._backlog = len(self._queue.in_flight) + len(fresh)
        return fresh


class WatermarkUpdater(Updater):
    """Polling mode's Updater: it polls through a WatermarkBot, and tells it when polling stops."""

    def __init__(self, bot: Any, queue: HandledQueue) -> None:
        self.watermark_bot = WatermarkBot(bot, queue)
        super().__init__(self.watermark_bot, queue)  # type: ignore[arg-type]

    async def stop(self) -> None:
        self.watermark_bot.stopping = True
        await super().stop()


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Updates run concurrently, except that updates sharing a chat or a person run in arrival order."""

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._tails: dict[object, asyncio.Future[None]] = {}

    @staticmethod
    def keys(update: object) -> list[object]:
        if not isinstance(update, Update):
            return []
        keys: list[object] = []
        if update.effective_chat is not None:
            keys.append(("chat", update.effective_chat.id))
        if update.effective_user is not None:
            keys.append(("user", update.effective_user.id))
        return keys

    # Overridden although python-telegram-bot marks it final: an update waiting for its chat's turn must not
    # hold one of the concurrency slots, or one flooded chat would fill them all and stall every other chat.
    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        # The place in line is taken here, before the first await, so arrival order is kept.
        keys = self.keys(update)
        before = [self._tails[k] for k in keys if k in self._tails]
        mine = asyncio.get_running_loop().create_future()
        for key in keys:
            self._tails[key] = mine
        try:
            for earlier in before:
                await asyncio.shield(earlier)
            await super().process_update(update, coroutine)
        finally:
            mine.set_result(None)
            for key in keys:
                if self._tails.get(key) is mine:
                    del self._tails[key]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class DrainingUpdater(Updater):
    """Webhook mode: on stop, requests still being handled get their answer before the server closes.

    Otherwise Telegram would see those connections drop and deliver the updates again after a restart.
    New requests arriving meanwhile are answered 503, so Telegram keeps them for the next start. The
    endpoint itself is `bot.webhook`'s, which refuses a request from its headers before reading its body.
    """

    DRAIN_SECONDS = 60.0
    web_routes: Sequence[Any] = ()  # other pages served beside the webhook (bot/dashboard.py)

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
        app = GuardedWebhookApp(url_path, self.bot, self.update_queue, secret_token, self.web_routes)
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate: gate.Gate | None = None
        self.leaving = False  # polling, stopping: updates not yet started are set aside for the restart

    async def stop(self) -> None:
        # Polling takes every pending update at once; on a stop only those already started are finished,
        # the rest stay unconfirmed and come back after the restart (confirm_handled).
        queue = self.update_queue
        self.leaving = isinstance(queue, HandledQueue) and not queue.wait_for_handling
        await super().stop()

    async def process_update(self, update: object) -> None:
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        if self.leaving:
            if isinstance(self.update_queue, HandledQueue):
                self.update_queue.set_aside(update)
            return
        token = updatelog.begin(update)
        svc = services.of(self)
        arrived: object | None = None
        seen: arrival.Arrival | None = None
        answered = False
        try:
            if self.gate is None:
                self.gate = gate.Gate(svc.settings.flood_updates_per_minute)
            # One short read for what every update needs: its ledger marker and the sender's member row,
            # carried to the handlers (handlers/arrival.py) so none of them reads those rows again.
            user, chat = update.effective_user, update.effective_chat
            seen = await arrival.read(svc.db, update.update_id, user.id if user is not None else None)
            if (lost := arrival.unreachable(seen)) is not None and chat is not None and chat.id == lost.user_id:
                async with svc.db.session() as session:
                    await arrival.reachable_again(session, lost)
            if seen.marker is not None and seen.marker.replied:  # handled completely before a crash: not again
                updatelog.note(updatelog.DUPLICATE)
                return
            arrived = arrival.begin(seen)
            non_member = await gate.admit(self.gate, self, update, seen.member)
            if non_member is not None:
                await super().process_update(update)
                if non_member and updatelog.replies():
                    self.gate.answered(non_member, svc.clock.utcnow())
                answered = True
        finally:
            if arrived is not None:
                arrival.end(arrived)
            updatelog.end(token)
            if update.update_id > (self.last_handled_update_id or 0):
                self.last_handled_update_id = update.update_id
            if isinstance(self.update_queue, HandledQueue):
                self.update_queue.handled(update)
        # The update's marker, written after Telegram may be told the update was handled: the next getUpdates
        # goes out at once. Telegram delivers an update again only if it was not told; before this write
        # that could send a reply twice, as it could if the process died between the reply and this write.
        if seen is None or not answered:
            return
        if seen.reply_delivered:
            await ledger.mark_replied(svc.db, update.update_id)
        elif not seen.stored:  # a write's own marker is there already; this insert would change nothing
            await ledger.mark_handled(svc.db, update.update_id, svc.clock.utcnow())


async def confirm_handled(application: Application) -> None:
    """After a clean stop in polling mode: confirm to Telegram every update that was handled.

    python-telegram-bot's own last getUpdates runs before the queue is drained, so it cannot confirm the
    updates handled while stopping; without this call a restart would receive them again.
    """
    queue = application.update_queue
    low = queue.watermark() if isinstance(queue, HandledQueue) else None  # the lowest update set aside
    last = getattr(application, "last_handled_update_id", None)
    if low is None and last is None:
        return
    offset = low if low is not None else (last or 0) + 1
    try:
        await application.bot.get_updates(offset=offset, limit=1, timeout=0)
    except TelegramError as exc:  # the ledger still keeps a redelivered write single
        log.warning("could not confirm the handled updates to Telegram: %s", exc)
