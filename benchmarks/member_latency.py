"""Benchmark (not a test): a member's /iku reply time while the weekly digest goes to 500 groups, with the
rate limiter the bot ships (bot/rate_limiter.py) against the one it had before (every message 1/29 s
apart, python-telegram-bot's AIORateLimiter), in one run.

    python benchmarks/member_latency.py [--groups 500]

Both runs use benchmarks/digest_fanout.py: the real Application and delivery pass, a stand-in that answers
429 like Telegram above 30 messages a second overall or 20 a minute in a chat, and a member asking /iku
every 0.2 s (in turn from 50 members' private chats) until the fan-out is done.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import digest_fanout


async def main(groups: int) -> None:
    rows = []
    for label, limiter in (("before: paced 1/29 s", "paced29"), ("shipped: token buckets", "bot")):
        result = await digest_fanout.run(groups, limiter, member=True)
        rate = result["accepted"] / result["span"] if result["span"] else float("nan")
        rows.append((label, result, rate))
    print(f"{'limiter':24} {'member p50 s':>12} {'member p95 s':>12} {'fan-out msg/s':>14} {'429s':>5} {'sent':>5}")
    for label, result, rate in rows:
        print(
            f"{label:24} {result['member_p50']:12.3f} {result['member_p95']:12.3f} {rate:14.2f} "
            f"{result['rejected_429']:5} {result['sent_rows']:5}"
        )
    before, now = rows[0][1], rows[1][1]
    print(f"ratio (shipped / before): member p95 {now['member_p95'] / before['member_p95']:.2f}x")
    print("goals: member p95 <= 1 s; fan-out >= 28 messages/s with zero 429s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=500)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.ERROR)
    asyncio.run(main(parser.parse_args().groups))
