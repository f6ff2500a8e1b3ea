"""Benchmark (not a test): the weekly digest to 500 groups through a local Bot API stand-in that enforces
Telegram's flood limits, and how close the bot gets to them.

    python benchmarks/digest_fanout.py [--groups 500] [--limiter bot|ptb|pacedN]

The stand-in runs in its own process on 127.0.0.1 (a random free port) and answers like Telegram:
at most 30 messages in any one-second window overall and 20 in any 60-second window per chat; above
that it answers 429 with `retry_after`. Every call is also checked against the Bot API description
(tests/botapi.py). The bot side is the real Application (python-telegram-bot's HTTP client,
AIORateLimiter, the delivery pass with its database claims) on a fresh SQLite file.

Prints: groups delivered, messages accepted, 429s, achieved rate against the 30/s ceiling, the busiest
one-second window, and the total time. Everything is bounded: the stand-in exits by itself after a few
minutes, and the run gives up after two.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OVERALL_PER_SECOND = 30
PER_CHAT_PER_MINUTE = 20
STAND_IN_LIFETIME = 300  # seconds
RUN_LIMIT = 120  # seconds
MESSAGE_METHODS = {"sendMessage", "sendPhoto"}


# --- the stand-in (child process) ------------------------------------------------------------------------


@dataclass
class StandInStats:
    accepted: int = 0
    rejected_429: int = 0
    invalid: int = 0
    accepted_at: list[float] = field(default_factory=list)
    per_chat: collections.Counter[tuple[int, str]] = field(default_factory=collections.Counter)


def serve() -> None:
    import logging

    import tornado.netutil
    import tornado.web
    from tornado.httpserver import HTTPServer

    from bot.offline_api import BOT_USER
    from tests.botapi import check_call

    overall: collections.deque[float] = collections.deque()
    per_chat: dict[int, collections.deque[float]] = collections.defaultdict(collections.deque)
    stats = StandInStats()

    def retry_after(window: collections.deque[float], period: float, now: float) -> int:
        return max(1, math.ceil(window[0] + period - now))

    class Method(tornado.web.RequestHandler):
        def post(self, token: str, method: str) -> None:
            params = {k: v[0].decode() for k, v in self.request.body_arguments.items()}
            for name in self.request.files:
                params[name] = f"attach://{name}"
            if method == "getMe":
                return self._ok(BOT_USER)
            try:
                check_call(method, params)
            except AssertionError as exc:
                stats.invalid += 1
                return self._error(400, f"Bad Request: {exc}")
            if method not in MESSAGE_METHODS:
                return self._ok(True)
            chat_id = int(params["chat_id"])
            now = time.monotonic()
            while overall and overall[0] <= now - 1.0:
                overall.popleft()
            chat = per_chat[chat_id]
            while chat and chat[0] <= now - 60.0:
                chat.popleft()
            if len(overall) >= OVERALL_PER_SECOND:
                return self._flood(retry_after(overall, 1.0, now))
            if len(chat) >= PER_CHAT_PER_MINUTE:
                return self._flood(retry_after(chat, 60.0, now))
            overall.append(now)
            chat.append(now)
            stats.accepted += 1
            stats.accepted_at.append(now)
            stats.per_chat[(chat_id, method)] += 1
            message = {
                "message_id": stats.accepted,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "supergroup", "title": "Grup"},
                "from": BOT_USER,
            }
            if method == "sendPhoto":
                message["photo"] = [{"file_id": "bench-photo", "file_unique_id": "bench", "width": 1280, "height": 720}]
            else:
                message["text"] = params.get("text", "")
            self._ok(message)

        def _flood(self, seconds: int) -> None:
            stats.rejected_429 += 1
            self.set_status(429)
            self.finish(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {seconds}",
                    "parameters": {"retry_after": seconds},
                }
            )

        def _error(self, status: int, description: str) -> None:
            self.set_status(status)
            self.finish({"ok": False, "error_code": status, "description": description})

        def _ok(self, result) -> None:
            self.finish({"ok": True, "result": result})

    class Stats(tornado.web.RequestHandler):
        def get(self) -> None:
            times = stats.accepted_at
            busiest, start = 0, 0
            for end, moment in enumerate(times):
                while times[start] <= moment - 1.0:
                    start += 1
                busiest = max(busiest, end - start + 1)
            per_chat: dict[int, dict[str, int]] = collections.defaultdict(dict)
            for (chat_id, method), n in stats.per_chat.items():
                per_chat[chat_id][method] = n
            shapes = collections.Counter(json.dumps(methods, sort_keys=True) for methods in per_chat.values())
            self.finish(
                {
                    "accepted": stats.accepted,
                    "rejected_429": stats.rejected_429,
                    "invalid": stats.invalid,
                    "span": (times[-1] - times[0]) if len(times) > 1 else 0.0,
                    "busiest_second": busiest,
                    "chats": len(per_chat),
                    "messages_per_chat": dict(shapes),
                }
            )

    logging.getLogger("tornado.access").setLevel(logging.ERROR)
    app = tornado.web.Application([(r"/bot([^/]+)/(\w+)", Method), (r"/stats", Stats)])
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    HTTPServer(app).add_sockets(sockets)
    print(f"PORT {sockets[0].getsockname()[1]}", flush=True)

    async def live() -> None:
        await asyncio.sleep(STAND_IN_LIFETIME)

    asyncio.get_event_loop().run_until_complete(live())


# --- the bot side -------------------------------------------------------------------------------------


async def seed(db, groups: int, now: datetime, today: date) -> None:
    """A realistic week of records, and `groups` subscriptions due at `now`."""
    from models.tables import Case, Product, Subscription

    long_ago = now - timedelta(days=30)
    async with db.session() as session:
        for n in range(1, 13):
            proposed = today - timedelta(days=60 - 4 * n)
            enacted = proposed + timedelta(days=10) if n <= 9 else None
            session.add(
                Product(
                    kind="perwali" if n % 3 else "perda",
                    title=f"Peraturan tentang Urusan Daerah {n}",
                    proposed_on=proposed,
                    enacted_on=enacted,
                    number=n if enacted else None,
                    number_year=enacted.year if enacted else None,
                    published_on=enacted + timedelta(days=3) if enacted and n <= 6 else None,
                    created_by=1,
                    created_at=long_ago,
                    updated_at=long_ago,
                )
            )
        for n in range(1, 7):
            session.add(
                Case(
                    register_number=f"{n}/Pdt.G/2026/PN Prb",
                    register_key=f"{n}/pdt.g/2026/pnprb",
                    description=f"Gugatan {n}",
                    started_on=today - timedelta(days=200 - 30 * n),
                    resolved_on=today - timedelta(days=3) if n <= 2 else None,
                    created_by=1,
                    created_at=long_ago,
                    updated_at=long_ago,
                )
            )
        for n in range(1, groups + 1):
            session.add(
                Subscription(
                    chat_id=-1001000000000 - n,
                    title=f"Grup {n}",
                    weekday=now.weekday(),
                    hour=now.hour,
                    minute=now.minute,
                    active=True,
                    created_by=1,
                    created_at=long_ago,
                    updated_at=long_ago,
                )
            )


MEMBERS = [7000 + n for n in range(50)]  # asking /iku in turn while the digest goes out


async def ask_while(application, busy: asyncio.Future, every: float = 0.2) -> list[float]:
    """A member's /iku every `every` seconds (each from the next member, in their private chat) until the
    fan-out is done; the seconds from the update's arrival to its reply being accepted."""
    from telegram import Update

    from bot.offline_api import message_data

    latencies = []
    n = 0
    while not busy.done():
        user = MEMBERS[n % len(MEMBERS)]
        n += 1
        data = message_data("/iku", message_id=n, user_id=user, date=int(time.time()), chat_type="private")
        update = Update.de_json({"update_id": 10_000 + n, "message": data}, application.bot)
        started = time.perf_counter()
        await application.process_update(update)
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(every)
    return latencies


