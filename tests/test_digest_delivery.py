"""Delivery of the weekly digest: on schedule, across time zones, exactly once through restarts, downtime,
two processes and Telegram's errors. The clock is set, never slept on."""

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from apscheduler.triggers.cron import CronTrigger
from PIL import Image
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import JobQueue
from telegram.request import RequestData

from bot import delivery, scheduler
from bot.delivery import classify
from handlers import chart
from models import digests
from models.digests import Schedule
from models.indicators import IKU1, IKU2, IKU3, Figure
from models.tables import DigestDelivery
from tests.botapi import RecordingBotApi
from tests.conftest import JAKARTA
from tests.digest_support import (
    GROUP,
    Apps,
    deliveries,
    digest_calls,
    digest_texts,
    find_subscription,
    job_ids,
    subscribe,
    subscription,
)

# python-telegram-bot warns about its own RetryAfter.retry_after type change when it builds one.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")
BERLIN = ZoneInfo("Europe/Berlin")  # has daylight saving time
MONDAY_8 = datetime(2026, 11, 30, 8, 0, tzinfo=JAKARTA)
ONE_DIGEST = [("sendMessage", GROUP), ("sendPhoto", GROUP)]


@pytest.fixture
async def apps(db_url):
    registry = Apps(db_url)
    yield registry
    await registry.close()


async def at(harness, moment: datetime):
    harness.clock.set(moment)
    return await scheduler.deliver_due(harness.app)


async def test_delivered_at_the_scheduled_minute_in_jakarta(harness):
    await subscribe(harness)  # Tuesday 24 November 10:00 WIB; default senin 08:00
    await at(harness, MONDAY_8 - timedelta(minutes=1))
    assert digest_calls(harness.api) == []

    # The cron job fires at 08:00 WIB (01:00 UTC) and its callback delivers.
    job = harness.app.job_queue.scheduler.get_job(scheduler.job_id(GROUP))
    fire = job.trigger.get_next_fire_time(None, harness.clock.now())
    assert fire == MONDAY_8 and fire.astimezone(UTC).hour == 1
    harness.clock.set(fire)
    await JobQueue.job_callback(*job.args)
    assert digest_calls(harness.api) == ONE_DIGEST
    [row] = await deliveries(harness)
    assert row.status == "sent" and row.slot.replace(tzinfo=UTC) == MONDAY_8.astimezone(UTC)
    assert row.figures is not None
    assert set(row.figures["sent"]) == {"text", "chart"}
    assert row.figures["values"] == {"IKU-1": [0, 0], "IKU-2": [0, 0], "IKU-3": [0, 0]}

    for minutes in (1, 60, 11 * 60):  # later jobs and sweeps that same day send nothing more
        await at(harness, MONDAY_8 + timedelta(minutes=minutes))
    assert digest_calls(harness.api) == ONE_DIGEST
    await at(harness, MONDAY_8 + timedelta(days=7))
    assert len(digest_calls(harness.api)) == 4


def test_slots_in_a_zone_without_and_a_zone_with_daylight_saving():
    monday_8 = Schedule(0, 8, 0)
    for zone, before, after in ((JAKARTA, 1, 1), (BERLIN, 7, 6)):  # UTC hour before / after 29 March 2026
        cron = CronTrigger(day_of_week="mon", hour=8, minute=0, timezone=zone)
        for day, utc_hour in (
            (datetime(2026, 3, 17, tzinfo=zone), before),
            (datetime(2026, 3, 24, tzinfo=zone), after),
        ):
            slot = digests.next_slot(monday_8, day, zone)
            assert slot.astimezone(zone).hour == 8 and slot.hour == utc_hour
            assert slot == cron.get_next_fire_time(None, day)
            assert digests.last_slot(monday_8, slot, zone) == slot
            week_before = slot - timedelta(days=7, hours=utc_hour - before)
            assert digests.last_slot(monday_8, slot - timedelta(seconds=1), zone) == week_before

    # 02:30 on the Sunday clocks go forward does not exist: the slot is 03:30 CEST, where the cron job fires.
    sunday_0230 = Schedule(6, 2, 30)
    cron = CronTrigger(day_of_week="sun", hour=2, minute=30, timezone=BERLIN)
    spring = datetime(2026, 3, 27, tzinfo=BERLIN)
    # (in UTC: Python never calls a wall time inside a DST gap equal to a moment in another zone)
    fire = cron.get_next_fire_time(None, spring).astimezone(UTC)
    assert digests.next_slot(sunday_0230, spring, BERLIN) == fire
    assert digests.next_slot(sunday_0230, spring, BERLIN) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # 02:30 on the Sunday clocks go back happens twice: the slot is the first; the cron job fires at both.
    autumn = datetime(2026, 10, 23, tzinfo=BERLIN)
    first = cron.get_next_fire_time(None, autumn).astimezone(UTC)
    second = cron.get_next_fire_time(first, first + timedelta(seconds=1)).astimezone(UTC)
    assert second - first == timedelta(hours=1)
    assert digests.next_slot(sunday_0230, autumn, BERLIN) == first
    assert digests.last_slot(sunday_0230, second, BERLIN) == first


