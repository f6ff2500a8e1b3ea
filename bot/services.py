"""The application's services as the wiring in `bot/` sees them: what handlers get, plus the settings."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.ext import Application, CallbackContext

from bot.settings import Settings
from handlers import services as handler_services


@dataclass
class AppServices(handler_services.Services):
    settings: Settings


def of(context: CallbackContext | Application) -> AppServices:
    svc = handler_services.of(context)
    assert isinstance(svc, AppServices)  # build_application stores nothing else under that key
    return svc
