"""/usul, /tetapkan, /publikasi: a legal product is proposed, enacted, published.

Each command works in one line (`/usul perwali Judul`) or, without arguments, as a guided dialogue; both
end in the same domain call, so they accept and refuse exactly the same things.
"""

from __future__ import annotations

from html import escape
from typing import Any

from handlers import dialog, replies
from handlers.dialog import Form, SaveContext, Step, StepInput, StepKind, date_step
from models import products, validation
from models.dates import parse_date, split_leading_date
from models.db import Database
from models.errors import InputError
from models.permissions import Action
from models.tables import Kind, Member
from models.validation import human_date

KIND_CHOICES = tuple((products.KIND_SHORT[k], k.value) for k in Kind)


# --- /usul ---------------------------------------------------------------------------------------------


async def _check_kind(inp: StepInput, raw: str) -> str:
    return products.parse_kind(raw).value


async def _check_title(inp: StepInput, raw: str) -> str:
    return products.clean_title(raw)


async def _propose_summary(inp: StepInput) -> str:
    values = inp.values
    text = (
        f"Jenis: {products.KIND_SHORT[Kind(values['kind'])]}\nJudul: {escape(values['title'])}\n"
        f"Tanggal usulan: {human_date(values['date'])}"
    )
    similar = await products.similar_title(inp.session, values["title"], values["date"].year)
    if similar is not None:
        text += (
            f"\n\n⚠️ Judul ini mirip dengan usulan yang sudah ada:\n{replies.product_card(similar)}\n"
            "Pastikan ini bukan usulan yang sama."
        )
    return text


async def _propose(session, values, member: Member, ctx: SaveContext) -> str:
    product = await products.propose(
        session,
        actor_id=member.user_id,
        kind=values["kind"],
        title=values["title"],
        proposed_on=values["date"],
        today=ctx.today,
        now=ctx.now,
        update_id=ctx.update_id,
    )
    return "✅ Usulan dicatat.\n" + replies.product_card(product)


def _parse_usul(args: list[str], day) -> dict:
    """/usul <perda|perwali|kepwali> [tanggal] <judul>"""
    if not args:
        raise InputError("Sebutkan jenis, (tanggal), dan judul produk hukum.", products.EXAMPLE_PROPOSE)
    kind = products.parse_kind(args[0])
    proposed_on, rest = split_leading_date(args[1:], day)
    title = products.clean_title(" ".join(rest))
    products.SPEC.check_date(None, "proposed_on", proposed_on or day, day, products.EXAMPLE_PROPOSE)
    return {"kind": kind.value, "title": title, "date": proposed_on or day}


async def _similar_exists(db: Database, values: dict[str, Any]) -> bool:
    return await products.similar_title(db, values["title"], values["date"].year) is not None


USUL = dialog.register(
    Form(
        name="usul",
        title="Usulan produk hukum",
        action=Action.propose,
        steps=(
            Step("kind", StepKind.choice, "Pilih jenis produk hukum:", _check_kind, choices=KIND_CHOICES),
            Step("title", StepKind.text, "Ketik judul produk hukum:", _check_title),
            date_step(products.SPEC, "proposed_on", products.EXAMPLE_PROPOSE),
        ),
        summary=_propose_summary,
        save=_propose,
        parse_args=_parse_usul,
        confirm_first=_similar_exists,
        plain_save=True,
    )
)


# --- /tetapkan -----------------------------------------------------------------------------------------


def _product_label(product) -> str:
    return f"{replies.product_ref(product)} — {product.title}"


async def _pending(session, offset: int, limit: int):
    rows, total = await products.pending(session, limit=limit, offset=offset)
    return [(_product_label(p), p.id) for p in rows], total


async def _check_pending(inp: StepInput, raw: str) -> int:
    product_id = validation.record_id(raw, "usulan", products.EXAMPLE_ENACT)
    await products.get_pending(inp.session, product_id)
    return product_id


async def _check_number(inp: StepInput, raw: str) -> int:
    return int(products.SPEC.clean("number", raw, products.EXAMPLE_ENACT, "number"))


