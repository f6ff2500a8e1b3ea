"""/usul, /tetapkan, /publikasi: a legal product is proposed, enacted, published."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from bot import replies
from bot.dates import parse_date, split_leading_date
from handlers.common import answer_error, now, requires, today, write
from models import products, validation
from models.errors import InputError
from models.permissions import Action
from models.tables import Member


@requires(Action.propose)
async def usul(update: Update, context: ContextTypes.DEFAULT_TYPE, member: Member) -> None:
    """/usul <perda|perwali|kepwali> [tanggal] <judul>"""
    args = list(context.args or [])
    try:
        if not args:
            raise InputError("Sebutkan jenis, (tanggal), dan judul produk hukum.", products.EXAMPLE_PROPOSE)
        kind = products.parse_kind(args[0])
        proposed_on, rest = split_leading_date(args[1:], today(context))
        title = " ".join(rest)
    except InputError as exc:
        await answer_error(update, exc)
        return

    async def work(session) -> str:
        product = await products.propose(
            session, actor_id=member.user_id, kind=kind, title=title, proposed_on=proposed_on or today(context),
            today=today(context), now=now(context), update_id=update.update_id,
        )
        return "✅ Usulan dicatat.\n" + replies.product_card(product)

    await write(update, context, work)


@requires(Action.enact)
async def tetapkan(update: Update, context: ContextTypes.DEFAULT_TYPE, member: Member) -> None:
    """/tetapkan <id> <nomor> [tanggal]"""
    args = list(context.args or [])
    example = products.EXAMPLE_ENACT
    try:
        if len(args) < 2:
            raise InputError("Sebutkan id usulan dan nomor penetapannya.", example)
        product_id = validation.record_id(args[0], "usulan", example)
        number = validation.positive_number(args[1], "nomor", example)
        enacted_on = parse_date(" ".join(args[2:]), today(context)) if len(args) > 2 else today(context)
    except InputError as exc:
        await answer_error(update, exc)
        return

    async def work(session) -> str:
        product = await products.enact(
            session, actor_id=member.user_id, product_id=product_id, number=number, enacted_on=enacted_on,
            today=today(context), now=now(context), update_id=update.update_id,
        )
        return "✅ Penetapan dicatat.\n" + replies.product_card(product)

    await write(update, context, work)


@requires(Action.publish)
async def publikasi(update: Update, context: ContextTypes.DEFAULT_TYPE, member: Member) -> None:
    """/publikasi <id> [tanggal] [tautan]"""
    args = list(context.args or [])
    example = products.EXAMPLE_PUBLISH
    try:
        if not args:
            raise InputError("Sebutkan id produk hukum yang dipublikasikan.", example)
        product_id = validation.record_id(args[0], "produk hukum", example)
        published_on, rest = split_leading_date(args[1:], today(context))
        if len(rest) > 1 or (rest and not rest[0].lower().startswith(("http://", "https://"))):
            raise InputError(f"«{' '.join(rest)}» bukan tanggal atau tautan yang dikenali.", example)
        link = rest[0] if rest else None
    except InputError as exc:
        await answer_error(update, exc)
        return

    async def work(session) -> str:
        product = await products.publish(
            session, actor_id=member.user_id, product_id=product_id, published_on=published_on or today(context),
            link=link, today=today(context), now=now(context), update_id=update.update_id,
        )
        return "✅ Publikasi dicatat.\n" + replies.product_card(product)

    await write(update, context, work)


COMMANDS = {"usul": usul, "tetapkan": tetapkan, "publikasi": publikasi}
