"""Application wiring: the factory that builds the python-telegram-bot Application from settings.

Tests and the console pass their own request object (see `bot.offline_api`), so the very same
handlers, database and error handling run with or without a network.
"""

from __future__ import annotations

import logging
import traceback
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, NetworkError, TelegramError
from telegram.ext import Application, ContextTypes, Defaults, MessageHandler, TypeHandler, filters
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot import rate_limiter, scheduler, services
from bot.intake import ChatOrderedProcessor, HandledQueue, IkuApplication
from bot.persistence import DatabasePersistence
from bot.settings import Settings
from handlers import catalog, dashboard, dialog, forwarded, help, menus, updatelog
from handlers import services as handler_services
from handlers.common import answer_button
from handlers.services import BotContext
from models import ledger, stored_state
from models import members as member_records
from models.clock import Clock
from models.db import Database
from models.migrate import upgrade
from models.permissions import Action, allowed
from models.reminders import Rules
from models.tables import Member

log = logging.getLogger(__name__)

# Every message the bot sends is HTML with each dynamic part escaped (handlers/replies.py), and never
# shows link previews (links to JDIH pages would bury the text). Set once here, for every send call.
MESSAGE_DEFAULTS = Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True))
CONSOLE_TOKEN = "1:console-without-network"
LAST_GROUP = 99
# Rows of the bot's own state in the persistence table (apart from python-telegram-bot's).
BOT_STATE = "bot_state"
MENU_BUTTON_KEY = "dashboard_menu_button"
# After a failure the write may or may not stand, so the user is told to check before sending it again.
SORRY = (
    "Maaf, terjadi kesalahan saat memproses permintaan Anda. Sebelum mengirim ulang, periksa dengan "
    "/daftar apakah data Anda sudah tercatat."
)


