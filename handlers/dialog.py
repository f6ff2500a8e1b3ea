"""Guided dialogues: a write command sent without arguments asks for its inputs step by step, with buttons.

One ConversationHandler serves every form, so a user is in at most one dialogue per chat at a time. The
draft (form, step, values so far) lives in user_data under the chat's id, so it has the same key (chat,
user) as the conversation state: a group dialogue ending never touches the same user's private one. The
bot persists both in its database: a dialogue and its buttons survive a restart. Each step checks its
input with the same domain validation the one-line commands use, and asks the same step again on a
mistake.

Buttons carry `<form>|<step>|<op>|<arg>` (ids only, never titles; see `Press`), so callback_data stays
far below Telegram's 64 bytes. The draft keeps the data of the buttons the current step offered, and a press is
accepted only if its data is one of them: anything else (another form or step, a finished dialogue, data
nobody offered) is answered like a stale button and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import replies
from handlers.common import already_applied, answer_button, answer_error, apply, member_of, refusal, send
from handlers.services import BotContext
from handlers.telegram_limits import fits_callback_data, shorten
from models.dates import parse_date
from models.db import Database
from models.errors import InputError
from models.permissions import Action, allowed
from models.records import RecordSpec
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
TYPE_A_DATE = "Ketik tanggalnya, misalnya 1 Maret 2026, 01-03-2026, atau 2 hari lalu:"
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
Choices = Sequence[tuple[str, str]] | Callable[[StepInput], Awaitable[Sequence[tuple[str, str]]]]


class StepKind(StrEnum):
    choice = "choice"  # buttons with fixed or computed values, optionally "type it instead"
    text = "text"  # typed text, optionally skippable
    date = "date"  # Hari ini / Kemarin / typed
    pick = "pick"  # a record from a paged listing


class Op(StrEnum):
    """What a button does. One letter each: they are part of callback data stored in drafts."""

    cancel = "n"
    save = "y"
    choose = "c"  # the value is the button's argument
    type_instead = "o"
    skip = "s"
    page = "g"
    pick = "p"


@dataclass(frozen=True)
class Press:
    """A button's callback data: the one encoder and decoder of `<form>|<step>|<op>|<arg>`."""

    form: str
    step: int
    op: Op
    arg: str = ""

    def encode(self) -> str:
        data = f"{self.form}|{self.step}|{self.op.value}|{self.arg}"
        assert fits_callback_data(data), data
        return data

    @classmethod
    def decode(cls, data: str) -> Press | None:
        parts = data.split("|", 3)
        if len(parts) != 4 or not parts[1].isdigit() or parts[2] not in {op.value for op in Op}:
            return None
        return cls(parts[0], int(parts[1]), Op(parts[2]), parts[3])


@dataclass(frozen=True)
class Step:
    key: str
    kind: StepKind
    prompt: str
    check: Check  # typed or chosen text -> the stored value (a date for date steps); raises InputError
    choices: Choices = ()
    other: str | None = None  # choice step: a button that lets the user type the value instead
    typed_prompt: str = "Ketik isiannya:"  # shown after that button
    optional: bool = False  # text step: offers "Lewati"
    listing: Listing | None = None  # pick step: (label, id) page and total
    # A pick step whose listing depends on today or the values so far (instead of `listing`).
    listing_on: Callable[[StepInput, int, int], Awaitable[tuple[list[tuple[str, int]], int]]] | None = None
    empty: str = "Tidak ada data yang dapat dipilih."
    applies: Callable[[dict[str, Any]], bool] = lambda values: True


@dataclass(frozen=True)
class SaveContext:
    today: date
    now: datetime
    update_id: int
    local_now: datetime | None = None  # now in the configured zone (a hearing must not be in the past)


