"""The JDIH feed: the published regulations in the fields the national JDIH network (JDIHN) harvests from
member sites, as BPHN's ILDIS and other JDIH applications emit them — a JSON array of objects whose
values are all strings, with `operasi` "4" and `display` "1" on every record.

Which products: every published one (Perda, Perwali, and Kepwali that were published). The promulgation
series names the source: a Perda in the Lembaran Daerah, a Perwali in the Berita Daerah.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.products import KIND_SHORT
from models.tables import Kind, LinkKind, Product, ProductLink

FIELDS = (
    "idData",
    "tahun_pengundangan",
    "tanggal_penetapan",
    "tanggal_pengundangan",
    "jenis",
    "noPeraturan",
    "judul",
    "singkatanJenis",
    "tempatTerbit",
    "sumber",
    "status",
    "bahasa",
    "bidangHukum",
    "teuBadan",
    "urlDetailPeraturan",
    "operasi",
    "display",
)
KIND_NAME = {Kind.perda: "Peraturan Daerah", Kind.perwali: "Peraturan Wali Kota", Kind.kepwali: "Keputusan Wali Kota"}
SERIES = {Kind.perda: "Lembaran Daerah", Kind.perwali: "Berita Daerah"}
STATUS = {None: "Berlaku", LinkKind.amends: "Diubah", LinkKind.revokes: "Dicabut"}
OPERATION_UPSERT = "4"  # JDIHN: insert or update the record
DISPLAY_SHOWN = "1"


@dataclass(frozen=True)
class Publisher:
    """The fixed values of every record (settings JDIH_*)."""

    region: str = "Kota Probolinggo"  # in the source: "Lembaran Daerah Kota Probolinggo …"
    place: str = "Probolinggo"  # tempatTerbit
    teu_badan: str = "Kota Probolinggo"  # Tajuk Entri Utama, the issuing body
    language: str = "Indonesia"
    legal_field: str = "-"  # bidangHukum: not kept by the bot


def source(product: Product, region: str) -> str:
    """`Lembaran Daerah Kota Probolinggo Tahun 2026 Nomor 3`, or "-" when not promulgated."""
    series = SERIES.get(Kind(product.kind))
    if series is None or product.promulgated_on is None:
        return "-"
    return f"{series} {region} Tahun {product.promulgation_year} Nomor {product.promulgation_number}"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def record(product: Product, status: LinkKind | None, publisher: Publisher) -> dict[str, str]:
    kind = Kind(product.kind)
    promulgated = product.promulgated_on
    year = promulgated.year if promulgated is not None else product.number_year
    return {
        "idData": str(product.id),
        "tahun_pengundangan": _text(year),
        "tanggal_penetapan": _text(product.enacted_on and product.enacted_on.isoformat()),
        "tanggal_pengundangan": _text(promulgated and promulgated.isoformat()),
        "jenis": KIND_NAME[kind],
        "noPeraturan": _text(product.number),
        "judul": product.title,
        "singkatanJenis": KIND_SHORT[kind].upper(),
        "tempatTerbit": publisher.place,
        "sumber": source(product, publisher.region),
        "status": STATUS[status],
        "bahasa": publisher.language,
        "bidangHukum": publisher.legal_field,
        "teuBadan": publisher.teu_badan,
        "urlDetailPeraturan": _text(product.link),
        "operasi": OPERATION_UPSERT,
        "display": DISPLAY_SHOWN,
    }


async def _statuses(session: AsyncSession, ids: list[int]) -> dict[int, LinkKind]:
    """The strongest link on each product: revoked outweighs amended."""
    if not ids:
        return {}
    links = (await session.exec(select(ProductLink).where(col(ProductLink.product_id).in_(ids)))).all()
    out: dict[int, LinkKind] = {}
    for link in links:
        relation = LinkKind(link.relation)
        if out.get(link.product_id) != LinkKind.revokes:
            out[link.product_id] = relation
    return out


async def feed(session: AsyncSession, publisher: Publisher) -> list[dict[str, str]]:
    """Every published product, oldest enactment first."""
    query = (
        select(Product).where(col(Product.published_on).is_not(None)).order_by(col(Product.enacted_on), col(Product.id))
    )
    products = list((await session.exec(query)).all())
    statuses = await _statuses(session, [p.id for p in products if p.id is not None])
    return [record(p, statuses.get(p.id or 0), publisher) for p in products]
