"""Guided dialogues: a write command sent without arguments asks for its inputs step by step, with buttons.

One ConversationHandler serves every form, so a user is in at most one dialogue per chat at a time. The
draft (form, step, values so far) lives in user_data under the chat's id, so it has the same key (chat,
user) as the conversation state: a group dialogue ending never touches the same user's private one. The
bot persists both in its database: a dialogue and its buttons survive a restart. Each step checks its
input with the same domain validation the one-line commands use, and asks the same step again on a
mistake.

Buttons carry `<form>|<step>|<op>|<arg>` (ids only, never titles), so callback_data stays far below
Telegram's 64 bytes. The draft keeps the data of the buttons the current step offered, and a press is
accepted only if its data is one of them: anything else (another form or step, a finished dialogue, data
nobody offered) is answered like a stale button and changes nothing.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
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

from bot.telegram_limits import fits_callback_data, shorten
from handlers import replies, services
from handlers.common import already_applied, answer_button, answer_error, apply, refusal, send
from models import members
from models.dates import parse_date
from models.errors import InputError
from models.permissions import Action, allowed
from models.tables import Member

log = logging.getLogger(__name__)

ACTIVE = "active"
END = ConversationHandler.END
DRAFTS = "dialogs"  # user_data key: chat id (as text) -> draft
LEGACY_DRAFT = "dialog"  # one draft per user, before drafts were kept per chat
IDLE = timedelta(minutes=10)
PAGE_SIZE = 8
BUTTON_LABEL_CHARS = 48
SEEN_UPDATES = 10
IDLE_MESSAGE = "Dialog berakhir karena tidak ada aktivitas selama 10 menit. Silakan mulai lagi."
STALE_BUTTON = "Tombol ini sudah tidak berlaku. Silakan mulai lagi dengan perintahnya."
DIALOG_LOST = "Dialog Anda sudah berakhir. Silakan mulai lagi dengan perintahnya."
RECORD_GONE = (
    "Catatan #{id} yang sedang Anda proses sudah tidak ada (mungkin baru saja diurungkan). "
    "Dialog dihentikan; tidak ada yang disimpan. Silakan mulai lagi."
)


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
    # The stored record the dialogue works on, once known: (table, id). Checked on every update, so a
    # record that disappeared meanwhile (an undo) ends the dialogue instead of failing at each step.
    record: Callable[[dict[str, Any]], tuple[type[SQLModel], int] | None] = field(default=lambda values: None)


FORMS: dict[str, Form] = {}


def register(form: Form) -> Form:
    FORMS[form.name] = form
    return form


# --- the draft -----------------------------------------------------------------------------------


def _chat_key(update: object) -> str | None:
    chat = update.effective_chat if isinstance(update, Update) else None
    return None if chat is None else str(chat.id)


def _draft(update: object, context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any] | None:
    """The draft of this user's dialogue in this update's chat."""
    key = _chat_key(update)
    data = context.user_data
    if data is None or key is None:
        return None
    if LEGACY_DRAFT in data:  # kept before drafts were per chat: it belongs to the dialogue the user goes on with
        data.setdefault(DRAFTS, {}).setdefault(key, data.pop(LEGACY_DRAFT))
    return (data.get(DRAFTS) or {}).get(key)


def _store(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: dict[str, Any]) -> None:
    key = _chat_key(update)
    assert context.user_data is not None and key is not None
    context.user_data.setdefault(DRAFTS, {})[key] = draft


def _clear(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    key = _chat_key(update)
    if context.user_data is None or key is None:
        return
    drafts = context.user_data.get(DRAFTS)
    if drafts is not None:
        drafts.pop(key, None)
        if not drafts:
            context.user_data.pop(DRAFTS, None)


def _repeated(context: ContextTypes.DEFAULT_TYPE, update: Update) -> bool:
    """True for an update this dialogue already took (Telegram redelivers after a crash): without this
    a redelivered answer to step 2 would be read as the answer to step 3."""
    draft = _draft(update, context)
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


def picked(model: type[SQLModel], key: str) -> Callable[[dict[str, Any]], tuple[type[SQLModel], int] | None]:
    """`Form.record` for a form whose record is chosen at step `key`."""
    return lambda values: (model, int(values[key])) if values.get(key) is not None else None


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
        _clear(update, context)
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
    _store(update, context, draft)
    _skip_inapplicable(form, draft)
    return await ask(update, context, error, member=member)


def _skip_inapplicable(form: Form, draft: dict[str, Any]) -> None:
    while draft["step"] < len(form.steps) and not form.steps[draft["step"]].applies(draft["values"]):
        draft["step"] += 1


# --- asking ----------------------------------------------------------------------------------------


async def ask(
    update: Update, context: ContextTypes.DEFAULT_TYPE, error: InputError | None = None, *, member: Member | None = None
) -> object:
    """Show the current step. A step that cannot even be shown (its choices or summary read a record
    that is no longer what the dialogue started from) ends the dialogue with the reason: asking again
    would fail the same way at every update until /batal."""
    try:
        return await _ask(update, context, error, member=member)
    except InputError as exc:
        return await _end(update, context, exc)


async def _end(update: Update, context: ContextTypes.DEFAULT_TYPE, exc: InputError) -> object:
    _clear(update, context)
    await answer_error(update, exc)
    return END


async def _ask(
    update: Update, context: ContextTypes.DEFAULT_TYPE, error: InputError | None = None, *, member: Member | None = None
) -> object:
    draft = _draft(update, context)
    form = FORMS[draft["form"]]
    index = draft["step"]
    member = member or await _member(context, update.effective_user.id)
    head = f"<b>{form.title}</b>"
    warn = f"{replies.warning(error)}\n" if error else ""
    cancel = [InlineKeyboardButton("Batal", callback_data=_callback(form.name, index, "n"))]

    async with services.of(context).db.session() as session:
        step_input = StepInput(session, draft["values"], services.of(context).clock.today(), member)
        if index >= len(form.steps):
            summary = await form.summary(step_input)
            keyboard = [[InlineKeyboardButton("Simpan", callback_data=_callback(form.name, index, "y")), cancel[0]]]
            _offer(draft, keyboard)
            await send(
                update, f"{warn}{head}\n{summary}\n\nSimpan data ini?", reply_markup=InlineKeyboardMarkup(keyboard)
            )
            return ACTIVE
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
                _clear(update, context)
                await send(update, f"{warn}{head}\n{replies.escape(step.empty)}")
                return END
            if not items and page > 0:  # the list shrank meanwhile
                draft["page"] = 0
                return await _ask(update, context, error, member=member)
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
    _offer(draft, rows)
    await send(update, f"{warn}{head}{progress}\n{prompt}", reply_markup=InlineKeyboardMarkup(rows))
    return ACTIVE


def _offer(draft: dict[str, Any], rows: list[list[InlineKeyboardButton]]) -> None:
    """Remember the buttons this step offers: the only presses the next update may make."""
    draft["offered"] = [b.callback_data for row in rows for b in row if isinstance(b.callback_data, str)]


def _position(form: Form, draft: dict[str, Any]) -> str:
    applicable = [i for i, s in enumerate(form.steps) if s.applies(draft["values"])]
    current = applicable.index(draft["step"]) + 1 if draft["step"] in applicable else len(applicable)
    return f"{current}/{len(applicable)}"


def _grid(buttons: list[InlineKeyboardButton], width: int = 3) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


# --- answering ---------------------------------------------------------------------------------------


async def _accept(update: Update, context: ContextTypes.DEFAULT_TYPE, raw: str, member: Member) -> object:
    """Check `raw` for the current step; on success move on, on a mistake ask the same step again."""
    draft = _draft(update, context)
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
    draft = _draft(update, context)
    if draft is None or draft.get("form") not in FORMS:  # e.g. state and draft written apart before a crash
        _clear(update, context)
        await send(update, DIALOG_LOST)
        return None, None
    if _expired(context, draft):
        _clear(update, context)
        await send(update, IDLE_MESSAGE)
        return None, None
    form = FORMS[draft["form"]]
    member = await _member(context, update.effective_user.id)
    if not allowed(member, form.action) or not form.available(member):
        _clear(update, context)
        await send(update, refusal(update.effective_user.id, member))
        return None, None
    record = form.record(draft["values"])
    if record is not None:
        async with services.of(context).db.session() as session:
            gone = await session.get(*record) is None
        if gone:
            _clear(update, context)
            await send(update, RECORD_GONE.format(id=record[1]))
            return None, None
    _touch(context, draft)
    return draft, member


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    if _repeated(context, update):
        return None
    draft, member = await _still_valid(update, context)
    if draft is None or member is None:
        return END
    form = FORMS[draft["form"]]
    text = (update.effective_message.text or "").strip()
    if draft["step"] >= len(form.steps):
        done = InputError("Tekan Simpan untuk menyimpan atau Batal untuk membatalkan.")
        return await ask(update, context, done, member=member)
    step = form.steps[draft["step"]]
    if step.kind == "choice" and not draft.get("typing"):
        try:
            async with services.of(context).db.session() as session:
                inp = StepInput(session, draft["values"], services.of(context).clock.today(), member)
                choices = step.choices if not callable(step.choices) else await step.choices(inp)
        except InputError as exc:
            return await _end(update, context, exc)
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
    if query is None:
        return None
    if _repeated(context, update):
        return None  # answered the first time
    data = query.data or ""
    draft = _draft(update, context)
    if draft is None or data not in draft.get("offered", ()):
        await answer_button(query, STALE_BUTTON, alert=True)
        return None  # the conversation state stays as it is
    draft, member = await _still_valid(update, context)
    if draft is None or member is None:
        await answer_button(query)
        return END
    _, _, op, arg = data.split("|", 3)
    form = FORMS[draft["form"]]
    if op == "n":
        await answer_button(query, "Dibatalkan")
        await _drop_keyboard(query)
        _clear(update, context)
        await send(update, "Dialog dibatalkan; tidak ada yang disimpan.")
        return END
    await answer_button(query)
    await _drop_keyboard(query)
    if op == "g":
        draft["page"] = max(int(arg), 0)
        return await ask(update, context, member=member)
    if op == "y":
        return await _save(update, context, form, member, draft["values"])
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
    """Old buttons disappear once used, so they cannot be pressed twice. Telegram may refuse the edit (an
    old message, a network hiccup); the press still counts, so that is only noted."""
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as exc:
        log.debug("could not remove the buttons of a pressed message: %s", exc)


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
        draft = _draft(update, context)
        again = [i for i, s in enumerate(form.steps) if s.key == exc.field and s.applies(values)]
        if draft is not None and again:
            draft["step"] = again[0]
            draft["page"] = 0
            draft["typing"] = False
            return await ask(update, context, exc, member=member)
        _clear(update, context)
        await answer_error(update, exc)
        return END
    _clear(update, context)
    return END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> object:
    _clear(update, context)
    await send(update, "Dialog dibatalkan; tidak ada yang disimpan.")
    return END


async def nothing_to_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, "Tidak ada dialog yang sedang berjalan.")


async def timed_out(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    _clear(update, context)
    if isinstance(update, Update):
        await send(update, IDLE_MESSAGE)


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button from a dialogue that has ended (finished, cancelled, timed out, or before a restart)."""
    if update.callback_query is not None:
        await answer_button(update.callback_query, STALE_BUTTON, alert=True)


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


def as_date(value: str) -> date:
    """A draft's date, stored in ISO form so the draft stays JSON."""
    return date.fromisoformat(value)
