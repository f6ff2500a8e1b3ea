"""A working week of the Bagian Hukum through Telegram, in polling and in webhook mode, on every backend: the
shipped program in its own process, the Bot API stand-in playing Telegram. Members are added, products
proposed, enacted and published, cases opened and resolved, /iku read, the weekly digest subscribed and sent."""

from __future__ import annotations

import asyncio
import re
import sys
from typing import TypedDict

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from models.db import Database
from models.tables import AuditEntry, Case, Member, ProcessedUpdate, Product
from tests.e2e.conftest import ADMIN, ROOT, say, week_dates

PERUNDANGAN, DOKINFO, BANKUM, PIMPINAN, STRANGER = 2001, 2002, 2003, 2004, 9_876_543_210
GROUP = -1001234567890


def photos(standin) -> list:
    return [c for c in standin.calls if c.method == "sendPhoto" and c.ok and int(c.params["chat_id"]) == GROUP]


class Records(TypedDict):
    products: list[Product]
    cases: list[Case]
    members: list[Member]
    audit: list[str]
    ledger: int


async def records(db_url: str) -> Records:
    db = Database(db_url)
    try:
        async with db.session() as session:
            return {
                "products": list((await session.exec(select(Product).order_by(col(Product.id)))).all()),
                "cases": list((await session.exec(select(Case).order_by(col(Case.id)))).all()),
                "members": list((await session.exec(select(Member).order_by(col(Member.user_id)))).all()),
                "audit": list((await session.exec(select(AuditEntry.action))).all()),
                # Writes' markers (with their reply); "handled" markers of reads have none.
                "ledger": int(
                    (
                        await session.exec(
                            select(func.count()).select_from(ProcessedUpdate).where(ProcessedUpdate.reply != "")
                        )
                    ).one()
                ),
            }
    finally:
        await db.dispose()


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_working_week(mode, standin, bots, bot_env, db_url):
    await bots.start(mode)
    mon, tue, wed, thu, fri = (d.isoformat() for d in week_dates())

    # Monday: the admin registers the team; an outsider is refused and told their id.
    for user, role in (
        (PERUNDANGAN, "staf perundangan Budi Santoso"),
        (DOKINFO, "staf dokinfo Citra Lestari"),
        (BANKUM, "kasubbag bankum Dewi Anggraini"),
        (PIMPINAN, "pimpinan Eko Prasetyo"),
    ):
        assert "Anggota ditambahkan" in await say(standin, ADMIN, f"/anggota tambah {user} {role}")
    refused = await say(standin, STRANGER, "/iku")
    assert "belum terdaftar" in refused and str(STRANGER) in refused

    # Monday and Tuesday: proposals, one with characters Telegram's HTML needs escaped.
    titles = (
        "Tata Cara Pengelolaan Arsip Daerah",
        "Pedoman Penyusunan Anggaran <Kelurahan> & Desa",
        "Standar Pelayanan Minimal Kesehatan",
        "Tarif Retribusi Parkir Tepi Jalan",
    )
    for day, title in zip((mon, mon, tue, tue), titles, strict=False):
        assert "Usulan dicatat" in await say(standin, PERUNDANGAN, f"/usul perwali {day} {title}")
    assert "Pedoman Penyusunan Anggaran <Kelurahan> & Desa" in standin.texts(PERUNDANGAN)[1]
    assert "Usulan dicatat" in await say(standin, PERUNDANGAN, f"/usul kepwali {tue} Tim Penyusun Rencana Kerja")
    assert "tidak tersedia untuk peran Anda" in await say(standin, DOKINFO, f"/usul perda {tue} Judul Lain")

    # Wednesday: three Perwali and the Kepwali are enacted; a number cannot be used twice.
    for product_id, number in ((1, 7), (2, 8), (3, 9), (5, 21)):
        assert "Penetapan dicatat" in await say(standin, PERUNDANGAN, f"/tetapkan {product_id} {number} {wed}")
    assert "sudah dipakai" in await say(standin, PERUNDANGAN, f"/tetapkan 4 7 {wed}")

    # Thursday: two are published; cases are opened.
    assert "Publikasi dicatat" in await say(
        standin, DOKINFO, f"/publikasi 1 {thu} https://jdih.probolinggokota.go.id/perwali-7"
    )
    assert "Publikasi dicatat" in await say(standin, DOKINFO, f"/publikasi 2 {thu}")
    for n in range(1, 5):
        assert "Perkara dicatat" in await say(
            standin, BANKUM, f"/perkara {n}/Pdt.G/2026/PN Prb {mon} Gugatan wanprestasi pengadaan {n}"
        )
    assert "sudah tercatat" in await say(standin, BANKUM, f"/perkara 1/Pdt.G/2026/PN Prb {thu} Lagi")

    # Friday: a case is resolved; the leadership reads the indicators, in private and in the group.
    assert "Penyelesaian perkara dicatat" in await say(standin, BANKUM, f"/selesai 1 {fri} Menang")
    assert "tidak tersedia untuk peran Anda" in await say(standin, PIMPINAN, f"/selesai 2 {fri}")
    for answer in (await say(standin, PIMPINAN, "/iku"), await say(standin, PIMPINAN, "/iku", chat=GROUP)):
        assert "IKU-1" in answer and "2 dari 3 (66,67%)" in answer, answer
        # Kepwali count for IKU-2 only: 4 of 5 proposals enacted.
        assert "IKU-2" in answer and "4 dari 5 (80,00%)" in answer, answer
        assert "IKU-3" in answer and "1 dari 4 (25,00%)" in answer, answer
    lists = await say(standin, PIMPINAN, "/daftar", replies=3)
    assert "Tarif Retribusi Parkir Tepi Jalan" in lists and "No. 9/" in lists, lists
    assert lists.count("Gugatan wanprestasi pengadaan") == 3, lists

    # Friday afternoon: the group subscribes to the weekly digest, and reads it now, in the chat and from cron.
    assert "Ringkasan mingguan IKU akan dikirim ke grup ini" in await say(
        standin, BANKUM, "/langganan jumat 16:00", chat=GROUP
    )
    standin.message(PIMPINAN, "/ringkasan", chat=GROUP, chat_type="supergroup")
    await standin.wait_until(lambda: len(photos(standin)) == 1, 30, "the digest chart")
    run = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "digest",
        "--chat",
        str(GROUP),
        cwd=ROOT,
        env=bot_env(mode),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(run.communicate(), 60)
    assert run.returncode == 0, err
    assert len(photos(standin)) == 2 and all(c.encoding == "multipart" for c in photos(standin))
    digests = [t for t in standin.texts(GROUP) if "Ringkasan Mingguan IKU" in t]
    assert len(digests) == 2
    for digest in digests:
        assert "2 dari 3 (66,67%)" in digest and "4 dari 5 (80,00%)" in digest and "1 dari 4 (25,00%)" in digest

    stored = await records(db_url)
    assert [p.title for p in stored["products"]] == [*titles, "Tim Penyusun Rencana Kerja"]
    assert [(p.number, p.published_on is not None) for p in stored["products"]] == [
        (7, True),
        (8, True),
        (9, False),
        (None, False),
        (21, False),
    ]
    assert [c.resolved_on is not None for c in stored["cases"]] == [True, False, False, False]
    assert {m.user_id: m.role for m in stored["members"]} == {
        ADMIN: "admin",
        PERUNDANGAN: "staf",
        DOKINFO: "staf",
        BANKUM: "kasubbag",
        PIMPINAN: "pimpinan",
    }
    assert sorted(stored["audit"]).count("product.propose") == 5
    writes = 4 + 5 + 4 + 2 + 4 + 1 + 1
    assert stored["ledger"] == writes

    # Every update was handled once and answered; the log has one line per update, without personal data.
    # Polling asks from the watermark, so Telegram may hand out an update still being handled again; it is
    # dropped, not handled twice (bot/intake.py). Webhook requests are answered once handled.
    if mode == "webhook":
        assert set(standin.deliveries.values()) == {1}
    log = bots.log_path.read_text()
    lines = re.findall(r"bot\.updates: update (\d+) (\S+) user=(\d+) chat=(-?\d+) outcome=(\S+) duration=\d+ms", log)
    assert sorted(int(line[0]) for line in lines) == [u["update_id"] for u in standin.updates]
    outcomes = {(command, outcome) for _, command, _, _, outcome in lines}
    assert {
        ("/usul", "applied"),
        ("/usul", "refused"),
        ("/tetapkan", "invalid"),
        ("/iku", "ok"),
        ("/iku", "refused"),
    } <= outcomes
    assert "Gugatan" not in log and "Retribusi" not in log
