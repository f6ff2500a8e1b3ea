"""/perkara, /selesai: a case starts being handled, a case is resolved."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import ContextTypes

from bot import replies
from bot.dates import split_leading_date
from handlers.common import answer_error, now, requires, today, write
from models import cases, validation
from models.errors import InputError
from models.permissions import Action
from models.tables import Member

# A court code at the end of a register number (`.../PN Prb`, `.../PTUN Sby`) is followed by the
# court's seat as a separate word.
_COURT_CODE = re.compile(r"/[A-Z]{2,5}$")
_SEAT = re.compile(r"^[A-Za-z.]{2,8}$")


def split_register(words: list[str]) -> tuple[str, list[str]]:
    """The register number at the start of `words`, and the rest.

    `12/Pdt.G/2026/PN Prb` holds a space; a quoted register (`"12/Pdt.G/2026/PN Prb"`) is taken whole.
    """
    if not words:
        return "", []
    if words[0].startswith(('"', "“")):
        for end, word in enumerate(words):
            if word.endswith(('"', "”")) and (end > 0 or len(word) > 1):
                register = " ".join(words[: end + 1]).strip("\"“”")
                return register, words[end + 1:]
        raise InputError("Tanda kutip nomor register belum ditutup.", cases.EXAMPLE_OPEN)
    register, rest = words[0], words[1:]
    if _COURT_CODE.search(register) and rest and _SEAT.match(rest[0]):
        register, rest = f"{register} {rest[0]}", rest[1:]
    return register, rest


@requires(Action.open_case)
async def perkara(update: Update, context: ContextTypes.DEFAULT_TYPE, member: Member) -> None:
    """/perkara <nomor register> [tanggal] [uraian]"""
    args = list(context.args or [])
    try:
        if not args:
            raise InputError("Sebutkan nomor register perkara.", cases.EXAMPLE_OPEN)
        register, rest = split_register(args)
        started_on, rest = split_leading_date(rest, today(context))
        description = " ".join(rest)
    except InputError as exc:
        await answer_error(update, exc)
        return

    async def work(session) -> str:
        case = await cases.open_case(
            session, actor_id=member.user_id, register_number=register, description=description,
            started_on=started_on or today(context), today=today(context), now=now(context),
            update_id=update.update_id,
        )
        return "✅ Perkara dicatat.\n" + replies.case_card(case)

    await write(update, context, work)


@requires(Action.resolve_case)
async def selesai(update: Update, context: ContextTypes.DEFAULT_TYPE, member: Member) -> None:
    """/selesai <id> [tanggal] [hasil]"""
    args = list(context.args or [])
    example = cases.EXAMPLE_RESOLVE
    try:
        if not args:
            raise InputError("Sebutkan id perkara yang selesai.", example)
        case_id = validation.record_id(args[0], "perkara", example)
        resolved_on, rest = split_leading_date(args[1:], today(context))
        outcome = " ".join(rest)
    except InputError as exc:
        await answer_error(update, exc)
        return

    async def work(session) -> str:
        case = await cases.resolve(
            session, actor_id=member.user_id, case_id=case_id, resolved_on=resolved_on or today(context),
            outcome=outcome, today=today(context), now=now(context), update_id=update.update_id,
        )
        return "✅ Penyelesaian perkara dicatat.\n" + replies.case_card(case)

    await write(update, context, work)


COMMANDS = {"perkara": perkara, "selesai": selesai}
