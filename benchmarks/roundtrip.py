"""Benchmark (not a test): the shipped bot (`python -m bot`, SQLite) against a bare python-telegram-bot echo
bot (benchmarks/echo_bot.py), both over HTTP to the same local Bot API stand-in (tests/e2e/standin.py), in
one run, so the ratios hold on any machine.

    python benchmarks/roundtrip.py [--rounds 200] [--users 20] [--each 25]

Prints, for each bot: `/iku` and `/usul` round trip (update offered by the stand-in until the reply
arrives there), p50 and p95, one command at a time. All bots run side by side, each with its own
stand-in, and each round sends one command to each of them in turn: the machine's speed drifts (by up to
2x here), and this way every ratio compares samples taken moments apart. Then throughput with `--users`
users each sending `--each` `/usul` at once. For the shipped bot the database is checked afterwards:
every proposal stored once, every command answered once.

A second baseline, the same echo bot confirming each update only once answered
(ECHO_CONFIRM_AFTER_HANDLING=1, benchmarks/echo_bot.py), shows what that rule alone costs: the shipped
bot must follow it (bot/intake.py), a bare python-telegram-bot bot does not.

Like for like: the echo bot has no rate limiter, so the bot is measured without its sending limiter too
(SEND_RATE_LIMIT=false): that is how fast it handles updates. It is then measured again as shipped, with
the limiter, which keeps it within Telegram's ~30 messages a second overall: that throughput is what
Telegram allows, not what the bot can do.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TOKEN = "7000000001:AAHbenchmarkTokenNotSecret_x9QzWv"
ADMIN = 1001


def bot_env(api_url: str, db_url: str, admins: list[int]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_", "WEBHOOK_", "BOT_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api_url,
        DATABASE_URL=db_url,
        ADMIN_IDS=",".join(map(str, admins)),
        TIMEZONE="Asia/Jakarta",
        LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        BOT_MODE="polling",
        PYTHONUNBUFFERED="1",
    )
    return env


async def start(standin, command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    before = len(standin.calls)
    with log.open("ab") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: ASYNC220
    await standin.wait_until(lambda: any(c.method == "getUpdates" for c in standin.calls[before:]), 60, "start")
    return proc


async def round_trips(standin, users: list[int], text_of, rounds: int) -> list[float]:
    """One command at a time, each from the next user in turn: Telegram allows about one message a second
    in one chat, and people do not type faster than that."""
    out = []
    for n in range(rounds):
        user = users[n % len(users)]
        before = len(standin.sent(user))
        offered = time.monotonic()
        standin.message(user, text_of(n))
        await standin.wait_until(lambda u=user, b=before: len(standin.sent(u)) > b, 30, "a reply")
        out.append((standin.sent(user)[before].at - offered) * 1000)
    return out


async def throughput(standin, users: list[int], each: int, text_of) -> float:
    expected = {u: len(standin.sent(u)) + each for u in users}
    started = time.monotonic()
    for n in range(each):
        for user in users:
            standin.message(user, text_of(user, n))
    await standin.wait_until(lambda: all(len(standin.sent(u)) >= expected[u] for u in users), 120, "all replies")
    last = max(c.at for u in users for c in standin.sent(u))
    return len(users) * each / (last - started)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc): steadier than wall time on a busy
    machine, and what caps throughput on one core."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


@dataclass
class Subject:
    """One bot under measurement, with its own stand-in and database."""

    name: str
    kind: str
    standin: Any
    proc: subprocess.Popen
    db_path: Path
    result: dict[str, float] = field(default_factory=dict)
    iku: list[float] = field(default_factory=list)
    usul: list[float] = field(default_factory=list)


USERS_BASE, ASKERS = 5000, [6000 + n for n in range(50)]


async def launch(kind: str, args, folder: Path, *, rate_limit: bool = False) -> Subject:
    from tests.e2e.standin import BotApiStandIn

    standin = BotApiStandIn(TOKEN)
    await standin.start()
    users = [USERS_BASE + n for n in range(args.users)]
    name = f"{kind}-limited" if rate_limit else kind
    db_path = folder / f"{name}.db"
    env = bot_env(standin.url, f"sqlite+aiosqlite:///{db_path}", [ADMIN, *users, *ASKERS])
    env["FLOOD_UPDATES_PER_MINUTE"] = "100000"  # one benchmark user sends hundreds of commands
    env["SEND_RATE_LIMIT"] = "true" if rate_limit else "false"
    command = [sys.executable, "-m", "bot"] if kind == "bot" else [sys.executable, str(ROOT / "benchmarks/echo_bot.py")]
    if kind == "echo":
        env["ECHO_CONCURRENT"] = str(args.echo_concurrent)
    if kind == "echo-confirm":
        env["ECHO_CONFIRM_AFTER_HANDLING"] = "1"
    proc = await start(standin, command, env, folder / f"{name}.log")
    subject = Subject(name, kind, standin, proc, db_path)
    await round_trips(standin, [ADMIN], lambda n: "/iku", 10)  # warm-up
    return subject


async def interleaved_round_trips(subjects: list[Subject], rounds: int) -> None:
    """Each round, one command to each bot in turn (the first one changing from round to round), so all
    of them are measured under the same conditions however the machine's speed drifts."""
    for command in ("iku", "usul"):
        for n in range(rounds):
            asker = ASKERS[n % len(ASKERS)]
            text = "/iku" if command == "iku" else f"/usul perwali Uji Waktu Tempuh Nomor {n}"
            for i in range(len(subjects)):
                subject = subjects[(n + i) % len(subjects)]
                getattr(subject, command).extend(await round_trips(subject.standin, [asker], lambda _, t=text: t, 1))
    for subject in subjects:
        for command in ("iku", "usul"):
            samples = getattr(subject, command)
            subject.result[f"{command}_p50"], subject.result[f"{command}_p95"] = (
                statistics.median(samples),
                pct(samples, 95),
            )


