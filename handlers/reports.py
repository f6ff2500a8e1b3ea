"""/iku and /daftar: what every member may read."""

from __future__ import annotations

from telegram import Update

from handlers import replies
from handlers.common import answer_error, send, today
from handlers.services import BotContext
from models import cases, indicators, products, targets
from models.errors import InputError
from models.tables import Member

LIST_LIMIT = 60  # more than fits in one message anyway; the rest is counted, not shown
SECTIONS = ("usulan", "terbit", "perkara")
# Asked for by name only: plain /daftar keeps its three lists.
EXTRA_SECTIONS = ("pengundangan",)


async def iku(update: Update, context: BotContext, member: Member) -> None:
    """/iku [tahun] [tw1|tw2|tw3|tw4]"""
    day = today(context)
    try:
        period = indicators.parse_period(list(context.args or []), day)
    except InputError as exc:
        await answer_error(update, exc)
        return
    db = context.services.db  # two statements, straight from the database (models/db.py, `rows`)
    figures = await indicators.compute(db, period, day)
    judged = await targets.assess(db, period, day, context.services.bands, figures)
    await send(update, replies.indicators(figures, period, day, judged))


async def daftar(update: Update, context: BotContext, member: Member) -> None:
    """/daftar [usulan|terbit|pengundangan|perkara]"""
    args = [a.lower() for a in context.args or []]
    if len(args) > 1 or (args and args[0] not in SECTIONS + EXTRA_SECTIONS):
        await answer_error(
            update,
            InputError(
                f"Bagian «{' '.join(args)}» tidak dikenal. Pilih: usulan, terbit, pengundangan, atau perkara.",
                "/daftar usulan",
            ),
        )
        return
    wanted = args or list(SECTIONS)
    day = today(context)
    texts = []
    async with context.services.db.read() as session:
        for section in wanted:
            texts.append(await _section(session, section, day))
    for text in texts:
        await send(update, text)


async def _section(session, section: str, day) -> str:
    if section == "usulan":
        rows, total = await products.pending(session, limit=LIST_LIMIT)
        lines = [replies.product_line(p) for p in rows]
        return replies.listing("Usulan belum ditetapkan", lines, total, "Tidak ada usulan yang menunggu.")
    if section == "terbit":
        rows, total = await products.unpublished(session, limit=LIST_LIMIT)
        lines = [replies.product_line(p, day) for p in rows]
        return replies.listing(
            "Sudah ditetapkan, belum dipublikasikan", lines, total, "Semua produk yang ditetapkan sudah dipublikasikan."
        )
    if section == "pengundangan":
        rows, total = await products.unpromulgated(session, limit=LIST_LIMIT)
        lines = [replies.product_line(p, day) for p in rows]
        return replies.listing(
            "Perda/Perwali ditetapkan, belum diundangkan",
            lines,
            total,
            "Semua Perda dan Perwali yang ditetapkan sudah diundangkan.",
        )
    open_cases, total = await cases.open_cases(session, limit=LIST_LIMIT)
    lines = [replies.case_line(c, day) for c in open_cases]
    return replies.listing("Perkara belum selesai", lines, total, "Tidak ada perkara yang masih berjalan.")
