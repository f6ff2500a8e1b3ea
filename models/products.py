"""Legal products from proposal through enactment to publication."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import audit, paging, validation
from models.errors import InputError
from models.permissions import Action
from models.records import FieldKind, FieldSpec, RecordSpec, TextRule
from models.tables import Kind, Product

KINDS = [k.value for k in Kind]
KIND_SHORT = {Kind.perda: "Perda", Kind.perwali: "Perwali", Kind.kepwali: "Kepwali"}
KIND_FULL = {
    Kind.perda: "Peraturan Daerah Kota Probolinggo",
    Kind.perwali: "Peraturan Wali Kota Probolinggo",
    Kind.kepwali: "Keputusan Wali Kota Probolinggo",
}

EXAMPLE_PROPOSE = "/usul perwali 2026-03-01 Tata Cara Pengelolaan Arsip Daerah"
EXAMPLE_ENACT = "/tetapkan 12 7 2026-03-10"
EXAMPLE_PUBLISH = "/publikasi 12 2026-03-15 https://jdih.probolinggokota.go.id/perwali-7-2026"


def parse_kind(value: str) -> Kind:
    cleaned = validation.keyword(value)
    if cleaned not in KINDS:
        raise InputError(
            f"Jenis produk hukum «{value}» tidak dikenal. Pilih: perda, perwali, atau kepwali.",
            EXAMPLE_PROPOSE,
            "kind",
        )
    return Kind(cleaned)


def official_name(product: Product) -> str:
    """`Peraturan Wali Kota Probolinggo Nomor 7 Tahun 2026`."""
    return official_name_of(product.kind, product.number, product.number_year)


def official_name_of(kind: str, number: int | None, year: int | None) -> str:
    name = KIND_FULL[Kind(kind)]
    return name if number is None else f"{name} Nomor {number} Tahun {year}"


def clean_title(title: str) -> str:
    return str(SPEC.clean("title", title, EXAMPLE_PROPOSE, "title"))


async def get(session: AsyncSession, product_id: int, example: str) -> Product:
    product = await session.get(Product, product_id)
    if product is None:
        raise InputError(f"Produk hukum #{product_id} tidak ditemukan. Lihat /daftar untuk id yang ada.", example)
    return product


async def get_pending(session: AsyncSession, product_id: int) -> Product:
    """A proposal that can still be enacted."""
    product = await get(session, product_id, EXAMPLE_ENACT)
    if product.enacted_on is not None:
        raise InputError(
            f"Produk hukum #{product.id} sudah ditetapkan sebagai {official_name(product)} "
            f"pada {validation.human_date(product.enacted_on)}.",
            "/daftar usulan",
        )
    return product


async def get_unpublished(session: AsyncSession, product_id: int) -> Product:
    """An enacted product that can still be published."""
    product = await get(session, product_id, EXAMPLE_PUBLISH)
    if product.enacted_on is None:
        raise InputError(
            f"Produk hukum #{product.id} belum ditetapkan; publikasi hanya untuk produk yang sudah ditetapkan.",
            EXAMPLE_ENACT,
        )
    if product.published_on is not None:
        raise InputError(
            f"Produk hukum #{product.id} sudah dipublikasikan pada {validation.human_date(product.published_on)}.",
            "/daftar terbit",
        )
    return product


async def propose(
    session: AsyncSession,
    *,
    actor_id: int,
    kind: str,
    title: str,
    proposed_on: date,
    today: date,
    now: datetime,
    update_id: int | None = None,
) -> Product:
    kind = parse_kind(kind)
    title = clean_title(title)
    SPEC.check_date(None, "proposed_on", proposed_on, today, EXAMPLE_PROPOSE)
    product = Product(
        kind=kind, title=title, proposed_on=proposed_on, created_by=actor_id, created_at=now, updated_at=now
    )
    session.add(product)
    await session.flush()
    await audit.record_change(
        session, product, "product.propose", at=now, actor_id=actor_id, before=None, update_id=update_id
    )
    return product


async def enact(
    session: AsyncSession,
    *,
    actor_id: int,
    product_id: int,
    number: int,
    enacted_on: date,
    today: date,
    now: datetime,
    update_id: int | None = None,
) -> Product:
    product = await get_pending(session, product_id)
    SPEC.check_date(product, "enacted_on", enacted_on, today, EXAMPLE_ENACT)
    await ensure_number_free(session, product.kind, number, enacted_on.year)
    before = audit.snapshot(product)
    product.enacted_on, product.number, product.number_year = enacted_on, number, enacted_on.year
    product.updated_at = now
    kind = product.kind  # a failed flush expires the row: read nothing from it afterwards
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent enactment took the number first
        raise _number_taken(kind, number, enacted_on.year) from exc
    await audit.record_change(
        session, product, "product.enact", at=now, actor_id=actor_id, before=before, update_id=update_id
    )
    return product


async def publish(
    session: AsyncSession,
    *,
    actor_id: int,
    product_id: int,
    published_on: date,
    link: str | None,
    today: date,
    now: datetime,
    update_id: int | None = None,
) -> Product:
    product = await get_unpublished(session, product_id)
    SPEC.check_date(product, "published_on", published_on, today, EXAMPLE_PUBLISH)
    link = validation.link(link, EXAMPLE_PUBLISH)
    before = audit.snapshot(product)
    product.published_on, product.link, product.updated_at = published_on, link, now
    await session.flush()
    await audit.record_change(
        session, product, "product.publish", at=now, actor_id=actor_id, before=before, update_id=update_id
    )
    return product


async def ensure_number_free(
    session: AsyncSession, kind: str, number: int, year: int, exclude_id: int | None = None
) -> None:
    query = select(Product.id).where(Product.kind == kind, Product.number_year == year, Product.number == number)
    if exclude_id is not None:
        query = query.where(Product.id != exclude_id)
    if (await session.exec(query)).first() is not None:
        raise _number_taken(kind, number, year)


def _number_taken(kind: str, number: int, year: int) -> InputError:
    return InputError(
        f"Nomor {number} Tahun {year} untuk {KIND_SHORT[Kind(kind)]} sudah dipakai. Periksa kembali nomornya.",
        EXAMPLE_ENACT,
        "number",
    )


async def pending(session: AsyncSession, *, limit: int, offset: int = 0) -> tuple[list[Product], int]:
    """Proposals not yet enacted, newest first, with their total count."""
    where = col(Product.enacted_on).is_(None)
    return await _page(session, where, col(Product.proposed_on).desc(), limit, offset)


async def unpublished(session: AsyncSession, *, limit: int, offset: int = 0) -> tuple[list[Product], int]:
    """Enacted products not yet published, oldest enactment first (most overdue on top)."""
    where = col(Product.enacted_on).is_not(None) & col(Product.published_on).is_(None)
    return await _page(session, where, col(Product.enacted_on).asc(), limit, offset)


async def _page(session: AsyncSession, where, order, limit: int, offset: int) -> tuple[list[Product], int]:
    return await paging.page(session, Product, where, order, col(Product.id).desc(), limit=limit, offset=offset)


SIMILARITY_CUTOFF = 85


async def similar_title(session: AsyncSession, title: str, year: int, exclude_id: int | None = None) -> Product | None:
    """The closest proposal of the same year whose title nearly matches, so a double entry is caught.

    Only that year's titles are read (through the proposal-date index); rapidfuzz scores them. Titles
    whose numbers differ ("... Nomor 5" and "... Nomor 6", or different years) are different products.
    """
    from rapidfuzz import fuzz, process, utils

    rows = await session.exec(
        select(Product.id, Product.title).where(col(Product.proposed_on).between(date(year, 1, 1), date(year, 12, 31)))
    )
    numbers = _numbers(title)
    if not utils.default_process(title):  # only symbols or emoji: nothing to compare
        return None
    choices = {
        pid: existing
        for pid, existing in rows.all()
        if pid != exclude_id and _numbers(existing) == numbers and utils.default_process(existing)
    }
    best = process.extractOne(
        title, choices, scorer=fuzz.token_sort_ratio, processor=utils.default_process, score_cutoff=SIMILARITY_CUTOFF
    )
    if best is None:
        return None
    return await session.get(Product, best[2])


def _numbers(title: str) -> list[str]:
    return re.findall(r"[0-9]+", title)


# --- the record type ----------------------------------------------------------------------------------


async def _check_unique(session: AsyncSession, product: Product, name: str, new: object) -> None:
    """A new number, or a new enactment year, must leave the number unique per kind and year."""
    if name == "number" and isinstance(new, int) and product.number_year is not None:
        await ensure_number_free(session, product.kind, new, product.number_year, exclude_id=product.id)
    if (
        name == "enacted_on"
        and isinstance(new, date)
        and product.number is not None
        and product.number_year != new.year
    ):
        await ensure_number_free(session, product.kind, product.number, new.year, exclude_id=product.id)


def _derive(product: Product) -> None:
    if product.enacted_on is not None:
        product.number_year = product.enacted_on.year


def _number(raw: str, example: str, key: str | None) -> int:
    return validation.positive_number(raw, "nomor", example, key or "number")


def _link(raw: str, example: str, key: str | None) -> str | None:
    return validation.link(raw, example)


SPEC = RecordSpec(
    entity="product",
    keyword="produk",
    label="Produk hukum",
    table=Product,
    fields=(
        FieldSpec(
            "title",
            "Judul",
            FieldKind.text,
            Action.propose,
            TextRule(validation.MAX_TITLE_CHARS, "judul", required=True),
        ),
        FieldSpec("proposed_on", "Tanggal usulan", FieldKind.date, Action.propose, what="usulan", event="proposed"),
        FieldSpec("number", "Nomor", FieldKind.number, Action.enact, _number, stage="enacted_on"),
        FieldSpec(
            "enacted_on",
            "Tanggal penetapan",
            FieldKind.date,
            Action.enact,
            what="penetapan",
            stage="enacted_on",
            event="enacted",
        ),
        FieldSpec(
            "published_on",
            "Tanggal publikasi",
            FieldKind.date,
            Action.publish,
            what="publikasi",
            stage="published_on",
            event="published",
            needs="enacted_on",
        ),
        FieldSpec("link", "Tautan", FieldKind.text, Action.publish, _link, stage="published_on"),
    ),
    get=get,
    check_unique=_check_unique,
    derive=_derive,
    bookkeeping=("number_year",),
    extra_labels={"kind": "Jenis"},
)