async def _enact_summary(inp: StepInput) -> str:
    product = await products.get(inp.session, inp.values["product"], products.EXAMPLE_ENACT)
    enacted_on = inp.values["date"]
    name = products.official_name_of(product.kind, inp.values["number"], enacted_on.year)
    return (
        f"{replies.product_card(product)}\n\nDitetapkan sebagai: {escape(name)}\n"
        f"Tanggal penetapan: {human_date(enacted_on)}"
    )


async def _enact(session, values, member: Member, ctx: SaveContext) -> str:
    product = await products.enact(
        session,
        actor_id=member.user_id,
        product_id=values["product"],
        number=values["number"],
        enacted_on=values["date"],
        today=ctx.today,
        now=ctx.now,
        update_id=ctx.update_id,
    )
    return "✅ Penetapan dicatat.\n" + replies.product_card(product)


def _parse_tetapkan(args: list[str], day) -> dict:
    """/tetapkan <id> <nomor> [tanggal]"""
    example = products.EXAMPLE_ENACT
    if len(args) < 2:
        raise InputError("Sebutkan id usulan dan nomor penetapannya.", example)
    return {
        "product": validation.record_id(args[0], "usulan", example),
        "number": validation.positive_number(args[1], "nomor", example),
        "date": parse_date(" ".join(args[2:]), day) if len(args) > 2 else day,
    }


TETAPKAN = dialog.register(
    Form(
        name="tetapkan",
        title="Penetapan produk hukum",
        action=Action.enact,
        steps=(
            Step(
                "product",
                StepKind.pick,
                "Pilih usulan yang ditetapkan (terbaru di atas):",
                _check_pending,
                listing=_pending,
                empty="Tidak ada usulan yang menunggu penetapan.",
            ),
            Step("number", StepKind.text, "Ketik nomor penetapannya (angka, misalnya 7):", _check_number),
            date_step(products.SPEC, "enacted_on", products.EXAMPLE_ENACT, record_key="product"),
        ),
        summary=_enact_summary,
        save=_enact,
        record=dialog.picked(products.Product, "product"),
        parse_args=_parse_tetapkan,
    )
)


# --- /publikasi ----------------------------------------------------------------------------------------


async def _unpublished(session, offset: int, limit: int):
    rows, total = await products.unpublished(session, limit=limit, offset=offset)
    return [(_product_label(p), p.id) for p in rows], total


async def _check_unpublished(inp: StepInput, raw: str) -> int:
    product_id = validation.record_id(raw, "produk hukum", products.EXAMPLE_PUBLISH)
    await products.get_unpublished(inp.session, product_id)
    return product_id


async def _check_link(inp: StepInput, raw: str) -> str | None:
    link = products.SPEC.clean("link", raw, products.EXAMPLE_PUBLISH, "link")
    return None if link is None else str(link)


async def _publish_summary(inp: StepInput) -> str:
    product = await products.get(inp.session, inp.values["product"], products.EXAMPLE_PUBLISH)
    text = f"{replies.product_card(product)}\n\nTanggal publikasi: {human_date(inp.values['date'])}"
    if inp.values.get("link"):
        text += f"\nTautan: {escape(inp.values['link'])}"
    return text


async def _publish(session, values, member: Member, ctx: SaveContext) -> str:
    product = await products.publish(
        session,
        actor_id=member.user_id,
        product_id=values["product"],
        published_on=values["date"],
        link=values.get("link"),
        today=ctx.today,
        now=ctx.now,
        update_id=ctx.update_id,
    )
    return "✅ Publikasi dicatat.\n" + replies.product_card(product)


def _parse_publikasi(args: list[str], day) -> dict:
    """/publikasi <id> [tanggal] [tautan]"""
    example = products.EXAMPLE_PUBLISH
    product_id = validation.record_id(args[0], "produk hukum", example)
    published_on, rest = split_leading_date(args[1:], day)
    if len(rest) > 1 or (rest and not rest[0].lower().startswith(("http://", "https://"))):
        raise InputError(f"«{' '.join(rest)}» bukan tanggal atau tautan yang dikenali.", example)
    return {"product": product_id, "date": published_on or day, "link": rest[0] if rest else None}


