"""The dashboard's tests share these: a bot with the dashboard served on a free port of 127.0.0.1, signed
initData, and a year of data whose figures are known."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import dashboard
from models import web_access
from tests.conftest import ADMIN, BotHarness
from tests.helpers import custom_harness, ids_in

TOKEN = "123456:TEST"  # the harness's bot token (tests/conftest.make_settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    harness: BotHarness
    base: str  # http://127.0.0.1:<port>/dasbor


@asynccontextmanager
async def served(db_url: str, clock: Any, url: str | None = None, **settings: Any) -> AsyncIterator[Served]:
    """The bot with its dashboard server up (as polling mode starts it), by default on http://127.0.0.1."""
    port = free_port()
    url = url or f"http://127.0.0.1:{port}/dasbor"
    async with custom_harness(db_url, clock, dashboard_url=url, web_listen="127.0.0.1", web_port=port, **settings) as h:
        await dashboard.start(h.app)
        try:
            yield Served(h, f"http://127.0.0.1:{port}/dasbor")
        finally:
            await dashboard.stop(h.app)


def init_data(user_id: int, signed_at: datetime, token: str = TOKEN, **extra: str) -> str:
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": user_id, "first_name": "Uji", "language_code": "id"}, separators=(",", ":")),
        "auth_date": str(int(signed_at.timestamp())),
        **extra,
    }
    return web_access.sign_init_data(fields, token)


def tma(user_id: int, signed_at: datetime) -> dict[str, str]:
    return {"Authorization": f"tma {init_data(user_id, signed_at)}"}


async def say(harness: BotHarness, command: str, expect: str) -> int:
    reply = await harness.say(command, user=ADMIN)
    assert expect in reply, reply
    return ids_in(reply)[0] if "#" in reply else 0


async def a_year_of_data(harness: BotHarness) -> None:
    """With the clock on 24 November 2026: IKU-1 1 of 2 (50,00%), IKU-2 2 of 3 (66,67%), IKU-3 1 of 2
    (50,00%); targets 80 for IKU-1 and IKU-2; one Perwali and one Perda enacted and unpublished, one open case
    on appeal with a hearing in 6 days; the years before have figures of their own."""
    old = await say(harness, "/usul perwali 2025-02-10 Pedoman Lama", "Usulan dicatat")
    await say(harness, f"/tetapkan {old} 4 2025-05-05", "Penetapan dicatat")
    await say(harness, f"/publikasi {old} 2025-06-01", "Publikasi dicatat")
    a = await say(harness, "/usul perwali 2026-02-10 Tata Cara Arsip", "Usulan dicatat")
    await say(harness, f"/tetapkan {a} 1 2026-03-05", "Penetapan dicatat")
    await say(harness, f"/publikasi {a} 2026-03-06", "Publikasi dicatat")
    b = await say(harness, "/usul perda 2026-03-20 Pajak <Daerah> & Retribusi", "Usulan dicatat")
    await say(harness, f"/tetapkan {b} 1 2026-05-10", "Penetapan dicatat")
    await say(harness, "/usul kepwali 2026-05-01 Tim Penyusun", "Usulan dicatat")
    c = await say(harness, "/usul perwali 2025-11-01 Tata Tertib Lama", "Usulan dicatat")
    await say(harness, f"/tetapkan {c} 9 2025-12-20", "Penetapan dicatat")  # unpublished since 2025
    await say(harness, "/perkara 12/Pdt.G/2026/PN Prb 2026-03-01 Gugatan wanprestasi", "Perkara")
    second = await say(harness, "/perkara 3/G/2026/PTUN.SBY 2026-04-01 Sengketa izin", "Perkara")
    await say(harness, f"/selesai {second} 2026-09-30 menang Gugatan ditolak", "Penyelesaian")
    await say(harness, "/tahap 1 banding 196/PDT/2026/PT.SBY 2026-10-10", "naik tingkat")
    await say(harness, "/sidang 1 2026-11-30 09:00 Pembuktian", "Sidang")
    await say(harness, "/target iku1 80", "Target")
    await say(harness, "/target iku2 80", "Target")


def visible_block(reply: str, code: str) -> str:
    start = reply.index(f"{code} ")
    ends = [reply.find(f"{other} ", start + 1) for other in ("IKU-1", "IKU-2", "IKU-3")]
    return reply[start : min([e for e in ends if e > start] + [len(reply)])]


def link_token(text: str) -> str:
    found = re.search(r"/masuk#t=([A-Za-z0-9_-]+)", text)
    assert found, text
    return found.group(1)
