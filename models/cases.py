"""Legal cases of the city government, from the start of handling to resolution."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import audit, paging, validation
from models.errors import InputError
from models.permissions import Action
from models.records import FieldKind, FieldSpec, RecordSpec, TextRule
from models.tables import Case

EXAMPLE_OPEN = "/perkara 12/Pdt.G/2026/PN Prb 2026-03-01 Gugatan wanprestasi pengadaan"
EXAMPLE_RESOLVE = "/selesai 3 2026-06-30 Menang"


def register_key(register_number: str) -> str:
    return validation.unique_key(register_number)


def clean_register(value: str) -> str:
    register = validation.identifier(value)
    if not register:
        raise InputError("Nomor register perkara belum diisi.", EXAMPLE_OPEN, "register")
    # The key is checked too: case folding can lengthen a string (`ß` becomes `ss`).
    if max(len(register), len(register_key(register))) > validation.MAX_REGISTER_CHARS:
        raise InputError(
            f"Nomor register perkara terlalu panjang ({len(register)} karakter; "
            f"maksimal {validation.MAX_REGISTER_CHARS}).",
            EXAMPLE_OPEN,
            "register",
        )
    if "/" not in register or not any("0" <= ch <= "9" for ch in register):
        raise InputError(
            f"Nomor register «{register}» tidak dikenali; bentuknya seperti 12/Pdt.G/2026/PN Prb.",
            EXAMPLE_OPEN,
            "register",
        )
    return register


def clean_description(description: str) -> str:
    return str(SPEC.clean("description", description, EXAMPLE_OPEN, "description"))


async def get(session: AsyncSession, case_id: int, example: str) -> Case:
    case = await session.get(Case, case_id)
    if case is None:
        raise InputError(f"Perkara #{case_id} tidak ditemukan. Lihat /daftar perkara untuk id yang ada.", example)
    return case


async def get_open(session: AsyncSession, case_id: int) -> Case:
    """A case that can still be resolved."""
    case = await get(session, case_id, EXAMPLE_RESOLVE)
    if case.resolved_on is not None:
        raise InputError(
            f"Perkara #{case.id} sudah selesai pada {validation.human_date(case.resolved_on)}.", "/daftar perkara"
        )
    return case


async def open_case(
    session: AsyncSession,
    *,
    actor_id: int,
    register_number: str,
    description: str,
    started_on: date,
    today: date,
    now: datetime,
    update_id: int | None = None,
) -> Case:
    register = clean_register(register_number)
    description = clean_description(description)
    SPEC.check_date(None, "started_on", started_on, today, EXAMPLE_OPEN)
    await ensure_register_free(session, register)
    case = Case(
        register_number=register,
        register_key=register_key(register),
        description=description,
        started_on=started_on,
        created_by=actor_id,
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise InputError(f"Nomor register {register} sudah tercatat.", EXAMPLE_OPEN, "register") from exc
    await audit.record_change(session, case, "case.open", at=now, actor_id=actor_id, before=None, update_id=update_id)
    return case


async def ensure_register_free(session: AsyncSession, register: str, exclude_id: int | None = None) -> None:
    query = select(Case).where(Case.register_key == register_key(register))
    if exclude_id is not None:
        query = query.where(Case.id != exclude_id)
    existing = (await session.exec(query)).first()
    if existing is not None:
        raise _register_taken(existing)


def _register_taken(existing: Case) -> InputError:
    return InputError(
        f"Nomor register {existing.register_number} sudah tercatat sebagai perkara #{existing.id}.",
        "/daftar perkara",
        "register",
    )


async def resolve(
    session: AsyncSession,
    *,
    actor_id: int,
    case_id: int,
    resolved_on: date,
    outcome: str,
    today: date,
    now: datetime,
    update_id: int | None = None,
) -> Case:
    case = await get_open(session, case_id)
    SPEC.check_date(case, "resolved_on", resolved_on, today, EXAMPLE_RESOLVE)
    cleaned = OUTCOME(outcome, EXAMPLE_RESOLVE, None)
    before = audit.snapshot(case)
    case.resolved_on, case.outcome, case.updated_at = resolved_on, cleaned, now
    await session.flush()
    await audit.record_change(
        session, case, "case.resolve", at=now, actor_id=actor_id, before=before, update_id=update_id
    )
    return case


async def open_cases(session: AsyncSession, *, limit: int, offset: int = 0) -> tuple[list[Case], int]:
    """Unresolved cases, longest open first."""
    return await paging.page(
        session, Case, col(Case.resolved_on).is_(None), col(Case.started_on), col(Case.id), limit=limit, offset=offset
    )


# --- the record type ----------------------------------------------------------------------------------

OUTCOME = TextRule(validation.MAX_OUTCOME_CHARS, "hasil", blank=None)


async def _check_unique(session: AsyncSession, case: Case, name: str, new: object) -> None:
    if name == "register_number" and isinstance(new, str):
        await ensure_register_free(session, new, exclude_id=case.id)


def _derive(case: Case) -> None:
    case.register_key = register_key(case.register_number)


def _register(raw: str, example: str, key: str | None) -> str:
    return clean_register(raw)


SPEC = RecordSpec(
    entity="case",
    keyword="perkara",
    label="Perkara",
    table=Case,
    fields=(
        FieldSpec("register_number", "Nomor register", FieldKind.text, Action.open_case, _register),
        FieldSpec(
            "description",
            "Uraian",
            FieldKind.text,
            Action.open_case,
            TextRule(validation.MAX_DESCRIPTION_CHARS, "uraian"),
        ),
        FieldSpec(
            "started_on", "Tanggal mulai", FieldKind.date, Action.open_case, what="mulai penanganan", event="started"
        ),
        FieldSpec(
            "resolved_on",
            "Tanggal selesai",
            FieldKind.date,
            Action.resolve_case,
            what="selesai",
            stage="resolved_on",
            event="resolved",
        ),
        FieldSpec("outcome", "Hasil", FieldKind.text, Action.resolve_case, OUTCOME, stage="resolved_on"),
    ),
    get=get,
    check_unique=_check_unique,
    derive=_derive,
    bookkeeping=("register_key",),
)
