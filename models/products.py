"""Legal products from proposal through enactment to publication."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, bindparam, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import audit, paging, validation
from models.db import Source, Writer, columns_of, inserted, loaded, rows
from models.errors import InputError
from models.permissions import Action
from models.records import FieldKind, FieldSpec, RecordSpec, TextRule
from models.tables import AuditEntry, Kind, Product, ProductLink, title_numbers

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
LINK_ENTITY = "product_link"  # audit entity of models/product_links.py
EXAMPLE_PROMULGATE = "/undangkan 12 2026-03-12 5"

# The series a kind is promulgated in. A Kepwali is not promulgated: it takes effect on enactment.
SERIES = {Kind.perda: "Lembaran Daerah Kota Probolinggo", Kind.perwali: "Berita Daerah Kota Probolinggo"}
NOT_PROMULGATED = (
    "Keputusan Wali Kota (Kepwali) tidak diundangkan dalam Lembaran Daerah maupun Berita Daerah; "
    "pengundangan hanya untuk Perda (Lembaran Daerah) dan Perwali (Berita Daerah)."
)


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


def promulgation_name(product: Product) -> str | None:
    """`Berita Daerah Kota Probolinggo Tahun 2026 Nomor 5`, or None when not promulgated."""
    if product.promulgation_number is None or product.kind not in SERIES:
        return None
    return f"{SERIES[Kind(product.kind)]} Tahun {product.promulgation_year} Nomor {product.promulgation_number}"


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


async def get_unpromulgated(session: AsyncSession, product_id: int) -> Product:
    """An enacted Perda or Perwali that can still be promulgated."""
    product = await get(session, product_id, EXAMPLE_PROMULGATE)
    if product.kind not in SERIES:
        raise InputError(f"Produk hukum #{product.id} adalah Kepwali. {NOT_PROMULGATED}", "/daftar pengundangan")
    if product.enacted_on is None:
        raise InputError(
            f"Produk hukum #{product.id} belum ditetapkan; pengundangan hanya untuk produk yang sudah ditetapkan.",
            EXAMPLE_ENACT,
        )
    if product.promulgated_on is not None:
        raise InputError(
            f"Produk hukum #{product.id} sudah diundangkan dalam {promulgation_name(product)} "
            f"pada {validation.human_date(product.promulgated_on)}.",
            "/daftar pengundangan",
        )
    return product


async def propose(
    session: Writer,
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
    # A plain insert, so it also runs in a plain transaction (handlers/products.py); the row comes back
    # as stored, every other column empty until enactment.
    values = {"kind": kind, "title": title, "title_numbers": title_numbers(title), "proposed_on": proposed_on}
    values["created_by"] = actor_id
    product = await inserted(session, Product, {**values, "created_at": now, "updated_at": now})
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


async def promulgate(
    session: AsyncSession,
    *,
    actor_id: int,
    product_id: int,
    promulgated_on: date,
    number: int | None,
    today: date,
    now: datetime,
    update_id: int | None = None,
) -> Product:
    """Promulgation in the Lembaran Daerah (Perda) or Berita Daerah (Perwali). Without a number, the next
    free number of that series and year is taken."""
    product = await get_unpromulgated(session, product_id)
    SPEC.check_date(product, "promulgated_on", promulgated_on, today, EXAMPLE_PROMULGATE)
    year = promulgated_on.year
    if number is None:
        number = await next_promulgation_number(session, product.kind, year)
    else:
        await ensure_promulgation_free(session, product.kind, number, year)
    before = audit.snapshot(product)
    product.promulgated_on, product.promulgation_number, product.promulgation_year = promulgated_on, number, year
    product.updated_at = now
    kind = product.kind  # a failed flush expires the row: read nothing from it afterwards
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent promulgation took the number first
        raise _promulgation_taken(kind, number, year) from exc
    await audit.record_change(
        session, product, "product.promulgate", at=now, actor_id=actor_id, before=before, update_id=update_id
    )
    return product


async def next_promulgation_number(session: AsyncSession, kind: str, year: int) -> int:
    """One more than the highest number of the series in that year (1 for the first)."""
    highest = (
        await session.exec(
            select(func.max(Product.promulgation_number)).where(Product.kind == kind, Product.promulgation_year == year)
        )
    ).one()
    return (highest or 0) + 1


async def ensure_promulgation_free(
    session: AsyncSession, kind: str, number: int, year: int, exclude_id: int | None = None
) -> None:
    if await _taken(session, Product.promulgation_year, Product.promulgation_number, kind, number, year, exclude_id):
        raise _promulgation_taken(kind, number, year)


def _promulgation_taken(kind: str, number: int, year: int) -> InputError:
    return InputError(
        f"Nomor {number} {SERIES[Kind(kind)]} Tahun {year} sudah dipakai. Periksa kembali nomornya, "
        "atau kosongkan nomor agar dipakai nomor berikutnya.",
        EXAMPLE_PROMULGATE,
        "number",
    )


async def ensure_number_free(
    session: AsyncSession, kind: str, number: int, year: int, exclude_id: int | None = None
) -> None:
    if await _taken(session, Product.number_year, Product.number, kind, number, year, exclude_id):
        raise _number_taken(kind, number, year)


async def _taken(
    session: AsyncSession,
    year_column: Any,
    number_column: Any,
    kind: str,
    number: int,
    year: int,
    exclude_id: int | None,
) -> bool:
    """Whether another product of the kind holds that number in that year (of enactment or promulgation)."""
    query = select(Product.id).where(Product.kind == kind, year_column == year, number_column == number)
    if exclude_id is not None:
        query = query.where(Product.id != exclude_id)
    return (await session.exec(query)).first() is not None


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


async def enacted(session: AsyncSession, *, limit: int, offset: int = 0) -> tuple[list[Product], int]:
    """Enacted products, latest enactment first (the ones a status link names)."""
    where = col(Product.enacted_on).is_not(None)
    return await _page(session, where, col(Product.enacted_on).desc(), limit, offset)


async def unpromulgated(session: AsyncSession, *, limit: int, offset: int = 0) -> tuple[list[Product], int]:
    """Enacted Perda and Perwali not yet promulgated, oldest enactment first."""
    where = (
        col(Product.kind).in_([k.value for k in SERIES])
        & col(Product.enacted_on).is_not(None)
        & col(Product.promulgated_on).is_(None)
    )
    return await _page(session, where, col(Product.enacted_on).asc(), limit, offset)


async def _page(session: AsyncSession, where, order, limit: int, offset: int) -> tuple[list[Product], int]:
    return await paging.page(session, Product, where, order, col(Product.id).desc(), limit=limit, offset=offset)


SIMILARITY_CUTOFF = 85


async def similar_title(source: Source, title: str, year: int, exclude_id: int | None = None) -> Product | None:
    """The closest proposal of the same year whose title nearly matches, so a double entry is caught.

    Only that year's titles are read (through the proposal-date index); rapidfuzz scores them. Titles
    whose numbers differ ("... Nomor 5" and "... Nomor 6", or different years) are different products.
    Asked before every one-line proposal, so read straight from the database when `source` is one.
    """
    from rapidfuzz import fuzz, process, utils

    if not utils.default_process(title):  # only symbols or emoji: nothing to compare
        return None
    numbers = title_numbers(title)
    # Only titles with the same numbers can be the same product: the stored, indexed `title_numbers`
    # leaves out the rest, so a year of numbered titles is not read whole for every proposal.
    params = {"first": date(year, 1, 1), "last": date(year, 12, 31), "numbers": numbers}
    found = await rows(source, _SAME_NUMBERS, params)
    choices = {pid: existing for pid, existing in found if pid != exclude_id}
    # rapidfuzz scores the titles (in C); the closest above the cutoff is the match.
    close = process.extract(
        title,
        choices,
        scorer=fuzz.token_sort_ratio,
        processor=utils.default_process,
        score_cutoff=SIMILARITY_CUTOFF,
        limit=None,
    )
    if not close:
        return None
    hit = await rows(source, _BY_ID, {"pid": close[0][2]})
    return loaded(Product, hit[0]) if hit else None


_BY_ID: Any = select(*columns_of(Product)).where(col(Product.id) == bindparam("pid"))


_SAME_NUMBERS: Any = select(col(Product.id), col(Product.title)).where(
    col(Product.title_numbers) == bindparam("numbers"),
    col(Product.proposed_on).between(bindparam("first", type_=Date), bindparam("last", type_=Date)),
)


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
    if name == "enacted_on" and isinstance(new, date):
        await _keep_link_order(session, product, new)
    if name == "promulgation_number" and isinstance(new, int) and product.promulgation_year is not None:
        await ensure_promulgation_free(session, product.kind, new, product.promulgation_year, exclude_id=product.id)
    if (
        name == "promulgated_on"
        and isinstance(new, date)
        and product.promulgation_number is not None
        and product.promulgation_year != new.year
    ):
        await ensure_promulgation_free(
            session, product.kind, product.promulgation_number, new.year, exclude_id=product.id
        )


async def _keep_link_order(session: AsyncSession, product: Product, new: date) -> None:
    """A product amends or revokes only products enacted on or before it (models/product_links.py): a
    corrected enactment date keeps that order."""
    if product.id is None:  # a record being created (an import) has no links yet
        return
    changed = aliased(Product)
    later = await session.exec(
        select(changed)
        .join(ProductLink, col(ProductLink.product_id) == changed.id)
        .where(ProductLink.by_id == product.id, col(changed.enacted_on) > new)
    )
    subject = later.first()
    if subject is not None and subject.enacted_on is not None:
        raise InputError(
            f"Produk hukum #{product.id} mengubah atau mencabut produk hukum #{subject.id} yang ditetapkan "
            f"{validation.human_date(subject.enacted_on)}; tanggal penetapannya tidak boleh sebelum itu.",
            f"/status {subject.id}",
            "value",
        )
    by = aliased(Product)
    earlier = await session.exec(
        select(by)
        .join(ProductLink, col(ProductLink.by_id) == by.id)
        .where(ProductLink.product_id == product.id, col(by.enacted_on) < new)
    )
    changer = earlier.first()
    if changer is not None and changer.enacted_on is not None:
        raise InputError(
            f"Produk hukum #{product.id} diubah atau dicabut oleh produk hukum #{changer.id} yang ditetapkan "
            f"{validation.human_date(changer.enacted_on)}; tanggal penetapannya tidak boleh sesudah itu.",
            f"/status {product.id}",
            "value",
        )


def _link_history(product_id: int) -> Any:
    """Audit entries of the links (models/product_links.py) that name the product on either side: they are
    part of the product's history, and a later change of it when an earlier one is undone."""
    sides = [
        col(AuditEntry.after)["product_id"],
        col(AuditEntry.after)["by_id"],
        col(AuditEntry.before)["product_id"],
        col(AuditEntry.before)["by_id"],
    ]
    return (col(AuditEntry.entity) == LINK_ENTITY) & or_(*(side.as_integer() == product_id for side in sides))


def _check_record(product: Product) -> None:
    if product.promulgated_on is not None and product.kind not in SERIES:
        raise InputError(NOT_PROMULGATED, EXAMPLE_PROMULGATE)


def _derive(product: Product) -> None:
    if product.enacted_on is not None:
        product.number_year = product.enacted_on.year
    if product.promulgated_on is not None:
        product.promulgation_year = product.promulgated_on.year


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
        FieldSpec("number", "Nomor", FieldKind.number, Action.enact, _number, stage="enacted_on", required=True),
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
            "promulgated_on",
            "Tanggal pengundangan",
            FieldKind.date,
            Action.promulgate,
            what="pengundangan",
            stage="promulgated_on",
            event="promulgated",
            needs="enacted_on",
        ),
        FieldSpec(
            "promulgation_number",
            "Nomor pengundangan",
            FieldKind.number,
            Action.promulgate,
            _number,
            stage="promulgated_on",
            required=True,
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
    check_record=_check_record,
    bookkeeping=("number_year", "promulgation_year", "title_numbers"),  # title_numbers: models/tables.py
    extra_labels={"kind": "Jenis"},
    related=_link_history,
)
