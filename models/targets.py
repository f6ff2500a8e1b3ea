"""Targets, realisation, capaian and predikat of the indicators: the one place these rules live.

Each year the division signs a Perjanjian Kinerja with a target per indicator, and reports each quarter
against it (e-SAKIP) and the year in the LKjIP.

Target
  EN: one per indicator and year (annual); a quarter may have its own, otherwise the annual one applies.
  ID: satu per indikator per tahun (tahunan); triwulan boleh memiliki target sendiri, jika tidak, berlaku
      target tahunan.
Realisation (realisasi)
  EN: of quarter n, the indicator counted from 1 January to the end of quarter n ("s.d. TW n"), or to today
      for the running quarter; of the year, the indicator of the year (to today while it runs).
  ID: realisasi triwulan n = indikator sejak 1 Januari sampai akhir triwulan n ("s.d. TW n"), atau sampai
      hari ini untuk triwulan berjalan; realisasi tahunan = indikator tahun itu.
Capaian
  EN: realisation ÷ target × 100, from the exact realisation (2 of 3 against 80 is 83.33), two decimals,
      half up, not capped at 100.
  ID: realisasi ÷ target × 100, dari realisasi yang tepat (2 dari 3 terhadap 80 = 83,33), dua desimal,
      tidak dibatasi 100.
Predikat
  EN: by the capaian as shown: >= 100 Sangat Berhasil, 75 to < 100 Berhasil, 55 to < 75 Cukup Berhasil,
      < 55 Kurang Berhasil (the setting PREDIKAT_BANDS may change them).
  ID: menurut capaian yang ditampilkan: >= 100 Sangat Berhasil, 75 s.d. < 100 Berhasil, 55 s.d. < 75 Cukup
      Berhasil, < 55 Kurang Berhasil (dapat diubah dengan PREDIKAT_BANDS).
An empty denominator has no capaian ("belum ada data"); an indicator without a target says "target belum
ditetapkan". Below target: capaian under 100.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import audit, indicators, validation
from models.db import Source, rows
from models.errors import InputError
from models.indicators import INDICATORS, Figure, Indicator, Period
from models.tables import AuditEntry, Member, Subsection, Target

ANNUAL = 0  # the quarter stored for the year's own target
QUARTERS = (1, 2, 3, 4)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
NO_DATA = "belum ada data"
NO_TARGET = "target belum ditetapkan"
EXAMPLE_SET = "/target iku1 80"
EXAMPLE_QUARTER = "/target iku1 tw2 85,5"
REMOVE = "hapus"
EXAMPLE_SHOW = "/target 2026"
EXAMPLE_HISTORY = "/riwayat target 2026"
BY_KEY: dict[str, Indicator] = {i.key: i for i in INDICATORS}
BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}


# --- predikat bands ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    minimum: Decimal  # the lowest capaian (percent) of the band
    name: str


Bands = tuple[Band, ...]
DEFAULT_BANDS_TEXT = "100:Sangat Berhasil;75:Berhasil;55:Cukup Berhasil;0:Kurang Berhasil"


def parse_bands(text: str) -> Bands:
    """`100:Sangat Berhasil;75:Berhasil;55:Cukup Berhasil;0:Kurang Berhasil` (any order; one band must start
    at 0, so every capaian has a predikat). ValueError says what is wrong, for the settings' message."""
    bands: list[Band] = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        minimum, sep, name = part.partition(":")
        try:
            value = Decimal(minimum.strip().replace(",", "."))
        except InvalidOperation:
            value = Decimal(-1)
        if not sep or not name.strip() or not value.is_finite() or value < 0:
            raise ValueError(f"{part!r}: each band is written <lowest capaian>:<predikat>, e.g. 75:Berhasil")
        bands.append(Band(value, " ".join(name.split())))
    minimums = [b.minimum for b in bands]
    if len(set(minimums)) != len(minimums):
        raise ValueError("two bands start at the same capaian")
    if 0 not in minimums:
        raise ValueError("one band must start at 0, so that every capaian has a predikat")
    return tuple(sorted(bands, key=lambda b: b.minimum, reverse=True))


DEFAULT_BANDS = parse_bands(DEFAULT_BANDS_TEXT)


def predikat(capaian: Decimal, bands: Bands = DEFAULT_BANDS) -> str:
    """The band the capaian (as shown, two decimals) falls in."""
    return next(b.name for b in bands if capaian >= b.minimum)


def capaian(figure: Figure, target: Decimal) -> Decimal | None:
    """Realisation ÷ target × 100 from the exact realisation, two decimals; None without data."""
    if figure.denominator == 0:
        return None
    exact = Decimal(figure.numerator) * HUNDRED * HUNDRED / (Decimal(figure.denominator) * target)
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


