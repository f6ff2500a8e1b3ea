"""/perkara, /selesai: a case starts being handled, a case is resolved — in one line or as a dialogue."""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape

from handlers import dialog, replies
from handlers.dialog import Form, SaveContext, Step, StepInput, StepKind, date_step
from models import cases, validation
from models.dates import split_leading_date, starts_with_date
from models.errors import InputError
from models.permissions import Action
from models.tables import Case, Member
from models.validation import human_date

OUTCOMES = (("Menang", "Menang"), ("Kalah", "Kalah"), ("Damai", "Damai"), ("Dicabut", "Dicabut"))

# A court code at the end of a register number (`.../PN Prb`, `.../PTUN Sby`) is followed by the
# court's seat as a separate word.
_COURT_CODE = re.compile(r"/[A-Za-z]{2,5}$")
_SEAT = re.compile(r"^[A-Za-z.]{2,8}$")


def split_register(words: list[str]) -> tuple[str, list[str]]:
    """The register number at the start of `words`, and the rest.

    `12/Pdt.G/2026/PN Prb` holds a space; a quoted register (`"12/Pdt.G/2026/PN Prb"`) is taken whole.
    """
    words = [w for w in words if validation.identifier(w)]  # a lone zero-width space is no word
    if not words:
        return "", []
    if words[0].startswith(('"', "“")):
        for end, word in enumerate(words):
            if word.endswith(('"', "”")) and (end > 0 or len(word) > 1):
                register = " ".join(words[: end + 1]).strip('"“”')
                return register, words[end + 1 :]
        raise InputError("Tanda kutip nomor register belum ditutup.", cases.EXAMPLE_OPEN)
    register, rest = words[0], words[1:]
    # Matched on the normalised form, so a court code and seat typed in full-width letters count too.
    if (
        _COURT_CODE.search(validation.identifier(register))
        and rest
        and _SEAT.match(validation.identifier(rest[0]))
        and not starts_with_date(rest)
    ):
        register, rest = f"{register} {rest[0]}", rest[1:]
    return register, rest


# --- /perkara ------------------------------------------------------------------------------------------


async def _check_register(inp: StepInput, raw: str) -> str:
    register = cases.clean_register(raw)
    await cases.ensure_register_free(inp.session, register)
    return register


async def _check_description(inp: StepInput, raw: str) -> str:
    return cases.clean_description(raw)


async def _open_summary(inp: StepInput) -> str:
    values = inp.values
    text = f"Nomor register: {escape(values['register'])}"
    if values.get("description"):
        text += f"\nUraian: {escape(values['description'])}"
    return text + f"\nMulai ditangani: {human_date(values['date'])}"


async def _open(session, values, member: Member, ctx: SaveContext) -> str:
    case = await cases.open_case(
        session,
        actor_id=member.user_id,
        register_number=values["register"],
        description=values.get("description") or "",
        started_on=values["date"],
        today=ctx.today,
        now=ctx.now,
        update_id=ctx.update_id,
    )
    return "✅ Perkara dicatat.\n" + replies.case_card(case)


def _parse_perkara(args: list[str], day) -> dict:
    """/perkara <nomor register> [tanggal] [uraian]"""
    register, rest = split_register(args)
    started_on, rest = split_leading_date(rest, day)
    return {"register": register, "description": " ".join(rest), "date": started_on or day}


PERKARA = dialog.register(
    Form(
        name="perkara",
        title="Perkara baru",
        action=Action.open_case,
        steps=(
            Step(
                "register",
                StepKind.text,
                "Ketik nomor register perkara (misalnya 12/Pdt.G/2026/PN Prb):",
                _check_register,
            ),
            Step(
                "description",
                StepKind.text,
                "Ketik uraian singkat perkara, atau tekan Lewati:",
                _check_description,
                optional=True,
            ),
            date_step(cases.SPEC, "started_on", cases.EXAMPLE_OPEN),
        ),
        summary=_open_summary,
        save=_open,
        parse_args=_parse_perkara,
    )
)


# --- /selesai ------------------------------------------------------------------------------------------


async def _open_cases(session, offset: int, limit: int):
    rows, total = await cases.open_cases(session, limit=limit, offset=offset)
    return [(f"#{c.id} {c.register_number}", c.id) for c in rows], total


async def _check_open_case(inp: StepInput, raw: str) -> int:
    case_id = validation.record_id(raw, "perkara", cases.EXAMPLE_RESOLVE)
    await cases.get_open(inp.session, case_id)
    return case_id


async def _check_outcome(inp: StepInput, raw: str) -> str:
    return str(replace(cases.OUTCOME, required=True)(raw, cases.EXAMPLE_RESOLVE, "outcome"))


async def _resolve_summary(inp: StepInput) -> str:
    case = await cases.get(inp.session, inp.values["case"], cases.EXAMPLE_RESOLVE)
    return (
        f"{replies.case_card(case)}\n\nTanggal selesai: {human_date(inp.values['date'])}\n"
        f"Hasil: {escape(inp.values['outcome'])}"
    )


async def _resolve(session, values, member: Member, ctx: SaveContext) -> str:
    case = await cases.resolve(
        session,
        actor_id=member.user_id,
        case_id=values["case"],
        resolved_on=values["date"],
        outcome=values.get("outcome") or "",
        today=ctx.today,
        now=ctx.now,
        update_id=ctx.update_id,
    )
    return "✅ Penyelesaian perkara dicatat.\n" + replies.case_card(case)


def _parse_selesai(args: list[str], day) -> dict:
    """/selesai <id> [tanggal] [hasil]"""
    case_id = validation.record_id(args[0], "perkara", cases.EXAMPLE_RESOLVE)
    resolved_on, rest = split_leading_date(args[1:], day)
    return {"case": case_id, "date": resolved_on or day, "outcome": " ".join(rest)}


SELESAI = dialog.register(
    Form(
        name="selesai",
        title="Perkara selesai",
        action=Action.resolve_case,
        steps=(
            Step(
                "case",
                StepKind.pick,
                "Pilih perkara yang selesai (terlama di atas):",
                _check_open_case,
                listing=_open_cases,
                empty="Tidak ada perkara yang masih berjalan.",
            ),
            date_step(cases.SPEC, "resolved_on", cases.EXAMPLE_RESOLVE, record_key="case"),
            Step(
                "outcome",
                StepKind.choice,
                "Apa hasilnya?",
                _check_outcome,
                choices=OUTCOMES,
                other="Lainnya",
                typed_prompt="Ketik hasilnya:",
            ),
        ),
        summary=_resolve_summary,
        save=_resolve,
        record=dialog.picked(Case, "case"),
        parse_args=_parse_selesai,
    )
)
