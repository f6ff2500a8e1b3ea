"""The database paths that differ between SQLite and PostgreSQL: 64-bit Telegram ids, a unique key violated
at flush time (PostgreSQL aborts the whole transaction), the same update applied by two workers at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func
from sqlmodel import select

from models import ledger, products
from models.db import Database
from models.errors import InputError
from models.tables import AuditEntry, Member, ProcessedUpdate, Product

BIG_USER = 7_123_456_789  # Telegram user ids exceed 32 bits
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


async def test_members_with_64_bit_ids_are_stored_and_listed(harness):
    assert "Anggota ditambahkan" in await harness.say(f"/anggota tambah {BIG_USER} staf perundangan Budi")
    assert "Usulan dicatat" in await harness.say("/usul perda 2026-03-01 Retribusi", user=BIG_USER)
    assert str(BIG_USER) in (await harness.send("/anggota"))[0]
    async with harness.db.session() as session:
        assert (await session.get(Member, BIG_USER)).role == "staf"
        product = await session.get(Product, 1)
        assert product.created_by == BIG_USER


async def test_number_taken_at_flush_time_is_refused_and_nothing_is_half_written(harness, monkeypatch):
    """Two enactments racing for one number: the check passes for both, the unique key stops the second.
    On PostgreSQL the failed flush aborts the transaction; the update must leave no trace, and the next write
    must work."""
    for title in ("Satu", "Dua"):
        await harness.say(f"/usul perwali 2026-03-01 {title}")
    await harness.say("/tetapkan 1 7 2026-03-10")

    async def free(*_args, **_kwargs) -> None:
        return None

    monkeypatch.setattr(products, "ensure_number_free", free)
    reply = await harness.say("/tetapkan 2 7 2026-03-10", update_id=500)
    assert "Nomor 7 Tahun 2026 untuk Perwali sudah dipakai" in reply
    async with harness.db.session() as session:
        assert (await session.get(Product, 2)).enacted_on is None
        marker = await session.get(ProcessedUpdate, 500)  # answered, so a redelivery is skipped; nothing written
        assert marker is not None and marker.reply == "" and marker.replied
        enactments = (
            await session.exec(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "product.enact"))
        ).one()
        assert enactments == 1
    assert "Penetapan dicatat" in await harness.say("/tetapkan 2 8 2026-03-10", update_id=501)


async def test_one_update_applied_by_two_workers_at_once_is_applied_once(db_url):
    # Two workers are two processes, each with its own engine (within one process SQLite transactions take
    # turns, models/db.py, so they could not overlap).
    db, other = Database(db_url), Database(db_url)
    both_started = asyncio.Event()
    started = 0

    async def work(session) -> str:
        nonlocal started
        started += 1
        if started == 2:
            both_started.set()
        await asyncio.wait_for(both_started.wait(), timeout=10)
        product = await products.propose(
            session,
            actor_id=1001,
            kind="perwali",
            title="Sekali Saja",
            proposed_on=date(2026, 3, 1),
            today=date(2026, 11, 24),
            now=NOW,
            update_id=77,
        )
        return f"dicatat #{product.id}"

    try:
        first, second = await asyncio.gather(
            ledger.apply_once(db, 77, NOW, work), ledger.apply_once(other, 77, NOW, work)
        )
        assert sorted([first.duplicate, second.duplicate]) == [False, True]
        assert first.reply == second.reply
        async with db.session() as session:
            titles = (await session.exec(select(Product.title))).all()
            assert titles == ["Sekali Saja"]
    finally:
        await db.dispose()
        await other.dispose()


@pytest.mark.parametrize("plain", [False, True], ids=["session", "plain"])
async def test_a_second_application_of_one_update_finds_the_first(db_url, plain):
    """The second worker believes there is no marker yet (as the intake read moments before): the marker's
    key stops it, in a session and in a plain transaction alike, and it answers with the first reply."""
    db, other = Database(db_url), Database(db_url)

    async def work(writer) -> str:
        return "dicatat " + await _proposed(writer, "Sekali Saja", update_id=78)

    try:
        first = await ledger.apply_once(db, 78, NOW, work, plain=plain)
        second = await ledger.apply_once(other, 78, NOW, work, unseen=True, plain=plain)
        assert (first.duplicate, second.duplicate) == (False, True)
        assert first.reply == second.reply == "dicatat #1"
        async with db.session() as session:
            assert (await session.exec(select(Product.title))).all() == ["Sekali Saja"]
            audit = (await session.exec(select(AuditEntry.action, AuditEntry.entity_id, AuditEntry.update_id))).all()
            assert [tuple(a) for a in audit] == [("product.propose", "1", 78)]
    finally:
        await db.dispose()
        await other.dispose()


@pytest.mark.parametrize("plain", [False, True], ids=["session", "plain"])
async def test_a_write_that_fails_half_way_leaves_nothing(db_url, plain):
    db = Database(db_url)

    async def work(writer) -> str:
        await _proposed(writer, "Setengah Jalan")
        raise InputError("berhenti di tengah", "/usul perda Contoh")

    try:
        with pytest.raises(InputError):
            await ledger.apply_once(db, 79, NOW, work, plain=plain)
        async with db.session() as session:
            assert (await session.exec(select(Product))).all() == []
            assert (await session.exec(select(AuditEntry))).all() == []
            assert await session.get(ProcessedUpdate, 79) is None
        # ...and the next write works (PostgreSQL would refuse one in an aborted transaction).
        await ledger.apply_once(db, 80, NOW, lambda writer: _proposed(writer, "Sesudahnya"), plain=plain)
        async with db.session() as session:
            assert (await session.exec(select(Product.title))).all() == ["Sesudahnya"]
    finally:
        await db.dispose()


async def _proposed(writer, title: str, *, update_id: int | None = None) -> str:
    """A proposal in an open session or plain transaction; its reference."""
    product = await products.propose(
        writer,
        actor_id=1001,
        kind="perwali",
        title=title,
        proposed_on=date(2026, 3, 1),
        today=date(2026, 11, 24),
        now=NOW,
        update_id=update_id,
    )
    return f"#{product.id}"
