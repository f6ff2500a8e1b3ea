"""Operating the bot: secrets never reach a log, the per-update log line, webhook settings checked before start,
`iku-bot backup` of SQLite."""

from __future__ import annotations

import io
import logging
import sqlite3
from contextlib import closing

import pytest
from pydantic import SecretStr

from bot.cli import main
from bot.runner import RedactSecrets, secrets_of, webhook_problems
from handlers import updatelog
from tests.conftest import ADMIN, make_settings

TOKEN = "123456:AAFsecretPartOfTheToken_xyz"


def test_secrets_are_redacted_from_messages_arguments_and_tracebacks():
    settings = make_settings(
        "postgresql+psycopg://iku:db-password-9@db/iku",
        telegram_bot_token=TOKEN,
        webhook_secret=SecretStr("hook-secret-1"),
    )
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets(secrets_of(settings)))
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    try:
        logger.warning("calling https://api.telegram.org/bot%s/getMe", TOKEN)
        logger.warning("secret %s and password %s", "hook-secret-1", "db-password-9")
        try:
            raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    for secret in (TOKEN, "AAFsecretPartOfTheToken_xyz", "hook-secret-1", "db-password-9"):
        assert secret not in text
    assert text.count("[redacted]") == 4 and "RuntimeError" in text


async def test_one_log_line_per_update_with_command_outcome_and_duration(harness, caplog):
    caplog.set_level(logging.INFO, logger="bot.updates")
    await harness.say("/usul perwali 2026-03-01 Tata Cara Pengelolaan Arsip")
    await harness.say("/usul perwali Judul", user=555)
    await harness.say("/tetapkan 99 7 2026-03-10")
    await harness.say("Halo, nama saya Siti")
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.updates"]
    assert len(lines) == 4
    assert lines[0].startswith(f"update 1 /usul user={ADMIN} chat={ADMIN} outcome=applied duration=")
    assert "update 2 /usul user=555 chat=555 outcome=refused" in lines[1]
    assert "update 3 /tetapkan" in lines[2] and "outcome=invalid" in lines[2]
    assert "update 4 text" in lines[3] and "outcome=ok" in lines[3]
    assert not any("Arsip" in line or "Siti" in line for line in lines)


async def test_a_redelivered_applied_update_is_not_handled_again(harness):
    first = await harness.send("/usul perwali 2026-03-01 Tata Cara Pengelolaan Arsip", update_id=42)
    again = await harness.send("/usul perwali 2026-03-01 Tata Cara Pengelolaan Arsip", update_id=42)
    assert "Usulan dicatat" in first[0] and again == []
    assert "(1)" in (await harness.send("/daftar usulan"))[0]


def test_command_word_never_carries_arguments(harness):
    update = harness.message_update("/usul@iku_bagian_hukum_bot perwali Judul Rahasia")
    assert updatelog.command(update) == "/usul"
    assert updatelog.command(harness.message_update("Siti Aminah")) == "text"
    assert updatelog.command(harness.callback_update("usul|0|pick|perwali")) == "button"


@pytest.mark.parametrize(
    "url, secret, problem",
    [
        (None, "s3cret", "WEBHOOK_URL is not set"),
        ("bot.example.go.id/hook", "s3cret", "is not an URL"),
        ("https://bot.example.go.id/hook", None, "WEBHOOK_SECRET is not set"),
        ("https://bot.example.go.id/hook", "with space", "may hold only"),
    ],
)
def test_webhook_mode_needs_an_url_and_a_secret(url, secret, problem):
    settings = make_settings(
        "sqlite:///x.db", bot_mode="webhook", webhook_url=url, webhook_secret=SecretStr(secret) if secret else None
    )
    assert any(problem in p for p in webhook_problems(settings))


def test_webhook_settings_are_checked_before_anything_starts(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("BOT_MODE", "webhook")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'iku.db'}")
    for name in ("WEBHOOK_URL", "WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "WEBHOOK_URL is not set" in err and "WEBHOOK_SECRET is not set" in err
    assert not (tmp_path / "iku.db").exists()


def test_backup_copies_what_is_committed_and_nothing_in_flight(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    live = tmp_path / "iku.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{live}")
    with closing(sqlite3.connect(live)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE product (id INTEGER PRIMARY KEY, title TEXT)")
        db.execute("INSERT INTO product (title) VALUES ('tersimpan')")
        db.commit()
        db.execute("INSERT INTO product (title) VALUES ('belum disimpan')")  # a write in progress
        assert main(["backup", str(tmp_path / "copy.db")]) == 0
        db.rollback()
    assert "written to" in capsys.readouterr().out
    with closing(sqlite3.connect(tmp_path / "copy.db")) as copy:
        assert copy.execute("SELECT title FROM product").fetchall() == [("tersimpan",)]
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not (tmp_path / "copy.db.partial").exists()


def test_backup_of_postgresql_points_to_pg_dump(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://iku:rahasia@db.internal/iku")
    assert main(["backup", str(tmp_path / "copy.dump")]) == 2
    err = capsys.readouterr().err
    assert "pg_dump" in err and "rahasia" not in err
    assert not (tmp_path / "copy.dump").exists()
