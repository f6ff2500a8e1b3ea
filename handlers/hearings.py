"""/sidang: the hearing calendar. `/sidang` lists the coming 30 days (any member); `/sidang <id> <tanggal>
[HH:MM] [agenda]` schedules one and `/sidang baru` asks for it step by step; `/sidang batal <nomor>`
cancels one (bankum, admin)."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from telegram import Update

from handlers import dialog, replies
from handlers.common import answer_error, member_of, refusal, send, write
from handlers.dialog import Form, SaveContext, Step, StepInput, StepKind
from handlers.services import BotContext
from models import cases, hearings, validation
from models.dates import parse_date, split_leading_date
from models.errors import InputError
from models.permissions import Action, allowed
from models.tables import Case, Member
from models.validation import human_date

NEW = "baru"
CANCEL = "batal"


async def _calendar(update: Update, context: BotContext) -> None:
    svc = context.services
    today = svc.clock.today()
    async with svc.db.session() as session:
        rows, total = await hearings.upcoming(session, today)
    lines = [replies.hearing_line(h, c) for h, c in rows]
    title = f"Sidang {hearings.UPCOMING_DAYS} hari ke depan"
    await send(update, replies.listing(title, lines, total, "Tidak ada sidang yang dijadwalkan."))


async def _cancel(update: Update, context: BotContext, member: Member, args: list[str]) -> None:
    svc = context.services
    try:
        if len(args) != 1:
            raise InputError("Sebutkan satu nomor sidang yang dibatalkan.", hearings.EXAMPLE_CANCEL)
        hearing_id = validation.record_id(args[0], "sidang", hearings.EXAMPLE_CANCEL)
    except InputError as exc:
        await answer_error(update, exc)
        return

    async def work(session) -> str:
        hearing, case = await hearings.cancel(
            session,
            actor_id=member.user_id,
            hearing_id=hearing_id,
            today=svc.clock.today(),
            now=svc.clock.utcnow(),
            update_id=update.update_id,
        )
        return "✅ Sidang dibatalkan.\n" + replies.hearing_line(hearing, case)

    await write(update, context, work)


async def _preface(update: Update, context: BotContext, args: list[str]) -> list[str] | None:
    """The listing and the cancellation answer here; scheduling goes on as the form (`baru`: dialogue)."""
    if not args:
        member = await member_of(update, context)
        if not allowed(member, Action.read):
            user = update.effective_user
            await send(update, refusal(user.id if user else 0, member))
            return None
        await _calendar(update, context)
        return None
    word = validation.keyword(args[0])
    if word == CANCEL:
        member = await member_of(update, context)
        if not allowed(member, Action.schedule_hearing):
            user = update.effective_user
            await send(update, refusal(user.id if user else 0, member))
            return None
        await _cancel(update, context, member, args[1:])
        return None
    return [] if word == NEW and len(args) == 1 else args


# --- scheduling --------------------------------------------------------------------------------------


async def _open_cases(session, offset: int, limit: int):
    rows, total = await cases.open_cases(session, limit=limit, offset=offset)
    return [(f"#{c.id} {c.register_number}", c.id) for c in rows], total


async def _check_case(inp: StepInput, raw: str) -> int:
    case_id = validation.record_id(raw, "perkara", hearings.EXAMPLE_SCHEDULE)
    await hearings.case_for_hearing(inp.session, case_id, hearings.EXAMPLE_SCHEDULE)
    return case_id


async def _check_day(inp: StepInput, raw: str) -> str:
    """Kept as ISO text: drafts store a text step's value as it is."""
    day = parse_date(raw, inp.today, ahead=True)
    return hearings.check_day(day, inp.today, hearings.EXAMPLE_SCHEDULE).isoformat()


async def _check_time(inp: StepInput, raw: str) -> str:
    return hearings.clean_time(raw)


async def _check_agenda(inp: StepInput, raw: str) -> str | None:
    return hearings.AGENDA(raw, hearings.EXAMPLE_SCHEDULE, "agenda")


def _day(values: dict[str, Any]) -> date:
    day = values["day"]
    return date.fromisoformat(day) if isinstance(day, str) else day


async def _summary(inp: StepInput) -> str:
    values = inp.values
    case = await hearings.case_for_hearing(inp.session, int(values["case"]), hearings.EXAMPLE_SCHEDULE)
    text = f"{replies.case_card(case)}\n\nSidang: {human_date(_day(values))}"
    if values.get("time"):
        text += f" {escape(values['time'])}"
    if values.get("agenda"):
        text += f"\nAgenda: {escape(values['agenda'])}"
    return text


async def _save(session, values, member: Member, ctx: SaveContext) -> str:
    assert ctx.local_now is not None
    hearing, case = await hearings.schedule(
        session,
        actor_id=member.user_id,
        case_id=int(values["case"]),
        day=_day(values),
        time_of_day=values.get("time"),
        agenda=values.get("agenda"),
        local_now=ctx.local_now,
        now=ctx.now,
        update_id=ctx.update_id,
    )
    return "✅ Sidang dijadwalkan.\n" + replies.hearing_line(hearing, case)


def _parse(args: list[str], day: date) -> dict:
    """/sidang <id perkara> <tanggal> [HH:MM] [agenda]"""
    example = hearings.EXAMPLE_SCHEDULE
    case_id = validation.record_id(args[0], "perkara", example)
    when, rest = split_leading_date(args[1:], day, ahead=True)
    if when is None:
        shown = " ".join(args[1:4])
        raise InputError(f"Tanggal sidang belum ditulis atau tidak dikenali («{shown}»).", example, "day")
    if len(rest) > 1 and validation.keyword(rest[0]) in ("pukul", "jam"):
        rest = rest[1:]
    time_of_day = None
    if rest and hearings.looks_like_time(rest[0]):
        time_of_day, rest = hearings.clean_time(rest[0]), rest[1:]
    return {"case": case_id, "day": when.isoformat(), "time": time_of_day, "agenda": " ".join(rest) or None}


SIDANG = dialog.register(
    Form(
        name="sidang",
        title="Jadwal sidang",
        # Every member reads the calendar (so /sidang is in every member's menu); scheduling is bankum's.
        action=Action.read,
        available=lambda member: allowed(member, Action.schedule_hearing),
        steps=(
            Step(
                "case",
                StepKind.pick,
                "Pilih perkara yang disidangkan (terlama di atas):",
                _check_case,
                listing=_open_cases,
                empty="Tidak ada perkara yang masih berjalan.",
            ),
            Step(
                "day",
                StepKind.text,
                "Ketik tanggal sidang (misalnya 10 Desember 2026, besok, atau senin depan):",
                _check_day,
            ),
            Step(
                "time",
                StepKind.text,
                "Ketik jam sidang (misalnya 09:00), atau tekan Lewati:",
                _check_time,
                optional=True,
            ),
            Step(
                "agenda",
                StepKind.text,
                "Ketik agenda sidang (misalnya Pembuktian), atau tekan Lewati:",
                _check_agenda,
                optional=True,
            ),
        ),
        summary=_summary,
        save=_save,
        record=dialog.picked(Case, "case"),
        parse_args=_parse,
        preface=_preface,
    )
)