PUBLIKASI = dialog.register(
    Form(
        name="publikasi",
        title="Publikasi produk hukum",
        action=Action.publish,
        steps=(
            Step(
                "product",
                StepKind.pick,
                "Pilih produk hukum yang dipublikasikan:",
                _check_unpublished,
                listing=_unpublished,
                empty="Semua produk hukum yang ditetapkan sudah dipublikasikan.",
            ),
            date_step(products.SPEC, "published_on", products.EXAMPLE_PUBLISH, record_key="product"),
            Step(
                "link",
                StepKind.text,
                "Ketik tautan publikasinya (misalnya halaman JDIH), atau tekan Lewati:",
                _check_link,
                optional=True,
            ),
        ),
        summary=_publish_summary,
        save=_publish,
        record=dialog.picked(products.Product, "product"),
        parse_args=_parse_publikasi,
    )
)


# --- /undangkan ----------------------------------------------------------------------------------------


async def _unpromulgated(session, offset: int, limit: int):
    rows, total = await products.unpromulgated(session, limit=limit, offset=offset)
    return [(_product_label(p), p.id) for p in rows], total


async def _check_unpromulgated(inp: StepInput, raw: str) -> int:
    product_id = validation.record_id(raw, "produk hukum", products.EXAMPLE_PROMULGATE)
    await products.get_unpromulgated(inp.session, product_id)
    return product_id


async def _check_promulgation_number(inp: StepInput, raw: str) -> int:
    number = int(products.SPEC.clean("promulgation_number", raw, products.EXAMPLE_PROMULGATE, "number"))
    product = await products.get(inp.session, inp.values["product"], products.EXAMPLE_PROMULGATE)
    await products.ensure_promulgation_free(inp.session, product.kind, number, inp.values["date"].year)
    return number


async def _promulgate_summary(inp: StepInput) -> str:
    product = await products.get(inp.session, inp.values["product"], products.EXAMPLE_PROMULGATE)
    year = inp.values["date"].year
    number = inp.values.get("number")
    note = ""
    if number is None:
        number = await products.next_promulgation_number(inp.session, product.kind, year)
        note = " (nomor berikutnya)"
    series = products.SERIES[Kind(product.kind)]
    return (
        f"{replies.product_card(product)}\n\nDiundangkan dalam: {escape(series)} Tahun {year} Nomor {number}{note}\n"
        f"Tanggal pengundangan: {human_date(inp.values['date'])}"
    )


async def _promulgate(session, values, member: Member, ctx: SaveContext) -> str:
    product = await products.promulgate(
        session,
        actor_id=member.user_id,
        product_id=values["product"],
        promulgated_on=values["date"],
        number=values.get("number"),
        today=ctx.today,
        now=ctx.now,
        update_id=ctx.update_id,
    )
    return "✅ Pengundangan dicatat.\n" + replies.product_card(product)


def _parse_undangkan(args: list[str], day) -> dict:
    """/undangkan <id> [tanggal] [nomor]"""
    example = products.EXAMPLE_PROMULGATE
    product_id = validation.record_id(args[0], "produk hukum", example)
    promulgated_on, rest = split_leading_date(args[1:], day)
    if len(rest) > 1 or (rest and validation.number(rest[0]) is None):
        raise InputError(f"«{' '.join(rest)}» bukan tanggal atau nomor pengundangan yang dikenali.", example)
    number = validation.positive_number(rest[0], "nomor pengundangan", example) if rest else None
    return {"product": product_id, "date": promulgated_on or day, "number": number}


UNDANGKAN = dialog.register(
    Form(
        name="undangkan",
        title="Pengundangan produk hukum",
        action=Action.promulgate,
        steps=(
            Step(
                "product",
                StepKind.pick,
                "Pilih Perda atau Perwali yang diundangkan:",
                _check_unpromulgated,
                listing=_unpromulgated,
                empty="Semua Perda dan Perwali yang ditetapkan sudah diundangkan.",
            ),
            date_step(products.SPEC, "promulgated_on", products.EXAMPLE_PROMULGATE, record_key="product"),
            Step(
                "number",
                StepKind.text,
                "Ketik nomor pengundangannya, atau tekan Lewati agar dipakai nomor berikutnya:",
                _check_promulgation_number,
                optional=True,
            ),
        ),
        summary=_promulgate_summary,
        save=_promulgate,
        record=dialog.picked(products.Product, "product"),
        parse_args=_parse_undangkan,
    )
)
