"""/ubah, /urungkan, /riwayat: fixing mistakes without an administrator, with the history kept."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update

from handlers import dialog, replies, targets
from handlers.common import answer_error, send, write
from handlers.dialog import Form, SaveContext, Step, StepInput, StepKind
from handlers.services import BotContext
from models import corrections, members, registry, validation
from models.dates import parse_date
from models.errors import InputError
from models.permissions import Action
from models.records import FieldKind, FieldSpec
from models.tables import Member


async def _start(update: Update, context: BotContext, member: Member) -> dict:
    """`/ubah produk 12`: which record; the fields to offer depend on it and on the member's role."""
    example = corrections.EXAMPLE_EDIT
    kind, record_id = corrections.parse_ref(list(context.args or []), example)
    async with context.services.db.session() as session:
        record = await kind.get(session, record_id, example)
        if not corrections.editable_fields(record, member):
            raise InputError(f"Tidak ada data pada catatan #{record_id} yang dapat Anda ubah.", example)
    return {"entity": kind.entity, "id": record_id}


def _field(values: dict[str, Any]) -> FieldSpec:
    return registry.of(values["entity"]).field(values["field"])


async def _field_choices(inp: StepInput):
    """The fields the member may change now; none left (their role changed meanwhile) ends the dialogue."""
    record = await corrections.load(inp.session, inp.values["entity"], inp.values["id"], corrections.EXAMPLE_EDIT)
    fields = corrections.editable_fields(record, inp.member)
    if not fields:
        raise InputError(f"Tidak ada data pada catatan #{record.id} yang dapat Anda ubah.", corrections.EXAMPLE_EDIT)
    return [(f.label, f.name) for f in fields]


async def _check_field(inp: StepInput, raw: str) -> str:
    choices = await _field_choices(inp)
    if raw not in [name for _, name in choices]:
        raise InputError("Silakan pilih salah satu tombol di bawah.")
    return raw


async def _check_value(inp: StepInput, raw: str) -> object:
    """The new value, checked by the same rules as when it was logged."""
    value = parse_date(raw, inp.today) if _field(inp.values).kind == FieldKind.date else raw
    _, _, cleaned = await corrections.check_edit(
        inp.session,
        member=inp.member,
        entity=inp.values["entity"],
        record_id=inp.values["id"],
        field=inp.values["field"],
        value=value,
        today=inp.today,
    )
    return cleaned if isinstance(cleaned, date) else raw


def _shown(field: FieldSpec, value: object) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, date):
        return validation.human_date(value)
    return escape(str(value))


async def _summary(inp: StepInput) -> str:
    record = await corrections.load(inp.session, inp.values["entity"], inp.values["id"], corrections.EXAMPLE_EDIT)
    field = _field(inp.values)
    card = replies.card(record)
    return (
        f"{card}\n\n{escape(field.label)}: {_shown(field, getattr(record, field.name))} → "
        f"{_shown(field, inp.values['value'])}"
    )


async def _save(session: AsyncSession, values: dict[str, Any], member: Member, ctx: SaveContext) -> str:
    value = values["value"]
    record = await corrections.edit(
        session,
        member=member,
        entity=values["entity"],
        record_id=values["id"],
        field=values["field"],
        value=value,
        today=ctx.today,
        now=ctx.now,
        update_id=ctx.update_id,
    )
    return "✅ Perubahan disimpan.\n" + replies.card(record)


def _is_date(values: dict[str, Any]) -> bool:
    return "field" in values and _field(values).kind == FieldKind.date


UBAH = dialog.register(
    Form(
        name="ubah",
        title="Ubah data",
        action=Action.correct,
        steps=(
            Step("field", StepKind.choice, "Data mana yang diubah?", _check_field, choices=_field_choices),
            Step("value", StepKind.date, "Tanggal yang benar?", _check_value, applies=_is_date),
            Step("value", StepKind.text, "Ketik nilai yang benar:", _check_value, applies=lambda v: not _is_date(v)),
        ),
        summary=_summary,
        save=_save,
        start_values=_start,
        record=lambda values: (registry.of(values["entity"]).table, values["id"]),
    )
)


async def urungkan(update: Update, context: BotContext, member: Member) -> None:
    """/urungkan: undo your own latest write of the last 24 hours (admins: anyone's)."""
    svc = context.services
    undone = []

    async def work(session) -> str:
        entry, *also = await corrections.undo_last(
            session, member=member, now=svc.clock.utcnow(), update_id=update.update_id
        )
        undone.append(entry)
        names = await members.names(session, [entry.actor_id])
        return "↩️ Diurungkan: " + replies.audit_summary(entry, names, svc.clock.tz) + replies.undone_with(also)

    if await write(update, context, work) and undone and undone[0].entity == "member":
        user_id = int(undone[0].entity_id)
        async with svc.db.session() as session:
            restored = await members.get(session, user_id)
        await context.services.menus.refresh(user_id, restored)


async def riwayat(update: Update, context: BotContext, member: Member) -> None:
    """/riwayat <produk|perkara> <id>: who changed what and when, newest first. `/riwayat target [tahun]`:
    the targets' history."""
    example = corrections.EXAMPLE_HISTORY
    svc = context.services
    args = list(context.args or [])
    if args and validation.keyword(args[0]) == "target":
        await targets.history(update, context, args[1:])
        return
    try:
        kind, record_id = corrections.parse_ref(list(context.args or []), example)
        async with svc.db.session() as session:
            entries, total = await corrections.history(session, kind.entity, record_id)
            if total == 0:
                await kind.get(session, record_id, example)  # says "not found" if so
            names = await members.names(session, [e.actor_id for e in entries])
    except InputError as exc:
        await answer_error(update, exc)
        return
    lines = [replies.audit_line(e, names, svc.clock.tz) for e in entries]
    await send(update, replies.listing(f"Riwayat {kind.label} #{record_id}", lines, total, "Belum ada riwayat."))
