"""The baseline of benchmarks/roundtrip.py: a bare python-telegram-bot echo bot, nothing else.

TELEGRAM_BOT_TOKEN=... TELEGRAM_API_URL=http://127.0.0.1:PORT python benchmarks/echo_bot.py

With ECHO_CONFIRM_AFTER_HANDLING=1 it polls as the shipped bot must (bot/intake.py): an update is
confirmed to Telegram only once it has been answered, so getUpdates is asked again only after the reply
is sent. That is the least any bot that loses nothing on a crash pays per update in polling mode, and
it shows how much of the shipped bot's round trip is that rule rather than its own work.
"""

from __future__ import annotations

import asyncio
import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message is not None and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


async def confirm_after_handling(application: Application) -> None:
    """getUpdates from the first update not yet answered; each update answered before the next ask."""
    offset = None
    async with application:
        while True:
            updates = await application.bot.get_updates(offset=offset, timeout=10, allowed_updates=Update.ALL_TYPES)
            for update in updates:
                await application.process_update(update)
                offset = update.update_id + 1


def main() -> None:
    root = os.environ["TELEGRAM_API_URL"].rstrip("/")
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .concurrent_updates(int(os.environ.get("ECHO_CONCURRENT", "1")))
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    if os.environ.get("ECHO_CONFIRM_AFTER_HANDLING") == "1":
        asyncio.run(confirm_after_handling(application))  # stopped by SIGTERM, as the benchmark does
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
