"""/perkara, /selesai, /tahap: a case starts being handled, is resolved, moves up a court level — in one line
or as a dialogue."""

from __future__ import annotations

import re
from datetime import date
from html import escape
from typing import Any

from handlers import dialog, replies
from handlers.dialog import Form, SaveContext, Step, StepInput, StepKind, date_step
from models import cases, stages, validation
from models.dates import parse_date, split_leading_date, split_trailing_date, starts_with_date
from models.db import Database
from models.errors import InputError
from models.permissions import Action
from models.tables import Case, Member
from models.validation import human_date

SKIP = ("Lewati", cases.CLEAR)  # a choice step's "none": the optional detail stays empty
RESULT_CHOICES = tuple((r.capitalize(), r) for r in cases.RESULTS)
POSITION_CHOICES = (*((p.capitalize(), p) for p in cases.POSITIONS), SKIP)
TYPE_CHOICES = (("Perdata", "perdata"), ("TUN", "tata usaha negara"), ("Pidana", "pidana"), ("Lainnya", "lainnya"))

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


def _detail(name: str) -> Any:
    """A step check for an optional detail of the case spec (`-` from Lewati: none)."""

    async def check(inp: StepInput, raw: str) -> str | None:
        return cases.SPEC.clean(name, raw, cases.EXAMPLE_OPEN, name)

    return check


