"""The rate limiter (bot/rate_limiter.py) on a clock the test moves: Telegram's limits kept, a single
reply sent at once, member replies before broadcast, a 429 pausing only its chat."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from telegram.error import RetryAfter

from bot.rate_limiter import OVERALL_WINDOW, TelegramRateLimiter, broadcasting


class FakeTime:
    """A monotonic clock that moves only when the test says so; sleepers wake when their time comes."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        done = asyncio.get_running_loop().create_future()
        self.sleepers.append((self.now + seconds, done))
        await done

    async def settle(self) -> None:
        for _ in range(50):
            await asyncio.sleep(0)

    async def advance(self, seconds: float, step: float = 0.01) -> None:
        """Move forward in small steps, waking every sleeper whose time has come."""
        end = self.now + seconds
        while self.now < end - 1e-9:
            self.now = min(self.now + step, end)
            for item in [s for s in self.sleepers if s[0] <= self.now + 1e-9]:
                self.sleepers.remove(item)
                if not item[1].done():
                    item[1].set_result(None)
            await self.settle()


class Recorder:
    def __init__(self, clock: FakeTime) -> None:
        self.clock = clock
        self.sent: list[tuple[float, int, str]] = []
        self.fail: dict[int, list[Exception]] = {}

    async def call(self, chat: int, label: str) -> bool:
        failures = self.fail.get(chat)
        if failures:
            raise failures.pop(0)
        self.sent.append((self.clock.now, chat, label))
        return True


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


def limiter_on(clock: FakeTime, **kwargs) -> TelegramRateLimiter:
    return TelegramRateLimiter(now=clock, sleep=clock.sleep, **kwargs)


def send(limiter, recorder, chat: int, label: str = ""):
    """A message to `chat`; its priority is the context's (`broadcasting()` or not)."""
    return asyncio.create_task(
        limiter.process_request(recorder.call, (chat, label), {}, "sendMessage", {"chat_id": chat}, None)
    )


def most_in_window(times: list[float], window: float) -> int:
    return max((sum(1 for u in times if t <= u < t + window - 1e-9) for t in times), default=0)


async def test_a_single_reply_goes_out_at_once(clock):
    limiter, rec = limiter_on(clock), Recorder(clock)
    task = send(limiter, rec, 5001, "hi")
    await clock.settle()
    assert task.done() and rec.sent == [(0.0, 5001, "hi")] and clock.sleepers == []


async def test_requests_without_a_chat_are_not_limited(clock):
    limiter, rec = limiter_on(clock), Recorder(clock)
    for n in range(100):
        await limiter.process_request(rec.call, (n, "q"), {}, "answerCallbackQuery", {"callback_query_id": "1"}, None)
    assert len(rec.sent) == 100 and clock.sleepers == []


async def test_overall_at_most_29_in_any_second(clock):
    limiter, rec = limiter_on(clock), Recorder(clock)
    tasks = [send(limiter, rec, 6000 + n) for n in range(100)]
    await clock.settle()
    assert len(rec.sent) == 29  # a burst goes at once...
    await clock.advance(4)
    assert all(t.done() for t in tasks)
    times = [t for t, _, _ in rec.sent]
    assert most_in_window(times, 1.0) <= 29  # ...and no second ever holds more
    assert times[-1] <= 3.5  # about 29 a second, not one at a time


async def test_a_group_gets_at_most_20_a_minute_in_order(clock):
    limiter, rec = limiter_on(clock), Recorder(clock)
    tasks = [send(limiter, rec, -100, str(n)) for n in range(25)]
    await clock.settle()
    assert len(rec.sent) == 20
    await clock.advance(61, step=0.5)
    assert all(t.done() for t in tasks)
    assert [label for _, _, label in rec.sent] == [str(n) for n in range(25)]
    assert most_in_window([t for t, _, _ in rec.sent], 60.0) <= 20