# --- targets of a year ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearTargets:
    """The targets stored for one year: (indicator key, quarter) -> percent; quarter 0 is the year's."""

    year: int
    values: dict[tuple[str, int], Decimal]

    def annual(self, indicator: Indicator) -> Decimal | None:
        return self.values.get((indicator.key, ANNUAL))

    def own(self, indicator: Indicator, quarter: int) -> Decimal | None:
        """The quarter's own target, not the annual one it defaults to."""
        return self.values.get((indicator.key, quarter))

    def of_quarter(self, indicator: Indicator, quarter: int | None) -> Decimal | None:
        """The target that applies: the quarter's own, else the annual target (quarter None: the year)."""
        if quarter is None:
            return self.annual(indicator)
        own = self.own(indicator, quarter)
        return own if own is not None else self.annual(indicator)


# Built once, columns only: read with every /iku, where loading whole rows cost more than the query.
_OF_YEAR: Any = select(col(Target.indicator), col(Target.quarter), col(Target.percent)).where(
    col(Target.year) == bindparam("year")
)


async def of_year(source: Source, year: int) -> YearTargets:
    found = await rows(source, _OF_YEAR, {"year": year})
    return YearTargets(year, {(indicator, quarter): Decimal(percent) for indicator, quarter, percent in found})


# --- assessment: realisation against target ------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    """One indicator's realisation over a period ("s.d. TW n" for a quarter) against its target."""

    realisation: Figure
    period: Period  # the realisation's period: from 1 January
    target: Decimal | None
    bands: Bands = DEFAULT_BANDS
    from_annual: bool = False  # a quarter without a target of its own: the annual target applies

    @property
    def indicator(self) -> Indicator:
        return self.realisation.indicator

    @property
    def capaian(self) -> Decimal | None:
        if self.target is None:
            return None
        return capaian(self.realisation, self.target)

    @property
    def predikat(self) -> str | None:
        value = self.capaian
        return None if value is None else predikat(value, self.bands)

    @property
    def missing(self) -> str | None:
        """Why there is no capaian: no target (said first: it is the division's to fix), or no data."""
        if self.target is None:
            return NO_TARGET
        if self.realisation.denominator == 0:
            return NO_DATA
        return None

    @property
    def below_target(self) -> bool:
        value = self.capaian
        return value is not None and value < HUNDRED


def judge(figures: Sequence[Figure], period: Period, targets: YearTargets, bands: Bands) -> list[Assessment]:
    """Assessments of figures already counted over `period` (which starts on 1 January)."""
    assert period.start == date(period.year, 1, 1), "realisation is counted from 1 January"
    quarter = period.quarter
    return [
        Assessment(
            f,
            period,
            targets.of_quarter(f.indicator, quarter),
            bands,
            from_annual=quarter is not None
            and targets.own(f.indicator, quarter) is None
            and targets.annual(f.indicator) is not None,
        )
        for f in figures
    ]


async def assess(
    session: Source, period: Period, today: date, bands: Bands, counted: Sequence[Figure] | None = None
) -> list[Assessment]:
    """Realisation from 1 January to the period's end (to today while it runs) against the period's
    target: a quarter's own, else the annual one. `counted`: the figures of `period` the caller has
    already, reused when the period starts on 1 January anyway (a year)."""
    realised = period.to_date()
    if counted is None or realised.start != period.start or realised.end != period.end:
        counted = await indicators.compute(session, realised, today)
    return judge(counted, realised, await of_year(session, period.year), bands)


@dataclass(frozen=True)
class YearReport:
    """One indicator's year as the LKjIP and e-SAKIP table it: the realisation s.d. each quarter begun by
    today against that quarter's target, and the year against the annual target."""

    indicator: Indicator
    quarters: dict[int, Assessment]  # only quarters that have begun
    year: Assessment


async def year_report(session: AsyncSession, year: int, today: date, bands: Bands) -> list[YearReport]:
    """The same assessments /iku shows for each quarter and for the year, for reports of the whole year."""
    per_quarter = {
        quarter: await assess(session, Period(year, quarter), today, bands)
        for quarter in QUARTERS
        if Period(year, quarter).start <= today
    }
    whole = await assess(session, Period(year), today, bands)
    return [
        YearReport(judged.indicator, {q: rows[i] for q, rows in per_quarter.items()}, judged)
        for i, judged in enumerate(whole)
    ]


# --- /target ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Show:
    year: int


@dataclass(frozen=True)
class Change:
    indicator: Indicator
    quarter: int  # ANNUAL or 1-4
    percent: Decimal | None  # None: remove the target (`hapus`); a quarter then takes the annual one
    year: int

    @property
    def label(self) -> str:
        when = "tahunan" if self.quarter == ANNUAL else f"Triwulan {self.quarter}"
        return f"Target {self.indicator.code} {when} {self.year}"


_PERCENT = re.compile(r"[0-9]{1,3}(?:[.,][0-9]{1,2})?")


def parse_percent(raw: str, example: str = EXAMPLE_SET) -> Decimal:
    """`80`, `80%`, `80,5` or `80.5`: more than 0, at most 100, at most two decimals."""
    text = raw.strip().removesuffix("%").strip()
    if not _PERCENT.fullmatch(text):
        raise InputError(f"«{raw}» bukan persentase; tulis seperti 80, 80% atau 80,5.", example)
    value = Decimal(text.replace(",", "."))
    if not 0 < value <= HUNDRED:
        raise InputError(f"Target harus lebih dari 0 dan paling tinggi 100 (Anda menulis «{raw}»).", example)
    return value.quantize(CENT)


