"""Stopping and crashing in the middle of traffic: a clean stop (SIGTERM, SIGINT) finishes what is in hand and
exits 0, and a restart continues where it stopped; after a kill -9 right after a write was confirmed, Telegram
delivers the update again and it is applied once."""

from __future__ import annotations

import os
import signal
from collections import Counter

import pytest
from sqlalchemy import func
from sqlmodel import select

from models.db import Database
from models.tables import AuditEntry, ProcessedUpdate, Product
from tests.e2e.conftest import ADMIN, TOPICS, say, week_dates
from tests.e2e.standin import BotApiStandIn

WRITES = 24
READ_EVERY = 4  # every 4th update is a read (/iku), which the ledger does not guard: it must not repeat either


async def stored(db_url: str) -> tuple[Counter, int, int]:
    db = Database(db_url)
    try:
        async with db.session() as session:
            titles = Counter((await session.exec(select(Product.title))).all())
            audit = (
                await session.exec(
                    select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "product.propose")
                )
            ).one()
            # Writes' markers (with their reply); "handled" markers of reads have none.
            ledger = (
                await session.exec(select(func.count()).select_from(ProcessedUpdate).where(ProcessedUpdate.reply != ""))
            ).one()
            return titles, int(audit), int(ledger)
    finally:
        await db.dispose()


def answered(standin: BotApiStandIn) -> Counter:
    """How often each kind of answer reached the admin: one entry per proposal title, plus the /iku answers."""
    counts: Counter = Counter()
    for text in standin.texts(ADMIN):
        if "Usulan dicatat" in text:
            counts[text.split("\n")[1].split(": ", 1)[1]] += 1
        elif "Capaian IKU" in text:
            counts["/iku"] += 1
    return counts


