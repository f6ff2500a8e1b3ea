"""The record types the bot keeps, by name: the one place that lists them. Code that works on "a
record" (corrections, undo, history, the digest's activity) looks its type up here instead of branching
on it."""

from __future__ import annotations

from models import cases, products, validation
from models.errors import InputError
from models.records import RecordSpec

RECORDS: dict[str, RecordSpec] = {spec.entity: spec for spec in (products.SPEC, cases.SPEC)}


def of(entity: str) -> RecordSpec:
    return RECORDS[entity]


def of_record(record: object) -> RecordSpec:
    return next(spec for spec in RECORDS.values() if isinstance(record, spec.table))


def by_keyword(value: str, example: str) -> RecordSpec:
    """`produk` or `perkara` as users type it."""
    word = validation.keyword(value)
    spec = next((s for s in RECORDS.values() if s.keyword == word), None)
    if spec is None:
        names = " atau ".join(s.keyword for s in RECORDS.values())
        raise InputError(f"Jenis catatan «{value}» tidak dikenal; pilih {names}.", example)
    return spec


def field_labels() -> dict[str, str]:
    """Column -> label over every record type, for history lines."""
    labels: dict[str, str] = {}
    for spec in RECORDS.values():
        labels |= {f.name: f.label for f in spec.fields} | spec.extra_labels
    return labels


def bookkeeping() -> set[str]:
    return {name for spec in RECORDS.values() for name in spec.bookkeeping}