async def test_daylight_saving_zone_delivers_at_local_time_and_once_in_the_repeated_hour(apps):
    bot = await apps.start(tz="Europe/Berlin", at=datetime(2026, 3, 17, 12, 0, tzinfo=BERLIN))
    await subscribe(bot, "senin 08:00")
    await subscribe(bot, "minggu 02:30", chat=-100777)
    await at(bot, datetime(2026, 3, 23, 6, 59, tzinfo=UTC))
    assert digest_calls(bot.api, GROUP) == []
    await at(bot, datetime(2026, 3, 23, 7, 0, tzinfo=UTC))  # 08:00 CET
    assert len(digest_calls(bot.api, GROUP)) == 2
    await at(bot, datetime(2026, 3, 30, 5, 59, tzinfo=UTC))
    assert len(digest_calls(bot.api, GROUP)) == 2
    await at(bot, datetime(2026, 3, 30, 6, 0, tzinfo=UTC))  # 08:00 CEST
    assert len(digest_calls(bot.api, GROUP)) == 4

    await at(bot, datetime(2026, 10, 25, 0, 30, tzinfo=UTC))  # 02:30 CEST
    await at(bot, datetime(2026, 10, 25, 1, 30, tzinfo=UTC))  # 02:30 CET, the cron job fires again
    assert digest_calls(bot.api, -100777) == [("sendMessage", -100777), ("sendPhoto", -100777)]


async def test_restart_right_after_sending_sends_nothing_again(apps):
    first = await apps.start()
    await subscribe(first)
    await at(first, MONDAY_8)
    assert digest_calls(first.api) == ONE_DIGEST
    await apps.stop(first)

    restarted = await apps.start(at=MONDAY_8 + timedelta(seconds=30))
    await scheduler.deliver_due(restarted.app)  # the start-up catch-up
    assert digest_calls(restarted.api) == []


async def test_downtime_across_a_slot_within_the_grace_window_sends_it_at_start(apps, caplog):
    first = await apps.start()
    await subscribe(first)
    await apps.stop(first)

    restarted = await apps.start(at=MONDAY_8 + timedelta(hours=11, minutes=59))
    await scheduler.deliver_due(restarted.app)
    assert digest_calls(restarted.api) == ONE_DIGEST
    await at(restarted, MONDAY_8 + timedelta(hours=12, minutes=5))
    assert digest_calls(restarted.api) == ONE_DIGEST


async def test_downtime_beyond_the_grace_window_skips_the_slot_and_logs_it(apps, caplog):
    first = await apps.start()
    await subscribe(first)
    await apps.stop(first)

    restarted = await apps.start(at=MONDAY_8 + timedelta(hours=12, minutes=1))
    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        await scheduler.deliver_due(restarted.app)
        await at(restarted, MONDAY_8 + timedelta(hours=13))
    assert digest_calls(restarted.api) == []
    [row] = await deliveries(restarted)
    assert row.error is not None
    assert row.status == "skipped" and "grace" in row.error
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert "skipped" in caplog.records[0].message and str(GROUP) in caplog.records[0].message

    await at(restarted, MONDAY_8 + timedelta(days=7))  # the next slot goes out as usual
    assert digest_calls(restarted.api) == ONE_DIGEST


async def test_shorter_grace_window_from_settings(apps):
    first = await apps.start(digest_grace_hours=2)
    await subscribe(first)
    assert first.app.job_queue.scheduler.get_job(scheduler.job_id(GROUP)).misfire_grace_time == 7200
    await at(first, MONDAY_8 + timedelta(hours=2, minutes=1))
    assert digest_calls(first.api) == []


