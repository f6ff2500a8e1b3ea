"""Legal status of legal products, as JDIH keeps it: a product is `berlaku` from its enactment, `diubah`
once a later product amends it and `dicabut` once one revokes it. The status is never stored: it follows
from the links (product_link), so an undone link gives the earlier status back by itself.

The rules for a link live here: the amending or revoking product is enacted, of the same or a higher kind
(Perda > Perwali > Kepwali), not enacted before the product it changes, and the links never form a
cycle. A link takes effect on the enactment date of the amending or revoking product.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import audit, products, validation
from models.errors import InputError
from models.tables import Kind, LinkKind, Product, ProductLink

ENTITY = products.LINK_ENTITY
EXAMPLE_STATUS = "/status 4"
EXAMPLE_LINK = "/status 4 dicabut oleh 9"
# A product may amend or revoke one of its own kind or a lower one, never a higher one.
RANK = {Kind.perda: 3, Kind.perwali: 2, Kind.kepwali: 1}
# What users type after the id -> the relation.
RELATION_WORDS = {"diubah": LinkKind.amends, "dicabut": LinkKind.revokes}
# History lines of a link: column -> label.
LABELS = {"product_id": "Produk", "by_id": "Oleh produk", "relation": "Hubungan", "effective_on": "Berlaku sejak"}
RELATION_LABELS = {LinkKind.amends.value: "diubah oleh", LinkKind.revokes.value: "dicabut oleh"}
MAX_CHAIN = 50  # products shown in one chain; real chains are a handful


class Status(StrEnum):
    """The JDIH status of a product (cards say it in words: handlers/replies.STATUS_LABEL)."""

    not_enacted = "belum ditetapkan"
    in_force = "berlaku"
    amended = "diubah"
    revoked = "dicabut"


@dataclass(frozen=True)
class Relation:
    """One link seen from one of its two products: `other` amends or revokes it (`by`), or it amends or
    revokes `other`."""

    relation: LinkKind
    other: Product
    effective_on: date


@dataclass(frozen=True)
class LegalStatus:
    product: Product
    status: Status
    since: date | None
    by: list[Relation] = field(default_factory=list)  # products amending or revoking this one, in date order
    of: list[Relation] = field(default_factory=list)  # products this one amends or revokes, in date order


def _rank(product: Product) -> int:
    return RANK[Kind(product.kind)]


def name(product: Product) -> str:
    """`Perda Nomor 3 Tahun 2027` (or `Perda #12` before enactment), as status lines name products."""
    short = products.KIND_SHORT[Kind(product.kind)]
    if product.number is None:
        return f"{short} #{product.id}"
    return f"{short} Nomor {product.number} Tahun {product.number_year}"


def _status_of(product: Product, by: Sequence[Relation]) -> tuple[Status, date | None]:
    if product.enacted_on is None:
        return Status.not_enacted, None
    revoked = [r.effective_on for r in by if r.relation == LinkKind.revokes]
    if revoked:
        return Status.revoked, min(revoked)
    amended = [r.effective_on for r in by if r.relation == LinkKind.amends]
    if amended:
        return Status.amended, max(amended)
    return Status.in_force, product.enacted_on


async def legal_statuses(session: AsyncSession, items: Iterable[Product]) -> dict[int, LegalStatus]:
    """The status of each product, with its links both ways: two queries whatever the number of products."""
    wanted = {p.id: p for p in items if p.id is not None}
    if not wanted:
        return {}
    ids = list(wanted)
    links = list(
        (
            await session.exec(
                select(ProductLink)
                .where(or_(col(ProductLink.product_id).in_(ids), col(ProductLink.by_id).in_(ids)))
                .order_by(col(ProductLink.effective_on), col(ProductLink.id))
            )
        ).all()
    )
    others = {pid for link in links for pid in (link.product_id, link.by_id)} - set(ids)
    known = dict(wanted)
    if others:
        rows = await session.exec(select(Product).where(col(Product.id).in_(others)))
        known |= {p.id: p for p in rows.all() if p.id is not None}
    by: dict[int, list[Relation]] = {pid: [] for pid in ids}
    of: dict[int, list[Relation]] = {pid: [] for pid in ids}
    for link in links:
        relation = LinkKind(link.relation)
        # In effect from the enactment of the amending product, as it stands now (a corrected date counts).
        effective_on = known[link.by_id].enacted_on or link.effective_on
        if link.product_id in by:
            by[link.product_id].append(Relation(relation, known[link.by_id], effective_on))
        if link.by_id in of:
            of[link.by_id].append(Relation(relation, known[link.product_id], effective_on))
    out = {}
    for pid, product in wanted.items():
        status, since = _status_of(product, by[pid])
        out[pid] = LegalStatus(product, status, since, by[pid], of[pid])
    return out


async def legal_status(session: AsyncSession, product: Product) -> LegalStatus:
    assert product.id is not None
    return (await legal_statuses(session, [product]))[product.id]


async def chain(session: AsyncSession, product: Product) -> list[tuple[int, LinkKind | None, LegalStatus]]:
    """The product and, below it, whatever amends or revokes it, and whatever amends or revokes those: each
    with its depth and how it changed the one above it (None for the product itself). `Perwali 7/2019` ←
    diubah oleh `Perwali 3/2021` ← dicabut oleh `Perwali 5/2024`."""
    out: list[tuple[int, LinkKind | None, LegalStatus]] = []
    seen: set[int] = set()
    level: list[tuple[Product, LinkKind | None]] = [(product, None)]
    depth = 0
    while level and len(out) < MAX_CHAIN:
        statuses = await legal_statuses(session, [p for p, _ in level])
        following: list[tuple[Product, LinkKind | None]] = []
        for item, relation in level:
            assert item.id is not None
            if item.id in seen:
                continue
            seen.add(item.id)
            status = statuses[item.id]
            out.append((depth, relation, status))
            following += [(r.other, r.relation) for r in status.by if r.other.id not in seen]
        level, depth = following, depth + 1
    return out[:MAX_CHAIN]


def parse(args: list[str]) -> tuple[int, LinkKind | None, int | None]:
    """`4` (read) or `4 diubah oleh 9` / `4 dicabut oleh 9` (`oleh` may be left out)."""
    if not args:
        raise InputError("Sebutkan id produk hukum.", EXAMPLE_LINK)
    product_id = validation.record_id(args[0], "produk hukum", EXAMPLE_STATUS)
    rest = [w.lower() for w in args[1:]]
    if not rest:
        return product_id, None, None
    relation = RELATION_WORDS.get(validation.keyword(rest[0]))
    if relation is None:
        raise InputError(
            f"«{args[1]}» tidak dikenal. Tulis «diubah oleh» atau «dicabut oleh» lalu id produk yang mengubah "
            "atau mencabutnya.",
            EXAMPLE_LINK,
        )
    tail = rest[1:]
    if tail and tail[0] == "oleh":
        tail = tail[1:]
    if len(tail) != 1:
        raise InputError("Sebutkan satu id produk hukum yang mengubah atau mencabutnya.", EXAMPLE_LINK)
    return product_id, relation, validation.record_id(tail[0], "produk hukum", EXAMPLE_LINK)


def verb(relation: LinkKind, *, passive: bool) -> str:
    """`diubah`/`dicabut` (what happened to the product) or `mengubah`/`mencabut` (what the other did)."""
    if relation == LinkKind.revokes:
        return "dicabut" if passive else "mencabut"
    return "diubah" if passive else "mengubah"


async def check_link(session: AsyncSession, product_id: int, by_id: int, relation: LinkKind) -> tuple[Product, Product]:
    """The two products of a new link, or InputError saying which rule it breaks."""
    example = EXAMPLE_LINK
    if product_id == by_id:
        raise InputError("Produk hukum tidak dapat mengubah atau mencabut dirinya sendiri.", example)
    product = await products.get(session, product_id, example)
    by = await products.get(session, by_id, example)
    if product.enacted_on is None:
        raise InputError(
            f"Produk hukum #{product_id} belum ditetapkan; hanya produk yang sudah ditetapkan yang dapat "
            f"{verb(relation, passive=True)}.",
            example,
        )
    if by.enacted_on is None:
        raise InputError(
            f"Produk hukum #{by_id} belum ditetapkan; hanya produk yang sudah ditetapkan yang dapat "
            f"{verb(relation, passive=False)} produk lain.",
            example,
        )
    if _rank(by) < _rank(product):
        raise InputError(
            f"{products.KIND_SHORT[Kind(by.kind)]} tidak dapat {verb(relation, passive=False)} "
            f"{products.KIND_SHORT[Kind(product.kind)]}: produk yang lebih rendah tidak dapat mengubah atau "
            "mencabut produk yang lebih tinggi (Perda > Perwali > Kepwali).",
            example,
        )
    if by.enacted_on < product.enacted_on:
        raise InputError(
            f"{name(by)} ditetapkan {validation.human_date(by.enacted_on)}, sebelum {name(product)} "
            f"({validation.human_date(product.enacted_on)}); produk hanya dapat diubah atau dicabut oleh "
            "produk yang ditetapkan pada hari yang sama atau sesudahnya.",
            example,
        )
    current = await legal_status(session, product)
    if any(r.other.id == by_id for r in current.by):
        raise InputError(f"Hubungan {name(product)} dengan {name(by)} sudah tercatat.", f"/status {product_id}")
    if current.status == Status.revoked:
        revoker = next(r.other for r in current.by if r.relation == LinkKind.revokes)
        raise InputError(f"{name(product)} sudah dicabut oleh {name(revoker)}.", f"/status {product_id}")
    if await _reaches(session, product_id, by_id):
        raise InputError(
            f"{name(product)} (langsung atau tidak langsung) sudah mengubah atau mencabut {name(by)}; "
            "hubungan sebaliknya akan membentuk lingkaran.",
            f"/status {by_id}",
        )
    return product, by


async def _reaches(session: AsyncSession, start: int, target: int) -> bool:
    """Whether `start` amends or revokes `target`, directly or through products in between."""
    seen = {start}
    frontier = [start]
    while frontier:
        rows = await session.exec(select(ProductLink.product_id).where(col(ProductLink.by_id).in_(frontier)))
        following = set(rows.all()) - seen
        if target in following:
            return True
        seen |= following
        frontier = list(following)
    return False


async def link(
    session: AsyncSession,
    *,
    actor_id: int,
    product_id: int,
    by_id: int,
    relation: LinkKind,
    now: datetime,
    update_id: int | None = None,
) -> ProductLink:
    """Record that `by_id` amends or revokes `product_id`, effective on the enactment of `by_id`."""
    _, by = await check_link(session, product_id, by_id, relation)
    assert by.enacted_on is not None
    row = ProductLink(
        product_id=product_id,
        by_id=by_id,
        relation=relation.value,
        effective_on=by.enacted_on,
        created_by=actor_id,
        created_at=now,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:  # the same link recorded at the same moment by someone else
        raise InputError("Hubungan kedua produk hukum itu sudah tercatat.", f"/status {product_id}") from exc
    await audit.record_change(
        session, row, f"{ENTITY}.add", at=now, actor_id=actor_id, before=None, update_id=update_id
    )
    return row
