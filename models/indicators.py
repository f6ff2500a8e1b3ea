"""The three key performance indicators (IKU) of the Bagian Hukum: the one place their rules live.

Period: a calendar year, or one quarter (tw1..tw4) of it. The cut-off is the end of the period, or today
for a period still running. All dates are calendar dates in the configured time zone.

IKU-1 (Dokumentasi dan Informasi Hukum)
  EN: denominator = Perda and Perwali enacted in the period; numerator = those of them published by the
      cut-off. Kepwali do not count.
  ID: penyebut = Perda dan Perwali yang ditetapkan dalam periode; pembilang = yang di antaranya sudah
      dipublikasikan paling lambat akhir periode (atau hari ini untuk periode berjalan). Kepwali tidak dihitung.
IKU-2 (Peraturan Perundang-undangan)
  EN: denominator = Perda, Perwali and Kepwali proposed in the period; numerator = those of them enacted by
      the cut-off.
  ID: penyebut = Perda, Perwali dan Kepwali yang diusulkan dalam periode; pembilang = yang di antaranya sudah
      ditetapkan paling lambat akhir periode (atau hari ini).
IKU-3 (Bantuan Hukum dan Penyelesaian Sengketa)
  EN: denominator = cases handled in the period: started on or before its end and not resolved before its
      start (cases carry over between years); numerator = those resolved within the period.
  ID: penyebut = perkara yang ditangani dalam periode: mulai ditangani paling lambat akhir periode dan belum
      selesai sebelum awal periode (perkara dapat berlanjut antartahun); pembilang = yang diselesaikan dalam
      periode.
An empty denominator is "belum ada data" (no data yet), never 0% or 100%.

Each figure is one SQL aggregate (COUNT and SUM over indexed date columns); no rows are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, Date, and_, bindparam, case, func, literal, or_, union_all
from sqlmodel import col, select

from models import validation
from models.db import Source, rows
from models.errors import InputError
from models.tables import Case, Kind, Product, Subsection

EXAMPLE_PERIOD = "/iku 2026 tw2"


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    subsection: Subsection
    subsection_name: str
    # How commands name it (`/target iku1 80`), and how targets are stored.
    key: str = ""
    # The texts of the division's indicator sheet (Indikator Kinerja Utama), for reports that restate it.
    sasaran: str = ""
    formula: str = ""
    source: str = ""


IKU1 = Indicator(
    "IKU-1",
    "Persentase Produk Hukum Daerah (Perda dan Perwali) yang Diinformasikan",
    Subsection.dokinfo,
    "Subbag Dokumentasi dan Informasi Hukum",
    key="iku1",
    sasaran="Terwujudnya Peningkatan Sistem Informasi Hukum",
    formula=(
        "Jumlah Produk Hukum Daerah yang Dipublikasikan / Jumlah Seluruh Produk Hukum Daerah yang Dihasilkan x 100%"
    ),
    source="Data Produk Hukum",
)
IKU2 = Indicator(
    "IKU-2",
    "Persentase Produk Hukum yang Sesuai Dengan Mekanisme Pembentukan Produk Hukum",
    Subsection.perundangan,
    "Subbag Peraturan Perundang-undangan",
    key="iku2",
    sasaran="Terwujudnya Produk Hukum yang sesuai dengan peraturan yang ada",
    formula=(
        "Jumlah Seluruh Produk Hukum yang Ditetapkan / Jumlah Seluruh Produk Hukum yang Diusulkan x 100% "
        "(Produk Hukum meliputi Peraturan Daerah, Peraturan Wali Kota dan Keputusan Wali Kota)"
    ),
    source="Data Produk Hukum",
)
IKU3 = Indicator(
    "IKU-3",
    "Persentase Perkara di Lingkungan Pemerintah Kota Probolinggo yang Diselesaikan",
    Subsection.bankum,
    "Subbag Bantuan Hukum dan Penyelesaian Sengketa",
    key="iku3",
    sasaran="Terselesainya Perkara di Lingkungan Pemerintah Daerah",
    formula="Jumlah Perkara yang Diselesaikan / Jumlah Perkara yang Ditangani x 100%",
    source="Data Perkara",
)
INDICATORS = (IKU1, IKU2, IKU3)


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None
    # From 1 January to the quarter's end ("s.d. Triwulan n"): the realisation e-SAKIP reports.
    cumulative: bool = False

    @property
    def start(self) -> date:
        if self.quarter is None or self.cumulative:
            return date(self.year, 1, 1)
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        if self.quarter in (None, 4):
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.quarter + 1, 1) - timedelta(days=1)

    @property
    def label(self) -> str:
        if self.quarter is None:
            return f"Tahun {self.year}"
        return f"{'s.d. ' if self.cumulative else ''}Triwulan {self.quarter} Tahun {self.year}"

    def to_date(self) -> Period:
        """From 1 January to this period's end (the same period for a year)."""
        return self if self.quarter is None else Period(self.year, self.quarter, cumulative=True)

    def cutoff(self, today: date) -> date:
        """The last day counted: the period's end, or today while the period runs."""
        return min(self.end, today)

    def is_running(self, today: date) -> bool:
        return self.start <= today <= self.end