@dataclass(frozen=True)
class Form:
    name: str
    title: str
    action: Action
    steps: tuple[Step, ...]
    summary: Callable[[StepInput], Awaitable[str]]
    # Gets the session `apply` opened, or with `plain_save` a plain transaction (models/db.py Transaction).
    save: Callable[[Any, dict[str, Any], Member, SaveContext], Awaitable[str]]
    # The one-line form: command arguments -> the same values the dialogue collects (raises InputError).
    parse_args: Callable[[list[str], date], dict[str, Any]] | None = None
    # A one-line entry that needs a second look (e.g. a near-duplicate title) goes to the summary first.
    # A check, never a write: it reads what it needs from the database.
    confirm_first: Callable[[Database, dict[str, Any]], Awaitable[bool]] | None = None
    # `save` writes with plain statements (models/db.py `inserted`...), so it runs in a plain transaction:
    # for the form written most often (/usul), where a session's unit of work cost most of the reply.
    plain_save: bool = False
    start_values: Callable[[Update, BotContext, Member], Awaitable[dict[str, Any]]] | None = None
    available: Callable[[Member], bool] = field(default=lambda member: True)
    # A one-line form that answers by itself instead of through parse_args and save (/status reads with
    # an id alone and writes with more): it gets the update and the member, who passed `action`.
    own_line: Callable[[Update, BotContext, Member], Awaitable[None]] | None = None
    # The stored record the dialogue works on, once known: (table, id). Checked on every update, so a
    # record that disappeared meanwhile (an undo) ends the dialogue instead of failing at each step.
    record: Callable[[dict[str, Any]], tuple[type[SQLModel], int] | None] = field(default=lambda values: None)
    # A command whose form also answers other uses (`/sidang` lists, `/sidang batal 5` cancels): called
    # with the arguments before anything else; None when it answered the update itself, otherwise the
    # arguments to go on with (none: the dialogue).
    preface: Callable[[Update, BotContext, list[str]], Awaitable[list[str] | None]] | None = None


FORMS: dict[str, Form] = {}


def register(form: Form) -> Form:
    FORMS[form.name] = form
    return form


# --- the draft -----------------------------------------------------------------------------------


