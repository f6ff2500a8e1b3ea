"""Legal cases of the city government, from the start of handling to resolution."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import audit, paging, validation
from models.errors import InputError
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
    return validation.text(
        description,
        limit=validation.MAX_DESCRIPTION_CHARS,
        what="uraian",
        example=EXAMPLE_OPEN,
        required=False,
        field="description",
    )


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
    validation.event_date(started_on, today, "mulai penanganan", EXAMPLE_OPEN)
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
    await audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="case.open",
        entity="case",
        entity_id=case.id,
        before=None,
        after=audit.snapshot(case),
        update_id=update_id,
    )
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
    validation.event_date(resolved_on, today, "selesai", EXAMPLE_RESOLVE)
    validation.not_before(resolved_on, case.started_on, "selesai", "mulai penanganan", EXAMPLE_RESOLVE)
    outcome = validation.text(
        outcome, limit=validation.MAX_OUTCOME_CHARS, what="hasil", example=EXAMPLE_RESOLVE, required=False
    )
    before = audit.snapshot(case)
    case.resolved_on, case.outcome, case.updated_at = resolved_on, outcome or None, now
    await session.flush()
    await audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="case.resolve",
        entity="case",
        entity_id=case.id,
        before=before,
        after=audit.snapshot(case),
        update_id=update_id,
    )
    return case


async def open_cases(session: AsyncSession, *, limit: int, offset: int = 0) -> tuple[list[Case], int]:
    """Unresolved cases, longest open first."""
    return await paging.page(
        session, Case, col(Case.resolved_on).is_(None), col(Case.started_on), col(Case.id), limit=limit, offset=offset
    )