async def test_a_private_chat_gets_a_burst_then_about_one_a_second(clock):
    limiter, rec = limiter_on(clock), Recorder(clock)
    tasks = [send(limiter, rec, 7001, str(n)) for n in range(40)]
    await clock.settle()
    assert len(rec.sent) == 29  # the overall bucket's burst; the chat's would allow 30
    await clock.advance(1.05)
    assert len(rec.sent) == 31  # the chat's 30th token, and the one it gained in that second
    await clock.advance(10, step=0.05)
    assert all(t.done() for t in tasks)
    times = [t for t, _, _ in rec.sent]
    gaps = [b - a for a, b in itertools.pairwise(times[30:])]
    assert all(gap >= 0.9 for gap in gaps), gaps  # then about one a second


async def test_broadcast_is_spread_evenly_at_29_a_second(clock):
    limiter, rec = limiter_on(clock), Recorder(clock)
    with broadcasting():
        digests = [send(limiter, rec, -2000 - n, "digest") for n in range(60)]
    await clock.advance(3, step=0.005)
    assert all(t.done() for t in digests)
    times = [t for t, _, _ in rec.sent]
    assert all(b - a >= 1 / 29 - 0.006 for a, b in itertools.pairwise(times))
    assert most_in_window(times, 1.0) <= 30 and times[-1] <= 2.2


async def test_member_replies_go_before_broadcast(clock):
    limiter, rec = limiter_on(clock), Recorder(clock)
    # Replies fill the overall bucket; then broadcast and another reply wait for the next tokens.
    for n in range(29):
        send(limiter, rec, 8100 + n, "early")
    await clock.settle()
    with broadcasting():
        digests = [send(limiter, rec, -2000 - n, "digest") for n in range(20)]
    await clock.settle()
    reply = send(limiter, rec, 8001, "reply")
    await clock.settle()
    assert len(rec.sent) == 29 and not reply.done()  # the overall bucket is empty: it waits, first in line
    await clock.advance(OVERALL_WINDOW)
    labels = [label for _, _, label in rec.sent]
    assert labels.index("reply") == 29  # the very next token, before the digests that waited longer
    await clock.advance(4)
    assert all(t.done() for t in digests)


async def test_a_flooded_group_never_delays_another_chat(clock):
    limiter, rec = limiter_on(clock), Recorder(clock)
    flood = [send(limiter, rec, -4000, str(n)) for n in range(100)]
    await clock.settle()
    reply = send(limiter, rec, 9001, "member")
    await clock.settle()
    assert reply.done() and rec.sent[-1] == (0.0, 9001, "member")
    for task in flood:
        task.cancel()


async def test_429_pauses_only_its_chat_for_retry_after(clock):
    limiter, rec = limiter_on(clock), Recorder(clock)
    rec.fail[-500] = [RetryAfter(7)]
    group = send(limiter, rec, -500, "group")
    await clock.settle()
    other = send(limiter, rec, 9100, "other")
    await clock.settle()
    assert other.done() and not group.done()
    await clock.advance(6.9, step=0.1)
    assert not group.done()
    await clock.advance(0.2, step=0.1)
    assert group.done() and rec.sent[-1][1:] == (-500, "group")


async def test_429s_from_two_chats_pause_all_sending(clock):
    limiter, rec = limiter_on(clock), Recorder(clock)
    rec.fail[-501] = [RetryAfter(5)]
    rec.fail[-502] = [RetryAfter(5)]
    first, second = send(limiter, rec, -501), send(limiter, rec, -502)
    await clock.settle()
    third = send(limiter, rec, 9200)
    await clock.settle()
    assert not third.done()  # the bot as a whole is over the limit
    await clock.advance(5.1, step=0.1)
    assert first.done() and second.done() and third.done()


async def test_429_beyond_max_retries_reaches_the_caller(clock):
    limiter, rec = limiter_on(clock, max_retries=1), Recorder(clock)
    rec.fail[-600] = [RetryAfter(1), RetryAfter(1)]
    task = send(limiter, rec, -600)
    await clock.advance(3, step=0.1)
    assert isinstance(task.exception(), RetryAfter)