def _details(register: str, values: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of the case details the dialogue or line gave, or the register names."""
    court = values.get("court") or cases.derive_court(register)
    case_type = values.get("case_type") or cases.derive_case_type(register)
    shown = [("Pengadilan", court), ("Jenis perkara", case_type), ("Kedudukan Pemkot", values.get("position"))]
    return [(label, value) for label, value in shown if value]


async def _open_summary(inp: StepInput) -> str:
    values = inp.values
    text = f"Nomor register: {escape(values['register'])}"
    if values.get("description"):
        text += f"\nUraian: {escape(values['description'])}"
    text += f"\nMulai ditangani: {human_date(values['date'])}"
    return text + "".join(f"\n{label}: {escape(value)}" for label, value in _details(values["register"], values))


async def _open(session, values, member: Member, ctx: SaveContext) -> str:
    case = await cases.open_case(
        session,
        actor_id=member.user_id,
        register_number=values["register"],
        description=values.get("description") or "",
        started_on=values["date"],
        today=ctx.today,
        now=ctx.now,
        position=values.get("position"),
        court=values.get("court"),
        case_type=values.get("case_type"),
        update_id=ctx.update_id,
    )
    return "✅ Perkara dicatat.\n" + replies.case_card(case)


def _split_position(words: list[str]) -> tuple[str | None, list[str]]:
    """`sebagai turut tergugat …`: the city's position, and the rest."""
    if not words or validation.keyword(words[0]) != "sebagai":
        return None, words
    for size in (2, 1):
        candidate = " ".join(words[1 : 1 + size])
        if len(words) > size and validation.keyword(candidate) in cases.POSITIONS:
            return validation.keyword(candidate), words[1 + size :]
    shown = words[1] if len(words) > 1 else ""
    raise InputError(
        f"Kedudukan «{shown}» tidak dikenal. Pilih: {', '.join(cases.POSITIONS)}.", cases.EXAMPLE_OPEN, "position"
    )


def _parse_perkara(args: list[str], day) -> dict:
    """/perkara <nomor register> [tanggal] [sebagai <kedudukan>] [uraian]"""
    register, rest = split_register(args)
    started_on, rest = split_leading_date(rest, day)
    position, rest = _split_position(rest)
    return {"register": register, "description": " ".join(rest), "date": started_on or day, "position": position}


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
            # Asked only when the register number does not say it.
            Step(
                "case_type",
                StepKind.choice,
                "Jenis perkara?",
                _detail("case_type"),
                choices=(*TYPE_CHOICES, SKIP),
                applies=lambda values: cases.derive_case_type(values.get("register") or "") is None,
            ),
            Step(
                "court",
                StepKind.text,
                "Ketik nama pengadilannya (misalnya Pengadilan Negeri Probolinggo), atau tekan Lewati:",
                _detail("court"),
                optional=True,
                applies=lambda values: cases.derive_court(values.get("register") or "") is None,
            ),
            Step(
                "position",
                StepKind.choice,
                "Kedudukan Pemkot dalam perkara ini?",
                _detail("position"),
                choices=POSITION_CHOICES,
            ),
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


async def _check_result(inp: StepInput, raw: str) -> str | None:
    return cases.SPEC.clean("result", raw, cases.EXAMPLE_RESOLVE, "result")


async def _check_outcome(inp: StepInput, raw: str) -> str | None:
    return cases.OUTCOME(raw, cases.EXAMPLE_RESOLVE, "outcome")


async def _check_final(inp: StepInput, raw: str) -> str | None:
    """The day the decision became final: `-` (not known yet), `same` (the day it was resolved) or typed.
    Kept as ISO text: drafts store a choice step's value as it is."""
    if raw == cases.CLEAR:
        return None
    day = inp.values["date"] if raw == SAME_DAY else parse_date(raw, inp.today)
    case = await cases.get(inp.session, int(inp.values["case"]), cases.EXAMPLE_RESOLVE)
    return cases.SPEC.check_date(case, "final_on", day, inp.today, cases.EXAMPLE_RESOLVE, "final").isoformat()


SAME_DAY = "same"
FINAL_CHOICES = (("Belum diketahui", cases.CLEAR), ("Sama dengan tanggal selesai", SAME_DAY))


def _final_on(values: dict[str, Any]) -> date | None:
    final = values.get("final")
    return date.fromisoformat(final) if isinstance(final, str) else final


async def _resolve_summary(inp: StepInput) -> str:
    case = await cases.get(inp.session, inp.values["case"], cases.EXAMPLE_RESOLVE)
    text = f"{replies.case_card(case)}\n\nTanggal selesai: {human_date(inp.values['date'])}"
    if inp.values.get("result"):
        text += f"\nHasil bagi Pemkot: {escape(replies.RESULT_LABEL[inp.values['result']])}"
    if inp.values.get("outcome"):
        text += f"\nHasil: {escape(inp.values['outcome'])}"
    final = _final_on(inp.values)
    if final is not None:
        text += f"\nBerkekuatan hukum tetap: {human_date(final)}"
    return text


async def _resolve(session, values, member: Member, ctx: SaveContext) -> str:
    case, closed = await cases.resolve(
        session,
        actor_id=member.user_id,
        case_id=values["case"],
        resolved_on=values["date"],
        outcome=values.get("outcome") or "",
        today=ctx.today,
        now=ctx.now,
        result=values.get("result"),
        final_on=_final_on(values),
        update_id=ctx.update_id,
    )
    text = "✅ Penyelesaian perkara dicatat.\n" + replies.case_card(case)
    if closed:
        text += "\n\nSidang yang dibatalkan karena perkara selesai:\n" + "\n".join(
            replies.hearing_line(h) for h in closed
        )
    return text


def _parse_selesai(args: list[str], day) -> dict:
    """/selesai <id> [tanggal] [menang|kalah|damai|dicabut|lainnya] [hasil] [inkracht <tanggal>]"""
    example = cases.EXAMPLE_RESOLVE
    case_id = validation.record_id(args[0], "perkara", example)
    resolved_on, rest = split_leading_date(args[1:], day)
    final: date | None = None
    marks = [i for i, word in enumerate(rest) if validation.keyword(word) == "inkracht"]
    if marks:
        when = " ".join(rest[marks[-1] + 1 :])
        if not when:
            raise InputError("Tulis tanggal inkracht sesudah kata inkracht.", example, "final")
        final, rest = parse_date(when, day), rest[: marks[-1]]
    result = None
    if rest and validation.keyword(rest[0]) in cases.RESULTS:
        result, rest = validation.keyword(rest[0]), rest[1:]
    return {
        "case": case_id,
        "date": resolved_on or day,
        "result": result,
        "outcome": " ".join(rest),
        "final": final.isoformat() if final else None,
    }


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
            Step("result", StepKind.choice, "Apa hasilnya bagi Pemkot?", _check_result, choices=RESULT_CHOICES),
            Step(
                "outcome",
                StepKind.text,
                "Ketik hasilnya dengan singkat (misalnya Gugatan ditolak seluruhnya), atau tekan Lewati:",
                _check_outcome,
                optional=True,
            ),
            Step(
                "final",
                StepKind.choice,
                "Tanggal putusan berkekuatan hukum tetap (inkracht)?",
                _check_final,
                choices=FINAL_CHOICES,
                other="Tanggal lain",
                typed_prompt="Ketik tanggal inkracht, misalnya 15 Juli 2026:",
            ),
        ),
        summary=_resolve_summary,
        save=_resolve,
        record=dialog.picked(Case, "case"),
        parse_args=_parse_selesai,
    )
)


# --- /tahap --------------------------------------------------------------------------------------------


async def _movable(session, offset: int, limit: int):
    rows, total = await stages.movable(session, limit=limit, offset=offset)
    return [(f"#{c.id} {c.register_number} ({cases.level_label(c.level)})", c.id) for c in rows], total