@pytest.mark.parametrize(
    "mode, sig",
    [
        pytest.param("polling", signal.SIGTERM, id="polling-SIGTERM"),
        pytest.param("webhook", signal.SIGTERM, id="webhook-SIGTERM"),
        pytest.param("polling", signal.SIGINT, id="polling-SIGINT"),
    ],
)
async def test_stop_in_the_middle_of_traffic_then_restart_loses_and_doubles_nothing(mode, sig, standin, bots, db_url):
    bot = await bots.start(mode)
    standin.latency["sendMessage"] = 0.03  # keeps the stop well inside the traffic, even on a fast machine
    day = week_dates()[-1].isoformat()
    titles: list[str] = []
    reads = 0
    for n in range(1, WRITES + WRITES // (READ_EVERY - 1) + 1):
        if n % READ_EVERY == 0:
            standin.message(ADMIN, "/iku")
            reads += 1
        else:
            titles.append(TOPICS[len(titles)])
            standin.message(ADMIN, f"/usul perwali {day} {titles[-1]}")
    assert len(titles) >= WRITES

    await standin.wait_until(lambda: sum(answered(standin).values()) >= 6, 30, "some answers before the stop")
    assert await bot.stop(sig) == 0
    # A clean stop: the final confirmation got through, nothing went on polling after the stop.
    assert "could not confirm" not in bots.log_path.read_text()
    assert "Traceback" not in bots.log_path.read_text()
    before_restart = answered(standin)
    assert 6 <= sum(before_restart.values()) < len(standin.updates), "the stop did not land mid-traffic"

    # Nothing half-written: every proposal stored so far was confirmed to the user, and vice versa.
    titles_stored, audit, ledger = await stored(db_url)
    assert set(titles_stored) == {t for t in before_restart if t != "/iku"}
    assert audit == ledger == sum(titles_stored.values())

    calls, attempts = len(standin.calls), len(standin.webhook_attempts)
    await bots.start(mode)
    await standin.wait_until(lambda: sum(answered(standin).values()) >= len(standin.updates), 60, "all answers")
    # The bot handles updates in order: once the last one is answered, a repeat would have shown up already.
    assert "Tidak ada" not in await say(standin, ADMIN, "/daftar usulan")

    assert answered(standin) == Counter({**{t: 1 for t in titles}, "/iku": reads})
    titles_stored, audit, ledger = await stored(db_url)
    assert titles_stored == Counter(titles) and audit == ledger == len(titles)
    # The restart continued where the stop left off: what was handled before was not handed out again.
    ids = [u["update_id"] for u in standin.updates]
    handled = sum(before_restart.values())
    # A webhook post is recorded when the bot's answer to it arrives, which may be just after the reply
    # the test waited for: wait for the record, then compare (what was handled before must not be there).
    await standin.wait_until(
        lambda: set(ids[handled:]) <= standin.handed_out_since(calls, attempts), 10, "the last post recorded"
    )
    assert standin.handed_out_since(calls, attempts) == set(ids[handled:])
    assert "outcome=duplicate" not in bots.log_path.read_text()


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_kill_9_right_after_a_confirmed_write_applies_the_redelivered_update_once(mode, standin, bots, db_url):
    bot = await bots.start(mode)
    title = "Peraturan Yang Dicatat Sekali Saja"

    def kill_on_confirmation(call) -> None:
        if call.method == "sendMessage" and title in call.params.get("text", ""):
            standin.before_answer.remove(kill_on_confirmation)
            os.kill(bot.pid, signal.SIGKILL)

    standin.before_answer.append(kill_on_confirmation)
    update_id = standin.message(ADMIN, f"/usul perwali {week_dates()[-1].isoformat()} {title}")
    assert await bot.wait_exit(30) == -signal.SIGKILL
    assert sum(title in text for text in standin.texts(ADMIN)) == 1
    titles, audit, ledger = await stored(db_url)
    assert titles == Counter({title: 1}) and audit == ledger == 1

    # Telegram had not seen the update confirmed, so it delivers it again; the bot had not seen its confirmation
    # message acknowledged, so it sends that once more: the same text, from the stored reply.
    await bots.start(mode)
    confirmations = await standin.wait_for_reply(ADMIN, 2)
    assert standin.deliveries[update_id] >= 2
    assert confirmations[0] == confirmations[1] and "Usulan dicatat" in confirmations[1]
    listing = await say(standin, ADMIN, "/daftar usulan")
    assert listing.count(title) == 1 and "Usulan belum ditetapkan (1)" in listing
    titles, audit, ledger = await stored(db_url)
    assert titles == Counter({title: 1}) and audit == ledger == 1
    assert f"update {update_id} /usul user={ADMIN} chat={ADMIN} outcome=duplicate" in bots.log_path.read_text()
    assert len(standin.sent(ADMIN)) == 3


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_kill_9_with_updates_of_several_chats_in_flight_then_redelivery(mode, standin, bots, bot_env, db_url):
    """Six people write at once (handled concurrently); the bot is killed while replies are going out. After
    the restart every write is stored once and every update answered; only a reply that was on its way at
    the kill (one per chat at most) may arrive twice."""
    people = [3001 + n for n in range(6)]
    env = bot_env(mode, ADMIN_IDS=",".join(str(p) for p in [ADMIN, *people]))
    bot = await bots.start(mode, env=env)
    day = week_dates()[-1].isoformat()
    sent_before_kill = 8
    seen = 0

    def kill_midway(call) -> None:
        nonlocal seen
        if call.method == "sendMessage":
            seen += 1
            if seen == sent_before_kill:
                standin.before_answer.remove(kill_midway)
                os.kill(bot.pid, signal.SIGKILL)

    standin.before_answer.append(kill_midway)
    expected: dict[int, list[str]] = {}
    for round_ in range(3):
        for n, person in enumerate(people):
            title = TOPICS[round_ * len(people) + n]
            expected.setdefault(person, []).append(title)
            standin.message(person, f"/usul perwali {day} {title}")
    for person in people:
        standin.message(person, "/iku")
    assert await bot.wait_exit(30) == -signal.SIGKILL

    await bots.start(mode, env=env)

    def all_answered() -> bool:
        for person in people:
            texts = standin.texts(person)
            if not all(any(title in t for t in texts) for title in expected[person]):
                return False
            if not any("Capaian IKU" in t for t in texts):
                return False
        return True

    await standin.wait_until(all_answered, 60, "every update answered after the restart")
    titles, audit, ledger = await stored(db_url)
    assert titles == Counter(t for ts in expected.values() for t in ts)
    assert audit == ledger == sum(titles.values())
    doubled = 0
    for person in people:
        texts = standin.texts(person)
        counts = [sum(title in t for t in texts) for title in expected[person]]
        counts.append(sum("Capaian IKU" in t for t in texts))
        assert all(1 <= c <= 2 for c in counts), (person, counts)
        doubled += sum(c - 1 for c in counts)
    assert doubled <= len(people), doubled
