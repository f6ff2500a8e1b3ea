"""/status: the legal status of a product (berlaku, diubah, dicabut) and its chain, and recording that one
product amends or revokes another."""

from __future__ import annotations

from telegram import Update

from handlers import replies
from handlers.common import answer_error, refusal, send, write
from handlers.services import BotContext
from models import product_links, products
from models.errors import InputError
from models.permissions import Action, allowed
from models.tables import Member


async def status(update: Update, context: BotContext, member: Member) -> None:
    """/status <id> (any member) or /status <id> <diubah|dicabut> oleh <id> (perundangan, dokinfo, admin)."""
    svc = context.services
    try:
        product_id, relation, by_id = product_links.parse(list(context.args or []))
        if relation is None:
            async with svc.db.session() as session:
                product = await products.get(session, product_id, product_links.EXAMPLE_STATUS)
                chain = await product_links.chain(session, product)
            await send(update, replies.status_chain(chain))
            return
    except InputError as exc:
        await answer_error(update, exc)
        return
    assert by_id is not None
    if not allowed(member, Action.set_status):
        await send(update, refusal(member.user_id, member))
        return

    async def work(session) -> str:
        await product_links.link(
            session,
            actor_id=member.user_id,
            product_id=product_id,
            by_id=by_id,
            relation=relation,
            now=svc.clock.utcnow(),
            update_id=update.update_id,
        )
        product = await products.get(session, product_id, product_links.EXAMPLE_LINK)
        by = await products.get(session, by_id, product_links.EXAMPLE_LINK)
        statuses = await product_links.legal_statuses(session, [product, by])
        return (
            "✅ Status dicatat.\n"
            + replies.product_card(product, statuses[product_id])
            + "\n\n"
            + replies.product_card(by, statuses[by_id])
        )

    await write(update, context, work)
