"""Every change leaves an audit row: who, when, what, before and after."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.db import as_utc
from models.tables import AuditEntry
from tests.conftest import ADMIN, JAKARTA
from tests.helpers import KASUBBAG_DOKINFO, STAF_BANKUM, STAF_PERUNDANGAN, add_member, audit_rows, count


async def only(harness, action: str) -> AuditEntry:
    rows = await audit_rows(harness, action)
    assert len(rows) == 1, rows
    return rows[0]


async def test_product_lifecycle_is_audited(harness, clock):
    await add_member(harness, STAF_PERUNDANGAN, "staf", "perundangan", "Budi")
    await add_member(harness, KASUBBAG_DOKINFO, "kasubbag", "dokinfo", "Ani")

    clock.set(datetime(2026, 3, 1, 9, 15, tzinfo=JAKARTA))
    await harness.say("/usul perwali Tata Cara Arsip", user=STAF_PERUNDANGAN)
    row = await only(harness, "product.propose")
    assert (row.actor_id, row.entity, row.entity_id, row.before) == (STAF_PERUNDANGAN, "product", "1", None)
    assert row.after is not None
    assert row.after["title"] == "Tata Cara Arsip" and row.after["proposed_on"] == "2026-03-01"
    assert row.after["kind"] == "perwali" and row.after["enacted_on"] is None
    assert as_utc(row.at) == datetime(2026, 3, 1, 2, 15, tzinfo=UTC)
    assert row.update_id is not None

    clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=JAKARTA))
    await harness.say("/tetapkan 1 7", user=STAF_PERUNDANGAN)
    row = await only(harness, "product.enact")
    assert row.before is not None and row.after is not None
    assert row.actor_id == STAF_PERUNDANGAN and row.entity_id == "1"
    assert row.before["enacted_on"] is None and row.before["number"] is None
    assert (row.after["enacted_on"], row.after["number"], row.after["number_year"]) == ("2026-03-10", 7, 2026)

    await harness.say("/publikasi 1 https://jdih.go.id/p7", user=KASUBBAG_DOKINFO)
    row = await only(harness, "product.publish")
    assert row.before is not None and row.after is not None
    assert row.actor_id == KASUBBAG_DOKINFO
    assert row.before["published_on"] is None and row.before["link"] is None
    assert (row.after["published_on"], row.after["link"]) == ("2026-03-10", "https://jdih.go.id/p7")
    # before of one step is after of the previous one
    enact = await only(harness, "product.enact")
    assert enact.after is not None
    assert row.before == {**enact.after, "updated_at": row.before["updated_at"]}


async def test_case_lifecycle_is_audited(harness):
    await add_member(harness, 2003, "staf", "bankum", "Citra")
    await harness.say("/perkara 12/Pdt.G/2026/PN Prb 2026-03-01 Gugatan", user=2003)
    row = await only(harness, "case.open")
    assert (row.actor_id, row.entity, row.entity_id, row.before) == (2003, "case", "1", None)
    assert row.after is not None
    assert row.after["register_number"] == "12/Pdt.G/2026/PN Prb" and row.after["started_on"] == "2026-03-01"

    await harness.say("/selesai 1 2026-06-30 Menang", user=ADMIN)
    row = await only(harness, "case.resolve")
    assert row.before is not None and row.after is not None
    assert row.actor_id == ADMIN
    assert row.before["resolved_on"] is None and row.before["outcome"] is None
    assert (row.after["resolved_on"], row.after["result"], row.after["outcome"]) == ("2026-06-30", "menang", None)


async def test_member_changes_are_audited(harness):
    await harness.say(f"/anggota tambah {STAF_BANKUM} staf bankum Siti")
    row = await only(harness, "member.put")
    assert (row.actor_id, row.entity, row.entity_id, row.before) == (ADMIN, "member", str(STAF_BANKUM), None)
    assert row.after is not None
    assert row.after["role"] == "staf" and row.after["subsection"] == "bankum" and row.after["name"] == "Siti"

    await harness.say(f"/anggota tambah {STAF_BANKUM} pimpinan")
    rows = await audit_rows(harness, "member.put")
    assert len(rows) == 2
    assert rows[1].before is not None and rows[1].after is not None
    assert rows[1].before["role"] == "staf" and rows[1].after["role"] == "pimpinan"
    assert rows[1].after["subsection"] is None and rows[1].after["name"] == "Siti"

    await harness.say(f"/anggota hapus {STAF_BANKUM}")
    row = await only(harness, "member.remove")
    assert row.before is not None
    assert row.actor_id == ADMIN and row.before["role"] == "pimpinan" and row.after is None


async def test_seeded_admin_is_audited(harness):
    row = await only(harness, "member.seed")
    assert row.entity_id == str(ADMIN) and row.after == {"role": "admin"}


@pytest.mark.parametrize(
    "command",
    [
        "/usul perwali",
        "/tetapkan 9 1",
        "/publikasi 9",
        "/perkara x",
        "/selesai 9",
        "/anggota tambah 2001 bos",
        "/anggota hapus 1001",
    ],
)
async def test_mistakes_and_reads_leave_no_audit_row(harness, command):
    before = await count(harness, AuditEntry)
    await harness.say(command)
    await harness.say("/iku")
    await harness.send("/daftar")
    await harness.say("/anggota")
    assert await count(harness, AuditEntry) == before


async def test_refused_caller_leaves_no_audit_row(harness):
    await add_member(harness, 2007, "pimpinan")
    before = await count(harness, AuditEntry)
    await harness.say("/usul perda Judul", user=2007)
    await harness.say("/usul perda Judul", user=9999)
    assert await count(harness, AuditEntry) == before
