"""Telegram may deliver the same update twice: its write is applied once, and its reply sent once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from telegram import Update

from bot.app import SORRY
from models import ledger
from models.tables import AuditEntry, Case, Member, ProcessedUpdate, Product
from tests.helpers import PIMPINAN, STAF_BANKUM, all_rows, count, state


async def deliver_twice(harness, text: str, update_id: int = 500) -> tuple[list[str], list[str]]:
    first = await harness.process(harness.message_update(text, update_id=update_id))
    second = await harness.process(harness.message_update(text, update_id=update_id))
    return first, second


async def test_same_update_twice_writes_one_proposal_and_replies_once(harness):
    first, second = await deliver_twice(harness, "/usul perwali Tata Cara Arsip")
    assert len(first) == 1 and "✅ Usulan dicatat." in first[0]
    assert second == []
    assert await count(harness, Product) == 1
    assert await count(harness, AuditEntry, AuditEntry.action == "product.propose") == 1
    (marker,) = await all_rows(harness, ProcessedUpdate)
    assert marker.update_id == 500 and marker.replied


async def test_a_new_update_with_the_same_text_is_a_new_write(harness):
    await deliver_twice(harness, "/usul perwali Sama", update_id=7)
    # A new message with the same title is a new proposal; the near-duplicate title asks first.
    [question] = await harness.process(harness.message_update("/usul perwali Sama", update_id=8))
    assert "mirip" in question
    await harness.press("Simpan")
    assert [p.title for p in await all_rows(harness, Product)] == ["Sama", "Sama"]


@pytest.fixture
async def prepared(harness):
    for text in (
        "/usul perda 2026-01-05 Satu",
        "/usul perda 2026-01-05 Dua",
        "/tetapkan 2 1 2026-02-01",
        "/perkara 1/Pdt.G/2026/PN Prb 2026-01-10 Gugatan",
        f"/anggota tambah {PIMPINAN} pimpinan Tamu",
    ):
        assert "✅" in await harness.say(text)
    return harness


@pytest.mark.parametrize(
    "text, model, action",
    [
        ("/usul kepwali Ketiga", Product, "product.propose"),
        ("/tetapkan 1 5 2026-02-01", Product, "product.enact"),
        ("/publikasi 2 2026-02-03", Product, "product.publish"),
        ("/perkara 2/Pdt.G/2026/PN Prb Kedua", Case, "case.open"),
        ("/selesai 1 Menang", Case, "case.resolve"),
        (f"/anggota tambah {STAF_BANKUM} staf bankum Baru", Member, "member.put"),
        (f"/anggota hapus {PIMPINAN}", Member, "member.remove"),
    ],
)
async def test_every_write_is_applied_once(prepared, text, model, action):
    before = await count(prepared, AuditEntry, AuditEntry.action == action)
    first, second = await deliver_twice(prepared, text, update_id=900)
    assert len(first) == 1 and first[0].startswith("✅"), first
    # Without the ledger the second delivery would be refused ("sudah ...") or write again.
    assert second == []
    assert await count(prepared, AuditEntry, AuditEntry.action == action) == before + 1
    snapshot = await state(prepared)
    assert await harness_replays_nothing(prepared, text, 900)
    assert await state(prepared) == snapshot


async def harness_replays_nothing(harness, text: str, update_id: int) -> bool:
    return await harness.process(harness.message_update(text, update_id=update_id)) == []


async def test_reply_lost_the_first_time_is_sent_on_redelivery_without_writing_twice(harness):
    harness.api.failures["sendMessage"] = [(500, "Internal Server Error", None)]
    first = await harness.process(harness.message_update("/usul perda Pajak Daerah", update_id=42))
    # The reply failed; the user is told something went wrong, but the write stands.
    assert first == [SORRY]
    assert await count(harness, Product) == 1
    (marker,) = await all_rows(harness, ProcessedUpdate)
    assert not marker.replied and "Usulan dicatat" in marker.reply

    second = await harness.process(harness.message_update("/usul perda Pajak Daerah", update_id=42))
    assert len(second) == 1 and "✅ Usulan dicatat." in second[0] and "#1 Perda: Pajak Daerah" in second[0]
    assert await count(harness, Product) == 1
    assert await count(harness, AuditEntry, AuditEntry.action == "product.propose") == 1
    (marker,) = await all_rows(harness, ProcessedUpdate)
    assert marker.replied

    third = await harness.process(harness.message_update("/usul perda Pajak Daerah", update_id=42))
    assert third == []
    assert await count(harness, Product) == 1


async def test_a_refused_update_delivered_twice_writes_nothing_either_time(harness):
    before = await state(harness)
    first, second = await deliver_twice(harness, "/tetapkan 99 1")
    assert "tidak ditemukan" in first[0] and second == []  # answered once (bot/intake.py)
    assert await state(harness) == before


async def test_concurrent_deliveries_of_the_same_update_write_once(harness):
    updates = [harness.message_update("/perkara 9/Pdt.G/2026/PN Prb Bersamaan", update_id=77) for _ in range(2)]
    start = len(harness.api.calls)
    await asyncio.gather(*(harness.app.process_update(u) for u in updates))
    assert await count(harness, Case) == 1
    assert await count(harness, AuditEntry, AuditEntry.action == "case.open") == 1
    sent = [c.params["text"] for c in harness.api.sent(start)]
    assert 1 <= len(sent) <= 2 and all("Perkara dicatat" in t for t in sent), sent


async def test_a_read_delivered_again_is_answered_once(harness):
    first, second = await deliver_twice(harness, "/iku", update_id=600)
    assert len(first) == 1 and "Capaian" in first[0]
    assert second == []


async def test_old_markers_are_forgotten(harness, clock):
    await deliver_twice(harness, "/usul perda Lama", update_id=5)
    await ledger.forget_older_than(harness.db, clock.utcnow() + timedelta(days=2))
    assert await count(harness, ProcessedUpdate) == 1
    await ledger.forget_older_than(harness.db, clock.utcnow() + timedelta(days=3, seconds=1))
    assert await count(harness, ProcessedUpdate) == 0


async def test_an_edited_command_is_not_applied_again(harness):
    original = harness.message_update("/usul perwali Judul Awal", update_id=60)
    assert "✅" in (await harness.process(original))[0]
    data = original.to_dict()
    edited = {
        "update_id": 61,
        "edited_message": {
            **data["message"],
            "text": "/usul perwali Judul Diubah",
            "edit_date": data["message"]["date"] + 60,
        },
    }
    assert await harness.process(Update.de_json(edited, harness.app.bot)) == []
    assert [p.title for p in await all_rows(harness, Product)] == ["Judul Awal"]
