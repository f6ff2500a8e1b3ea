"""A case moving up the court levels (banding, kasasi, peninjauan kembali), each with its register.

The case's own row keeps its first-instance register and the level it is at now (`Case.level`); every
higher level is a `CaseStage` row with that level's register number and the day the case reached it.
Register numbers are unique across every level of every case.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import audit, cases, paging, validation
from models.errors import InputError
from models.tables import Case, CaseStage

EXAMPLE_MOVE = "/tahap 3 banding 196/PDT/2026/PT.SBY 2026-07-10"
HIGHER = cases.LEVELS[1:]  # what /tahap moves a case to
# The resolution a reopened case loses (history keeps it).
RESOLUTION = ("resolved_on", "outcome", "result", "final_on")


def parse_level(raw: str, example: str = EXAMPLE_MOVE) -> str:
    word = validation.keyword(raw)
    word = {"peninjauan kembali": "pk", "pk.": "pk"}.get(word, word)
    if word not in HIGHER:
        raise InputError(f"Tingkat «{raw}» tidak dikenal. Pilih: banding, kasasi, atau pk.", example, "level")
    return word


def higher_levels(case: Case) -> list[str]:
    """The levels `case` can still move to."""
    return list(cases.LEVELS[cases.LEVELS.index(case.level) + 1 :]) if case.level in cases.LEVELS else list(HIGHER)


async def stages_of(session: AsyncSession, case_id: int) -> list[CaseStage]:
    rows = await session.exec(
        select(CaseStage).where(CaseStage.case_id == case_id).order_by(col(CaseStage.started_on), col(CaseStage.id))
    )
    return list(rows.all())


async def level_started(session: AsyncSession, case: Case) -> date:
    """The day the case reached its current level (its start at first instance)."""
    stages = [s for s in await stages_of(session, case.id or 0) if s.level == case.level]
    return stages[-1].started_on if stages else case.started_on


def check_level(case: Case, level: str, example: str = EXAMPLE_MOVE) -> None:
    if level not in higher_levels(case):
        raise InputError(
            f"Perkara #{case.id} sudah di tingkat {cases.level_label(case.level)}; tingkat hanya dapat naik "
            f"(pilih: {', '.join(higher_levels(case)) or 'tidak ada lagi'}).",
            example,
            "level",
        )


async def check_day(session: AsyncSession, case: Case, day: date, today: date, example: str = EXAMPLE_MOVE) -> date:
    """Not in the future, not before the day the case reached its current level."""
    validation.event_date(day, today, "tingkat baru", example)
    previous = await level_started(session, case)
    validation.not_before(day, previous, "tingkat baru", f"mulai {cases.level_label(case.level)}", example)
    return day


async def clean_register(session: AsyncSession, raw: str | None, example: str = EXAMPLE_MOVE) -> str | None:
    """An optional register number (not known yet when an appeal is just filed), normalised and checked
    for uniqueness like a first-instance register."""
    if not validation.identifier(raw):
        return None
    try:
        register = cases.clean_register(raw or "")
    except InputError as exc:
        raise InputError(exc.message, example, "register") from exc
    await cases.ensure_register_free(session, register, example=example)
    return register


async def move(
    session: AsyncSession,
    *,
    actor_id: int,
    case_id: int,
    level: str,
    register_number: str | None,
    started_on: date,
    today: date,
    now: datetime,
    update_id: int | None = None,
) -> tuple[Case, CaseStage, bool]:
    """The case moves up to `level`. A resolved case is reopened (its resolution cleared; the audit entry
    keeps it): the caller asks the user first. Returns the case, the new stage and whether it reopened."""
    case = await cases.get(session, case_id, EXAMPLE_MOVE)
    level = parse_level(level)
    check_level(case, level)
    await check_day(session, case, started_on, today)
    register = await clean_register(session, register_number)
    before = audit.snapshot(case)
    reopened = case.resolved_on is not None
    for name in RESOLUTION:
        setattr(case, name, None)
    case.level, case.updated_at = level, now
    stage = CaseStage(
        case_id=case_id,
        level=level,
        register_number=register,
        register_key=cases.register_key(register) if register else None,
        started_on=started_on,
        created_by=actor_id,
        created_at=now,
    )
    session.add(stage)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent write took the register first
        raise InputError(f"Nomor register {register} sudah tercatat.", EXAMPLE_MOVE, "register") from exc
    await audit.record_change(session, case, "case.move", at=now, actor_id=actor_id, before=before, update_id=update_id)
    await audit.record_change(
        session, stage, "case_stage.add", at=now, actor_id=actor_id, before=None, update_id=update_id
    )
    return case, stage, reopened


async def movable(session: AsyncSession, *, limit: int, offset: int = 0) -> tuple[list[Case], int]:
    """Cases that can still move up (not at peninjauan kembali), newest first."""
    return await paging.page(
        session, Case, col(Case.level) != cases.LEVELS[-1], col(Case.id).desc(), limit=limit, offset=offset
    )
