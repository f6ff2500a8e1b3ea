"""/ekspor: the yearly report as a workbook, and the JDIH feed as JSON. `iku-bot export` writes the same
files (bot/export_cli.py) through the functions here, so the command and the CLI cannot differ."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.constants import ChatAction

from handlers.common import answer_error, send_document, today
from handlers.services import BotContext
from models import indicators, jdih, report, validation
from models.db import Database
from models.errors import InputError
from models.report import ReportSettings
from models.tables import Member
from models.targets import Bands
from models.validation import grouped, human_date

EXAMPLE = "/ekspor 2026"


def workbook_name(year: int) -> str:
    return f"IKU-Bagian-Hukum-{year}.xlsx"


def feed_name(day: date) -> str:
    return f"jdih-{day.isoformat()}.json"


def parse_year(args: list[str], day: date) -> int:
    """`[tahun]`: the year defaults to this one; a quarter makes no sense for a yearly report."""
    try:
        period = indicators.parse_period(args, day)
    except InputError as exc:  # said as /iku's rule; the example is this command's
        raise InputError(exc.message.replace(" atau triwulan (tw1, tw2, tw3, tw4)", ""), EXAMPLE) from exc
    if period.quarter is not None:
        raise InputError("Laporan diekspor per tahun penuh; triwulan ada sebagai kolom di dalamnya.", EXAMPLE)
    return period.year


def build_workbook(data: report.YearReport, settings: ReportSettings, tz: ZoneInfo) -> bytes:
    # openpyxl (through handlers/workbook.py) is imported when a report is built, not at start.
    from openpyxl import Workbook

    from handlers import workbook

    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    heading = [
        f"Capaian Indikator Kinerja Utama (IKU) Tahun {data.year}",
        settings.institution,
        f"Data s.d. {human_date(data.as_of)}; realisasi triwulan dihitung kumulatif sejak 1 Januari (s.d. TW).",
    ]
    workbook.add_capaian(book, data.indicators, heading)
    for sheet in data.registers:
        workbook.add_sheet(book, sheet)
    workbook.add_history(book, data.history, tz)
    return workbook.to_bytes(book)


async def workbook_bytes(
    db: Database, year: int, day: date, tz: ZoneInfo, settings: ReportSettings, bands: Bands
) -> bytes:
    async with db.long_read() as session:
        data = await report.collect(session, year, day, tz, bands)
    return await asyncio.to_thread(build_workbook, data, settings, tz)


async def feed_bytes(db: Database, settings: ReportSettings) -> tuple[bytes, int]:
    """The feed as UTF-8 JSON, and how many regulations it holds."""
    async with db.long_read() as session:
        records = await jdih.feed(session, settings.publisher)
    return json.dumps(records, ensure_ascii=False, indent=1).encode(), len(records)


async def ekspor(update: Update, context: BotContext, member: Member) -> None:
    """/ekspor [tahun] | /ekspor jdih"""
    args = list(context.args or [])
    day = today(context)
    svc = context.services
    chat = update.effective_chat
    if chat is not None:  # building takes a moment: show "sending a file…" meanwhile
        await chat.send_action(ChatAction.UPLOAD_DOCUMENT)
    if args and validation.keyword(args[0]) == "jdih":
        if len(args) > 1:
            await answer_error(update, InputError("/ekspor jdih tidak memakai argumen lain.", "/ekspor jdih"))
            return
        data, count = await feed_bytes(svc.db, svc.report)
        caption = f"Data JDIH: {grouped(count)} produk hukum yang sudah dipublikasikan, per {human_date(day)}."
        await send_document(update, data, feed_name(day), caption)
        return
    try:
        year = parse_year(args, day)
    except InputError as exc:
        await answer_error(update, exc)
        return
    data = await workbook_bytes(svc.db, year, day, svc.tz, svc.report, svc.bands)
    caption = f"Laporan IKU Bagian Hukum tahun {year}, data s.d. {human_date(min(day, date(year, 12, 31)))}."
    await send_document(update, data, workbook_name(year), caption)
