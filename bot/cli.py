"""The `iku-bot` command (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

from pydantic import ValidationError

from bot.settings import Settings

log = logging.getLogger("bot")
CONSOLE_FALLBACK_ADMIN = 1


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).upper()
        print(f"iku-bot: invalid setting {field}: {first['msg']}", file=sys.stderr)
        raise SystemExit(2) from None


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Every command logs through this: the same redaction as the bot, whatever the command."""
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.captureWarnings(True)  # warnings too go through the handler, and so through the redaction
    for handler in logging.getLogger().handlers:
        handler.addFilter(_redaction(secrets))
    # httpx logs every request URL, and the URL holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def _redaction(secrets: Iterable[str] = ()):
    from bot.runner import RedactSecrets

    return RedactSecrets(secrets)


def _log_level(settings: Settings, args) -> str:
    """The console and the digest preview print for a person: INFO chatter would drown their output."""
    quiet = args.command == "console" or (args.command == "digest" and getattr(args, "chat", None) is None)
    return "WARNING" if quiet and settings.log_level.upper() == "INFO" else settings.log_level


def redacted(settings: Settings, text: str) -> str:
    """What a command prints about an error: library messages may quote the request URL, token included."""
    from bot.runner import secrets_of

    return _redaction(secrets_of(settings)).clean(text)


def cmd_run(settings: Settings, _args) -> int:
    if not settings.token:
        print(
            "iku-bot: TELEGRAM_BOT_TOKEN is not set (put it in .env or the environment); "
            "`iku-bot console` runs without one.",
            file=sys.stderr,
        )
        return 2
    from bot import runner

    if settings.bot_mode == "webhook" and (problems := runner.webhook_problems(settings)):
        for problem in problems:
            print(f"iku-bot: BOT_MODE=webhook but {problem}.", file=sys.stderr)
        return 2
    return runner.run(settings)


def cmd_console(settings: Settings, args) -> int:
    from bot.console import run_console

    user_id = args.as_user
    if user_id is None:
        if settings.admin_ids:
            user_id = settings.admin_ids[0]
        else:
            user_id = CONSOLE_FALLBACK_ADMIN
            settings.admin_ids = [user_id]
            print(f"ADMIN_IDS is empty: the console runs as admin {user_id} for this session.", file=sys.stderr)
    asyncio.run(run_console(settings, user_id))
    return 0


def cmd_db(settings: Settings, args) -> int:
    from models.migrate import current, upgrade

    settings.ensure_data_dir()
    if args.action == "upgrade":
        upgrade(settings.async_database_url)
        print(f"database is at revision {current(settings.async_database_url)}")
    else:
        print(current(settings.async_database_url) or "empty")
    return 0


def cmd_digest(settings: Settings, args) -> int:
    from pathlib import Path

    from telegram.error import TelegramError

    from bot import digest_cli
    from bot.console import plain

    if args.chat is None:
        text = asyncio.run(digest_cli.preview(settings, Path(args.out)))
        print(text if args.html else plain(text))
        print(f"\n[chart written to {args.out}]", file=sys.stderr)
        return 0
    if not settings.token:
        print("iku-bot: TELEGRAM_BOT_TOKEN is not set; `iku-bot digest --preview` works without one.", file=sys.stderr)
        return 2
    try:
        asyncio.run(digest_cli.send(settings, args.chat))
    except TelegramError as exc:
        print(redacted(settings, f"iku-bot: the digest was not sent to {args.chat}: {exc}"), file=sys.stderr)
        return 1
    print(f"digest sent to {args.chat}")
    return 0


