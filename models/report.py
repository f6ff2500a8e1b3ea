"""What the yearly report holds: the registers of legal products and cases, and the year's audit trail.

A register's columns come from the record specs (`models.registry`): the record's id, its extra labels
(the kind), every field under its spec label, then the columns a register adds that no single field
holds (the legal status, the next hearing). Export writes these columns and import reads them back by
the same headers, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import hearings, indicators, product_links, registry, targets
from models.jdih import Publisher
from models.products import KIND_SHORT
from models.records import FieldKind, RecordSpec
from models.tables import AuditEntry, Case, Member, Product

PRODUCTS_SHEET = "Produk Hukum"
CASES_SHEET = "Perkara"


@dataclass(frozen=True)
class ReportSettings:
    """What the report and the feed say about who publishes them (settings REPORT_INSTITUTION, JDIH_*)."""

    institution: str = "Bagian Hukum Sekretariat Daerah Kota Probolinggo"
    publisher: Publisher = field(default_factory=Publisher)


class CellKind(StrEnum):
    text = "text"
    number = "number"
    date = "date"
    moment = "moment"  # a local date and time
    percent = "percent"  # a fraction: 0.8 is 80%


def header(label: str) -> str:
    """A spec label as a column header: "Tanggal usulan" -> "Tanggal Usulan"."""
    return " ".join(word[:1].upper() + word[1:] for word in label.split())


# The values a register adds beside the record's own fields, loaded for all rows at once:
# (session, rows, today) -> {record id: value}.
Extra = Callable[[AsyncSession, Sequence[Any], date], Awaitable[dict[int, Any]]]


@dataclass(frozen=True)
class RegisterColumn:
    header: str
    kind: CellKind
    field: str | None = None  # the record's column, for columns import can write
    extra: Extra | None = None  # or a derived value, read only


@dataclass(frozen=True)
class Register:
    """One register sheet: a record type and its columns."""

    sheet: str
    spec: RecordSpec
    columns: tuple[RegisterColumn, ...]

    def values(self, record: Any, extras: dict[str, dict[int, Any]]) -> list[Any]:
        out: list[Any] = []
        for column in self.columns:
            if column.extra is not None:
                out.append(extras[column.header].get(record.id))
            elif column.field == "kind":
                out.append(KIND_SHORT.get(record.kind, record.kind))
            else:
                out.append(getattr(record, column.field or ""))
        return out


_FIELD_CELL = {FieldKind.text: CellKind.text, FieldKind.date: CellKind.date, FieldKind.number: CellKind.number}


def _columns(spec: RecordSpec, extras: Sequence[tuple[str, CellKind, Extra]]) -> tuple[RegisterColumn, ...]:
    columns = [RegisterColumn("ID", CellKind.number, "id")]
    columns += [RegisterColumn(header(label), CellKind.text, name) for name, label in spec.extra_labels.items()]
    columns += [RegisterColumn(header(f.label), _FIELD_CELL[f.kind], f.name) for f in spec.fields]
    columns += [RegisterColumn(name, kind, extra=extra) for name, kind, extra in extras]
    return tuple(columns)


async def _next_hearings(session: AsyncSession, cases: Sequence[Any], today: date) -> dict[int, Any]:
    """The next hearing (not cancelled, today or later) of each case, as "YYYY-MM-DD HH:MM" text."""
    found = await hearings.next_of_cases(session, [c.id for c in cases], today)
    return {
        case_id: f"{hearing.day.isoformat()} {hearing.time_of_day or ''}".strip() for case_id, hearing in found.items()
    }


async def _statuses(session: AsyncSession, products: Sequence[Any], today: date) -> dict[int, Any]:
    """The legal status of each product in words: Berlaku, Diubah, Dicabut (Belum ditetapkan)."""
    statuses = await product_links.legal_statuses(session, products)
    return {pid: status.status.value.capitalize() for pid, status in statuses.items()}


def product_register() -> Register:
    extras: tuple[tuple[str, CellKind, Extra], ...] = (("Status", CellKind.text, _statuses),)
    return Register(PRODUCTS_SHEET, registry.of("product"), _columns(registry.of("product"), extras))


def case_register() -> Register:
    extras: tuple[tuple[str, CellKind, Extra], ...] = (("Sidang Berikutnya", CellKind.text, _next_hearings),)
    return Register(CASES_SHEET, registry.of("case"), _columns(registry.of("case"), extras))


def registers() -> tuple[Register, ...]:
    return (product_register(), case_register())


def _in_year(column: Any, year: int) -> Any:
    return and_(column >= date(year, 1, 1), column <= date(year, 12, 31))


async def products_of_year(session: AsyncSession, year: int) -> list[Product]:
    """Every product with an event in the year: proposed, enacted, promulgated or published in it."""
    events = (Product.proposed_on, Product.enacted_on, Product.promulgated_on, Product.published_on)
    query = select(Product).where(or_(*(_in_year(col(c), year) for c in events))).order_by(col(Product.id))
    return list((await session.exec(query)).all())


async def cases_of_year(session: AsyncSession, year: int) -> list[Case]:
    """Every case handled in the year, as IKU-3 counts them: started by its end, not resolved before it."""
    handled = indicators.handled_between(date(year, 1, 1), date(year, 12, 31))
    query = select(Case).where(handled).order_by(col(Case.id))
    return list((await session.exec(query)).all())


@dataclass(frozen=True)
class Sheet:
    """A register's rows, ready to be laid out: headers, kinds, values."""

    title: str
    headers: list[str]
    kinds: list[CellKind]
    rows: list[list[Any]]


async def register_sheet(session: AsyncSession, register: Register, records: Sequence[Any], today: date) -> Sheet:
    extras = {c.header: await c.extra(session, records, today) for c in register.columns if c.extra is not None}
    return Sheet(
        register.sheet,
        [c.header for c in register.columns],
        [c.kind for c in register.columns],
        [register.values(record, extras) for record in records],
    )


async def history_of_year(session: AsyncSession, start: datetime, end: datetime) -> list[tuple[AuditEntry, str]]:
    """The audit entries between two moments (the year's bounds in the local time zone), oldest first,
    with the actor's name; undone entries included, since the report is what happened."""
    query = (
        select(AuditEntry, func.coalesce(Member.name, ""))
        .join(Member, col(Member.user_id) == col(AuditEntry.actor_id), isouter=True)
        .where(col(AuditEntry.at) >= start, col(AuditEntry.at) < end)
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    )
    return [(entry, name or str(entry.actor_id)) for entry, name in (await session.exec(query)).all()]


@dataclass(frozen=True)
class YearReport:
    """Everything the yearly workbook shows, read in one session."""

    year: int
    as_of: date  # "data s.d.": the year's end, or today while it runs
    indicators: list[targets.YearReport]  # the same assessments /iku shows, per quarter begun and the year
    registers: list[Sheet]
    history: list[tuple[AuditEntry, str]]


async def collect(session: AsyncSession, year: int, today: date, tz: ZoneInfo, bands: targets.Bands) -> YearReport:
    products = await products_of_year(session, year)
    cases = await cases_of_year(session, year)
    sheets = [
        await register_sheet(session, product_register(), products, today),
        await register_sheet(session, case_register(), cases, today),
    ]
    # Moments are stored in UTC and SQLite compares them as text: the local year's bounds go in as UTC.
    start = datetime(year, 1, 1, tzinfo=tz).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=tz).astimezone(UTC)
    history = await history_of_year(session, start, end)
    assessed = await targets.year_report(session, year, today, bands)
    return YearReport(year, min(today, date(year, 12, 31)), assessed, sheets, history)