async def measure_throughput(subject: Subject, args) -> None:
    users = [USERS_BASE + n for n in range(args.users)]
    cpu_before = cpu_seconds(subject.proc.pid)
    subject.result["throughput"] = await throughput(
        subject.standin, users, args.each, lambda u, n: f"/usul perwali Uji Beban {u} Nomor {n}"
    )
    subject.result["cpu_ms"] = (cpu_seconds(subject.proc.pid) - cpu_before) * 1000 / (len(users) * args.each)
    answered = sum(len(subject.standin.sent(u)) for u in users)
    if subject.kind != "bot":
        return
    with sqlite3.connect(subject.db_path) as conn:
        titles = [t for (t,) in conn.execute("SELECT title FROM product WHERE title LIKE 'Uji Beban %'")]
    expected = len(users) * args.each
    subject.result["stored"] = len(titles)
    subject.result["doubled"] = len(titles) - len(set(titles))
    subject.result["answered"] = answered
    if len(set(titles)) != expected or len(titles) != expected or answered != expected:
        print(f"!! {subject.name}: {len(titles)} stored ({len(set(titles))} distinct), {answered} answered")


async def stop(subject: Subject) -> None:
    subject.proc.terminate()
    subject.proc.wait(30)
    await subject.standin.stop()


async def main(args) -> None:
    kept = contextlib.nullcontext(tempfile.mkdtemp(dir=args.keep)) if args.keep else None
    with kept or tempfile.TemporaryDirectory() as folder:
        if args.keep:
            print(f"logs and databases in {folder}")
        subjects: list[Subject] = []
        try:
            for kind, limited in (("echo", False), ("echo-confirm", False), ("bot", False), ("bot", True)):
                subjects.append(await launch(kind, args, Path(folder), rate_limit=limited))
            await interleaved_round_trips(subjects, args.rounds)
            for subject in subjects:
                await measure_throughput(subject, args)
        except BaseException:
            for log in Path(folder).glob("*.log"):  # noqa: ASYNC240 - after the measurement
                print(f"--- {log.name}\n{log.read_text()[-3000:]}")
            raise
        finally:
            for subject in subjects:
                await stop(subject)
    echo, confirming, bot, shipped = (subject.result for subject in subjects)
    print("Like for like, neither with a sending rate limiter (the bot with SEND_RATE_LIMIT=false):")
    print(f"{'':34} {'echo bot':>10} {'this bot':>10} {'ratio':>7}")
    rows = (
        ("iku_p50", "/iku round trip p50", "ms"),
        ("iku_p95", "/iku round trip p95", "ms"),
        ("usul_p50", "/usul round trip p50", "ms"),
        ("usul_p95", "/usul round trip p95", "ms"),
        ("throughput", f"throughput, {args.users} users x {args.each} /usul", "cmd/s"),
        ("cpu_ms", "CPU per /usul in that run", "ms"),
    )
    for key, label, unit in rows:
        print(f"{label + ' (' + unit + ')':34} {echo[key]:10.1f} {bot[key]:10.1f} {bot[key] / echo[key]:6.2f}x")
    print(
        "\nThe echo bot again, confirming each update to Telegram only once answered (as this bot must, so"
        "\nthat a crash loses nothing): getUpdates is asked again only after the reply is sent."
    )
    print(f"{'':34} {'echo, conf.':>11} {'this bot':>10} {'ratio':>7} {'conf./echo':>11}")
    for key, label, unit in rows:
        print(
            f"{label + ' (' + unit + ')':34} {confirming[key]:11.1f} {bot[key]:10.1f} "
            f"{bot[key] / confirming[key]:6.2f}x {confirming[key] / echo[key]:10.2f}x"
        )
    print("\nAs shipped, with the limiter (Telegram's ~30 messages a second overall caps the throughput):")
    print(f"{'':34} {'echo bot':>10} {'this bot':>10} {'ratio':>7}")
    for key, label, unit in rows:
        print(f"{label + ' (' + unit + ')':34} {echo[key]:10.1f} {shipped[key]:10.1f} {shipped[key] / echo[key]:6.2f}x")
    for label, result in (("without the limiter", bot), ("with the limiter", shipped)):
        print(
            f"database after the throughput run {label}: {result['stored']:.0f} proposals stored, "
            f"{result['doubled']:.0f} doubled, {result['answered']:.0f} replies to {args.users * args.each} commands"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--each", type=int, default=25)
    parser.add_argument("--keep", help="a folder to keep the logs in (with BENCH_LOG_LEVEL=INFO)")
    parser.add_argument("--echo-concurrent", type=int, default=1, help="the echo bot's concurrent_updates")
    asyncio.run(main(parser.parse_args()))