def parse_indicator(raw: str, example: str = EXAMPLE_SET) -> Indicator:
    """`iku1`, `IKU-1` or `iku 1` written together: one of the three indicators."""
    key = validation.keyword(raw).replace("-", "").replace("_", "")
    indicator = BY_KEY.get(key)
    if indicator is None:
        raise InputError(f"Indikator «{raw}» tidak dikenal; pilih iku1, iku2, atau iku3.", example)
    return indicator


def parse_year(raw: str, today: date, example: str) -> int:
    year = validation.number(raw.strip())
    if year is None or len(raw.strip()) != 4:
        raise InputError(f"«{raw}» bukan tahun (misalnya {today.year}).", example)
    # Next year's Perjanjian Kinerja may be signed before the year begins.
    if not 2000 <= year <= today.year + 1:
        raise InputError(f"Tahun {year} di luar jangkauan (2000 sampai {today.year + 1}).", example)
    return year


def parse_command(args: list[str], today: date) -> Show | Change:
    """`/target [tahun]` shows; `/target <iku> <persen> [tahun]` and `/target <iku> tw<n> <persen> [tahun]`
    set a target; `hapus` in place of the percentage removes it."""
    if not args:
        return Show(today.year)
    if len(args) == 1 and validation.number(args[0].strip()) is not None:
        return Show(parse_year(args[0], today, EXAMPLE_SHOW))
    indicator = parse_indicator(args[0])
    rest = list(args[1:])
    quarter = ANNUAL
    if rest and validation.keyword(rest[0]).startswith("tw"):
        token = validation.keyword(rest.pop(0))
        if token not in ("tw1", "tw2", "tw3", "tw4"):
            raise InputError(f"Triwulan «{token}» tidak dikenal; pilih tw1, tw2, tw3, atau tw4.", EXAMPLE_QUARTER)
        quarter = int(token[2])
    example = EXAMPLE_SET if quarter == ANNUAL else EXAMPLE_QUARTER
    if not rest:
        raise InputError(f"Sebutkan target {indicator.code} dalam persen.", example)
    if len(rest) > 2:
        raise InputError("Terlalu banyak isian; tulis indikator, [triwulan,] persen, dan [tahun].", example)
    percent = None if validation.keyword(rest[0]) == REMOVE else parse_percent(rest[0], example)
    year = parse_year(rest[1], today, example) if len(rest) == 2 else today.year
    return Change(indicator, quarter, percent, year)


async def set_target(
    session: AsyncSession, change: Change, *, member: Member, now: datetime, update_id: int | None = None
) -> tuple[Target, Decimal | None]:
    """Store or remove the target (the caller checked the member may set it); returns the row and the
    earlier percent of that year, indicator and quarter, if any. Audited as `target.set` or
    `target.remove`, undoable."""
    row = (
        await session.exec(
            select(Target).where(
                Target.year == change.year,
                Target.indicator == change.indicator.key,
                Target.quarter == change.quarter,
            )
        )
    ).first()
    earlier = None if row is None else Decimal(row.percent)
    example = EXAMPLE_SET if change.quarter == ANNUAL else EXAMPLE_QUARTER
    if change.percent is None:
        if row is None:
            raise InputError(f"{change.label} belum ditetapkan; tidak ada yang dihapus.", example)
        await audit.record_removal(session, row, "target.remove", at=now, actor_id=member.user_id, update_id=update_id)
        return row, earlier
    if earlier == change.percent:
        raise InputError(f"{change.label} sudah {_plain(change.percent)}%; tidak ada yang diubah.", example)
    before = audit.snapshot(row)
    if row is None:
        row = Target(
            year=change.year,
            indicator=change.indicator.key,
            quarter=change.quarter,
            percent=change.percent,
            created_by=member.user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
    else:
        row.percent, row.updated_at = change.percent, now
    await session.flush()
    await audit.record_change(
        session, row, "target.set", at=now, actor_id=member.user_id, before=before, update_id=update_id
    )
    return row, earlier


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")


def subsection_of(entry: AuditEntry) -> Subsection | None:
    """The subsection responsible for the target an audit entry is about (for undo's permission)."""
    snapshot = entry.after or entry.before or {}
    indicator = BY_KEY.get(str(snapshot.get("indicator", "")))
    return None if indicator is None else indicator.subsection


async def history(session: AsyncSession, year: int, limit: int = 50) -> tuple[list[AuditEntry], int]:
    """The audit entries of a year's targets, newest first. Targets change a few times a year, so the
    entries are read whole and the year picked from their snapshots (a target created then undone has
    no row left to join)."""
    entries = (
        await session.exec(
            select(AuditEntry)
            .where(AuditEntry.entity == "target")
            .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        )
    ).all()
    of_year = [e for e in entries if (e.after or e.before or {}).get("year") == year]
    return of_year[:limit], len(of_year)
