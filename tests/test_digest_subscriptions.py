"""/langganan, /berhenti, /jadwal, /ringkasan; the jobs that follow the subscriptions; removal from a group
and the upgrade to a supergroup."""

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from bot import scheduler
from models.tables import AuditEntry
from tests.conftest import ADMIN, JAKARTA
from tests.digest_support import (
    GROUP,
    Apps,
    digest_calls,
    digest_texts,
    find_subscription,
    job_ids,
    migration,
    removed_from,
    subscribe,
    subscription,
)
from tests.helpers import KASUBBAG_DOKINFO, STAF_DOKINFO, STRANGER

KASUBBAG, STAF = KASUBBAG_DOKINFO, STAF_DOKINFO


@pytest.fixture
async def apps(db_url):
    registry = Apps(db_url)
    yield registry
    await registry.close()


async def test_subscribe_with_defaults_confirms_the_next_delivery(harness):
    # The harness clock: Tuesday 24 November 2026, 10:00 WIB.
    reply = await subscribe(harness)
    assert "setiap Senin pukul 08.00 WIB" in reply
    assert "Pengiriman berikutnya: Senin, 30 November 2026 pukul 08.00 WIB" in reply
    sub = await subscription(harness)
    assert (sub.weekday, sub.hour, sub.minute, sub.active, sub.title) == (0, 8, 0, True, "Grup Uji")

    job = harness.app.job_queue.scheduler.get_job(scheduler.job_id(GROUP))
    assert job.misfire_grace_time == 12 * 3600 and job.coalesce
    fire = job.trigger.get_next_fire_time(None, harness.clock.now())
    assert fire == datetime(2026, 11, 30, 8, 0, tzinfo=JAKARTA)


async def test_changing_the_schedule_keeps_one_job_and_is_audited(harness):
    await subscribe(harness, "kamis 07:30")
    reply = await subscribe(harness, "jumat 13.15")
    assert "Jadwal ringkasan mingguan diubah" in reply and "setiap Jumat pukul 13.15 WIB" in reply
    assert "Jumat, 27 November 2026 pukul 13.15 WIB" in reply
    assert job_ids(harness) == [scheduler.job_id(GROUP), scheduler.SWEEP_ID]
    async with harness.db.session() as session:
        actions = (await session.exec(select(AuditEntry.action).where(AuditEntry.entity == "subscription"))).all()
    assert list(actions) == ["subscription.put", "subscription.put"]


async def test_only_admins_and_kasubbag_may_subscribe(harness):
    await harness.say(f"/anggota tambah {KASUBBAG} kasubbag dokinfo Kasubbag")
    await harness.say(f"/anggota tambah {STAF} staf dokinfo Staf")
    assert "tidak tersedia untuk peran Anda (Staf dokinfo)" in await subscribe(harness, user=STAF)
    assert "belum terdaftar" in await subscribe(harness, user=STRANGER)
    assert await find_subscription(harness) is None
    assert "setiap Rabu pukul 09.00" in await subscribe(harness, "rabu 09:00", user=KASUBBAG)
    assert "tidak tersedia" in await harness.say("/berhenti", user=STAF, chat=GROUP, chat_type="group")
    assert (await subscription(harness)).active


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        ("senen 08:00", "«senen» bukan nama hari"),
        ("senin 25:00", "Jam «25:00» tidak ada"),
        ("senin 8:0:0", "Jam «8:0:0» tidak dikenali"),
        ("senin selasa", "Hari disebut dua kali"),
    ],
)
async def test_bad_schedule_is_explained_with_an_example_and_nothing_is_written(harness, args, complaint):
    reply = await subscribe(harness, args)
    assert complaint in reply and "Contoh: /langganan senin 08:00" in reply
    assert await find_subscription(harness) is None
    assert job_ids(harness) == [scheduler.SWEEP_ID]


async def test_subscribing_in_a_private_chat_is_explained(harness):
    reply = await harness.say("/langganan")
    assert "digunakan di grup" in reply and "Contoh: /langganan senin 08:00" in reply


