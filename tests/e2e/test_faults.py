"""Telegram misbehaving: rate limits (429), server errors (5xx) and dropped connections, on the calls that fetch
updates and on the calls that answer users. Every command is still applied once and answered."""

from __future__ import annotations

import signal

from bot.app import SORRY
from tests.e2e.conftest import ADMIN, TOKEN, TOPICS, BotProcess, say, week_dates
from tests.e2e.standin import Fault


async def test_rate_limits_server_errors_and_dropped_connections_are_ridden_out(standin, bots):
    bot = await bots.start("polling")
    day = week_dates()[-1].isoformat()

    # A 429 on an answer is waited out as Telegram asks, and the answer arrives.
    standin.fail("sendMessage", Fault("status", 429, retry_after=1))
    assert TOPICS[0] in await say(standin, ADMIN, f"/usul perwali {day} {TOPICS[0]}")
    sent = [c for c in standin.calls if c.method == "sendMessage"]
    assert [c.fault for c in sent] == ["429", None] and sent[1].at - sent[0].at >= 1.0

    # A 5xx or a dropped connection on an answer: the write stands, once, and the user is told to check
    # /daftar before sending it again (the answer may or may not have reached them).
    for n, fault in enumerate((Fault("status", 502), Fault("drop")), start=1):
        standin.fail("sendMessage", fault)
        reply = await say(standin, ADMIN, f"/usul perwali {day} {TOPICS[n]}")
        assert reply == SORRY, reply

    # Fetching: polling survives a 502, a dropped long poll and a 429 on getUpdates.
    for fault in (Fault("status", 502), Fault("drop"), Fault("status", 429, retry_after=1)):
        standin.fail("getUpdates", fault)
        await standin.wait_until(lambda: not standin.faults["getUpdates"], 30, "the fault to be hit")
        title = TOPICS[len(standin.updates)]
        assert title in await say(standin, ADMIN, f"/usul perwali {day} {title}")

    listing = await say(standin, ADMIN, "/daftar usulan")
    assert "Usulan belum ditetapkan (6)" in listing
    assert all(listing.count(title) == 1 for title in TOPICS[:6])
    assert await bot.stop(signal.SIGTERM) == 0
    log = bots.log_path.read_text()
    assert log.count("outcome=applied+error") == 2 and "fetching updates failed, retrying" in log


async def test_debug_logging_keeps_the_token_out(standin, bots, bot_env):
    bots.personal_data_allowed = True  # DEBUG logs show update contents; only INFO is kept free of them
    bot = await bots.start("polling", env=bot_env("polling", LOG_LEVEL="DEBUG"))
    standin.fail("getUpdates", Fault("drop"))  # an exception with a traceback, logged at every level
    assert "Capaian IKU" in await say(standin, ADMIN, "/iku")
    assert await bot.stop(signal.SIGTERM) == 0
    log = bots.log_path.read_text()
    assert " DEBUG telegram" in log and TOKEN not in log


async def test_a_rejected_token_stops_the_bot_with_a_message_and_without_the_token(standin, bot_env, tmp_path):
    wrong = "7000000001:AAWrongTokenThatTelegramRejects_12345"
    process = BotProcess(bot_env("polling", TELEGRAM_BOT_TOKEN=wrong), tmp_path / "wrong.log").start()
    assert await process.wait_exit(60) == 1
    log = process.log()
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in log
    assert wrong not in log and wrong.split(":")[1] not in log
