"""Guided dialogues: a write command sent without arguments asks for its inputs step by step, with buttons.

One ConversationHandler serves every form, so a user is in at most one dialogue at a time. The draft
(form, step, values so far) lives in user_data, which the bot persists in its database: a dialogue and
its buttons survive a restart. Each step checks its input with the same domain validation the one-line
commands use, and asks the same step again on a mistake.

Buttons carry `<form>|<step>|<op>|<arg>` (ids only, never titles), so callback_data stays far below
Telegram's 64 bytes; a button from another form, another step or a finished dialogue is answered with a
notice and changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import replies, services
from bot.dates import parse_date
from bot.telegram_limits import fits_callback_data, shorten
from handlers.common import already_applied, answer_error, apply, refusal, send
from models import members
from models.errors import InputError
from models.permissions import Action, allowed
from models.tables import Member

log = logging.getLogger(__name__)

ACTIVE = "active"
END = ConversationHandler.END
DRAFT = "dialog"
IDLE = timedelta(minutes=10)
PAGE_SIZE = 8
BUTTON_LABEL_CHARS = 48
SEEN_UPDATES = 10
IDLE_MESSAGE = "Dialog berakhir karena tidak ada aktivitas selama 10 menit. Silakan mulai lagi."
STALE_BUTTON = "Tombol ini sudah tidak berlaku. Silakan mulai lagi dengan perintahnya."


@dataclass
class StepInput:
    """What a step's check may look at: the database, the values so far, today, the member."""

    session: AsyncSession
    values: dict[str, Any]
    today: date
    member: Member


Check = Callable[[StepInput, str], Awaitable[Any]]
Listing = Callable[[AsyncSession, int, int], Awaitable[tuple[list[tuple[str, int]], int]]]


@dataclass(frozen=True)
class Step:
    key: str
    kind: str  # choice | text | date | pick
    prompt: str
    check: Check  # typed or chosen text -> the stored (JSON-safe) value; raises InputError
    choices: Sequence[tuple[str, str]] | Callable[[StepInput], Awaitable[Sequence[tuple[str, str]]]] = ()
    other: str | None = None  # choice step: a button that lets the user type the value instead
    typed_prompt: str = "Ketik isiannya:"  # shown after that button
    optional: bool = False  # text step: offers "Lewati"
    listing: Listing | None = None  # pick step: (label, id) page and total
    empty: str = "Tidak ada data yang dapat dipilih."
    applies: Callable[[dict[str, Any]], bool] = lambda values: True


@dataclass(frozen=True)
class SaveContext:
    today: date
    now: datetime
    update_id: int


@dataclass(frozen=True)
class Form:
    name: str
    title: str
    action: Action
    steps: tuple[Step, ...]
    summary: Callable[[StepInput], Awaitable[str]]
    save: Callable[[AsyncSession, dict[str, Any], Member, SaveContext], Awaitable[str]]
    # The one-line form: command arguments -> the same values the dialogue collects (raises InputError).
    parse_args: Callable[[list[str], date], dict[str, Any]] | None = None
    # A one-line entry that needs a second look (e.g. a near-duplicate title) goes to the summary first.
    confirm_first: Callable[[StepInput], Awaitable[bool]] | None = None
    start_values: Callable[[Update, ContextTypes.DEFAULT_TYPE, Member], Awaitable[dict[str, Any]]] | None = None
    available: Callable[[Member], bool] = field(default=lambda member: True)


FORMS: dict[str, Form] = {}


def register(form: Form) -> Form:
    FORMS[form.name] = form
    return form


# --- the draft -----------------------------------------------------------------------------------


def _draft(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any] | None:
    if context.user_data is None:
        return None
    return context.user_data.get(DRAFT)


def _clear(context: ContextTypes.DEFAULT_TYPE) -> None:
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)


