"""Legal cases of the city government, from the start of handling to resolution."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import audit, hearings, paging, validation
from models.errors import InputError
from models.permissions import Action
from models.records import Cleaner, FieldKind, FieldSpec, RecordSpec, TextRule
from models.tables import Case, CaseStage, Hearing, Level

EXAMPLE_OPEN = "/perkara 12/Pdt.G/2026/PN Prb 2026-03-01 sebagai tergugat Gugatan wanprestasi pengadaan"
EXAMPLE_RESOLVE = "/selesai 3 2026-06-30 menang Gugatan ditolak seluruhnya inkracht 2026-07-15"
EXAMPLE_DETAILS = "/ubah perkara 3"

# The city's position in the case, and the kinds of case, as users type and read them.
POSITIONS = ("tergugat", "penggugat", "turut tergugat", "pemohon", "termohon", "intervensi")
CASE_TYPES = ("perdata", "tata usaha negara", "pidana", "lainnya")
CASE_TYPE_ALIASES = {"tun": "tata usaha negara", "ptun": "tata usaha negara", "tata usaha": "tata usaha negara"}
# The result for the city, once resolved.
RESULTS = ("menang", "kalah", "damai", "dicabut", "lainnya")
LEVELS = tuple(level.value for level in Level)  # in order: a case only moves up
LEVEL_LABEL = {"pertama": "tingkat pertama", "banding": "banding", "kasasi": "kasasi", "pk": "peninjauan kembali"}
CLEAR = "-"  # typed in /ubah to empty an optional detail
MAX_COURT_CHARS = 200

# The court named by the end of a first-instance register (`…/PN Prb`, `…/PTUN.SBY`): its kind and seat.
COURT_KINDS = {"pn": "Pengadilan Negeri", "ptun": "PTUN", "pa": "Pengadilan Agama"}
COURT_SEATS = {
    "prb": "Probolinggo",
    "krs": "Kraksaan",
    "sby": "Surabaya",
    "mlg": "Malang",
    "pso": "Pasuruan",
    "psr": "Pasuruan",
    "sda": "Sidoarjo",
    "jkt": "Jakarta",
}


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
    position: str | None = None,
    court: str | None = None,
    case_type: str | None = None,
    update_id: int | None = None,
) -> Case:
    """A case starts being handled. The court and the case type are read from the register number when
    not given and it names them."""
    register = clean_register(register_number)
    description = clean_description(description)
    SPEC.check_date(None, "started_on", started_on, today, EXAMPLE_OPEN)
    details = {
        name: SPEC.clean(name, value, EXAMPLE_OPEN, name) if value else None
        for name, value in (("position", position), ("court", court), ("case_type", case_type))
    }
    await ensure_register_free(session, register)
    case = Case(
        register_number=register,
        register_key=register_key(register),
        description=description,
        started_on=started_on,
        position=details["position"],
        court=details["court"],
        case_type=details["case_type"],
        created_by=actor_id,
        created_at=now,
        updated_at=now,
    )
    _fill_in(case)
    session.add(case)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise InputError(f"Nomor register {register} sudah tercatat.", EXAMPLE_OPEN, "register") from exc
    await audit.record_change(session, case, "case.open", at=now, actor_id=actor_id, before=None, update_id=update_id)
    return case


async def ensure_register_free(
    session: AsyncSession, register: str, exclude_id: int | None = None, example: str = "/daftar perkara"
) -> None:
    """A register number names one level of one case: checked against the first-instance registers of
    every case and the registers of every higher level (case_stage)."""
    key = register_key(register)
    query = select(Case).where(Case.register_key == key)
    if exclude_id is not None:
        query = query.where(Case.id != exclude_id)
    existing = (await session.exec(query)).first()
    if existing is not None:
        raise _register_taken(existing)
    stage = (await session.exec(select(CaseStage).where(CaseStage.register_key == key))).first()
    if stage is not None:
        raise InputError(
            f"Nomor register {stage.register_number} sudah tercatat untuk tingkat "
            f"{LEVEL_LABEL.get(stage.level, stage.level)} perkara #{stage.case_id}.",
            example,
            "register",
        )


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
    result: str | None = None,
    final_on: date | None = None,
    update_id: int | None = None,
) -> tuple[Case, list[Hearing]]:
    """The case is resolved, with its result for the city, the outcome in words and the day it became
    final (inkracht) when known. Its hearings still ahead are cancelled: returned, so the reply says so."""
    case = await get_open(session, case_id)
    SPEC.check_date(case, "resolved_on", resolved_on, today, EXAMPLE_RESOLVE)
    cleaned = OUTCOME(outcome, EXAMPLE_RESOLVE, "outcome")
    chosen = SPEC.clean("result", result, EXAMPLE_RESOLVE, "result") if result else None
    if final_on is not None:
        SPEC.check_date(case, "final_on", final_on, today, EXAMPLE_RESOLVE, "final")
    before = audit.snapshot(case)
    case.resolved_on, case.outcome, case.result, case.final_on = resolved_on, cleaned, chosen, final_on
    case.updated_at = now
    await session.flush()
    await audit.record_change(
        session, case, "case.resolve", at=now, actor_id=actor_id, before=before, update_id=update_id
    )
    closed = await hearings.close_open(
        session, actor_id=actor_id, case_id=case.id or case_id, today=today, now=now, update_id=update_id
    )
    return case, closed


async def open_cases(session: AsyncSession, *, limit: int, offset: int = 0) -> tuple[list[Case], int]:
    """Unresolved cases, longest open first."""
    return await paging.page(
        session, Case, col(Case.resolved_on).is_(None), col(Case.started_on), col(Case.id), limit=limit, offset=offset
    )


# --- details ----------------------------------------------------------------------------------------


def _segments(register: str) -> list[str]:
    return [part.strip() for part in validation.identifier(register).casefold().split("/")]


def derive_case_type(register: str) -> str | None:
    """`Pdt.G` → perdata, `/G/…/PTUN` (and `TUN` of the higher levels) → tata usaha negara, `Pid` →
    pidana; None when the register does not say."""
    parts = _segments(register)
    if any(p.startswith("pdt") for p in parts):
        return "perdata"
    if any(p.startswith("pid") for p in parts):
        return "pidana"
    tun_court = any(p.replace(".", "").replace(" ", "").startswith(("ptun", "pttun")) for p in parts)
    if "tun" in parts or (tun_court and any(p in ("g", "b") for p in parts)):
        return "tata usaha negara"
    return None


def derive_court(register: str) -> str | None:
    """`…/PN Prb` → Pengadilan Negeri Probolinggo, `…/PTUN.SBY` → PTUN Surabaya; None when the end of
    the register is not a known court and seat."""
    last = _segments(register)[-1]
    words = [w for w in re.split(r"[\s.]+", last) if w]
    if len(words) != 2 or words[0] not in COURT_KINDS or words[1] not in COURT_SEATS:
        return None
    return f"{COURT_KINDS[words[0]]} {COURT_SEATS[words[1]]}"


def _choice(options: tuple[str, ...], what: str, aliases: dict[str, str] | None = None) -> Cleaner:
    """A word from a fixed list (`-` empties it, for /ubah)."""

    def clean(raw: str | None, example: str, key: str | None) -> str | None:
        word = " ".join(validation.keyword(raw).split())
        if word == CLEAR:
            return None
        word = (aliases or {}).get(word, word)
        if word not in options:
            raise InputError(f"{what.capitalize()} «{raw}» tidak dikenal. Pilih: {', '.join(options)}.", example, key)
        return word

    return clean


def _level(raw: str, example: str, key: str | None) -> str:
    word = validation.keyword(raw)
    if word not in LEVELS:
        raise InputError(f"Tingkat «{raw}» tidak dikenal. Pilih: banding, kasasi, atau pk.", example, key)
    return word


def level_label(level: str) -> str:
    return LEVEL_LABEL.get(level, level)


def _court(raw: str | None, example: str, key: str | None) -> str | None:
    if validation.identifier(raw) == CLEAR:
        return None
    return COURT(raw, example, key)


# --- the record type ----------------------------------------------------------------------------------

OUTCOME = TextRule(validation.MAX_OUTCOME_CHARS, "hasil", blank=None)
COURT = TextRule(MAX_COURT_CHARS, "pengadilan", blank=None)
POSITION = _choice(POSITIONS, "kedudukan")
CASE_TYPE = _choice(CASE_TYPES, "jenis perkara", CASE_TYPE_ALIASES)
RESULT = _choice(RESULTS, "hasil bagi Pemkot")


async def _check_unique(session: AsyncSession, case: Case, name: str, new: object) -> None:
    if name == "register_number" and isinstance(new, str):
        await ensure_register_free(session, new, exclude_id=case.id)


def _fill_in(case: Case) -> None:
    """The court and the case type from the register number, where it names them and they are not given."""
    case.court = case.court or derive_court(case.register_number)
    case.case_type = case.case_type or derive_case_type(case.register_number)


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
        FieldSpec("register_number", "Nomor register", FieldKind.text, Action.open_case, _register, required=True),
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
        FieldSpec("court", "Pengadilan", FieldKind.text, Action.open_case, _court, shown=True),
        FieldSpec("position", "Kedudukan Pemkot", FieldKind.text, Action.open_case, POSITION, shown=True),
        FieldSpec("case_type", "Jenis perkara", FieldKind.text, Action.open_case, CASE_TYPE, shown=True),
        # Changed only by /tahap, which also keeps that level's register (case_stage).
        FieldSpec("level", "Tingkat", FieldKind.text, Action.move_case, _level, editable=False),
        FieldSpec(
            "resolved_on",
            "Tanggal selesai",
            FieldKind.date,
            Action.resolve_case,
            what="selesai",
            stage="resolved_on",
            event="resolved",
        ),
        FieldSpec("result", "Hasil bagi Pemkot", FieldKind.text, Action.resolve_case, RESULT, stage="resolved_on"),
        FieldSpec("outcome", "Hasil", FieldKind.text, Action.resolve_case, OUTCOME, stage="resolved_on"),
        FieldSpec(
            "final_on",
            "Tanggal inkracht",
            FieldKind.date,
            Action.resolve_case,
            what="inkracht",
            stage="resolved_on",
            event="final",
            # Final before the case is logged as resolved, or after (an appeal period running out).
            apart_from=("resolved_on",),
        ),
    ),
    get=get,
    check_unique=_check_unique,
    derive=_derive,
    fill_in=_fill_in,
    bookkeeping=("register_key",),
)
