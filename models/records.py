"""What a record type is, stated once: its fields (label, cleaning, limits, who may set them, at which
stage they exist), its dates in order, how it is looked up, and its label.

Creation, /ubah, the dialogues, undo, history and the digest read these specs instead of branching on
the record type, so a new field is one entry in its type's spec (plus its column and migration), and a
new record type is one spec added to `models.registry`. This module holds the shapes and the rules every
spec shares; the specs themselves live beside their records (`models.products`, `models.cases`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from sqlmodel import SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from models import validation
from models.permissions import Action
from models.tables import AuditEntry


class FieldKind(StrEnum):
    text = "text"
    date = "date"
    number = "number"


# A typed value -> the stored value, or InputError. Arguments: the raw text, the example to show, and
# the name the error points at (the dialogue step to ask again).
Cleaner = Callable[[str, str, str | None], Any]


@dataclass(frozen=True)
class TextRule:
    """Free text with its limit: the one place a text field's length and emptiness rules live."""

    limit: int
    what: str  # lower-case noun in messages: "judul"
    required: bool = False
    blank: str | None = ""  # what an empty optional value is stored as

    def __call__(self, raw: str | None, example: str, key: str | None) -> str | None:
        cleaned = validation.text(
            raw, limit=self.limit, what=self.what, example=example, required=self.required, field=key
        )
        return cleaned or self.blank


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the column
    label: str  # "Judul": buttons of /ubah, history, cards
    kind: FieldKind
    action: Action  # who may set it: the permission the logging command needs
    clean: Cleaner | None = None  # text and number fields; dates are checked by the spec's date order
    what: str = ""  # dates: the event in messages ("penetapan"); "Tanggal {what}"
    # The date field that marks the stage this field belongs to: it exists (may be edited) only once that
    # date is set. None: from creation on.
    stage: str | None = None
    event: str | None = None  # dates: the digest's name for the event ("enacted")
    # Dates: the earlier event that must have happened first (a publication needs the enactment). The
    # commands enforce it by the record they accept; import reads it here.
    needs: str | None = None
    editable: bool = True
    # Shown by the generic "Label: value" line of the record's card and list line. Fields the card lays out
    # itself (title, dates, number…) leave it False.
    shown: bool = False
    # Dates of the record this date is not ordered against (a case becomes final before or after it is
    # logged as resolved): the date rule skips those pairs both ways.
    apart_from: tuple[str, ...] = ()
    # Must have a value once its stage exists (an enactment has its number). The commands ask for it in
    # their own steps; a record built from a whole row at once (/impor) checks it here. Free text states
    # it in its TextRule instead.
    required: bool = False

    def exists_on(self, record: object) -> bool:
        return self.stage is None or getattr(record, self.stage) is not None


# Record lookup: (session, id, example) -> the record, or InputError "not found".
Lookup = Callable[[AsyncSession, int, str], Awaitable[Any]]
# Checks across records before a field changes (a number or register taken): (session, record, field, new).
UniqueCheck = Callable[[AsyncSession, Any, str, Any], Awaitable[None]]


async def _no_unique_check(session: AsyncSession, record: Any, name: str, value: Any) -> None:
    return None


def _no_derived(record: Any) -> None:
    return None


@dataclass(frozen=True)
class RecordSpec:
    entity: str  # audit and registry key: "product"
    keyword: str  # how users name it in commands: "produk"
    label: str  # "Produk hukum"
    table: type[SQLModel]
    fields: tuple[FieldSpec, ...]
    get: Lookup
    check_unique: UniqueCheck = _no_unique_check
    # Recomputes bookkeeping columns from the fields after a change (number_year from enacted_on).
    derive: Callable[[Any], None] = _no_derived
    # Whole-record rules beyond single fields and date order (a Kepwali has no promulgation), and values a
    # record's other fields imply when not given (a case's court from its register). The commands state
    # these in their own steps; a record built from a whole row at once (/impor) applies them here.
    check_record: Callable[[Any], None] = _no_derived
    fill_in: Callable[[Any], None] = _no_derived
    bookkeeping: tuple[str, ...] = ()  # derived columns history leaves out
    extra_labels: dict[str, str] = field(default_factory=dict)
    # Audit entries of other entities that belong to a record's history (a product's status links):
    # record id -> a condition on AuditEntry. They show in /riwayat and count as later changes for undo.
    related: Callable[[int], Any] | None = None

    def history_of(self, record_id: object) -> Any:
        """The condition on AuditEntry that selects the record's history."""
        own = (col(AuditEntry.entity) == self.entity) & (col(AuditEntry.entity_id) == str(record_id))
        if self.related is None:
            return own
        return own | self.related(int(str(record_id)))

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)

    @property
    def dates(self) -> tuple[FieldSpec, ...]:
        """The date fields in the order the events happen."""
        return tuple(f for f in self.fields if f.kind == FieldKind.date)

    def editable_fields(self, record: object) -> list[FieldSpec]:
        """Fields that can be changed on `record` at its stage (permissions are checked by the caller)."""
        return [f for f in self.fields if f.editable and f.exists_on(record)]

    def check_date(
        self, record: object | None, name: str, day: date, today: date, example: str, key: str = "date"
    ) -> date:
        """The rule for every date of a record, at creation, in dialogues and in /ubah: not in the future,
        not before any earlier event of the record, not after any later one that is set."""
        order = self.dates
        index = next(i for i, f in enumerate(order) if f.name == name)
        what = order[index].what
        validation.event_date(day, today, what, example, key)
        if record is None:
            return day
        apart = set(order[index].apart_from) | {f.name for f in order if name in f.apart_from}
        for earlier in reversed(order[:index]):  # the nearest earlier event is the one to name
            if earlier.name in apart:
                continue
            value = getattr(record, earlier.name)
            if value is not None:
                validation.not_before(day, value, what, earlier.what, example, key)
        for later in order[index + 1 :]:
            if later.name in apart:
                continue
            validation.not_after(day, getattr(record, later.name), what, later.what, example, key)
        return day

    def clean(self, name: str, raw: str, example: str, key: str | None) -> Any:
        spec = self.field(name)
        assert spec.clean is not None, f"{self.entity}.{name} has no cleaner"
        return spec.clean(raw, example, key)

    def shown_fields(self, record: object) -> list[tuple[str, Any]]:
        """(label, value) of the generically shown fields that are set."""
        return [(f.label, getattr(record, f.name)) for f in self.fields if f.shown and getattr(record, f.name)]
