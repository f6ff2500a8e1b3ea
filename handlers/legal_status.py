"""/status: the legal status of a product (berlaku, diubah, dicabut) and its chain, and recording that one
product amends or revokes another, in one line or as a dialogue with buttons."""

from __future__ import annotations

from datetime import date, datetime
from html import escape
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update

from handlers import dialog, replies
from handlers.common import answer_error, refusal, send, write
from handlers.dialog import Form, SaveContext, Step, StepInput, StepKind
from handlers.services import BotContext
from models import product_links, products, validation
from models.errors import InputError
from models.permissions import Action, allowed
from models.tables import LinkKind, Member, Product

# /status alone is the dialogue, for those who may record a status; readers are told to name a product.
ONLY_READ = "Sebutkan id produk hukum yang ingin Anda lihat statusnya."
NO_LONGER = "Peran Anda tidak lagi dapat mencatat status hukum; tidak ada yang disimpan."
RELATION_CHOICES = (("Diubah", LinkKind.amends.value), ("Dicabut", LinkKind.revokes.value))


async def _one_line(update: Update, context: BotContext, member: Member) -> None:
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

    async def work(session: AsyncSession) -> str:
        return await _link(session, member, product_id, relation, by_id, svc.clock.utcnow(), update.update_id)

    await write(update, context, work)


async def _link(
    session: AsyncSession,
    member: Member,
    product_id: int,
    relation: LinkKind,
    by_id: int,
    now: datetime,
    update_id: int,
) -> str:
    await product_links.link(
        session,
        actor_id=member.user_id,
        product_id=product_id,
        by_id=by_id,
        relation=relation,
        now=now,
        update_id=update_id,
    )
    return "✅ Status dicatat.\n" + await _cards(session, product_id, by_id)


async def _cards(session: AsyncSession, product_id: int, by_id: int) -> str:
    product = await products.get(session, product_id, product_links.EXAMPLE_LINK)
    by = await products.get(session, by_id, product_links.EXAMPLE_LINK)
    statuses = await product_links.legal_statuses(session, [product, by])
    return replies.product_card(product, statuses[product_id]) + "\n\n" + replies.status_summary(statuses[by_id])


# --- the dialogue ------------------------------------------------------------------------------------


async def _start(update: Update, context: BotContext, member: Member) -> dict[str, Any]:
    if not allowed(member, Action.set_status):
        raise InputError(ONLY_READ, product_links.EXAMPLE_STATUS)
    return {}


def _label(product: Product) -> str:
    return f"#{product.id} {product_links.name(product)} — {product.title}"


async def _enacted(session: AsyncSession, offset: int, limit: int) -> tuple[list[tuple[str, int]], int]:
    rows, total = await products.enacted(session, limit=limit, offset=offset)
    return [(_label(p), p.id) for p in rows if p.id is not None], total


async def _check_product(inp: StepInput, raw: str) -> int:
    product_id = validation.record_id(raw, "produk hukum", product_links.EXAMPLE_LINK)
    product = await products.get(inp.session, product_id, product_links.EXAMPLE_LINK)
    if product.enacted_on is None:
        raise InputError(
            f"Produk hukum #{product_id} belum ditetapkan; hanya produk yang sudah ditetapkan yang dapat diubah "
            "atau dicabut.",
            product_links.EXAMPLE_LINK,
        )
    return product_id


async def _check_relation(inp: StepInput, raw: str) -> str:
    if raw not in {value for _, value in RELATION_CHOICES}:
        raise InputError("Silakan pilih Diubah atau Dicabut.")
    return raw


async def _check_by(inp: StepInput, raw: str) -> int:
    by_id = validation.record_id(raw, "produk hukum", product_links.EXAMPLE_LINK)
    await product_links.check_link(inp.session, inp.values["product"], by_id, LinkKind(inp.values["relation"]))
    return by_id


async def _summary(inp: StepInput) -> str:
    values = inp.values
    product = await products.get(inp.session, values["product"], product_links.EXAMPLE_LINK)
    by = await products.get(inp.session, values["by"], product_links.EXAMPLE_LINK)
    verb = product_links.verb(LinkKind(values["relation"]), passive=True)
    since = by.enacted_on
    assert isinstance(since, date)
    return (
        f"{escape(product_links.name(product))} (#{product.id}) {verb} oleh "
        f"{escape(product_links.name(by))} (#{by.id}), sejak {validation.human_date(since)}.\n\n"
        f"{replies.product_card(product)}\n\n{replies.product_card(by)}"
    )


async def _save(session: AsyncSession, values: dict[str, Any], member: Member, ctx: SaveContext) -> str:
    if not allowed(member, Action.set_status):  # the role changed while the dialogue ran
        raise InputError(NO_LONGER, product_links.EXAMPLE_STATUS)
    return await _link(
        session, member, values["product"], LinkKind(values["relation"]), values["by"], ctx.now, ctx.update_id
    )


STATUS = dialog.register(
    Form(
        name="status",
        title="Status hukum",
        action=Action.read,
        steps=(
            Step(
                "product",
                StepKind.pick,
                "Pilih produk hukum yang diubah atau dicabut (penetapan terbaru di atas):",
                _check_product,
                listing=_enacted,
                empty="Belum ada produk hukum yang ditetapkan.",
            ),
            Step("relation", StepKind.choice, "Produk itu diubah atau dicabut?", _check_relation, RELATION_CHOICES),
            Step(
                "by",
                StepKind.pick,
                "Pilih produk hukum yang mengubah atau mencabutnya:",
                _check_by,
                listing=_enacted,
                empty="Belum ada produk hukum yang ditetapkan.",
            ),
        ),
        summary=_summary,
        save=_save,
        start_values=_start,
        own_line=_one_line,
        record=dialog.picked(Product, "product"),
    )
)