def parse_period(args: list[str], today: date) -> Period:
    """`[tahun] [tw1..tw4]`, in either order; the year defaults to the current one."""
    year: int | None = None
    quarter: int | None = None
    for arg in args:
        token = validation.keyword(arg)
        written = validation.number(arg.strip())
        if written is not None and len(arg.strip()) == 4:
            if year is not None:
                raise InputError("Tahun disebut dua kali.", EXAMPLE_PERIOD)
            year = written
        elif token in ("tw1", "tw2", "tw3", "tw4"):
            if quarter is not None:
                raise InputError("Triwulan disebut dua kali.", EXAMPLE_PERIOD)
            quarter = int(token[2])
        else:
            raise InputError(f"«{arg}» bukan tahun (misalnya 2026) atau triwulan (tw1, tw2, tw3, tw4).", EXAMPLE_PERIOD)
    year = today.year if year is None else year
    if year < 2000 or year > today.year:
        raise InputError(f"Tahun {year} di luar jangkauan (2000 sampai {today.year}).", EXAMPLE_PERIOD)
    period = Period(year, quarter)
    if period.start > today:
        raise InputError(f"{period.label} belum dimulai.", EXAMPLE_PERIOD)
    return period


@dataclass(frozen=True)
class Figure:
    indicator: Indicator
    numerator: int
    denominator: int

    @property
    def percent(self) -> Decimal | None:
        if self.denominator == 0:
            return None
        return (Decimal(self.numerator) * 100 / Decimal(self.denominator)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


def handled_between(start: Any, end: Any) -> ColumnElement[bool]:
    """IKU-3's cases handled in a period: started by its end and not resolved before its start."""
    return and_(col(Case.started_on) <= end, or_(col(Case.resolved_on).is_(None), col(Case.resolved_on) >= start))


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _build_queries() -> tuple[Any, Any, Any]:
    """The three indicator queries, with the period's dates as bound parameters (start, end, cutoff)."""
    start: Any = bindparam("start", type_=Date)
    end: Any = bindparam("end", type_=Date)
    cutoff: Any = bindparam("cutoff", type_=Date)
    enacted_in_period = and_(
        col(Product.kind).in_([Kind.perda.value, Kind.perwali.value]),
        col(Product.enacted_on).between(start, end),
    )
    iku1 = select(
        func.count(),
        _count_where(and_(col(Product.published_on).is_not(None), col(Product.published_on) <= cutoff)),
    ).where(enacted_in_period)

    iku2 = select(
        func.count(),
        _count_where(and_(col(Product.enacted_on).is_not(None), col(Product.enacted_on) <= cutoff)),
    ).where(
        # Every kind counts; naming them lets the (kind, proposed_on) index serve the date range.
        col(Product.kind).in_([k.value for k in Kind]),
        col(Product.proposed_on).between(start, end),
    )

    iku3 = select(
        func.count(),
        _count_where(col(Case.resolved_on).between(start, cutoff)),
    ).where(handled_between(start, end))
    return iku1, iku2, iku3


def _one_query(queries: tuple[Any, ...]) -> Any:
    """The three asked in one statement (one round trip to the database), each row tagged with its
    indicator's place so the order does not rest on UNION ALL's."""
    tagged = [query.add_columns(literal(n).label("n")) for n, query in enumerate(queries)]
    return union_all(*tagged).order_by("n")


# Built once: composing the statements cost more than running them on an ordinary database.
_QUERIES = _build_queries()
_ALL = _one_query(_QUERIES)


async def compute(source: Source, period: Period, today: date) -> list[Figure]:
    params = {"start": period.start, "end": period.end, "cutoff": period.cutoff(today)}
    found = await rows(source, _ALL, params)
    return [
        Figure(indicator, int(numerator), int(denominator))
        for indicator, (denominator, numerator, _) in zip((IKU1, IKU2, IKU3), found, strict=True)
    ]


def quarter_of(day: date) -> int:
    """The quarter (triwulan) a day falls in, 1-4."""
    return (day.month - 1) // 3 + 1
