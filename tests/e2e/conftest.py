"""End-to-end fixtures: the Bot API stand-in, and the shipped program (`python -m bot`) as a separate process.

Every bot process's log is checked when the test ends: the token and the webhook secret never appear, and
neither do the people's names the tests use (the INFO log holds Telegram ids only).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.standin import BotApiStandIn

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "7000000001:AAHe2eStandInTokenNeverLogged_x9QzWv"
WEBHOOK_SECRET = "e2e-webhook-secret_Q7w"
ADMIN = 1001
# Names the tests send; none may show up in an INFO log.
PERSONAL = ("Budi Santoso", "Citra Lestari", "Dewi Anggraini", "Eko Prasetyo", "Siti Rahmawati")
SENDER_NAME = "Siti Rahmawati"
SETTINGS = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_URL",
    "DATABASE_URL",
    "TIMEZONE",
    "ADMIN_IDS",
    "LOG_LEVEL",
    "BOT_MODE",
    "WEBHOOK_URL",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "WEBHOOK_SECRET",
    "FLOOD_UPDATES_PER_MINUTE",
)
JAKARTA = ZoneInfo("Asia/Jakarta")
# Proposal titles far enough apart that the bot's similar-title check never stops to ask.
TOPICS = (
    "Arsip Daerah",
    "Anggaran Kelurahan",
    "Pelayanan Kesehatan",
    "Retribusi Parkir",
    "Pengelolaan Sampah",
    "Bantuan Sosial",
    "Jalan Lingkungan",
    "Penanggulangan Bencana",
    "Perizinan Berusaha",
    "Pajak Hotel",
    "Cagar Budaya",
    "Ruang Terbuka Hijau",
    "Perlindungan Anak",
    "Air Minum",
    "Pasar Rakyat",
    "Kawasan Tanpa Rokok",
    "Pemakaman Umum",
    "Lalu Lintas",
    "Koperasi Usaha Mikro",
    "Pendidikan Inklusif",
    "Kearsipan Digital",
    "Penerangan Jalan",
    "Hibah Daerah",
    "Pengadaan Barang",
    "Karang Taruna",
    "Tenaga Kerja Lokal",
    "Bangunan Gedung",
    "Statistik Sektoral",
    "Pemadam Kebakaran",
    "Desa Wisata",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def week_dates() -> list[date]:
    """Five working days ending today, never before 1 January: the bot's clock is the real one, and the
    indicators count the current year."""
    today = datetime.now(JAKARTA).date()
    start = max(today - timedelta(days=4), date(today.year, 1, 1))
    return [min(start + timedelta(days=i), today) for i in range(5)]


class BotProcess:
    """`python -m bot` run from the repository root, its output in a log file."""

    def __init__(self, env: dict[str, str], log_path: Path, args: tuple[str, ...] = ()) -> None:
        self.env = env
        self.log_path = log_path
        self.args = args
        self.proc: subprocess.Popen | None = None

    def start(self) -> BotProcess:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", *self.args],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    async def wait_exit(self, timeout: float = 30) -> int:
        """Poll (without blocking the stand-in, which the stopping bot still talks to) until it exits."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"bot did not exit within {timeout}s; log:\n{self.log()[-3000:]}")
            await asyncio.sleep(0.05)
        return self.proc.returncode

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return await self.wait_exit(timeout)

    def kill(self) -> None:
        if self.running():
            assert self.proc is not None
            self.proc.kill()
            self.proc.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
async def standin():
    api = BotApiStandIn(TOKEN)
    await api.start()
    yield api
    await api.stop()
    assert not api.violations, api.violations


@pytest.fixture
def bot_env(standin, db_url) -> Callable[..., dict[str, str]]:
    def make(mode: str = "polling", **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=standin.url,
            DATABASE_URL=db_url,
            TIMEZONE="Asia/Jakarta",
            ADMIN_IDS=str(ADMIN),
            LOG_LEVEL="INFO",
            BOT_MODE=mode,
            PYTHONUNBUFFERED="1",
            # One admin scripting a whole week sends far more than 30 updates a minute; the flood test sets 30.
            FLOOD_UPDATES_PER_MINUTE="100000",
        )
        if mode == "webhook":
            port = free_port()
            env.update(
                WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram-hook",
                WEBHOOK_LISTEN="127.0.0.1",
                WEBHOOK_PORT=str(port),
                WEBHOOK_SECRET=WEBHOOK_SECRET,
            )
        env.update(extra)
        return env

    return make


@pytest.fixture
def bots(tmp_path, bot_env, standin):
    """Start bot processes (`await bots.start()`); any left running are killed, and every log is checked."""
    started: list[BotProcess] = []

    class Bots:
        log_path = tmp_path / "bot.log"
        personal_data_allowed = False

        async def start(
            self, mode: str = "polling", env: dict[str, str] | None = None, timeout: float = 60
        ) -> BotProcess:
            """A bot process, once it is fetching updates (polling) or has set its webhook."""
            calls_before = len(standin.calls)
            process = BotProcess(env or bot_env(mode), self.log_path).start()
            started.append(process)
            ready_method = "setWebhook" if mode == "webhook" else "getUpdates"

            def ready() -> bool:
                if not process.running():
                    assert process.proc is not None
                    raise AssertionError(f"bot exited with {process.proc.returncode}:\n{process.log()[-3000:]}")
                return any(c.method == ready_method for c in standin.calls[calls_before:])

            await standin.wait_until(ready, timeout, f"bot start ({mode})")
            return process

    bots = Bots()
    yield bots
    for process in started:
        process.kill()
    log = Bots.log_path.read_text(errors="replace") if Bots.log_path.exists() else ""
    for secret in (TOKEN, TOKEN.split(":")[1], WEBHOOK_SECRET):
        assert secret not in log, "a secret was logged"
    if not bots.personal_data_allowed:
        for name in PERSONAL:
            assert name not in log, f"personal data in the log: {name}"


async def say(
    standin: BotApiStandIn, user: int, text: str, *, replies: int = 1, chat: int | None = None, timeout: float = 30
) -> str:
    """Send `text` as `user` (in their private chat, or in group `chat`) and wait for `replies` messages to
    that chat; returns them joined."""
    where = user if chat is None else chat
    before = len(standin.sent(where))
    standin.message(
        user, text, first_name=SENDER_NAME, chat=chat, chat_type="private" if chat is None else "supergroup"
    )
    await standin.wait_until(
        lambda: len(standin.sent(where)) >= before + replies, timeout, f"{replies} replies to {text!r}"
    )
    return "\n".join(standin.texts(where)[before:])