@dataclass
class Draft:
    """A dialogue in progress. Stored in user_data as JSON (see `to_json`) in the same shape the earlier
    versions stored, so drafts survive an upgrade in both directions; dates are real dates in memory and
    ISO text when stored."""

    form: str
    step: int = 0
    values: dict[str, Any] = field(default_factory=dict)
    page: int = 0
    typing: bool = False  # the user chose to type instead of pressing a choice
    seen: list[int] = field(default_factory=list)
    offered: list[str] = field(default_factory=list)
    touched: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        values = {k: v.isoformat() if isinstance(v, date) else v for k, v in self.values.items()}
        return {
            "form": self.form,
            "step": self.step,
            "values": values,
            "page": self.page,
            "typing": self.typing,
            "seen": list(self.seen),
            "offered": list(self.offered),
            "touched": self.touched.isoformat() if self.touched else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft | None:
        form = FORMS.get(str(data.get("form")))
        if form is None:
            return None
        touched = data.get("touched")
        draft = cls(
            form=form.name,
            step=int(data.get("step", 0)),
            values=dict(data.get("values") or {}),
            page=int(data.get("page", 0)),
            typing=bool(data.get("typing")),
            seen=list(data.get("seen") or []),
            offered=list(data.get("offered") or []),
            touched=datetime.fromisoformat(touched) if touched else None,
        )
        # The values of date steps are stored as ISO text; which values are dates is the form's to say.
        for step in form.steps:
            value = draft.values.get(step.key)
            if step.kind == StepKind.date and isinstance(value, str) and step.applies(draft.values):
                draft.values[step.key] = date.fromisoformat(value)
        return draft

    @property
    def spec(self) -> Form:
        return FORMS[self.form]

    def go_to(self, index: int) -> None:
        """Move to step `index` afresh: first page, buttons rather than typing, inapplicable steps passed."""
        self.step, self.page, self.typing = index, 0, False
        steps = self.spec.steps
        while self.step < len(steps) and not steps[self.step].applies(self.values):
            self.step += 1


def _chat_key(update: object) -> str | None:
    chat = update.effective_chat if isinstance(update, Update) else None
    return None if chat is None else str(chat.id)


def _stored(update: object, context: BotContext) -> dict[str, Any] | None:
    key = _chat_key(update)
    data = context.user_data
    if data is None or key is None:
        return None
    if LEGACY_DRAFT in data:  # kept before drafts were per chat: it belongs to the dialogue the user goes on with
        data.setdefault(DRAFTS, {}).setdefault(key, data.pop(LEGACY_DRAFT))
    stored = (data.get(DRAFTS) or {}).get(key)
    return stored if isinstance(stored, dict) else None


def _draft(update: object, context: BotContext) -> Draft | None:
    """The draft of this user's dialogue in this update's chat (None also for a form that no longer
    exists)."""
    stored = _stored(update, context)
    return None if stored is None else Draft.from_json(stored)


def _store(update: Update, context: BotContext, draft: Draft) -> None:
    key = _chat_key(update)
    assert context.user_data is not None and key is not None
    context.user_data.setdefault(DRAFTS, {})[key] = draft.to_json()


def _clear(update: object, context: BotContext) -> None:
    key = _chat_key(update)
    if context.user_data is None or key is None:
        return
    drafts = context.user_data.get(DRAFTS)
    if drafts is not None:
        drafts.pop(key, None)
        if not drafts:
            context.user_data.pop(DRAFTS, None)


def _repeated(context: BotContext, update: Update) -> bool:
    """True for an update this dialogue already took (Telegram redelivers after a crash): without this
    a redelivered answer to step 2 would be read as the answer to step 3."""
    draft = _draft(update, context)
    if draft is None:
        return False
    if update.update_id in draft.seen:
        return True
    draft.seen = [*draft.seen, update.update_id][-SEEN_UPDATES:]
    _store(update, context, draft)
    return False


def _expired(context: BotContext, draft: Draft) -> bool:
    return draft.touched is None or context.services.clock.utcnow() - draft.touched > IDLE


async def _member(context: BotContext, update: Update) -> Member | None:
    return await member_of(update, context)


def picked(model: type[SQLModel], key: str) -> Callable[[dict[str, Any]], tuple[type[SQLModel], int] | None]:
    """`Form.record` for a form whose record is chosen at step `key`."""
    return lambda values: (model, int(values[key])) if values.get(key) is not None else None


def _button(label: str, form: str, step: int, op: Op, arg: object = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=Press(form, step, op, str(arg)).encode())


# --- starting --------------------------------------------------------------------------------------


def entry(form: Form) -> Callable[[Update, BotContext], Coroutine[Any, Any, object]]:
    """The command: one-line form when it has arguments, otherwise the dialogue."""

    async def start_command(update: Update, context: BotContext) -> object:
        user = update.effective_user
        if _repeated(context, update):
            return None  # the dialogue this command started goes on
        if user is None or await already_applied(update, context):
            return END
        args: list[str] | None = list(context.args or [])
        if form.preface is not None:
            args = await form.preface(update, context, args or [])
            if args is None:  # answered: a dialogue this chat had open ends, as with any other command
                _clear(update, context)
                return END
        member = await _member(context, update)
        if not allowed(member, form.action) or not form.available(member):
            await send(update, refusal(user.id, member))
            return END
        _clear(update, context)
        if args and form.own_line is not None:
            await form.own_line(update, context, member)
            return END
        if args and form.parse_args is not None:
            return await _one_line(update, context, form, member, args)
        try:
            values = await form.start_values(update, context, member) if form.start_values else {}
        except InputError as exc:
            await answer_error(update, exc)
            return END
        return await begin(update, context, form, values, member=member)

    return start_command


async def _one_line(update: Update, context: BotContext, form: Form, member: Member, args: list[str]) -> object:
    svc = context.services
    assert form.parse_args is not None
    try:
        values = form.parse_args(args, svc.clock.today())
    except InputError as exc:
        await answer_error(update, exc)
        return END
    if form.confirm_first is not None:
        ask_first = await form.confirm_first(svc.db, values)
        if ask_first:
            return await begin(update, context, form, values, at_step=len(form.steps), member=member)
    return await _save(update, context, form, member, values)


async def begin(
    update: Update,
    context: BotContext,
    form: Form,
    values: dict[str, Any],
    at_step: int = 0,
    error: InputError | None = None,
    member: Member | None = None,
) -> object:
    """Start (or resume at `at_step`) a dialogue with `values` already known."""
    draft = Draft(form.name, values=values, seen=[update.update_id], touched=context.services.clock.utcnow())
    draft.go_to(at_step)
    member = member or await _member(context, update)
    if member is None:
        return END
    return await ask(update, context, draft, member, error)


# --- asking ----------------------------------------------------------------------------------------

Rows = list[list[InlineKeyboardButton]]


async def ask(
    update: Update, context: BotContext, draft: Draft, member: Member, error: InputError | None = None
) -> object:
    """Show the current step. A step that cannot even be shown (its choices or summary read a record
    that is no longer what the dialogue started from) ends the dialogue with the reason: asking again
    would fail the same way at every update until /batal.

    The step is composed inside the session and sent after it: on SQLite one transaction runs at a time
    in this process (models/db.py), and a reply waiting for Telegram's rate limit must not hold it."""
    shown: tuple[str, Rows] | None
    try:
        async with context.services.db.session() as session:
            inp = StepInput(session, draft.values, context.services.clock.today(), member)
            shown = await (_summary(draft, inp) if draft.step >= len(draft.spec.steps) else _step(draft, inp))
    except InputError as exc:
        return await _end(update, context, exc)
    if shown is None:  # a pick step with nothing to pick
        _clear(update, context)
        await send(update, f"{_head(draft, error)}\n{replies.escape(draft.spec.steps[draft.step].empty)}")
        return END
    text, rows = shown
    draft.offered = [b.callback_data for row in rows for b in row if isinstance(b.callback_data, str)]
    _store(update, context, draft)  # remember the buttons offered: the only presses the next update may make
    await send(update, f"{_head(draft, error)}{text}", reply_markup=InlineKeyboardMarkup(rows))
    return ACTIVE


def _head(draft: Draft, error: InputError | None) -> str:
    warn = f"{replies.warning(error)}\n" if error else ""
    return f"{warn}<b>{draft.spec.title}</b>"


def _cancel(draft: Draft) -> InlineKeyboardButton:
    return _button("Batal", draft.form, draft.step, Op.cancel)


async def _summary(draft: Draft, inp: StepInput) -> tuple[str, Rows]:
    summary = await draft.spec.summary(inp)
    rows = [[_button("Simpan", draft.form, draft.step, Op.save), _cancel(draft)]]
    return f"\n{summary}\n\nSimpan data ini?", rows


async def _step(draft: Draft, inp: StepInput) -> tuple[str, Rows] | None:
    step = draft.spec.steps[draft.step]
    prompt = step.prompt
    rows: Rows = []
    if draft.typing:
        prompt = step.typed_prompt if step.kind == StepKind.choice else TYPE_A_DATE
    elif step.kind == StepKind.choice:
        rows = await _choice_rows(draft, step, inp)
    elif step.kind == StepKind.date:
        rows = _date_rows(draft)
    elif step.kind == StepKind.text and step.optional:
        rows = [[_button("Lewati", draft.form, draft.step, Op.skip)]]
    elif step.kind == StepKind.pick:
        picked_rows = await _pick_rows(draft, step, inp)
        if picked_rows is None:
            return None
        rows, pages = picked_rows
        if pages > 1:
            prompt += f" (halaman {draft.page + 1} dari {pages})"
    rows.append([_cancel(draft)])
    return f" ({_position(draft)})\n{prompt}", rows


async def choices_of(step: Step, inp: StepInput) -> Sequence[tuple[str, str]]:
    return await step.choices(inp) if callable(step.choices) else step.choices


async def _choice_rows(draft: Draft, step: Step, inp: StepInput) -> Rows:
    choices = await choices_of(step, inp)
    rows = _grid([_button(label, draft.form, draft.step, Op.choose, value) for label, value in choices])
    if step.other:
        rows.append([_button(step.other, draft.form, draft.step, Op.type_instead)])
    return rows


def _date_rows(draft: Draft) -> Rows:
    return [
        [
            _button("Hari ini", draft.form, draft.step, Op.choose, "hari ini"),
            _button("Kemarin", draft.form, draft.step, Op.choose, "kemarin"),
        ],
        [_button("Tanggal lain", draft.form, draft.step, Op.type_instead)],
    ]


async def _pick_rows(draft: Draft, step: Step, inp: StepInput) -> tuple[Rows, int] | None:
    """A page of records to pick, with ‹ › when there are more; None when there is nothing at all."""

    async def page(offset: int) -> tuple[list[tuple[str, int]], int]:
        if step.listing_on is not None:
            return await step.listing_on(inp, offset, PAGE_SIZE)
        assert step.listing is not None
        return await step.listing(inp.session, offset, PAGE_SIZE)

    items, total = await page(draft.page * PAGE_SIZE)
    if total == 0:
        return None
    if not items and draft.page > 0:  # the list shrank meanwhile
        draft.page = 0
        items, total = await page(0)
    rows = [
        [_button(shorten(label, BUTTON_LABEL_CHARS), draft.form, draft.step, Op.pick, item_id)]
        for label, item_id in items
    ]
    nav = []
    if draft.page > 0:
        nav.append(_button("‹", draft.form, draft.step, Op.page, draft.page - 1))
    if (draft.page + 1) * PAGE_SIZE < total:
        nav.append(_button("›", draft.form, draft.step, Op.page, draft.page + 1))
    if nav:
        rows.append(nav)
    return rows, (total + PAGE_SIZE - 1) // PAGE_SIZE


async def _end(update: Update, context: BotContext, exc: InputError) -> object:
    _clear(update, context)
    await answer_error(update, exc)
    return END


def _position(draft: Draft) -> str:
    applicable = [i for i, s in enumerate(draft.spec.steps) if s.applies(draft.values)]
    current = applicable.index(draft.step) + 1 if draft.step in applicable else len(applicable)
    return f"{current}/{len(applicable)}"


def _grid(buttons: list[InlineKeyboardButton], width: int = 3) -> Rows:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


# --- answering ---------------------------------------------------------------------------------------


async def _accept(update: Update, context: BotContext, draft: Draft, raw: str, member: Member) -> object:
    """Check `raw` for the current step; on success move on, on a mistake ask the same step again."""
    step = draft.spec.steps[draft.step]
    try:
        async with context.services.db.session() as session:
            value = await step.check(StepInput(session, draft.values, context.services.clock.today(), member), raw)
    except InputError as exc:
        return await ask(update, context, draft, member, exc)
    draft.values[step.key] = value
    draft.go_to(draft.step + 1)
    return await ask(update, context, draft, member)


async def _still_valid(update: Update, context: BotContext) -> tuple[Draft, Member] | None:
    """The draft and member, or None after telling the user why the dialogue ended."""
    draft = _draft(update, context)
    if draft is None:  # e.g. state and draft written apart before a crash
        _clear(update, context)
        await send(update, DIALOG_LOST)
        return None
    if _expired(context, draft):
        _clear(update, context)
        await send(update, IDLE_MESSAGE)
        return None
    form = draft.spec
    member = await _member(context, update)
    if not allowed(member, form.action) or not form.available(member):
        _clear(update, context)
        user = update.effective_user
        await send(update, refusal(user.id if user else 0, member))
        return None
    record = form.record(draft.values)
    if record is not None:
        async with context.services.db.session() as session:
            gone = await session.get(*record) is None
        if gone:
            _clear(update, context)
            await send(update, RECORD_GONE.format(id=record[1]))
            return None
    draft.touched = context.services.clock.utcnow()
    _store(update, context, draft)
    return draft, member


async def on_text(update: Update, context: BotContext) -> object:
    if _repeated(context, update):
        return None
    valid = await _still_valid(update, context)
    if valid is None:
        return END
    draft, member = valid
    form = draft.spec
    message = update.effective_message
    text = ((message.text if message else None) or "").strip()
    if draft.step >= len(form.steps):
        done = InputError("Tekan Simpan untuk menyimpan atau Batal untuk membatalkan.")
        return await ask(update, context, draft, member, done)
    step = form.steps[draft.step]
    if step.kind == StepKind.choice and not draft.typing:
        try:
            async with context.services.db.session() as session:
                choices = await choices_of(
                    step, StepInput(session, draft.values, context.services.clock.today(), member)
                )
        except InputError as exc:
            return await _end(update, context, exc)
        match = next((value for label, value in choices if label.lower() == text.lower()), None)
        if match is not None:
            return await _accept(update, context, draft, match, member)
        if step.other is None:
            choose = InputError("Silakan pilih salah satu tombol di bawah.")
            return await ask(update, context, draft, member, choose)
    if step.kind == StepKind.pick:
        return await _accept(update, context, draft, text.lstrip("#"), member)
    return await _accept(update, context, draft, text, member)


async def on_button(update: Update, context: BotContext) -> object:
    query = update.callback_query
    if query is None:
        return None
    if _repeated(context, update):
        return None  # answered the first time
    data = query.data or ""
    draft = _draft(update, context)
    press = Press.decode(data)
    if draft is None or press is None or data not in draft.offered:
        await answer_button(query, STALE_BUTTON, alert=True)
        return None  # the conversation state stays as it is
    valid = await _still_valid(update, context)
    if valid is None:
        await answer_button(query)
        return END
    draft, member = valid
    if press.op == Op.cancel:
        await answer_button(query, "Dibatalkan")
        await _drop_keyboard(query)
        _clear(update, context)
        await send(update, "Dialog dibatalkan; tidak ada yang disimpan.")
        return END
    await answer_button(query)
    await _drop_keyboard(query)
    if press.op == Op.page:
        draft.page = max(int(press.arg), 0)
        return await ask(update, context, draft, member)
    if press.op == Op.save:
        return await _save(update, context, draft.spec, member, draft.values)
    if press.op == Op.type_instead:
        draft.typing = True
        return await ask(update, context, draft, member)
    if press.op == Op.skip:
        draft.values[draft.spec.steps[draft.step].key] = None
        draft.go_to(draft.step + 1)
        return await ask(update, context, draft, member)
    return await _accept(update, context, draft, press.arg, member)


async def _drop_keyboard(query: CallbackQuery) -> None:
    """Old buttons disappear once used, so they cannot be pressed twice. Telegram may refuse the edit (an
    old message, a network hiccup); the press still counts, so that is only noted."""
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as exc:
        log.debug("could not remove the buttons of a pressed message: %s", exc)


async def _save(update: Update, context: BotContext, form: Form, member: Member, values: dict[str, Any]) -> object:
    """Save once per update; a mistake found only now goes back to its step when a dialogue is running."""
    svc = context.services
    ctx = SaveContext(svc.clock.today(), svc.clock.utcnow(), update.update_id, svc.clock.now())

    async def work(writer: Any) -> str:
        return await form.save(writer, values, member, ctx)

    try:
        await apply(update, context, work, plain=form.plain_save)
    except InputError as exc:
        draft = _draft(update, context)
        again = [i for i, s in enumerate(form.steps) if s.key == exc.field and s.applies(values)]
        if draft is not None and again:
            draft.values = values
            draft.go_to(again[0])
            return await ask(update, context, draft, member, exc)
        _clear(update, context)
        await answer_error(update, exc)
        return END
    _clear(update, context)
    return END


async def cancel(update: Update, context: BotContext) -> object:
    _clear(update, context)
    await send(update, "Dialog dibatalkan; tidak ada yang disimpan.")
    return END


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    await send(update, "Tidak ada dialog yang sedang berjalan.")


async def timed_out(update: object, context: BotContext) -> None:
    _clear(update, context)
    if isinstance(update, Update):
        await send(update, IDLE_MESSAGE)


async def stale_button(update: Update, context: BotContext) -> None:
    """A button from a dialogue that has ended (finished, cancelled, timed out, or before a restart)."""
    if update.callback_query is not None:
        await answer_button(update.callback_query, STALE_BUTTON, alert=True)


def conversation(forms: Sequence[Form]) -> ConversationHandler:
    """One handler for every form. per_message=False is deliberate: a dialogue belongs to a user in a
    chat and spans many messages; buttons are matched to the dialogue by the step in their callback data
    instead. python-telegram-bot warns about that combination; the application silences the warning where
    it is configured (bot/app.py), not here."""
    new_messages = filters.UpdateType.MESSAGE
    return ConversationHandler(
        entry_points=[CommandHandler(form.name, entry(form), filters=new_messages) for form in forms],
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


def late_handlers() -> list[BaseHandler[Update, Any, Any]]:
    """After the conversation: /batal outside a dialogue, and buttons no dialogue is waiting for."""
    return [
        CommandHandler("batal", nothing_to_cancel, filters=filters.UpdateType.MESSAGE),
        CallbackQueryHandler(stale_button),
    ]


# --- step builders shared by the forms ---------------------------------------------------------------


def date_step(
    kind: RecordSpec,
    name: str,
    example: str,
    *,
    record_key: str | None = None,
    key: str = "date",
    applies: Callable[[dict[str, Any]], bool] = lambda values: True,
) -> Step:
    """A date of a record (`kind.field(name)`): Hari ini / Kemarin / Tanggal lain (typed), checked by
    the record type's date rule against the record picked at step `record_key` (none: a new record)."""
    what = kind.field(name).what

    async def check(inp: StepInput, raw: str) -> date:
        day = parse_date(raw, inp.today)
        record = None
        if record_key is not None and inp.values.get(record_key) is not None:
            record = await kind.get(inp.session, int(inp.values[record_key]), example)
        return kind.check_date(record, name, day, inp.today, example, key)

    return Step(key, StepKind.date, f"Tanggal {what}?", check, applies=applies)