def _repeated(context: ContextTypes.DEFAULT_TYPE, update: Update) -> bool:
    """True for an update this dialogue already took (Telegram redelivers after a crash): without this
    a redelivered answer to step 2 would be read as the answer to step 3."""
    draft = _draft(context)
    if draft is None:
        return False
    seen = draft.setdefault("seen", [])
    if update.update_id in seen:
        return True
    seen.append(update.update_id)
    del seen[:-SEEN_UPDATES]
    return False


def _touch(context: ContextTypes.DEFAULT_TYPE, draft: dict[str, Any]) -> None:
    draft["touched"] = services.of(context).clock.utcnow().isoformat()


def _expired(context: ContextTypes.DEFAULT_TYPE, draft: dict[str, Any]) -> bool:
    touched = datetime.fromisoformat(draft["touched"])
    return services.of(context).clock.utcnow() - touched > IDLE


async def _member(context: ContextTypes.DEFAULT_TYPE, user_id: int) -> Member | None:
    async with services.of(context).db.session() as session:
        return await members.get(session, user_id)


def _callback(form: str, step: int, op: str, arg: object = "") -> str:
    data = f"{form}|{step}|{op}|{arg}"
    assert fits_callback_data(data), data
    return data


# --- starting --------------------------------------------------------------------------------------


def entry(form: Form) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[object]]:
    """The command: one-line form when it has arguments, otherwise the dialogue."""

    async def start_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
        user = update.effective_user
        if _repeated(context, update):
            return None  # the dialogue this command started goes on
        if user is None or await already_applied(update, context):
            return END
        member = await _member(context, user.id)
        if not allowed(member, form.action) or not form.available(member):
            await send(update, refusal(user.id, member))
            return END
        _clear(context)
        if context.args and form.parse_args is not None:
            return await _one_line(update, context, form, member)
        try:
            values = await form.start_values(update, context, member) if form.start_values else {}
        except InputError as exc:
            await answer_error(update, exc)
            return END
        return await begin(update, context, form, values, member=member)

    return start_command


async def _one_line(update: Update, context: ContextTypes.DEFAULT_TYPE, form: Form, member: Member) -> object:
    svc = services.of(context)
    try:
        values = form.parse_args(list(context.args), svc.clock.today())
    except InputError as exc:
        await answer_error(update, exc)
        return END
    if form.confirm_first is not None:
        async with svc.db.session() as session:
            ask_first = await form.confirm_first(StepInput(session, values, svc.clock.today(), member))
        if ask_first:
            return await begin(update, context, form, values, at_step=len(form.steps), member=member)
    return await _save(update, context, form, member, values)


async def begin(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    form: Form,
    values: dict[str, Any],
    at_step: int = 0,
    error: InputError | None = None,
    member: Member | None = None,
) -> object:
    """Start (or resume at `at_step`) a dialogue with `values` already known."""
    draft = {
        "form": form.name,
        "step": at_step,
        "values": values,
        "page": 0,
        "typing": False,
        "seen": [update.update_id],
    }
    _touch(context, draft)
    context.user_data[DRAFT] = draft
    _skip_inapplicable(form, draft)
    return await ask(update, context, error, member=member)


def _skip_inapplicable(form: Form, draft: dict[str, Any]) -> None:
    while draft["step"] < len(form.steps) and not form.steps[draft["step"]].applies(draft["values"]):
        draft["step"] += 1


# --- asking ----------------------------------------------------------------------------------------


async def ask(
    update: Update, context: ContextTypes.DEFAULT_TYPE, error: InputError | None = None, *, member: Member | None = None
) -> object:
    draft = _draft(context)
    form = FORMS[draft["form"]]
    index = draft["step"]
    member = member or await _member(context, update.effective_user.id)
    head = f"<b>{form.title}</b>"
    warn = f"{replies.warning(error)}\n" if error else ""
    cancel = [InlineKeyboardButton("Batal", callback_data=_callback(form.name, index, "n"))]

    # Composed inside the session, sent after it: a reply waiting for Telegram's rate limit must not keep
    # the database's turn (models/db.py).
    text, markup, result = await _compose(context, draft, form, index, member, head, warn, cancel)
    if result is _AGAIN:  # the list shrank meanwhile
        return await ask(update, context, error, member=member)
    if text is not None:
        await send(update, text, **({"reply_markup": markup} if markup is not None else {}))
    return result