async def run(groups: int, limiter: str, member: bool = False) -> dict:
    import httpx
    from telegram.ext import AIORateLimiter

    from bot import scheduler
    from bot.app import build_application, prepare_database
    from bot.settings import Settings
    from models.clock import Clock
    from models.digests import SENT

    # The stand-in runs in its own process so that its work does not share this event loop; starting it
    # blocks for a moment only, before any measurement.
    child = subprocess.Popen(  # noqa: ASYNC220 - started once, before the timed part
        [sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert child.stdout is not None  # stdout=PIPE
    try:
        port = int(child.stdout.readline().split()[1])
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(
                _env_file=None,
                telegram_bot_token="123456:BENCH",
                telegram_api_url=f"http://127.0.0.1:{port}",
                database_url=f"sqlite+aiosqlite:///{folder}/bench.db",
                timezone="Asia/Jakarta",
                admin_ids=MEMBERS,
            )
            clock = Clock(settings.tz)
            slot = datetime(2026, 11, 30, 8, 0, tzinfo=settings.tz)
            clock.set(slot + timedelta(seconds=5))
            application = build_application(settings, clock=clock, rate_limit=True)
            if limiter == "ptb":  # python-telegram-bot's stock limiter, for comparison
                application.bot._rate_limiter = AIORateLimiter(max_retries=3)
            elif limiter.startswith("paced"):  # evenly spaced at N per second
                application.bot._rate_limiter = AIORateLimiter(
                    overall_max_rate=1, overall_time_period=1 / float(limiter[5:]), max_retries=3
                )
            async with application:
                await prepare_database(application)
                svc = application.bot_data["services"]
                await seed(svc.db, groups, slot.astimezone(UTC), slot.date())
                started = time.perf_counter()
                fan_out = asyncio.ensure_future(asyncio.wait_for(scheduler.deliver_due(application), RUN_LIMIT))
                asking = asyncio.ensure_future(ask_while(application, fan_out)) if member else None
                report = await fan_out
                elapsed = time.perf_counter() - started
                latencies = await asking if asking is not None else []
                async with svc.db.session() as session:
                    from sqlmodel import func, select

                    from models.tables import DigestDelivery

                    sent_rows = (
                        await session.exec(
                            select(func.count()).select_from(DigestDelivery).where(DigestDelivery.status == SENT)
                        )
                    ).one()
            await svc.db.dispose()
        async with httpx.AsyncClient() as client:
            stand_in = (await client.get(f"http://127.0.0.1:{port}/stats")).json()
    finally:
        child.terminate()
        child.wait(10)
    return {
        "groups": groups,
        "limiter": limiter,
        "report": str(report),
        "sent_rows": sent_rows,
        "elapsed": elapsed,
        "member_replies": len(latencies),
        "member_p50": statistics.median(latencies) if latencies else None,
        "member_p95": statistics.quantiles(latencies, n=20)[18] if len(latencies) > 1 else None,
        **stand_in,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--member", action="store_true", help="a member asks /iku every 0.2 s meanwhile")
    parser.add_argument(
        "--limiter",
        default="bot",
        help="bot: the rate limiter as the bot configures it (bot/rate_limiter.py); ptb: "
        "python-telegram-bot's stock AIORateLimiter; pacedN: N evenly spaced messages/s",
    )
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.ERROR)
    result = asyncio.run(run(args.groups, args.limiter, args.member))
    rate = result["accepted"] / result["span"] if result["span"] else float("nan")
    print(json.dumps(result, indent=2))
    print(
        f"\n{result['groups']} groups, limiter {result['limiter']}: {result['sent_rows']} digests recorded sent; "
        f"{result['accepted']} messages accepted, {result['rejected_429']} answered 429, "
        f"{result['invalid']} invalid calls"
    )
    if result["member_replies"]:
        print(
            f"a member's /iku meanwhile: {result['member_replies']} answered, p50 {result['member_p50']:.3f} s, "
            f"p95 {result['member_p95']:.3f} s"
        )
    print(
        f"achieved {rate:.2f} messages/s against the {OVERALL_PER_SECOND}/s ceiling "
        f"(busiest one-second window: {result['busiest_second']}); total {result['elapsed']:.1f} s"
    )


if __name__ == "__main__":
    main()