async def test_stop_removes_the_job_and_schedule_shows_it(harness):
    assert "belum berlangganan" in await harness.say("/jadwal", chat=GROUP, chat_type="group")
    await subscribe(harness, "selasa 16:00")
    assert "setiap Selasa pukul 16.00 WIB" in await harness.say("/jadwal", chat=GROUP, chat_type="group")
    listing = await harness.say("/jadwal")
    assert "Grup Uji" in listing and str(GROUP) in listing

    assert "dihentikan" in await harness.say("/berhenti", chat=GROUP, chat_type="group")
    assert not (await subscription(harness)).active
    assert job_ids(harness) == [scheduler.SWEEP_ID]
    assert "tidak berlangganan" in await harness.say("/berhenti", chat=GROUP, chat_type="group")
    assert "belum berlangganan" in await harness.say("/jadwal", chat=GROUP, chat_type="group")


async def test_start_recreates_one_job_per_subscription_and_never_doubles(apps):
    first = await apps.start()
    for chat in (-1001, -1002, -1003):
        await subscribe(first, chat=chat)
    await first.say("/berhenti", chat=-1002, chat_type="group")
    await scheduler.start(first.app)  # a second start in the same process
    assert job_ids(first) == ["digest:-1001", "digest:-1003", scheduler.SWEEP_ID]
    await apps.stop(first)

    restarted = await apps.start()
    assert job_ids(restarted) == ["digest:-1001", "digest:-1003", scheduler.SWEEP_ID]
    sweep = restarted.app.job_queue.scheduler.get_job(scheduler.SWEEP_ID)
    assert sweep.misfire_grace_time == 300


async def test_digest_on_request_for_members_and_in_subscribed_groups(harness):
    await harness.say("/usul perwali 2026-11-20 Tata Cara <Arsip> & Dokumen")
    replies = await harness.send("/ringkasan")
    assert len(replies) == 2 and "Ringkasan Mingguan IKU" in replies[0] and "IKU-2" in replies[0]
    assert "Diusulkan: 1" in replies[0] and "Tata Cara <Arsip> & Dokumen" in replies[0]
    assert harness.api.calls[-1].method == "sendPhoto" and harness.api.calls[-1].files["photo"][:4] == b"\x89PNG"

    assert "belum terdaftar" in (await harness.send("/ringkasan", user=STRANGER, chat=GROUP, chat_type="group"))[0]
    await subscribe(harness)
    assert await harness.send("/ringkasan", user=STRANGER, chat=GROUP, chat_type="group") == []  # one reply per 10 min
    harness.clock.advance(timedelta(minutes=10))
    replies = await harness.send("/ringkasan", user=STRANGER, chat=GROUP, chat_type="group")
    assert len(replies) == 2 and "Ringkasan Mingguan IKU" in replies[0]
    assert digest_texts(harness.api, GROUP)


async def test_removal_from_the_group_stops_the_digest(harness):
    await subscribe(harness)
    await harness.process(removed_from(harness, GROUP, status="kicked"))
    sub = await subscription(harness)
    assert not sub.active
    assert job_ids(harness) == [scheduler.SWEEP_ID]
    async with harness.db.session() as session:
        entry = (await session.exec(select(AuditEntry).where(AuditEntry.action == "subscription.removed"))).one()
    assert entry.actor_id == ADMIN and entry.entity_id == str(GROUP)

    harness.clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=JAKARTA))
    await scheduler.deliver_due(harness.app)
    assert digest_calls(harness.api) == []
    # Added again: nothing starts by itself; /langganan does.
    assert "akan dikirim" in await subscribe(harness)


async def test_supergroup_upgrade_keeps_the_subscription_under_the_new_id(harness):
    old, new = -4001, -1009001
    await subscribe(harness, "rabu 10:30", chat=old)
    await harness.process(migration(harness, old, new))
    await harness.process(migration(harness, old, new, in_new_chat=True))  # Telegram tells both chats
    assert await find_subscription(harness, old) is None
    sub = await subscription(harness, new)
    assert (sub.weekday, sub.hour, sub.minute, sub.active) == (2, 10, 30, True)
    assert job_ids(harness) == [scheduler.job_id(new), scheduler.SWEEP_ID]

    harness.clock.set(datetime(2026, 11, 25, 10, 30, tzinfo=JAKARTA))
    await scheduler.deliver_due(harness.app)
    assert digest_calls(harness.api) == [("sendMessage", new), ("sendPhoto", new)]