_AGAIN = object()


async def _compose(
    context: ContextTypes.DEFAULT_TYPE,
    draft: dict,
    form: Any,
    index: int,
    member: Member,
    head: str,
    warn: str,
    cancel: list[InlineKeyboardButton],
) -> tuple[str | None, InlineKeyboardMarkup | None, object]:
    async with services.of(context).db.session() as session:
        step_input = StepInput(session, draft["values"], services.of(context).clock.today(), member)
        if index >= len(form.steps):
            summary = await form.summary(step_input)
            keyboard = [[InlineKeyboardButton("Simpan", callback_data=_callback(form.name, index, "y")), cancel[0]]]
            return f"{warn}{head}\n{summary}\n\nSimpan data ini?", InlineKeyboardMarkup(keyboard), ACTIVE
        step = form.steps[index]
        progress = f" ({_position(form, draft)})"
        rows: list[list[InlineKeyboardButton]] = []
        prompt = step.prompt
        if draft.get("typing"):
            prompt = (
                step.typed_prompt
                if step.kind == "choice"
                else "Ketik tanggalnya, misalnya 1 Maret 2026, 01-03-2026, atau 2 hari lalu:"
            )
        elif step.kind == "choice":
            choices = step.choices if not callable(step.choices) else await step.choices(step_input)
            rows = _grid(
                [
                    InlineKeyboardButton(label, callback_data=_callback(form.name, index, "c", value))
                    for label, value in choices
                ]
            )
            if step.other:
                rows.append([InlineKeyboardButton(step.other, callback_data=_callback(form.name, index, "o"))])
        elif step.kind == "date":
            rows = [
                [
                    InlineKeyboardButton("Hari ini", callback_data=_callback(form.name, index, "c", "hari ini")),
                    InlineKeyboardButton("Kemarin", callback_data=_callback(form.name, index, "c", "kemarin")),
                ],
                [InlineKeyboardButton("Tanggal lain", callback_data=_callback(form.name, index, "o"))],
            ]
        elif step.kind == "text" and step.optional:
            rows = [[InlineKeyboardButton("Lewati", callback_data=_callback(form.name, index, "s"))]]
        elif step.kind == "pick":
            page = draft.get("page", 0)
            items, total = await step.listing(session, page * PAGE_SIZE, PAGE_SIZE)
            if total == 0:
                _clear(context)
                return f"{warn}{head}\n{replies.escape(step.empty)}", None, END
            if not items and page > 0:  # the list shrank meanwhile
                draft["page"] = 0
                return None, None, _AGAIN
            rows = [
                [
                    InlineKeyboardButton(
                        shorten(label, BUTTON_LABEL_CHARS), callback_data=_callback(form.name, index, "p", item_id)
                    )
                ]
                for label, item_id in items
            ]
            nav = []
            if page > 0:
                nav.append(InlineKeyboardButton("‹", callback_data=_callback(form.name, index, "g", page - 1)))
            if (page + 1) * PAGE_SIZE < total:
                nav.append(InlineKeyboardButton("›", callback_data=_callback(form.name, index, "g", page + 1)))
            if nav:
                rows.append(nav)
            pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
            if pages > 1:
                prompt += f" (halaman {page + 1} dari {pages})"
        rows.append(cancel)
        return f"{warn}{head}{progress}\n{prompt}", InlineKeyboardMarkup(rows), ACTIVE


