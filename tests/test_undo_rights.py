"""/urungkan checks the caller's rights now, with the one permission check, and never leaves the bot
without an admin (issue 9, defect 1)."""

from __future__ import annotations

import asyncio

from sqlmodel import col, delete

from models.corrections import UNDO_LAST_ADMIN, UNDO_NOT_ALLOWED
from models.tables import Member, Role
from tests.conftest import ADMIN
from tests.helpers import SECOND_ADMIN, STAF_BANKUM, STAF_PERUNDANGAN, add_member, member, product, state

BUDI = SECOND_ADMIN
STAF = STAF_PERUNDANGAN


async def role_of(harness, user_id: int) -> str | None:
    found = await member(harness, user_id)
    return None if found is None else found.role


async def title_of(harness, product_id: int) -> str | None:
    found = await product(harness, product_id)
    return None if found is None else found.title


async def test_a_demoted_admin_cannot_undo_and_delete_the_admin_who_demoted_him(harness):
    await add_member(harness, BUDI, "admin", name="Budi")
    assert "✅" in await harness.say(f"/anggota tambah {ADMIN} staf perundangan", user=BUDI)
    before = await state(harness)
    reply = await harness.say("/urungkan", user=ADMIN)
    assert UNDO_NOT_ALLOWED in reply and "Contoh" in reply
    assert await state(harness) == before
    assert await role_of(harness, BUDI) == Role.admin
    # Members can still be managed.
    assert "✅" in await harness.say(f"/anggota tambah {STAF_BANKUM} staf bankum Citra", user=BUDI)


async def test_undoing_a_promotion_cannot_demote_the_last_admin(harness):
    await add_member(harness, STAF, "staf", "perundangan", "Ani")
    assert "✅" in await harness.say(f"/anggota tambah {STAF} admin")
    assert "✅" in await harness.say(f"/anggota tambah {ADMIN} staf perundangan", user=STAF)
    before = await state(harness)
    assert UNDO_NOT_ALLOWED in await harness.say("/urungkan", user=ADMIN)
    assert await state(harness) == before
    assert await role_of(harness, STAF) == Role.admin


async def test_a_member_moved_to_another_subsection_cannot_undo_the_old_ones_writes(harness):
    await add_member(harness, STAF, "staf", "perundangan", "Ani")
    assert "dicatat" in await harness.say("/usul perwali 2026-03-01 Tata Cara Arsip", user=STAF)
    await add_member(harness, STAF, "staf", "bankum")
    before = await state(harness)
    assert UNDO_NOT_ALLOWED in await harness.say("/urungkan", user=STAF)
    assert await state(harness) == before
    assert await product(harness, 1) is not None
    # Back in perundangan, the same undo is allowed again.
    await add_member(harness, STAF, "staf", "perundangan")
    assert "Diurungkan" in await harness.say("/urungkan", user=STAF)


async def test_an_edit_is_undone_only_with_the_rights_for_the_field_it_changed(harness):
    await add_member(harness, STAF, "staf", "perundangan", "Ani")
    assert "dicatat" in await harness.say("/usul perwali 2026-03-01 Tata Cara Arsip", user=STAF)
    await harness.say("/ubah produk 1", user=STAF)
    await harness.press("Judul", user=STAF)
    await harness.say("Tata Cara Kearsipan", user=STAF)
    assert "Perubahan disimpan" in (await harness.press("Simpan", user=STAF))[0]
    await add_member(harness, STAF, "staf", "dokinfo")  # titles are perundangan's business
    before = await state(harness)
    assert UNDO_NOT_ALLOWED in await harness.say("/urungkan", user=STAF)
    assert await state(harness) == before
    await add_member(harness, STAF, "staf", "perundangan")
    assert "Diurungkan" in await harness.say("/urungkan", user=STAF)
    assert await title_of(harness, 1) == "Tata Cara Arsip"


async def test_an_undo_that_would_leave_no_admin_is_refused(harness):
    await add_member(harness, BUDI, "admin", name="Budi")
    # The first admin's row was removed outside the bot (an operator's clean-up): Budi is the only admin,
    # and the newest write is the one that made him admin.
    async with harness.db.session() as session:
        await session.exec(delete(Member).where(col(Member.user_id) == ADMIN))
    before = await state(harness)
    reply = await harness.say("/urungkan", user=BUDI)
    assert UNDO_LAST_ADMIN in reply
    assert await state(harness) == before
    assert await role_of(harness, BUDI) == Role.admin


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(harness):
    await add_member(harness, BUDI, "admin", name="Budi")
    one = harness.message_update(f"/anggota tambah {BUDI} staf bankum", user=ADMIN)
    two = harness.message_update(f"/anggota tambah {ADMIN} staf bankum", user=BUDI)
    await asyncio.gather(harness.app.process_update(one), harness.app.process_update(two))
    roles = [await role_of(harness, user) for user in (ADMIN, BUDI)]
    assert roles.count(Role.admin) == 1, roles


async def test_an_edit_dialogue_of_a_member_who_lost_the_rights_ends_with_the_reason(harness):
    """The same class in dialogues: the fields offered by the old role are not kept on offer."""
    await add_member(harness, STAF, "staf", "perundangan", "Ani")
    assert "dicatat" in await harness.say("/usul perwali 2026-03-01 Tata Cara Arsip", user=STAF)
    await harness.say("/ubah produk 1", user=STAF)
    await add_member(harness, STAF, "staf", "bankum")
    before = await state(harness)
    reply = await harness.say("Judul", user=STAF)
    assert "Tidak ada data pada catatan #1 yang dapat Anda ubah" in reply and "Contoh" in reply
    assert "Silakan gunakan perintah" in await harness.say("Judul", user=STAF)  # the dialogue ended
    assert await state(harness) == before
