"""The database tables. Dates of legal events are calendar dates in the configured time zone;
moments (audit, deliveries) are stored in UTC."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Text,
    UniqueConstraint,
    event,
    true,
)
from sqlmodel import Field, SQLModel


class Kind(StrEnum):
    perda = "perda"
    perwali = "perwali"
    kepwali = "kepwali"


class Role(StrEnum):
    admin = "admin"
    kasubbag = "kasubbag"
    staf = "staf"
    pimpinan = "pimpinan"


class Subsection(StrEnum):
    perundangan = "perundangan"
    dokinfo = "dokinfo"
    bankum = "bankum"


# Ids are never handed out twice, even after the newest row was deleted (an undone proposal): a reused id
# would make `/riwayat produk N` mix two records and an open dialogue act on the wrong one. PostgreSQL's
# sequences already behave so; SQLite needs AUTOINCREMENT (migration 0003).
NEVER_REUSED: dict[str, Any] = {"sqlite_autoincrement": True}


def _utc() -> Any:
    return Field(sa_type=DateTime(timezone=True))


class Member(SQLModel, table=True):
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    name: str = Field(default="", max_length=100)
    role: str = Field(max_length=16)
    subsection: str | None = Field(default=None, max_length=16)
    # Private reminders (hearings, unpublished products): on unless the member said `/pengingat mati`.
    reminders: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    # When a private message to the member was refused (403: never opened a chat with the bot, or blocked
    # it). Noted once; reminders skip the member until they write to the bot again.
    unreachable_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class Product(SQLModel, table=True):
    """A legal product (Perda, Perwali, Kepwali) from proposal to publication."""

    __table_args__ = (
        UniqueConstraint("kind", "number_year", "number", name="uq_product_number"),
        # Covering the indicator queries (migration 0004): the counted column rides in the index.
        Index("ix_product_kind_proposed_enacted", "kind", "proposed_on", "enacted_on"),
        Index("ix_product_kind_enacted_published", "kind", "enacted_on", "published_on"),
        # The promulgation number is unique per series (Lembaran Daerah for a Perda, Berita Daerah for a
        # Perwali: the series follows from the kind) and year (migration 0005).
        Index("uq_product_promulgation", "kind", "promulgation_year", "promulgation_number", unique=True),
        # The duplicate-title check looks only at titles with the same numbers (migration 0008).
        Index("ix_product_title_numbers", "title_numbers", "proposed_on"),
        NEVER_REUSED,
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    title: str = Field(sa_type=Text)
    # The numbers in the title, in order ("5 2021" for "... Nomor 5 Tahun 2021"): derived from the title
    # on every write (`title_numbers` below), never set by hand.
    title_numbers: str | None = Field(default=None, sa_type=Text)
    proposed_on: date
    enacted_on: date | None = None
    number: int | None = None
    # Enactment year, kept beside the date so "number unique per kind and year" is a plain unique key.
    number_year: int | None = None
    published_on: date | None = Field(default=None, index=True)
    link: str | None = Field(default=None, sa_type=Text)
    # Promulgation (pengundangan) of a Perda in the Lembaran Daerah or a Perwali in the Berita Daerah.
    promulgated_on: date | None = None
    promulgation_number: int | None = None
    # Year of promulgated_on, kept beside it so "number unique per series and year" is a plain unique key.
    promulgation_year: int | None = None
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


def title_numbers(title: str | None) -> str:
    """The numbers in a title, in order, space-separated: titles whose numbers differ are different
    products ("... Nomor 5" and "... Nomor 6"), so the duplicate-title check compares only titles with
    the same numbers (models/products.py `similar_title`)."""
    return " ".join(re.findall(r"[0-9]+", title or ""))


@event.listens_for(Product, "before_insert")
@event.listens_for(Product, "before_update")
def _derive_title_numbers(_mapper: Any, _connection: Any, product: Product) -> None:
    product.title_numbers = title_numbers(product.title)


class LinkKind(StrEnum):
    amends = "amends"  # the subject's status becomes "diubah"
    revokes = "revokes"  # the subject's status becomes "dicabut"


class ProductLink(SQLModel, table=True):
    """One legal product amending or revoking another (the JDIH legal status). A product is `berlaku`
    from its enactment until a link makes it `diubah` or `dicabut`."""

    __tablename__ = "product_link"
    __table_args__ = (UniqueConstraint("product_id", "by_id", name="uq_product_link"), NEVER_REUSED)

    id: int | None = Field(default=None, primary_key=True)
    # The product amended or revoked.
    product_id: int = Field(sa_column=Column(Integer, ForeignKey("product.id"), nullable=False, index=True))
    # The amending or revoking product (enacted).
    by_id: int = Field(sa_column=Column(Integer, ForeignKey("product.id"), nullable=False, index=True))
    relation: str = Field(max_length=16)  # LinkKind
    effective_on: date  # the enactment date of `by_id`
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = _utc()


class Level(StrEnum):
    """Court levels of a case, in order."""

    pertama = "pertama"  # first instance (PN, PTUN)
    banding = "banding"
    kasasi = "kasasi"
    pk = "pk"  # peninjauan kembali


class Case(SQLModel, table=True):
    """A legal case (perkara) of the city government, from handling to resolution."""

    __tablename__ = "legal_case"
    __table_args__ = (Index("ix_legal_case_started_resolved", "started_on", "resolved_on"), NEVER_REUSED)

    id: int | None = Field(default=None, primary_key=True)
    register_number: str = Field(max_length=100)
    # Case- and space-insensitive form of the register number, unique.
    register_key: str = Field(max_length=100, unique=True)
    description: str = Field(default="", sa_type=Text)
    started_on: date  # indexed with resolved_on (ix_legal_case_started_resolved)
    resolved_on: date | None = Field(default=None, index=True)
    outcome: str | None = Field(default=None, sa_type=Text)
    # Optional details (migration 0005).
    court: str | None = Field(default=None, sa_type=Text)  # pengadilan
    position: str | None = Field(default=None, max_length=32)  # the city's position: tergugat, penggugat, …
    case_type: str | None = Field(default=None, max_length=32)  # perdata, tun, pidana, … (from the register)
    # The level the case is at now (Level); higher levels and their registers are in case_stage.
    level: str = Field(default=Level.pertama, max_length=16, sa_column_kwargs={"server_default": "pertama"})
    result: str | None = Field(default=None, max_length=16)  # for the city: menang, kalah, damai, dicabut, lainnya
    final_on: date | None = None  # tanggal inkracht (berkekuatan hukum tetap)
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class CaseStage(SQLModel, table=True):
    """A case moving to a higher level (banding, kasasi, PK), with that level's register number. Register
    numbers are unique across every level of every case: checked against legal_case.register_key too."""

    __tablename__ = "case_stage"
    __table_args__ = (NEVER_REUSED,)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(sa_column=Column(Integer, ForeignKey("legal_case.id"), nullable=False, index=True))
    level: str = Field(max_length=16)  # Level, above pertama
    register_number: str | None = Field(default=None, max_length=100)
    register_key: str | None = Field(default=None, max_length=100, unique=True, index=True)
    started_on: date
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = _utc()


class Hearing(SQLModel, table=True):
    """A court hearing (sidang) of a case, at a local date and optional time in the configured zone."""

    __tablename__ = "hearing"
    __table_args__ = (Index("ix_hearing_day", "day", "time_of_day"), NEVER_REUSED)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(sa_column=Column(Integer, ForeignKey("legal_case.id"), nullable=False, index=True))
    day: date
    time_of_day: str | None = Field(default=None, max_length=5)  # "HH:MM", local; None: time not known yet
    agenda: str = Field(default="", sa_type=Text)
    # Set when cancelled (`/sidang batal`, or the case was resolved); cancelled hearings are kept.
    cancelled_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    cancel_reason: str | None = Field(default=None, max_length=16)  # "batal" | "selesai"
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class Holiday(SQLModel, table=True):
    """A day off added by an admin (cuti bersama, a local holiday). National public holidays come from the
    `holidays` package and are not stored."""

    day: date = Field(primary_key=True)
    name: str = Field(max_length=200)
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = _utc()


class ReminderDelivery(SQLModel, table=True):
    """One row per reminder (what, for whom, which day): claimed before sending, like digest slots, so a
    reminder is sent once whatever restarts or second processes do."""

    __tablename__ = "reminder_delivery"
    __table_args__ = (UniqueConstraint("kind", "subject_id", "user_id", "day", name="uq_reminder"), NEVER_REUSED)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # hearing_eve | hearing_day | unpublished
    subject_id: int  # the hearing or the product
    user_id: int = Field(sa_type=BigInteger, index=True)
    day: date  # the local day it is sent for
    status: str = Field(max_length=16)  # claimed | sent | retry | failed | unreachable
    claimed_by: str = Field(default="", max_length=64)
    claimed_at: datetime = _utc()
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    error: str | None = Field(default=None, sa_type=Text)


class Target(SQLModel, table=True):
    """A target of one indicator for a year (quarter 0) or one quarter of it (1-4), in percent, as the
    division's Perjanjian Kinerja states it. A quarter without its own row takes the annual target
    (models/targets.py)."""

    __table_args__ = (UniqueConstraint("year", "indicator", "quarter", name="uq_target"), NEVER_REUSED)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    indicator: str = Field(max_length=8)  # iku1 | iku2 | iku3
    quarter: int  # 0: the year; 1-4: that quarter (triwulan)
    percent: Decimal = Field(sa_column=Column(Numeric(5, 2), nullable=False))
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class AuditEntry(SQLModel, table=True):
    """Every change: who, when, what, before and after (full row snapshots, so undo is exact)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_entity", "entity", "entity_id"),
        Index("ix_audit_actor_at", "actor_id", "at"),
        NEVER_REUSED,
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc()
    actor_id: int = Field(sa_type=BigInteger)
    action: str = Field(max_length=32)
    entity: str = Field(max_length=16)
    entity_id: str = Field(max_length=32)
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))
    update_id: int | None = Field(default=None, sa_type=BigInteger)
    undone_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class ProcessedUpdate(SQLModel, table=True):
    """Telegram update ids whose write was applied, with the reply, so a redelivery is applied once."""

    __tablename__ = "processed_update"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    reply: str = Field(default="", sa_type=Text)
    replied: bool = False
    at: datetime = Field(sa_type=DateTime(timezone=True), index=True)