def _position(form: Form, draft: dict[str, Any]) -> str:
    applicable = [i for i, s in enumerate(form.steps) if s.applies(draft["values"])]
    current = applicable.index(draft["step"]) + 1 if draft["step"] in applicable else len(applicable)
    return f"{current}/{len(applicable)}"


def _grid(buttons: list[InlineKeyboardButton], width: int = 3) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


# --- answering ---------------------------------------------------------------------------------------


async def _accept(update: Update, context: ContextTypes.DEFAULT_TYPE, raw: str, member: Member) -> object:
    """Check `raw` for the current step; on success move on, on a mistake ask the same step again."""
    draft = _draft(context)
    form = FORMS[draft["form"]]
    step = form.steps[draft["step"]]
    try:
        async with services.of(context).db.session() as session:
            value = await step.check(
                StepInput(session, draft["values"], services.of(context).clock.today(), member), raw
            )
    except InputError as exc:
        return await ask(update, context, exc, member=member)
    draft["values"][step.key] = value
    draft["step"] += 1
    draft["page"] = 0
    draft["typing"] = False
    _skip_inapplicable(form, draft)
    return await ask(update, context, member=member)


async def _still_valid(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[dict | None, Member | None]:
    """The draft and member, or (None, None) after telling the user why the dialogue ended."""
    draft = _draft(context)
    if draft is None or draft.get("form") not in FORMS:
        _clear(context)
        return None, None
    if _expired(context, draft):
        _clear(context)
        await send(update, IDLE_MESSAGE)
        return None, None
    member = await _member(context, update.effective_user.id)
    if not allowed(member, FORMS[draft["form"]].action):
        _clear(context)
        await send(update, refusal(update.effective_user.id, member))
        return None, None
    _touch(context, draft)
    return draft, member


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    if _repeated(context, update):
        return None
    draft, member = await _still_valid(update, context)
    if draft is None:
        return END
    form = FORMS[draft["form"]]
    text = (update.effective_message.text or "").strip()
    if draft["step"] >= len(form.steps):
        done = InputError("Tekan Simpan untuk menyimpan atau Batal untuk membatalkan.")
        return await ask(update, context, done, member=member)
    step = form.steps[draft["step"]]
    if step.kind == "choice" and not draft.get("typing"):
        async with services.of(context).db.session() as session:
            choices = (
                step.choices
                if not callable(step.choices)
                else await step.choices(StepInput(session, draft["values"], services.of(context).clock.today(), member))
            )
        match = next((value for label, value in choices if label.lower() == text.lower()), None)
        if match is not None:
            return await _accept(update, context, match, member)
        if step.other is None:
            choose = InputError("Silakan pilih salah satu tombol di bawah.")
            return await ask(update, context, choose, member=member)
    if step.kind == "pick":
        return await _accept(update, context, text.lstrip("#"), member)
    return await _accept(update, context, text, member)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    query = update.callback_query
    if _repeated(context, update):
        return None  # answered the first time
    parts = (query.data or "").split("|")
    draft = _draft(context)
    if (
        len(parts) != 4
        or draft is None
        or parts[0] != draft.get("form")
        or not parts[1].isdigit()
        or int(parts[1]) != draft.get("step")
    ):
        await query.answer(STALE_BUTTON, show_alert=True)
        return None  # the conversation state stays as it is
    draft, member = await _still_valid(update, context)
    if draft is None:
        await query.answer()
        return END
    _, _, op, arg = parts
    form = FORMS[draft["form"]]
    if op == "n":
        await query.answer("Dibatalkan")
        await _drop_keyboard(query)
        _clear(context)
        await send(update, "Dialog dibatalkan; tidak ada yang disimpan.")
        return END
    if op == "g":
        await query.answer()
        draft["page"] = max(int(arg), 0)
        await _drop_keyboard(query)
        return await ask(update, context, member=member)
    if op == "y":
        await query.answer()
        await _drop_keyboard(query)
        return await _save(update, context, form, member, draft["values"])
    await query.answer()
    await _drop_keyboard(query)
    if op == "o":
        draft["typing"] = True
        return await ask(update, context, member=member)
    if op == "s":
        step = form.steps[draft["step"]]
        draft["values"][step.key] = None
        draft["step"] += 1
        _skip_inapplicable(form, draft)
        return await ask(update, context, member=member)
    return await _accept(update, context, arg, member)


async def _drop_keyboard(query: CallbackQuery) -> None:
    """Old buttons disappear once used, so they cannot be pressed twice."""
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(reply_markup=None)


async def _save(
    update: Update, context: ContextTypes.DEFAULT_TYPE, form: Form, member: Member, values: dict[str, Any]
) -> object:
    """Save once per update; a mistake found only now goes back to its step when a dialogue is running."""
    svc = services.of(context)
    ctx = SaveContext(svc.clock.today(), svc.clock.utcnow(), update.update_id)

    async def work(session: AsyncSession) -> str:
        return await form.save(session, values, member, ctx)

    try:
        await apply(update, context, work)
    except InputError as exc:
        draft = _draft(context)
        again = [i for i, s in enumerate(form.steps) if s.key == exc.field and s.applies(values)]
        if draft is not None and again:
            draft["step"] = again[0]
            draft["page"] = 0
            draft["typing"] = False
            return await ask(update, context, exc, member=member)
        _clear(context)
        await answer_error(update, exc)
        return END
    _clear(context)
    return END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    _clear(context)
    await send(update, "Dialog dibatalkan; tidak ada yang disimpan.")
    return END


async def nothing_to_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, "Tidak ada dialog yang sedang berjalan.")