async def _check_movable(inp: StepInput, raw: str) -> int:
    case_id = validation.record_id(raw, "perkara", stages.EXAMPLE_MOVE)
    case = await cases.get(inp.session, case_id, stages.EXAMPLE_MOVE)
    if not stages.higher_levels(case):
        raise InputError(f"Perkara #{case_id} sudah di tingkat {cases.level_label(case.level)}.", "/daftar perkara")
    return case_id


async def _level_choices(inp: StepInput):
    case = await cases.get(inp.session, int(inp.values["case"]), stages.EXAMPLE_MOVE)
    return [(cases.level_label(level).capitalize(), level) for level in stages.higher_levels(case)]


async def _check_level(inp: StepInput, raw: str) -> str:
    case = await cases.get(inp.session, int(inp.values["case"]), stages.EXAMPLE_MOVE)
    level = stages.parse_level(raw)
    stages.check_level(case, level)
    return level


async def _check_stage_register(inp: StepInput, raw: str) -> str | None:
    return await stages.clean_register(inp.session, raw)


async def _check_stage_day(inp: StepInput, raw: str) -> date:
    case = await cases.get(inp.session, int(inp.values["case"]), stages.EXAMPLE_MOVE)
    return await stages.check_day(inp.session, case, parse_date(raw, inp.today), inp.today)


async def _move_summary(inp: StepInput) -> str:
    values = inp.values
    case = await cases.get(inp.session, int(values["case"]), stages.EXAMPLE_MOVE)
    text = (
        f"{replies.case_card(case)}\n\nNaik ke tingkat: {escape(cases.level_label(values['level']))}\n"
        f"Nomor register: {escape(values.get('register') or '—')}\nSejak: {human_date(values['date'])}"
    )
    if case.resolved_on is not None:
        text += (
            f"\n\n⚠️ Perkara ini sudah selesai pada {human_date(case.resolved_on)}. Jika disimpan, perkara "
            "dibuka kembali: tanggal selesai, hasil, dan tanggal inkracht dikosongkan (riwayat tetap "
            "menyimpannya)."
        )
    return text


async def _resolved(db: Database, values: dict[str, Any]) -> bool:
    """A resolved case is reopened only after the user saw the summary; an unknown id is the save's to
    refuse."""
    try:
        async with db.read() as session:
            case = await cases.get(session, int(values["case"]), stages.EXAMPLE_MOVE)
    except InputError:
        return False
    return case.resolved_on is not None


async def _move(session, values, member: Member, ctx: SaveContext) -> str:
    case, _, reopened = await stages.move(
        session,
        actor_id=member.user_id,
        case_id=int(values["case"]),
        level=values["level"],
        register_number=values.get("register"),
        started_on=values["date"],
        today=ctx.today,
        now=ctx.now,
        update_id=ctx.update_id,
    )
    head = "✅ Perkara naik tingkat" + (" dan dibuka kembali." if reopened else ".")
    return head + "\n" + replies.case_card(case, await stages.stages_of(session, case.id or 0))


def _parse_tahap(args: list[str], day) -> dict:
    """/tahap <id> <banding|kasasi|pk> [nomor register] [tanggal]"""
    example = stages.EXAMPLE_MOVE
    if len(args) < 2:
        raise InputError("Sebutkan id perkara dan tingkatnya (banding, kasasi, atau pk).", example)
    case_id = validation.record_id(args[0], "perkara", example)
    size = 2 if validation.keyword(" ".join(args[1:3])) == "peninjauan kembali" else 1
    level = stages.parse_level(" ".join(args[1 : 1 + size]))
    words, started_on = split_trailing_date(args[1 + size :], day)
    return {"case": case_id, "level": level, "register": " ".join(words) or None, "date": started_on or day}


TAHAP = dialog.register(
    Form(
        name="tahap",
        title="Perkara naik tingkat",
        action=Action.move_case,
        steps=(
            Step(
                "case",
                StepKind.pick,
                "Pilih perkara yang naik tingkat (terbaru di atas):",
                _check_movable,
                listing=_movable,
                empty="Tidak ada perkara yang dapat naik tingkat.",
            ),
            Step("level", StepKind.choice, "Naik ke tingkat apa?", _check_level, choices=_level_choices),
            Step(
                "register",
                StepKind.text,
                "Ketik nomor register di tingkat ini (misalnya 196/PDT/2026/PT.SBY), atau tekan Lewati:",
                _check_stage_register,
                optional=True,
            ),
            Step("date", StepKind.date, "Sejak tanggal berapa (tanggal permohonan atau register)?", _check_stage_day),
        ),
        summary=_move_summary,
        save=_move,
        record=dialog.picked(Case, "case"),
        parse_args=_parse_tahap,
        confirm_first=_resolved,
    )
)
