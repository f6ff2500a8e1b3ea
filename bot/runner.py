"""`iku-bot run`: the bot against Telegram, by long polling (default) or by webhook, until SIGTERM/SIGINT.

python-telegram-bot installs the signal handlers: on SIGTERM or SIGINT it stops fetching, handles every
update already received, runs the shutdown hooks and returns, so the process exits 0. Database writes are
single transactions (a write and its ledger row commit together), so a stop never leaves one half-written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import Application

from bot import dashboard
from bot.intake import DrainingUpdater, FreshUpdatesRequest, HandledQueue, WatermarkUpdater, confirm_handled
from bot.settings import Settings

log = logging.getLogger("bot")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def webhook_problems(settings: Settings) -> list[str]:
    """What keeps webhook mode from starting; empty when it can start."""
    problems = []
    url = settings.webhook_url or ""
    parts = urlsplit(url)
    if not url:
        problems.append("WEBHOOK_URL is not set (the public HTTPS URL Telegram posts updates to)")
    elif parts.scheme not in ("https", "http") or not parts.netloc:
        problems.append(f"WEBHOOK_URL {url!r} is not an URL like https://bot.example.go.id/telegram")
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    if not secret:
        problems.append("WEBHOOK_SECRET is not set (without it anyone could post fake updates)")
    elif not _SECRET_TOKEN.match(secret):
        problems.append("WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and -, at most 256 characters")
    dashboard_path = (settings.dashboard_path or "").rstrip("/")
    webhook_path = parts.path.rstrip("/")
    if dashboard_path and (
        dashboard_path == webhook_path
        or webhook_path.startswith(dashboard_path + "/")
        or dashboard_path.startswith(webhook_path + "/")
    ):
        problems.append(
            f"DASHBOARD_URL's path {dashboard_path!r} and WEBHOOK_URL's path {webhook_path!r} overlap: "
            "give each a path of its own"
        )
    return problems


def secrets_of(settings: Settings) -> list[str]:
    """Strings that must never reach a log: the bot token (and its secret half), the webhook secret, the
    database password."""
    found = []
    if settings.token:
        found += [settings.token, settings.token.split(":", 1)[-1]]
    if settings.webhook_secret:
        found.append(settings.webhook_secret.get_secret_value())
    try:
        password = make_url(settings.database_url).password
    except Exception:
        password = None
    if password:
        found.append(str(password))
    return [s for s in found if len(s) >= 4]


class RedactSecrets(logging.Filter):
    """Replaces secrets in every record, its traceback included, before a handler writes it.

    httpx and python-telegram-bot put the request URL, which holds the token, into some messages and
    exceptions (InvalidToken quotes it); redacting at the handler catches them all.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted(set(secrets), key=len, reverse=True)

    def clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        record.msg = self.clean(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self.clean(record.stack_info)
        return True


def _after(first, second):
    async def both(application: Application) -> None:
        if first is not None:
            await first(application)
        await second(application)

    return both


def run(settings: Settings) -> int:
    from bot.app import build_application

    polling_request = FreshUpdatesRequest() if settings.bot_mode != "webhook" else None
    application = build_application(settings, rate_limit=settings.send_rate_limit, get_updates_request=polling_request)
    try:
        if settings.bot_mode == "webhook":
            url = settings.webhook_url or ""
            application.updater = DrainingUpdater(application.bot, application.update_queue)
            if dashboard.enabled(application):  # served by the webhook's own server
                application.updater.web_routes = dashboard.routes(dashboard.Dashboard.of(application))
                log.info("dashboard: serving %s beside the webhook", settings.dashboard_url)
            log.info(
                "starting in webhook mode: listening on %s:%s, Telegram posts to %s",
                settings.webhook_listen,
                settings.webhook_port,
                url,
            )
            application.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlsplit(url).path,
                webhook_url=url,
                secret_token=settings.webhook_secret.get_secret_value() if settings.webhook_secret else None,
                allowed_updates=Update.ALL_TYPES,
                # Updates sent while the bot was down are processed, not dropped.
                drop_pending_updates=False,
            )
        else:
            log.info("starting in polling mode against %s", settings.telegram_api_url)
            queue = application.update_queue
            if isinstance(queue, HandledQueue):  # confirm up to the watermark (bot/intake.py)
                queue.wait_for_handling = False
                if polling_request is not None:
                    polling_request.queue = queue
                application.updater = WatermarkUpdater(application.bot, queue)
            application.post_stop = _after(application.post_stop, confirm_handled)
            # The dashboard's own server (when DASHBOARD_URL is set), up after the bot's start-up, down
            # before the database closes.
            application.post_init = _after(application.post_init, dashboard.start)
            application.post_shutdown = _after(dashboard.stop, application.post_shutdown)
            application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    except InvalidToken:
        log.error("Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather")
        return 1
    except Exception:
        log.exception("the bot stopped on an error")
        return 1
    log.info("stopped")
    return 0
