"""What the dashboard shows, gathered from the queries the commands use: no counting of its own.

The figures are `targets.year_report`'s, the assessments behind /iku and /ekspor, so the three cannot
disagree. The lists are those of /daftar, the reminders and /sidang: enacted Perda and Perwali not yet
published (oldest first), open cases with their next hearing, and the hearings of the next 14 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from models import cases, hearings, reminders, targets
from models.tables import Case, Hearing, Product

YEARS_SHOWN = 3  # the chart: the chosen year and the two before it
HEARING_DAYS = 14
LIST_LIMIT = 60


@dataclass(frozen=True)
class Overview:
    year: int
    today: date
    # Oldest year first; the last one is `year`. Each: one YearReport per indicator, in INDICATORS order.
    years: dict[int, list[targets.YearReport]]
    year_targets: targets.YearTargets  # of `year`: the chart's target line, quarters not begun included

    @property
    def chosen(self) -> list[targets.YearReport]:
        return self.years[self.year]


async def overview(session: AsyncSession, year: int, today: date, bands: targets.Bands) -> Overview:
    """The chosen year and the two before it, each as /iku and /ekspor assess it."""
    years = {y: await targets.year_report(session, y, today, bands) for y in range(year - YEARS_SHOWN + 1, year + 1)}
    return Overview(year, today, years, await targets.of_year(session, year))


@dataclass(frozen=True)
class Waiting:
    product: Product
    days: int  # since its enactment


@dataclass(frozen=True)
class OpenCase:
    case: Case
    next_hearing: Hearing | None


@dataclass(frozen=True)
class Attention:
    today: date
    unpublished: list[Waiting]
    unpublished_total: int
    open_cases: list[OpenCase]
    open_cases_total: int
    hearings: list[tuple[Hearing, Case]]
    hearings_total: int


async def attention(session: AsyncSession, today: date) -> Attention:
    """The three lists of what needs the heads of section now."""
    waiting = await reminders.waiting_products(session, enacted_before=today)
    unpublished = [Waiting(p, (today - p.enacted_on).days) for p in waiting[:LIST_LIMIT] if p.enacted_on is not None]
    open_rows, open_total = await cases.open_cases(session, limit=LIST_LIMIT)
    following = await hearings.next_of_cases(session, [c.id for c in open_rows if c.id is not None], today)
    soon, soon_total = await hearings.upcoming(session, today, days=HEARING_DAYS, limit=LIST_LIMIT)
    return Attention(
        today,
        unpublished,
        len(waiting),
        [OpenCase(c, following.get(c.id) if c.id is not None else None) for c in open_rows],
        open_total,
        soon,
        soon_total,
    )