class Subscription(SQLModel, table=True):
    """A group's weekly digest schedule (weekday 0=Monday, local time in the configured zone)."""

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    title: str = Field(default="", max_length=255)
    weekday: int
    hour: int
    minute: int
    active: bool = True
    created_by: int = Field(sa_type=BigInteger)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class DigestDelivery(SQLModel, table=True):
    """One row per group and scheduled slot: claimed before sending, so a slot is sent once."""

    __tablename__ = "digest_delivery"
    __table_args__ = (UniqueConstraint("chat_id", "slot", name="uq_delivery_slot"), NEVER_REUSED)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger, index=True)
    slot: datetime = _utc()
    status: str = Field(max_length=16)  # claimed | sent | retry | failed | skipped (models/digests.py)
    claimed_by: str = Field(default="", max_length=64)
    claimed_at: datetime = _utc()
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    error: str | None = Field(default=None, sa_type=Text)
    figures: dict | None = Field(default=None, sa_column=Column(JSON))


class PersistenceEntry(SQLModel, table=True):
    """python-telegram-bot persistence (dialogues in progress), stored as JSON rows, never pickled."""

    __tablename__ = "persistence_entry"

    kind: str = Field(primary_key=True, max_length=32)
    key: str = Field(primary_key=True, max_length=255)
    value: dict | list | None = Field(default=None, sa_column=Column(JSON))


class WebToken(SQLModel, table=True):
    """The dashboard's one-time links and browser sessions (models/web_access.py). Only a hash of each token
    is kept, so a copy of the database opens nobody's dashboard; rows are checked on every request, so they
    hold across restarts and processes."""

    __tablename__ = "web_token"

    token_hash: str = Field(primary_key=True, max_length=64)  # SHA-256 of the token, hex
    kind: str = Field(max_length=8)  # link | session
    user_id: int = Field(sa_type=BigInteger, index=True)
    created_at: datetime = _utc()
    expires_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)
    used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))  # a link, once redeemed
