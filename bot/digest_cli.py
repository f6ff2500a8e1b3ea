"""`iku-bot digest`: what an operator uses to look at the digest, or to send it now outside its schedule."""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram.request import BaseRequest

from bot import services
from bot.settings import Settings
from handlers import digest_content as content
from models import digests
from models.clock import Clock
from models.db import Database
from models.migrate import upgrade


async def preview(settings: Settings, out: Path) -> str:
    """The digest's HTML as of now; the chart is written to `out`. Nothing is sent or recorded."""
    settings.ensure_data_dir()
    await asyncio.to_thread(upgrade, settings.async_database_url)
    db = Database(settings.async_database_url)
    try:
        data = await content.collect(
            db, Clock(settings.tz).today(), settings.tz, settings.digest_stale_days, bands=settings.bands
        )
    finally:
        await db.dispose()
    png = await content.chart_png(data)
    await asyncio.to_thread(out.write_bytes, png)
    return content.render(data)


async def send(settings: Settings, chat_id: int, request: BaseRequest | None = None) -> None:
    """Send the digest to one chat now. Not a scheduled slot: nothing is claimed, and the group's
    "change since last digest" baseline stays the last scheduled one."""
    from bot.app import build_application, prepare_database

    settings.ensure_data_dir()
    await asyncio.to_thread(upgrade, settings.async_database_url)
    application = build_application(settings, request=request, migrate=False)
    svc = services.of(application)
    try:
        async with application:
            await prepare_database(application)
            data = await content.collect(
                svc.db, svc.clock.today(), settings.tz, settings.digest_stale_days, bands=settings.bands
            )
            async with svc.db.session() as session:
                baseline = (await digests.baselines(session, [chat_id])).get(chat_id)
            await content.send_now(application.bot, chat_id, data, baseline)
    finally:
        await svc.db.dispose()
