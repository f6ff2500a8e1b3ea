"""Webhook mode rejects requests without the secret header; `iku-bot backup` copies a running bot's SQLite
database consistently (and points PostgreSQL users to pg_dump); the stand-in itself answers like Telegram."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from contextlib import closing

import httpx
from sqlalchemy.engine import make_url

from tests.e2e.conftest import ADMIN, ROOT, TOKEN, TOPICS, WEBHOOK_SECRET, say, week_dates


def update(update_id: int, text: str, user: int = ADMIN) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_790_000_000,
            "text": text,
            "chat": {"id": user, "type": "private", "first_name": "Uji"},
            "from": {"id": user, "is_bot": False, "first_name": "Uji"},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def test_webhook_requires_the_secret_header(standin, bots, bot_env, db_url):
    env = bot_env("webhook")
    await bots.start("webhook", env=env)
    assert "Capaian IKU" in await say(standin, ADMIN, "/iku")  # Telegram's own delivery works
    registered = next(c for c in standin.calls if c.method == "setWebhook")
    assert registered.params["url"] == env["WEBHOOK_URL"]
    assert registered.params["secret_token"] == WEBHOOK_SECRET
    assert not [c for c in standin.calls if c.method == "getUpdates"]

    day = week_dates()[-1].isoformat()
    body = lambda uid, title: json.dumps(update(uid, f"/usul perwali {day} {title}"))  # noqa: E731
    async with httpx.AsyncClient(timeout=30) as client:
        url = env["WEBHOOK_URL"]
        plain = {"Content-Type": "application/json"}
        missing = await client.post(url, content=body(900_001, TOPICS[0]), headers=plain)
        wrong = await client.post(
            url, content=body(900_002, TOPICS[1]), headers={**plain, "X-Telegram-Bot-Api-Secret-Token": "guessed"}
        )
        assert (missing.status_code, wrong.status_code) == (403, 403)
        right = await client.post(
            url, content=body(900_003, TOPICS[2]), headers={**plain, "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        )
        assert right.status_code == 200
    # The accepted request was answered only after the update was handled: its reply is already there.
    texts = standin.texts(ADMIN)
    assert TOPICS[2] in texts[-1]
    assert not any(TOPICS[0] in t or TOPICS[1] in t for t in texts)
    listing = await say(standin, ADMIN, "/daftar usulan")
    assert TOPICS[2] in listing and TOPICS[0] not in listing and TOPICS[1] not in listing


async def test_backup_while_the_bot_writes(backend, standin, bots, bot_env, db_url, tmp_path):
    target = tmp_path / "copy.db"
    command = [sys.executable, "-m", "bot", "backup", str(target)]
    if backend == "postgresql":
        run = await asyncio.create_subprocess_exec(
            *command, cwd=ROOT, env=bot_env("polling"), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        _, err = await asyncio.wait_for(run.communicate(), 60)
        assert run.returncode == 2 and b"pg_dump" in err and not target.exists()
        return

    await bots.start("polling")
    standin.latency["sendMessage"] = 0.15  # a slow Telegram keeps the writes going while the backup runs
    day = week_dates()[-1].isoformat()
    titles = list(TOPICS[:24])
    for title in titles:
        standin.message(ADMIN, f"/usul perwali {day} {title}")
    await standin.wait_until(lambda: len(standin.sent(ADMIN)) >= 3, 30, "writes under way")
    run = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, env=bot_env("polling"), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(run.communicate(), 60)
    assert run.returncode == 0, err
    assert b"written to" in out and TOKEN.encode() not in out + err
    await standin.wait_until(lambda: len(standin.sent(ADMIN)) >= len(titles), 60, "all writes")

    # The copy is one moment of the database: a prefix of the proposals, each with its audit row and its
    # ledger row, nothing torn.
    with closing(sqlite3.connect(target)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        copied = [row[0] for row in copy.execute("SELECT title FROM product ORDER BY id")]
        audit = copy.execute("SELECT count(*) FROM audit_log WHERE action = 'product.propose'").fetchone()[0]
        ledger = copy.execute("SELECT count(*) FROM processed_update").fetchone()[0]
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert copied == titles[: len(copied)] and 3 <= len(copied) < len(titles)
    assert audit == ledger == len(copied)
    live = make_url(db_url).database
    assert live is not None
    with closing(sqlite3.connect(live)) as db:
        assert db.execute("SELECT count(*) FROM product").fetchone()[0] == len(titles)


async def test_standin_answers_like_telegram(standin):
    """The stand-in must be able to fail the bot: bad HTML, long texts, missing and unknown parameters,
    unknown methods and a wrong token are refused; form, multipart and JSON bodies are all read."""
    base = f"{standin.url}/bot{TOKEN}"
    async with httpx.AsyncClient(timeout=10) as client:
        ok_form = await client.post(
            f"{base}/sendMessage", data={"chat_id": "1", "text": "<b>tebal</b>", "parse_mode": "HTML"}
        )
        ok_multipart = await client.post(
            f"{base}/sendDocument", data={"chat_id": "1", "caption": "berkas"}, files={"document": ("a.txt", b"isi")}
        )
        ok_json = await client.post(
            f"{base}/sendMessage", json={"chat_id": 1, "text": "halo", "reply_markup": {"inline_keyboard": []}}
        )
        bad_html = await client.post(
            f"{base}/sendMessage", data={"chat_id": "1", "text": "<b>tebal", "parse_mode": "HTML"}
        )
        bad_entity = await client.post(
            f"{base}/sendMessage", data={"chat_id": "1", "text": "a & b", "parse_mode": "HTML"}
        )
        too_long = await client.post(f"{base}/sendMessage", data={"chat_id": "1", "text": "x" * 4097})
        missing = await client.post(f"{base}/sendMessage", data={"text": "tanpa chat"})
        unknown_param = await client.post(f"{base}/sendMessage", data={"chat_id": "1", "text": "a", "colour": "x"})
        unknown_method = await client.post(f"{base}/sendTelepathy", data={"chat_id": "1"})
        wrong_token = await client.post(f"{standin.url}/bot1:nope/getMe")
    assert [r.status_code for r in (ok_form, ok_multipart, ok_json)] == [200, 200, 200]
    assert [r.status_code for r in (bad_html, bad_entity, too_long, missing, unknown_param)] == [400] * 5
    assert unknown_method.status_code == 404 and wrong_token.status_code == 401
    assert [c.encoding for c in standin.calls[:3]] == ["form", "multipart", "json"]
    assert len(standin.violations) == 6
    standin.violations.clear()  # provoked on purpose

    first = standin.message(ADMIN, "/iku")
    second = standin.message(ADMIN, "/bantuan")
    async with httpx.AsyncClient(timeout=10) as client:
        both = (await client.post(f"{base}/getUpdates", data={"timeout": "0"})).json()["result"]
        again = (await client.post(f"{base}/getUpdates", data={"offset": str(second), "timeout": "0"})).json()
        later = (await client.post(f"{base}/getUpdates", data={"timeout": "0"})).json()["result"]
    assert [u["update_id"] for u in both] == [first, second]
    assert [u["update_id"] for u in again["result"]] == [second] and [u["update_id"] for u in later] == [second]
