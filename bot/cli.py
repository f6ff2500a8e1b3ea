"""The `iku-bot` command (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

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


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL, and the URL holds the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def cmd_run(settings: Settings, _args) -> int:
    if not settings.token:
        print("iku-bot: TELEGRAM_BOT_TOKEN is not set (put it in .env or the environment); "
              "`iku-bot console` runs without one.", file=sys.stderr)
        return 2
    from telegram import Update

    from bot.app import build_application

    configure_logging(settings.log_level)
    application = build_application(settings)
    log.info("starting in polling mode against %s", settings.telegram_api_url)
    # Updates sent while the bot was down are processed, not dropped.
    application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    return 0


def cmd_console(settings: Settings, args) -> int:
    from bot.console import run_console

    configure_logging("WARNING" if settings.log_level.upper() == "INFO" else settings.log_level)
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

    configure_logging("WARNING" if args.chat is None and settings.log_level.upper() == "INFO" else settings.log_level)
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
        print(f"iku-bot: the digest was not sent to {args.chat}: {exc}", file=sys.stderr)
        return 1
    print(f"digest sent to {args.chat}")
    return 0


def cmd_has_token(settings: Settings, _args) -> int:
    return 0 if settings.token else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="iku-bot", description="IKU Bot of the Bagian Hukum, Kota Probolinggo")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (default)")
    console = sub.add_parser("console", help="chat with the bot in the terminal, without network or token")
    console.add_argument("--as", dest="as_user", type=int, help="Telegram user id to act as (default: first admin)")
    db = sub.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    sub.add_parser("has-token", help="exit 0 when a bot token is configured")
    digest = sub.add_parser("digest", help="the weekly digest: preview it, or send it to a chat now")
    target = digest.add_mutually_exclusive_group(required=True)
    target.add_argument("--preview", action="store_true", help="print the digest text and write the chart")
    target.add_argument("--chat", type=int, help="send the digest to this chat id now")
    digest.add_argument("--out", default="digest-chart.png", help="where --preview writes the chart PNG")
    digest.add_argument("--html", action="store_true", help="with --preview: print the HTML as sent")
    args = parser.parse_args(argv)

    settings = _settings()
    commands = {"run": cmd_run, None: cmd_run, "console": cmd_console, "db": cmd_db, "has-token": cmd_has_token,
                "digest": cmd_digest}
    try:
        return commands[args.command](settings, args)
    except KeyboardInterrupt:
        return 0