async def test_two_applications_on_one_database_send_one_digest(apps):
    one = await apps.start()
    two = await apps.start()
    for chat in range(-1010, -1000):
        await subscribe(one, chat=chat)
    one.clock.set(MONDAY_8)
    two.clock.set(MONDAY_8)
    reports = await asyncio.gather(
        scheduler.deliver_due(one.app), scheduler.deliver_due(two.app), scheduler.deliver_due(one.app)
    )
    sent = digest_calls(one.api) + digest_calls(two.api)
    assert sorted(sent) == sorted([(m, c) for c in range(-1010, -1000) for m in ("sendMessage", "sendPhoto")])
    assert sum(len(r.sent) for r in reports) == 10
    assert all(r.status == "sent" for r in await deliveries(one))


async def test_change_since_the_previous_digest(harness):
    await subscribe(harness)
    await harness.say("/usul perwali 2026-03-01 Satu")
    await harness.say("/usul perwali 2026-03-01 Dua")
    await harness.say("/tetapkan 1 7 2026-03-10")
    await at(harness, MONDAY_8)
    first = digest_texts(harness.api)[-1]
    assert "sejak ringkasan" not in first

    harness.clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=JAKARTA))
    await harness.say("/tetapkan 2 8 2026-12-02")
    await harness.say("/publikasi 1 2026-12-02")
    await at(harness, MONDAY_8 + timedelta(days=7))
    text = digest_texts(harness.api)[-1]
    iku1, iku2, iku3 = text.split("<b>IKU-")[1:4]
    assert "1 dari 2 (50,00%)" in iku1
    assert "▲ naik 50,00 poin sejak ringkasan 30 November 2026 (sebelumnya 0 dari 1 (0,00%))" in iku1
    assert "2 dari 2 (100,00%)" in iku2 and "▲ naik 50,00 poin" in iku2 and "(sebelumnya 1 dari 2 (50,00%))" in iku2
    assert "belum ada data" in iku3 and "Tetap sejak ringkasan 30 November 2026" in iku3
    assert "Ditetapkan: <b>1</b>" in text and "Dipublikasikan: <b>1</b>" in text
    assert "(30 November – 6 Desember 2026)" in text


async def test_digest_stays_within_telegram_limits_and_escapes_everything(harness):
    harness.clock.set(datetime(2026, 11, 29, 9, 0, tzinfo=JAKARTA))
    title = "<b>Tata</b> & Cara " + "Pengelolaan Arsip Daerah " * 18
    for n in range(1, 41):
        day = f"2026-11-{23 + n % 6:02d}"
        assert "dicatat" in await harness.say(f"/usul perwali {day} {title} {n}")
        if n <= 20:
            assert "dicatat" in await harness.say(f"/tetapkan {n} {n} {day}")
        started = f"2026-01-{n % 28 + 1:02d}"
        assert "dicatat" in await harness.say(f"/perkara {n}/Pdt.G/2026/PN Prb {started} <x> & {'y' * 300}")
    await subscribe(harness)
    await at(harness, MONDAY_8)
    [text] = digest_texts(harness.api)  # RecordingBotApi checked HTML and length as Telegram would
    assert len(text) <= 4096
    assert "&lt;b&gt;Tata&lt;/b&gt; &amp; Cara" in text and "<x>" not in text
    assert "Diusulkan: <b>40</b>" in text and "Perkara belum selesai: <b>40</b>" in text


async def test_chart_is_a_png_that_decodes():
    figures = [Figure(IKU1, 2, 3), Figure(IKU2, 3, 4), Figure(IKU3, 0, 0)]
    png = await chart.png(figures, "Capaian IKU Tahun 2026", "s.d. 30 November 2026")
    image = Image.open(BytesIO(png))
    image.load()
    assert image.format == "PNG" and image.size == (1280, 720)


# --- Telegram's errors ---------------------------------------------------------------------------------


class FailingNth(RecordingBotApi):
    """Answers the n-th call of a method (counting successful ones) with an error, once."""

    def __init__(self, method: str, n: int, error: tuple) -> None:
        super().__init__()
        self.method, self.n, self.error, self.seen = method, n, error, 0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        if url.endswith("/" + self.method):
            self.seen += 1
            if self.seen == self.n:
                self.failures.setdefault(self.method, []).append(self.error)
        return await super().do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )


async def test_429_during_fan_out_is_retried_after_retry_after(apps):
    slept = []
    real_sleep = asyncio.sleep
    api = FailingNth("sendMessage", 6, (429, "Too Many Requests: retry after 7", {"retry_after": 7}))
    bot = await apps.start(api=api, rate_limit=True)
    # The rate limiter waits out a 429 for that chat: record the wait on a clock of its own instead of sleeping.
    limiter = bot.app.bot.rate_limiter
    moment = [0.0]
    limiter._now = lambda: moment[0]

    async def fake_sleep(seconds):
        slept.append(seconds)
        moment[0] += seconds
        await real_sleep(0)

    limiter._sleep = fake_sleep
    groups = list(range(-1008, -1000))
    for chat in groups:
        await subscribe(bot, chat=chat)
    report = await at(bot, MONDAY_8)
    assert [s for s in slept if s > 1] == [7.0]  # (the shorter waits spread the broadcast evenly)
    assert sorted(report.sent) == groups and not report.retrying
    assert sorted(digest_calls(bot.api)) == sorted([(m, c) for c in groups for m in ("sendMessage", "sendPhoto")])


async def test_429_beyond_the_limiter_is_retried_within_the_grace_window(harness, caplog):
    # Without the rate limiter (or after its retries) the 429 reaches the delivery: nothing was sent,
    # so the slot is retried by a later pass, once.
    await subscribe(harness)
    harness.api.failures["sendMessage"] = [(429, "Too Many Requests: retry after 30", {"retry_after": 30})]
    report = await at(harness, MONDAY_8)
    assert report.retrying == [GROUP] and digest_calls(harness.api) == []
    [row] = await deliveries(harness)
    assert row.error is not None
    assert row.status == "retry" and "RetryAfter" in row.error

    await at(harness, MONDAY_8 + timedelta(minutes=4))  # not yet: waits 5 minutes
    assert digest_calls(harness.api) == []
    report = await at(harness, MONDAY_8 + timedelta(minutes=5))
    assert report.sent == [GROUP] and digest_calls(harness.api) == ONE_DIGEST
    [row] = await deliveries(harness)
    assert (row.status, row.attempts, row.error) == ("sent", 2, None)


async def test_a_failed_chart_is_retried_without_repeating_the_text(harness):
    await subscribe(harness)
    harness.api.failures["sendPhoto"] = [(502, "Bad Gateway", None)] * 2
    await at(harness, MONDAY_8)
    await at(harness, MONDAY_8 + timedelta(minutes=5))
    assert digest_calls(harness.api) == [("sendMessage", GROUP)]
    [row] = await deliveries(harness)
    assert row.status == "retry" and row.attempts == 2
    await at(harness, MONDAY_8 + timedelta(minutes=15))  # backoff doubled: 10 minutes after the 2nd try
    assert digest_calls(harness.api) == ONE_DIGEST


async def test_a_send_still_failing_when_the_grace_window_ends_is_reported(harness, caplog):
    await subscribe(harness)
    harness.api.failures["sendMessage"] = [(500, "Internal Server Error", None)] * 100
    moment = MONDAY_8
    while moment <= MONDAY_8 + timedelta(hours=12, minutes=5):
        await at(harness, moment)
        moment += timedelta(minutes=5)
    assert digest_calls(harness.api) == []
    [row] = await deliveries(harness)
    assert row.error is not None
    assert row.status == "failed" and row.error.startswith("grace window over") and 5 < row.attempts < 20
    assert any(r.levelno == logging.ERROR and "not delivered" in r.message for r in caplog.records)


async def test_403_when_sending_stops_the_subscription(harness):
    await subscribe(harness)
    harness.api.failures["sendMessage"] = [(403, "Forbidden: bot was kicked from the supergroup chat", None)]
    report = await at(harness, MONDAY_8)
    assert report.deactivated == [GROUP] and digest_calls(harness.api) == []
    assert not (await subscription(harness)).active
    assert job_ids(harness) == [scheduler.SWEEP_ID]
    [row] = await deliveries(harness)
    assert row.error is not None
    assert row.status == "failed" and "Forbidden" in row.error
    await at(harness, MONDAY_8 + timedelta(days=7))
    assert digest_calls(harness.api) == []


