"""The rate limiter: Telegram's sending limits (handlers/telegram_limits.py) as token buckets, with member
replies before broadcast."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from handlers.telegram_limits import (
    MESSAGES_PER_MINUTE_PER_GROUP,
    MESSAGES_PER_SECOND,
    OVERALL_WINDOW,
    PRIVATE_CHAT_BURST,
)

log = logging.getLogger(__name__)

REPLY, BROADCAST = 0, 1  # priorities: answers to an update go before digests and reminders
_priority: ContextVar[int] = ContextVar("iku_send_priority", default=REPLY)


@contextmanager
def broadcasting() -> Iterator[None]:
    """Messages sent inside (and by tasks started inside) wait behind every member reply."""
    token = _priority.set(BROADCAST)
    try:
        yield
    finally:
        _priority.reset(token)


class Bucket:
    """`size` tokens; each token taken comes back `period` seconds later. So at most `size` messages go
    out in any window of `period` seconds (the strict form of Telegram's limits), a single message goes at
    once, and the sustained rate is size/period."""

    __slots__ = ("paused_until", "period", "size", "taken")

    def __init__(self, size: int, period: float) -> None:
        self.size = size
        self.period = period
        self.taken: deque[float] = deque()
        self.paused_until = 0.0

    def free_at(self, now: float) -> float:
        """When the next token is available (`now` if one is)."""
        while self.taken and self.taken[0] <= now - self.period:
            self.taken.popleft()
        at = now if len(self.taken) < self.size else self.taken[0] + self.period
        return max(at, self.paused_until)

    def take(self, now: float) -> None:
        self.taken.append(now)

    def idle(self, now: float) -> bool:
        return self.free_at(now) <= now and not self.taken


class SteadyBucket(Bucket):
    """The classic token bucket: holds up to `size` tokens and gains `rate` tokens a second. A burst of
    `size` goes at once, after it one message every 1/rate seconds."""

    __slots__ = ("last", "rate", "tokens")

    def __init__(self, size: int, rate: float) -> None:
        super().__init__(size, size / rate)
        self.rate = rate
        self.tokens = float(size)
        self.last = 0.0

    def _fill(self, now: float) -> None:
        self.tokens = min(float(self.size), self.tokens + (now - self.last) * self.rate)
        self.last = now

    def free_at(self, now: float) -> float:
        self._fill(now)
        at = now if self.tokens >= 1 else now + (1 - self.tokens) / self.rate
        return max(at, self.paused_until)

    def take(self, now: float) -> None:
        self._fill(now)
        self.tokens -= 1

    def idle(self, now: float) -> bool:
        self._fill(now)
        return self.tokens >= self.size and self.paused_until <= now


def _chat_key(data: dict[str, Any] | None) -> int | str | None:
    chat = (data or {}).get("chat_id")
    return chat if isinstance(chat, int | str) else None


def _is_group(chat: int | str) -> bool:
    return (isinstance(chat, int) and chat < 0) or (isinstance(chat, str) and chat.startswith(("@", "-")))


class TelegramRateLimiter(BaseRateLimiter[None]):
    """python-telegram-bot's extension point, with Telegram's limits as token buckets.

    Only requests addressed to a chat (`chat_id`: messages, photos, edits, leaving) are limited; answers
    to button presses, getUpdates and the like are not. A request first waits for its chat's bucket (20 per
    minute in a group, a burst of 3 then one a second in a private chat), in order within the chat and
    independently of every other chat, then for a token of the overall bucket, where member replies
    (`REPLY`) are served before broadcast messages (`BROADCAST`, see `broadcasting()`), which are also
    spread evenly (one every 1/29 s), so a fan-out never bunches up into a 429. An idle limiter lets a
    reply through at once.

    A 429 pauses the chat it was for, for its `retry_after`, and the request is sent again (up to
    `max_retries` times); only when 429s come for two different chats within a second, which means the bot
    as a whole is over the limit, is all sending paused. `now` and `sleep` are injectable for tests.
    """

    def __init__(
        self,
        *,
        max_retries: int = 3,
        overall: tuple[int, float] = (MESSAGES_PER_SECOND, OVERALL_WINDOW),
        group: tuple[int, float] = (MESSAGES_PER_MINUTE_PER_GROUP, 60.0),
        private: tuple[int, float] = (PRIVATE_CHAT_BURST, 1.0),
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.max_retries = max_retries
        self._overall = Bucket(*overall)
        self._group, self._private = group, private
        self._chats: dict[int | str, Bucket] = {}
        self._chat_locks: dict[int | str, asyncio.Lock] = {}
        self._now, self._sleep = now, sleep
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._dispatcher: asyncio.Task[None] | None = None
        self._last_429: tuple[float, int | str] | None = None
        # Broadcast is also spread evenly: a burst of 29 leaving at once can reach Telegram bunched up with
        # the next second's, by network jitter, and be answered 429 (benchmarks/digest_fanout.py).
        self._broadcast_spacing = overall[1] / overall[0]
        self._next_broadcast = 0.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            self._dispatcher = None

    def _chat_bucket(self, chat: int | str) -> Bucket:
        bucket = self._chats.get(chat)
        if bucket is None:
            if len(self._chats) > 1000:  # forget chats whose tokens have all come back
                now = self._now()
                for key in [k for k, b in self._chats.items() if b.idle(now) and k not in self._chat_locks]:
                    del self._chats[key]
            if _is_group(chat):
                bucket = self._chats[chat] = Bucket(*self._group)
            else:
                bucket = self._chats[chat] = SteadyBucket(*self._private)
                bucket.last = self._now()
        return bucket

    async def _wait_for_chat(self, chat: int | str) -> None:
        lock = self._chat_locks.setdefault(chat, asyncio.Lock())
        try:
            async with lock:  # in order within the chat
                bucket = self._chat_bucket(chat)
                while (at := bucket.free_at(self._now())) > self._now():
                    await self._sleep(at - self._now())
                bucket.take(self._now())
        finally:
            if not lock.locked() and self._chat_locks.get(chat) is lock:
                del self._chat_locks[chat]

    async def _pace_broadcast(self) -> None:
        now = self._now()
        at = max(now, self._next_broadcast)
        self._next_broadcast = at + self._broadcast_spacing
        if at > now:
            await self._sleep(at - now)

    async def _wait_for_overall(self, priority: int) -> None:
        now = self._now()
        if not self._waiting and self._overall.free_at(now) <= now:
            self._overall.take(now)
            return
        done = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), done))
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch())
        await done

    async def _dispatch(self) -> None:
        """Hands out overall tokens to the waiting requests, best priority first, then first come."""
        while self._waiting:
            now = self._now()
            at = self._overall.free_at(now)
            if at > now:
                await self._sleep(at - now)
                continue
            _, _, done = heapq.heappop(self._waiting)
            if not done.done():
                self._overall.take(now)
                done.set_result(None)

    def _on_429(self, chat: int | str | None, retry_after: float) -> None:
        now = self._now()
        until = now + retry_after
        if chat is not None:
            bucket = self._chat_bucket(chat)
            bucket.paused_until = max(bucket.paused_until, until)
        last, self._last_429 = self._last_429, (now, chat if chat is not None else "")
        if chat is None or (last is not None and last[1] != chat and now - last[0] <= 1.0):
            self._overall.paused_until = max(self._overall.paused_until, until)
            log.warning("Telegram asked the bot to slow down: all sending paused for %.0f s", retry_after)
        else:
            log.info("Telegram asked to slow down in chat %s: paused for %.0f s", chat, retry_after)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | JSONDict | list[JSONDict]:
        # No per-call arguments: a request is broadcast when sent inside broadcasting().
        chat = _chat_key(data)
        if chat is None:
            return await callback(*args, **kwargs)
        priority = _priority.get()
        attempt = 0
        while True:
            await self._wait_for_chat(chat)
            if priority == BROADCAST:
                await self._pace_broadcast()
            await self._wait_for_overall(priority)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                # The private attribute: reading `retry_after` warns about its future type.
                retry_after = getattr(exc, "_retry_after", None) or exc.retry_after
                seconds = retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
                self._on_429(chat, seconds)
                attempt += 1
                if attempt > self.max_retries:
                    raise


def rate_limiter(max_retries: int = 3) -> TelegramRateLimiter:
    return TelegramRateLimiter(max_retries=max_retries)