def cmd_backup(settings: Settings, args) -> int:
    """A consistent copy of the SQLite database, safe while the bot runs (SQLite's online backup API)."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.async_database_url)
    if not url.drivername.startswith("sqlite"):
        print(
            "iku-bot: DATABASE_URL is a PostgreSQL database; back it up with pg_dump, for example\n"
            f"  pg_dump --format=custom --file={args.file} '{url.set(drivername='postgresql')}'",
            file=sys.stderr,
        )
        return 2
    source = Path(url.database or "")
    if not url.database or url.database == ":memory:" or not source.is_file():
        print(f"iku-bot: no SQLite database at {source}", file=sys.stderr)
        return 2
    target = Path(args.file)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with closing(sqlite3.connect(source, timeout=30)) as src, closing(sqlite3.connect(partial)) as dst:
        src.backup(dst)  # all pages in one step: one snapshot, even while the bot writes
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        ok = dst.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    if not ok:
        partial.unlink(missing_ok=True)
        print("iku-bot: the copy failed its integrity check; nothing written", file=sys.stderr)
        return 1
    partial.replace(target)
    print(f"backup of {source} written to {target} ({target.stat().st_size} bytes)")
    return 0


def cmd_export(settings: Settings, args) -> int:
    from pathlib import Path

    from bot import export_cli
    from models.errors import InputError

    try:
        if args.jdih is not None:
            path, count = asyncio.run(export_cli.write_feed(settings, Path(args.jdih)))
            print(f"JDIH feed with {count} regulations written to {path}")
        else:
            path = asyncio.run(export_cli.write_workbook(settings, args.year, Path(args.out or ".")))
            print(f"report written to {path}")
    except InputError as exc:
        print(f"iku-bot export: {exc.message}", file=sys.stderr)
        return 2
    return 0


def cmd_has_token(settings: Settings, _args) -> int:
    return 0 if settings.token else 1


def _integer(text: str) -> int:
    """A user or chat id (chats are negative), in the digits 0-9 only, as everywhere in the bot."""
    from models.validation import number

    value = number(text.removeprefix("-"))
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number written with the digits 0-9")
    return -value if text.startswith("-") else value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="iku-bot", description="IKU Bot of the Bagian Hukum, Kota Probolinggo")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (default)")
    console = sub.add_parser("console", help="chat with the bot in the terminal, without network or token")
    console.add_argument(
        "--as", dest="as_user", type=_integer, help="Telegram user id to act as (default: first admin)"
    )
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    backup = sub.add_parser("backup", help="copy the SQLite database to FILE, safely while the bot runs")
    backup.add_argument("file", help="where to write the copy")
    sub.add_parser("has-token", help="exit 0 when a bot token is configured")
    digest = sub.add_parser("digest", help="the weekly digest: preview it, or send it to a chat now")
    target = digest.add_mutually_exclusive_group(required=True)
    target.add_argument("--preview", action="store_true", help="print the digest text and write the chart")
    target.add_argument("--chat", type=_integer, help="send the digest to this chat id now")
    digest.add_argument("--out", default="digest-chart.png", help="where --preview writes the chart PNG")
    digest.add_argument("--html", action="store_true", help="with --preview: print the HTML as sent")
    export = sub.add_parser("export", help="write the yearly report (XLSX) or the JDIH feed (JSON), as /ekspor sends")
    export.add_argument("--year", type=_integer, help="the report's year (default: this year)")
    export.add_argument("--out", help="the XLSX file to write, or a folder (default: the current folder)")
    export.add_argument("--jdih", metavar="FILE", help="write the JDIH feed to FILE (or into a folder) instead")
    args = parser.parse_args(argv)

    settings = _settings()
    from bot.runner import secrets_of

    configure_logging(_log_level(settings, args), secrets_of(settings))
    commands = {
        "run": cmd_run,
        None: cmd_run,
        "console": cmd_console,
        "db": cmd_db,
        "backup": cmd_backup,
        "has-token": cmd_has_token,
        "digest": cmd_digest,
        "export": cmd_export,
    }
    try:
        return commands[args.command](settings, args)
    except KeyboardInterrupt:
        return 0
    except Exception:  # logged, so redacted: Python's own traceback printer would show the token
        log.exception("iku-bot %s failed", args.command or "run")
        return 1
