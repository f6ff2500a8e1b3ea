"""What handlers need from the application: settings, database and clock, kept in bot_data."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.ext import Application, CallbackContext

from bot.clock import Clock
from bot.settings import Settings
from models.db import Database

KEY = "services"


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock


def of(context: CallbackContext | Application) -> Services:
    bot_data = context.bot_data
    return bot_data[KEY]