def build_application(
    settings: Settings,
    request: BaseRequest | None = None,
    *,
    clock: Clock | None = None,
    rate_limit: bool = True,
    migrate: bool = True,
    get_updates_request: BaseRequest | None = None,
) -> Application:
    """`migrate=False` when the caller already upgraded the schema (async callers do it in a worker
    thread, so Alembic's blocking I/O stays off the event loop). `get_updates_request`: polling's own
    connection (bot/intake.py's FreshUpdatesRequest); otherwise `request` serves getUpdates too."""
    token = settings.token or CONSOLE_TOKEN
    root = settings.telegram_api_url.rstrip("/")
    settings.ensure_data_dir()
    # The schema must exist before initialize(): persistence reads dialogues in progress from it.
    if migrate:
        upgrade(settings.async_database_url)
    db = Database(settings.async_database_url)
    builder = (
        Application.builder()
        .application_class(IkuApplication)
        .update_queue(HandledQueue())
        .concurrent_updates(ChatOrderedProcessor())
        .token(token)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .persistence(DatabasePersistence(db))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .defaults(MESSAGE_DEFAULTS)
        .context_types(ContextTypes(context=BotContext))
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(get_updates_request or request)
    elif get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    if rate_limit:
        builder = builder.rate_limiter(rate_limiter.rate_limiter(max_retries=3))
    application = builder.build()

    application.bot_data[handler_services.KEY] = services.AppServices(
        db=db,
        clock=clock or Clock(settings.tz),
        digest_jobs=scheduler.DigestJobs(application),
        menus=MemberMenus(application),
        digest_stale_days=settings.digest_stale_days,
        report=settings.report,
        reminder_rules=reminder_rules(settings),
        bands=settings.bands,
        dashboard_url=settings.dashboard_url,
        settings=settings,
    )
    register_handlers(application)
    return application


def reminder_rules(settings: Settings) -> Rules:
    hour, minute = settings.reminder_hour_minute
    return Rules(hour, minute, settings.publish_reminder_days, settings.tz)


def register_handlers(application: Application) -> None:
    # Only new messages: an edited "/usul ..." must not log a second proposal.
    new_messages = filters.UpdateType.MESSAGE
    application.add_handler(forwarded.handler(), group=forwarded.GROUP)
    # The dialogue handler tracks conversations per chat and user, not per message, on purpose (see
    # handlers/dialog.conversation); python-telegram-bot warns about that combination when it is built.
    # Silenced for that one construction only, not for the process.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        conversation = dialog.conversation(catalog.forms())
    for handler in catalog.EARLY_HANDLERS:
        application.add_handler(handler)
    application.add_handler(conversation)
    for command in catalog.command_handlers():
        application.add_handler(command)
    for handler in catalog.OTHER_HANDLERS:  # non-command updates (chat member, migration)
        application.add_handler(handler)
    for handler in dialog.late_handlers():
        application.add_handler(handler)
    application.add_handler(MessageHandler(new_messages & (filters.TEXT | filters.COMMAND), help.unknown))
    application.add_handler(TypeHandler(Update, _persist_now), group=LAST_GROUP)
    application.add_error_handler(on_error)


async def _persist_now(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Write dialogue state through after every update, so even a crash keeps a dialogue in progress."""
    await context.application.update_persistence()


async def prepare_database(application: Application) -> None:
    """First admins present, old update markers pruned (the schema was upgraded by the factory)."""
    svc = services.of(application)
    async with svc.db.session() as session:
        await member_records.ensure_admins(session, svc.settings.admin_ids, svc.clock.utcnow())
    await ledger.prune(svc.db, svc.clock.utcnow())


class MemberMenus:
    """`handlers.services.MemberMenus`: a member's menu from the command catalog."""

    def __init__(self, application: Application) -> None:
        self.application = application

    async def refresh(self, user_id: int, member: Member | None) -> None:
        entries = None if member is None else catalog.for_member(member)
        await menus.set_member_menu(self.application.bot, user_id, entries)
        await set_dashboard_button(self.application, user_id, member)


async def set_command_menu(application: Application) -> None:
    await menus.set_default_menus(application.bot, catalog.COMMANDS)
    async with services.of(application).db.session() as session:
        everyone = await member_records.all_members(session)
    for member in everyone:
        await menus.set_member_menu(application.bot, member.user_id, catalog.for_member(member))
        await set_dashboard_button(application, member.user_id, member)
    await _forget_dashboard_buttons(application, everyone)


async def _forget_dashboard_buttons(application: Application, everyone: list[Member]) -> None:
    """The dashboard turned off (or moved to plain http) since the last start: members' menu buttons would
    still open it, so they get Telegram's default back, once. The URL last set is remembered for that."""
    svc = services.of(application)
    url = dashboard.web_app_url(svc.dashboard_url)
    earlier = await stored_state.get(svc.db, BOT_STATE, MENU_BUTTON_KEY)
    if url is None and earlier is not None:
        for member in everyone:
            await menus.set_member_menu_button(application.bot, member.user_id, None, dashboard.MENU_BUTTON)
    if url != earlier:
        await stored_state.put(svc.db, BOT_STATE, MENU_BUTTON_KEY, url)


async def set_dashboard_button(application: Application, user_id: int, member: Member | None) -> None:
    """With the dashboard on (over https), a member's private chat opens it from the menu button; a member
    removed gets Telegram's default button back."""
    url = dashboard.web_app_url(services.of(application).dashboard_url)
    if url is None:
        return
    allowed_in = member is not None and allowed(member, Action.read)
    await menus.set_member_menu_button(application.bot, user_id, url if allowed_in else None, dashboard.MENU_BUTTON)


async def _post_init(application: Application) -> None:
    await prepare_database(application)
    await set_command_menu(application)
    scheduler.prune_ledger_regularly(application)
    await scheduler.start(application)


async def _post_shutdown(application: Application) -> None:
    await services.of(application).db.dispose()


@asynccontextmanager
async def running(application: Application) -> AsyncIterator[Application]:
    """The life cycle run_polling gives a bot (initialize, post_init, start; stop, shutdown,
    post_shutdown), for the console and the tests, which feed updates themselves."""
    await application.initialize()
    await _post_init(application)
    await application.start()
    try:
        yield application
    finally:
        await application.stop()
        await application.shutdown()
        await _post_shutdown(application)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure for operators; tell the user something short, never a traceback."""
    error = context.error
    updatelog.note(updatelog.ERROR)
    if isinstance(error, Forbidden):
        log.info("blocked by a chat: %s", error)
        return
    if update is None and isinstance(error, NetworkError):  # fetching updates failed; polling retries by itself
        log.warning("fetching updates failed, retrying: %s", error)
        return
    log.error(
        "error while handling an update: %s",
        "".join(traceback.format_exception(type(error), error, error.__traceback__)) if error else "unknown",
    )
    if not isinstance(update, Update):
        return
    if update.callback_query is not None:  # no spinning clock on the button (if not answered before the failure)
        await answer_button(update.callback_query)
    if update.effective_chat is not None:
        try:
            await update.effective_chat.send_message(SORRY)
        except TelegramError:
            log.warning("could not tell the user about the error")