async def timed_out(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    _clear(context)
    if isinstance(update, Update):
        await send(update, IDLE_MESSAGE)


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button from a dialogue that has ended (finished, cancelled, timed out, or before a restart)."""
    await update.callback_query.answer(STALE_BUTTON, show_alert=True)


def conversation() -> ConversationHandler:
    new_messages = filters.UpdateType.MESSAGE
    # per_message=False is deliberate: a dialogue belongs to a user in a chat and spans many messages;
    # buttons are matched to the dialogue by the step in their callback_data instead.
    warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
    return ConversationHandler(
        entry_points=[CommandHandler(form.name, entry(form), filters=new_messages) for form in FORMS.values()],
        states={
            ACTIVE: [
                CallbackQueryHandler(on_button),
                MessageHandler(new_messages & filters.TEXT & ~filters.COMMAND, on_text),
            ],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
        },
        fallbacks=[CommandHandler("batal", cancel)],
        allow_reentry=True,
        conversation_timeout=IDLE.total_seconds(),
        name="dialog",
        persistent=True,
    )


def late_handlers() -> list:
    """After the conversation: /batal outside a dialogue, and buttons no dialogue is waiting for."""
    return [
        CommandHandler("batal", nothing_to_cancel, filters=filters.UpdateType.MESSAGE),
        CallbackQueryHandler(stale_button),
    ]


# --- step builders shared by the forms ---------------------------------------------------------------

EarlierDate = Callable[[StepInput], Awaitable[tuple[date, str] | None]]


def date_step(
    what: str,
    example: str,
    *,
    after: EarlierDate | None = None,
    key: str = "date",
    applies: Callable[[dict[str, Any]], bool] = lambda values: True,
) -> Step:
    """A date: Hari ini / Kemarin / Tanggal lain (typed), checked like the one-line form checks it."""

    async def check(inp: StepInput, raw: str) -> str:
        from models import validation

        day = parse_date(raw, inp.today)
        validation.event_date(day, inp.today, what, example, key)
        if after is not None:
            earlier = await after(inp)
            if earlier is not None:
                validation.not_before(day, earlier[0], what, earlier[1], example, key)
        return day.isoformat()

    return Step(key, "date", f"Tanggal {what}?", check, applies=applies)


def as_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
