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

from models import product_links
from models.product_links import Status
from models.products import KIND_SHORT, promulgation_name
from models.tables import Kind, Product

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
STATUS = {Status.in_force: "Berlaku", Status.amended: "Diubah", Status.revoked: "Dicabut"}
OPERATION_UPSERT = "4"  # JDIHN: insert or update the record
DISPLAY_SHOWN = "1"


@dataclass(frozen=True)
class Publisher:
    """The fixed values of every record (settings JDIH_*)."""

    place: str = "Probolinggo"  # tempatTerbit
    teu_badan: str = "Kota Probolinggo"  # Tajuk Entri Utama, the issuing body
    language: str = "Indonesia"
    legal_field: str = "-"  # bidangHukum: not kept by the bot


def source(product: Product) -> str:
    """`Lembaran Daerah Kota Probolinggo Tahun 2026 Nomor 3`, or "-" when not promulgated."""
    return promulgation_name(product) or "-"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def record(product: Product, status: Status, publisher: Publisher) -> dict[str, str]:
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
        "sumber": source(product),
        "status": STATUS.get(status, "Berlaku"),
        "bahasa": publisher.language,
        "bidangHukum": publisher.legal_field,
        "teuBadan": publisher.teu_badan,
        "urlDetailPeraturan": _text(product.link),
        "operasi": OPERATION_UPSERT,
        "display": DISPLAY_SHOWN,
    }


async def feed(session: AsyncSession, publisher: Publisher) -> list[dict[str, str]]:
    """Every published product, oldest enactment first."""
    query = (
        select(Product).where(col(Product.published_on).is_not(None)).order_by(col(Product.enacted_on), col(Product.id))
    )
    products = list((await session.exec(query)).all())
    statuses = await product_links.legal_statuses(session, products)
    return [record(p, statuses[p.id or 0].status, publisher) for p in products]
