"""Benchmark (not a test): start-up time to the first getUpdates, on an existing database, and idle resident
memory, of the shipped bot (`python -m bot`, SQLite) against the bare echo bot (benchmarks/echo_bot.py),
in one run, both against the local Bot API stand-in (tests/e2e/standin.py).

    python benchmarks/startup.py [--runs 5] [--products 100000]

The database is migrated and filled (`--products`, a tenth as many cases) before the first start, so
every start finds an existing database, as in production. Memory is VmRSS from /proc after 3 s idle.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from roundtrip import ADMIN, TOKEN, bot_env  # noqa: E402 - the benchmark next to this one


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def start_once(command: list[str], env: dict[str, str], log: Path) -> tuple[float, float]:
    from tests.e2e.standin import BotApiStandIn

    standin = BotApiStandIn(TOKEN)
    await standin.start()
    env = {**env, "TELEGRAM_API_URL": standin.url}
    try:
        started = time.monotonic()
        with log.open("ab") as out:
            proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: ASYNC220
        try:
            await standin.wait_until(lambda: any(c.method == "getUpdates" for c in standin.calls), 60, "start")
            first = min(c.at for c in standin.calls if c.method == "getUpdates")
            await asyncio.sleep(3)
            return first - started, rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(30)
    finally:
        await standin.stop()


async def main(args) -> None:
    from benchmarks_fill import fill

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "iku.db"
        fill(path, args.products)
        env = bot_env("", f"sqlite+aiosqlite:///{path}", [ADMIN])
        results = {}
        for kind, command in (
            ("echo", [sys.executable, str(ROOT / "benchmarks/echo_bot.py")]),
            ("bot", [sys.executable, "-m", "bot"]),
        ):
            runs = [await start_once(command, env, Path(folder) / f"{kind}.log") for _ in range(args.runs)]
            results[kind] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
    echo, bot = results["echo"], results["bot"]
    print(f"{'':38} {'echo bot':>9} {'this bot':>9} {'ratio':>7}")
    print(f"{'start-up to first getUpdates (s)':38} {echo[0]:9.2f} {bot[0]:9.2f} {bot[0] / echo[0]:6.2f}x")
    print(f"{'idle resident memory (MB)':38} {echo[1]:9.1f} {bot[1]:9.1f} {bot[1] / echo[1]:6.2f}x")
    print(f"(medians of {args.runs} starts; {args.products:,} products on the existing database)")
    print("goals: start-up <= 2 s on an existing database; idle memory <= 120 MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--products", type=int, default=100_000)
    asyncio.run(main(parser.parse_args()))
