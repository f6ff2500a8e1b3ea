"""Importing the registers the division already keeps in spreadsheets (/impor).

The file's columns are the export's register columns (`models.report`), matched by header. Each row is
checked by its record spec, exactly as the commands check what users type: the spec's cleaners for text
and numbers, its date order rule for dates, its uniqueness check. Nothing is written unless every row is
valid; then all new rows are written in one transaction, each audited as `<entity>.import` by the admin.

A row is already present, and skipped, when it matches a record (or an earlier row of the file):
  EN: cases by normalised register number; enacted products by kind, number and year; other products by
      kind, normalised title and proposal date.
  ID: perkara menurut nomor register (dinormalkan); produk yang sudah ditetapkan menurut jenis, nomor, dan
      tahun; produk lain menurut jenis, judul (dinormalkan), dan tanggal usulan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import audit, products
from models.dates import parse_date
from models.errors import InputError
from models.jdih import KIND_NAME
from models.records import FieldKind, RecordSpec, TextRule
from models.report import Register, registers
from models.spreadsheets import Table
from models.tables import Case, Product

MAX_ERRORS_SHOWN = 20
EXAMPLE = "/impor"
EXAMPLE_MARK = "CONTOH"  # in the ID column of the template's example rows, which are not imported
# The headers a sheet must have to be read as that register (the others are optional).
REQUIRED_HEADERS = {"product": ("Jenis", "Judul", "Tanggal Usulan"), "case": ("Nomor Register", "Tanggal Mulai")}


def _key(header: Any) -> str:
    return " ".join(str(header or "").casefold().split())


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int  # as the spreadsheet numbers it: the header is row 1
    message: str

    def text(self) -> str:
        return f"Baris {self.row} ({self.sheet}): {self.message}"


@dataclass
class Planned:
    register: Register
    row: int
    record: Any  # a transient row of the register's table, not yet in the session


@dataclass
class Plan:
    new: list[Planned] = field(default_factory=list)
    skipped: list[tuple[str, int]] = field(default_factory=list)  # (sheet, row)
    errors: list[RowError] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)  # the sheets read, in file order

    def count(self, entity: str) -> int:
        return sum(1 for p in self.new if p.register.spec.entity == entity)


def expected_headers() -> str:
    return "; ".join(f"{r.sheet}: {', '.join(REQUIRED_HEADERS[r.spec.entity])}" for r in registers())


def match(tables: list[Table]) -> list[tuple[Table, Register]]:
    """Which register each table holds, recognised by its header row (sheet names may differ). A file
    with no table of either register is refused with the headers expected."""
    found: list[tuple[Table, Register]] = []
    for table in tables:
        if not table.rows:
            continue
        headers = {_key(h) for h in table.rows[0]}
        for register in registers():
            if all(_key(h) in headers for h in REQUIRED_HEADERS[register.spec.entity]):
                found.append((table, register))
                break
    if not found:
        raise InputError(
            f"Kolom yang diharapkan tidak ditemukan. Baris pertama harus berisi judul kolom — {expected_headers()} "
            "(lihat templat dari /impor).",
            EXAMPLE,
        )
    return found


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def kind_of(value: str) -> str:
    """`Perda`, `perwali`, or a full name (`Peraturan Daerah`, `Peraturan Wali Kota Probolinggo`), any case."""
    if not value.strip():
        raise InputError("Jenis wajib diisi (Perda, Perwali, atau Kepwali).", EXAMPLE)
    wanted = _key(value).replace("walikota", "wali kota")
    for kind, full in products.KIND_FULL.items():
        names = (full, full.removesuffix(" Probolinggo"), KIND_NAME[kind])
        if wanted in {_key(name) for name in names}:
            return kind.value
    return products.parse_kind(value).value


def _build(register: Register, cells: dict[str, str], today: date) -> Any:
    """The row as a record of the register's table, checked field by field by the spec; InputError on the
    first problem."""
    spec: RecordSpec = register.spec
    record = spec.table()
    for name in spec.extra_labels:  # the kind of a product
        setattr(record, name, kind_of(cells.get(name, "")) if name == "kind" else cells.get(name) or None)
    for f in spec.dates:
        raw = cells.get(f.name, "")
        setattr(record, f.name, parse_date(raw, today) if raw else None)
    for f in spec.dates:
        day = getattr(record, f.name)
        if day is None:
            if f.stage is None:
                raise InputError(f"{f.label} wajib diisi.", EXAMPLE)
            continue
        if f.needs is not None and getattr(record, f.needs) is None:
            raise InputError(f"{f.label} diisi, tetapi {spec.field(f.needs).label.lower()} kosong.", EXAMPLE)
        spec.check_date(record, f.name, day, today, EXAMPLE)
    for f in spec.fields:
        if f.kind == FieldKind.date or not f.editable:  # not editable: kept by its own command (a case's level)
            continue
        raw = cells.get(f.name, "")
        if not f.exists_on(record):
            if raw:
                stage = spec.field(f.stage or "").label.lower()
                raise InputError(f"{f.label} diisi, tetapi {stage} kosong.", EXAMPLE)
            continue
        assert f.clean is not None, f.name
        if raw or isinstance(f.clean, TextRule):  # a text rule knows whether its text may be empty
            setattr(record, f.name, f.clean(raw, EXAMPLE, f.name))
        elif f.required:
            when = "" if f.stage is None else f" bila {spec.field(f.stage).label.lower()} diisi"
            raise InputError(f"{f.label} wajib diisi{when}.", EXAMPLE)
        else:
            setattr(record, f.name, None)
    spec.check_record(record)
    spec.fill_in(record)
    spec.derive(record)
    return record


def identity(record: Any) -> tuple[Any, ...]:
    """What makes two rows the same record (see the module's docstring)."""
    if isinstance(record, Case):
        return ("case", record.register_key)
    if record.number is not None:
        return ("product", record.kind, record.number, record.number_year)
    return ("product", record.kind, _key(record.title), record.proposed_on)


def unique_keys(record: Any) -> list[tuple[Any, ...]]:
    """The values of each unique key of the record's table (constraints and unique indexes), where all
    are set: two new rows of one file must not share one, which the database would refuse at Simpan."""
    table = type(record).__table__
    keys: list[tuple[str, ...]] = [
        tuple(c.name for c in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    keys += [tuple(c.name for c in index.columns) for index in table.indexes if index.unique]
    keys += [(c.name,) for c in table.columns if c.unique]
    out = []
    for names in keys:
        values = tuple(getattr(record, name) for name in names)
        if all(v is not None for v in values):
            out.append((table.name, names, values))
    return out


async def _existing(session: AsyncSession) -> set[tuple[Any, ...]]:
    keys = {identity(c) for c in (await session.exec(select(Case))).all()}
    return keys | {identity(p) for p in (await session.exec(select(Product))).all()}


async def plan(session: AsyncSession, tables: list[Table], today: date) -> Plan:
    """Every row checked, nothing written: what would be added, what is already there, what is wrong."""
    result = Plan()
    seen = await _existing(session)
    taken: dict[tuple[Any, ...], int] = {}  # unique keys of the file's new rows -> the row that has it
    for table, register in match(tables):
        sheet = table.name or register.sheet  # a CSV is named by its register
        result.sheets.append(sheet)
        columns = {_key(c.header): c for c in register.columns if c.field is not None and c.field != "id"}
        header = [_key(h) for h in table.rows[0]]
        fields = [columns.get(h) for h in header]
        id_column = header.index("id") if "id" in header else None
        for number, row in enumerate(table.rows[1:], start=2):
            if id_column is not None and id_column < len(row) and _text(row[id_column]).upper() == EXAMPLE_MARK:
                continue
            cells = {c.field or "": _text(v) for c, v in zip(fields, row, strict=False) if c is not None}
            if not any(cells.values()):
                continue
            try:
                record = _build(register, cells, today)
                key = identity(record)
                if key in seen:
                    result.skipped.append((sheet, number))
                    continue
                for f in register.spec.fields:
                    if getattr(record, f.name) is not None:
                        await register.spec.check_unique(session, record, f.name, getattr(record, f.name))
                for unique in unique_keys(record):
                    if unique in taken:
                        raise InputError(f"{_clash(register, unique[1])} sama dengan baris {taken[unique]}", EXAMPLE)
            except InputError as exc:
                result.errors.append(RowError(sheet, number, exc.message.rstrip(".")))
                continue
            seen.add(key)
            taken |= dict.fromkeys(unique_keys(record), number)
            result.new.append(Planned(register, number, record))
    return result


def _clash(register: Register, columns: tuple[str, ...]) -> str:
    """What two rows share, in the spec's words: "Nomor pengundangan"."""
    labels = [f.label.lower() for f in register.spec.fields if f.name in columns]
    return ", ".join(labels).capitalize() or "Datanya"


async def save(
    session: AsyncSession,
    tables: list[Table],
    *,
    actor_id: int,
    today: date,
    now: datetime,
    update_id: int | None = None,
) -> Plan:
    """Check the file again (records may have changed since the preview) and write every new row with
    its audit entry, in the caller's transaction. Raises InputError, writing nothing, if any row fails."""
    result = await plan(session, tables, today)
    if result.errors:
        raise InputError(
            "Data berubah sejak pratinjau; berkas tidak lagi valid:\n" + "\n".join(e.text() for e in result.errors[:5]),
            EXAMPLE,
        )
    for planned in result.new:
        record = planned.record
        record.created_by = actor_id
        record.created_at = record.updated_at = now
        session.add(record)
        try:
            await session.flush()
        except IntegrityError as exc:
            raise InputError(
                f"Baris {planned.row} ({planned.register.sheet}) bentrok dengan data yang sudah ada; tidak ada "
                "yang disimpan.",
                EXAMPLE,
            ) from exc
        entity = planned.register.spec.entity
        await audit.record_change(
            session, record, f"{entity}.import", at=now, actor_id=actor_id, before=None, update_id=update_id
        )
    return result