async def test_upgraded_group_discovered_when_sending_is_followed(harness):
    new = -1009001
    await subscribe(harness)
    harness.api.failures["sendMessage"] = [
        (400, "Bad Request: group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": new})
    ]
    report = await at(harness, MONDAY_8)
    assert report.migrated == {GROUP: new} and report.sent == [new]
    assert digest_calls(harness.api) == [("sendMessage", new), ("sendPhoto", new)]
    assert await find_subscription(harness) is None and (await subscription(harness, new)).active
    assert job_ids(harness) == [scheduler.job_id(new), scheduler.SWEEP_ID]
    [row] = await deliveries(harness)
    assert row.chat_id == new and row.status == "sent"


async def test_an_interrupted_send_is_reported_and_never_repeated(apps, caplog):
    first = await apps.start()
    await subscribe(first)
    # A process claimed the slot and died while the text was in flight: it may have arrived.
    async with first.db.session() as session:
        session.add(
            DigestDelivery(
                chat_id=GROUP,
                slot=MONDAY_8.astimezone(UTC),
                status="claimed",
                claimed_by="other:1:dead",
                claimed_at=MONDAY_8.astimezone(UTC),
                attempts=1,
                figures={"year": 2026, "values": {}, "sent": {}},
            )
        )
    await at(first, MONDAY_8 + timedelta(minutes=10))  # within the lease: someone may still be sending
    assert (await deliveries(first))[0].status == "claimed"
    await at(first, MONDAY_8 + timedelta(minutes=31))
    [row] = await deliveries(first)
    assert row.error is not None
    assert row.status == "failed" and "interrupted while sending the text" in row.error
    assert digest_calls(first.api) == []
    assert any(r.levelno == logging.ERROR and "interrupted" in r.message for r in caplog.records)


async def test_a_timeout_after_the_request_left_is_not_repeated(harness):
    class ReadTimeoutOnce(RecordingBotApi):
        failed = False

        async def do_request(
            self,
            url: str,
            method: str,
            request_data: RequestData | None = None,
            read_timeout: Any = None,
            write_timeout: Any = None,
            connect_timeout: Any = None,
            pool_timeout: Any = None,
        ) -> tuple[int, bytes]:
            if url.endswith("/sendMessage") and not self.failed:
                self.failed = True
                raise httpx.ReadTimeout("read timed out")
            return await super().do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )

    await subscribe(harness)
    api = ReadTimeoutOnce()
    harness.app.bot._request = (api, api)  # the same bot, now on a flaky network
    await at(harness, MONDAY_8)
    await at(harness, MONDAY_8 + timedelta(hours=1))
    [row] = await deliveries(harness)
    assert row.error is not None
    assert row.status == "failed" and "may have arrived" in row.error
    assert digest_calls(api) == []


def test_errors_are_classified_by_what_telegram_can_have_done():
    def caused(exc, cause):
        exc.__cause__ = cause
        return exc

    assert classify(Forbidden("bot was kicked")) == "removed"
    assert classify(RetryAfter(5)) == "retry"
    assert classify(BadRequest("chat not found")) == "refused"
    assert classify(NetworkError("Bad Gateway")) == "retry"
    assert classify(caused(TimedOut(), httpx.ConnectTimeout("x"))) == "retry"
    assert classify(caused(TimedOut(), httpx.PoolTimeout("x"))) == "retry"
    assert classify(caused(TimedOut(), httpx.ReadTimeout("x"))) == "uncertain"
    assert classify(caused(NetworkError("x"), httpx.RemoteProtocolError("x"))) == "uncertain"
    assert delivery.retry_delay(1) == timedelta(minutes=5) and delivery.retry_delay(10) == timedelta(hours=1)


async def test_repeating_the_same_schedule_keeps_an_owed_slot(apps):
    first = await apps.start()
    await subscribe(first)
    await apps.stop(first)
    # Back at 09:00 after a night down; someone repeats /langganan before the catch-up has run.
    restarted = await apps.start(at=MONDAY_8 + timedelta(hours=1))
    assert "Jadwal ringkasan mingguan diubah" in await subscribe(restarted)
    await scheduler.deliver_due(restarted.app)
    assert digest_calls(restarted.api) == ONE_DIGEST


async def test_the_chart_is_rendered_and_uploaded_once_per_pass(harness):
    for chat in (-1001, -1002, -1003):
        await subscribe(harness, chat=chat)
    await at(harness, MONDAY_8)
    photos = [c for c in harness.api.calls if c.method == "sendPhoto"]
    assert len(photos) == 3
    assert [bool(c.files) for c in photos] == [True, False, False]
    assert photos[1].params["photo"] == photos[2].params["photo"] == "photo"  # Telegram's file id
