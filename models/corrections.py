"""Corrections: changing one field of a record with the same checks as logging it, undoing one's own
latest write, and reading a record's history from the audit trail."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import audit, members, paging, registry, targets, validation
from models.errors import InputError
from models.permissions import Action, allowed
from models.records import FieldKind, FieldSpec, RecordSpec
from models.tables import AuditEntry, Member, Subsection, Target

UNDO_WINDOW = timedelta(hours=24)
EXAMPLE_EDIT = "/ubah produk 12"
EXAMPLE_HISTORY = "/riwayat produk 12"
MEMBER_LABELS = {"role": "Peran", "subsection": "Subbag", "name": "Nama"}
FIELD_LABELS = registry.field_labels() | MEMBER_LABELS


def parse_ref(args: list[str], example: str) -> tuple[RecordSpec, int]:
    """`produk 12` or `perkara 3`: (record type, id)."""
    if len(args) != 2:
        raise InputError("Sebutkan jenis catatan (produk atau perkara) dan id-nya.", example)
    return registry.by_keyword(args[0], example), validation.record_id(args[1], args[0].lower(), example)


async def load(session: AsyncSession, entity: str, record_id: int, example: str) -> Any:
    return await registry.of(entity).get(session, record_id, example)


def editable_fields(record: object, member: Member) -> list[FieldSpec]:
    """Fields that apply to the record's stage and that the member's role may change."""
    return [f for f in registry.of_record(record).editable_fields(record) if allowed(member, f.action)]


async def check_edit(
    session: AsyncSession, *, member: Member, entity: str, record_id: int, field: str, value: str | date, today: date
) -> tuple[Any, FieldSpec, object]:
    """Validate a change without making it: the record, the field, and the cleaned new value."""
    record = await load(session, entity, record_id, EXAMPLE_EDIT)
    spec = next((f for f in editable_fields(record, member) if f.name == field), None)
    if spec is None:
        raise InputError(f"Data ini tidak dapat Anda ubah pada catatan #{record_id}.", EXAMPLE_EDIT)
    kind = registry.of(entity)
    new: object
    if spec.kind == FieldKind.date:
        assert isinstance(value, date)
        new = kind.check_date(record, field, value, today, EXAMPLE_EDIT, "value")
    else:
        assert isinstance(value, str)
        new = kind.clean(field, value, EXAMPLE_EDIT, "value")
    if getattr(record, field) == new:
        raise InputError(f"{spec.label} sudah bernilai itu; tidak ada yang diubah.", EXAMPLE_EDIT, "value")
    await kind.check_unique(session, record, field, new)
    return record, spec, new


async def edit(
    session: AsyncSession,
    *,
    member: Member,
    entity: str,
    record_id: int,
    field: str,
    value: str | date,
    today: date,
    now: datetime,
    update_id: int | None = None,
) -> Any:
    record, _, new = await check_edit(
        session, member=member, entity=entity, record_id=record_id, field=field, value=value, today=today
    )
    before = audit.snapshot(record)
    setattr(record, field, new)
    registry.of(entity).derive(record)
    record.updated_at = now
    try:
        await session.flush()
    except IntegrityError as exc:
        raise InputError("Nilai itu sudah dipakai oleh catatan lain.", EXAMPLE_EDIT, "value") from exc
    await audit.record_change(
        session, record, f"{entity}.edit", at=now, actor_id=member.user_id, before=before, update_id=update_id
    )
    return record


# --- undo ----------------------------------------------------------------------------------------

TABLES: dict[str, type[SQLModel]] = {spec.entity: spec.table for spec in registry.RECORDS.values()} | {
    "member": Member,
    "target": Target,
}
UNDOABLE = (
    "product.propose",
    "product.enact",
    "product.publish",
    "product.edit",
    "case.open",
    "case.resolve",
    "case.edit",
    "member.put",
    "member.remove",
    "target.set",
    "target.remove",
)


# What undoing an entry does, as the forward action that makes the same change: deleting a proposal is
# proposing's business, restoring an earlier number is enacting's, and so on.
UNDO_ACTIONS = {
    "product.propose": Action.propose,
    "product.enact": Action.enact,
    "product.publish": Action.publish,
    "case.open": Action.open_case,
    "case.resolve": Action.resolve_case,
    "member.put": Action.manage_members,
    "member.remove": Action.manage_members,
    "target.set": Action.set_target,
    "target.remove": Action.set_target,
}
FIELD_ACTIONS = {spec.entity: {f.name: f.action for f in spec.fields} for spec in registry.RECORDS.values()}
UNDO_NOT_ALLOWED = (
    "Catatan terakhir Anda tidak dapat diurungkan: peran atau subbag Anda sekarang tidak berwenang "
    "melakukan perubahan itu. Mintalah admin atau anggota subbag yang berwenang."
)
UNDO_LAST_ADMIN = "Tidak dapat diurungkan: bot harus tetap memiliki setidaknya satu admin."


# Entities whose permission depends on the subsection they belong to (permissions.KASUBBAG_WRITES).
SUBSECTION_OF = {"target": targets.subsection_of}


def undo_subsection(entry: AuditEntry) -> Subsection | None:
    scope = SUBSECTION_OF.get(entry.entity)
    return None if scope is None else scope(entry)


def undo_actions(entry: AuditEntry) -> set[Action]:
    """The actions whose permission undoing `entry` needs. An edit needs the action of each field it
    changed; anything not known needs admin rights."""
    if entry.action.endswith(".edit"):
        fields = FIELD_ACTIONS.get(entry.entity, {})
        changed = {name for name, _, _ in changes(entry)}
        return {fields.get(name, Action.manage_members) for name in changed} or {Action.manage_members}
    return {UNDO_ACTIONS.get(entry.action, Action.manage_members)}


async def undo_last(
    session: AsyncSession, *, member: Member, now: datetime, update_id: int | None = None
) -> AuditEntry:
    """Undo the member's own latest write of the last 24 hours (an admin: anyone's), restoring the exact
    earlier row. Having made the write is not enough: the member must be allowed, now, to make the change
    the undo makes (someone demoted or moved to another subsection since cannot take back the old
    role's work), and the bot never ends up without an admin. Refused when the record changed again
    afterwards, so no later work is silently lost."""
    query = select(AuditEntry).where(
        col(AuditEntry.undone_at).is_(None),
        col(AuditEntry.action).in_(UNDOABLE),
        AuditEntry.at >= now - UNDO_WINDOW,
    )
    if not allowed(member, Action.undo_others):
        query = query.where(AuditEntry.actor_id == member.user_id)
    entry = (await session.exec(query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()))).first()
    if entry is None or entry.id is None:
        raise InputError("Tidak ada catatan Anda dalam 24 jam terakhir yang dapat diurungkan.", "/urungkan")
    later = (
        await session.exec(
            select(AuditEntry.id).where(
                AuditEntry.entity == entry.entity,
                AuditEntry.entity_id == entry.entity_id,
                col(AuditEntry.id) > entry.id,
                col(AuditEntry.undone_at).is_(None),
            )
        )
    ).first()
    if later is not None:
        raise InputError("Catatan itu sudah diubah lagi sesudahnya, sehingga tidak dapat diurungkan.", "/riwayat")
    subsection = undo_subsection(entry)
    if not all(allowed(member, action, subsection) for action in undo_actions(entry)):
        raise InputError(UNDO_NOT_ALLOWED, "/riwayat")
    model = TABLES[entry.entity]
    key = int(entry.entity_id)
    current = await session.get(model, key)
    before_now = audit.snapshot(current)
    if entry.before is None:
        if current is not None:
            await session.delete(current)
    elif current is None:
        session.add(audit.restore(model, entry.before))
    else:
        restored = audit.restore(model, entry.before)
        for name in model.model_fields:
            setattr(current, name, getattr(restored, name))
    try:
        await session.flush()
    except IntegrityError as exc:
        raise InputError(
            "Keadaan sebelumnya tidak dapat dipulihkan karena nilainya kini dipakai catatan lain.", "/riwayat"
        ) from exc
    if entry.entity == "member" and await members.admin_count(session) == 0:
        raise InputError(UNDO_LAST_ADMIN, "/anggota")  # the session rolls back: nothing changes
    entry.undone_at = now
    await audit.record(
        session,
        at=now,
        actor_id=member.user_id,
        action="undo",
        entity=entry.entity,
        entity_id=entry.entity_id,
        before=before_now,
        after=entry.before,
        update_id=update_id,
    )
    return entry


# --- history -------------------------------------------------------------------------------------


async def history(session: AsyncSession, entity: str, record_id: int, limit: int = 50) -> tuple[list[AuditEntry], int]:
    where = (AuditEntry.entity == entity) & (AuditEntry.entity_id == str(record_id))
    return await paging.page(
        session, AuditEntry, where, col(AuditEntry.at).desc(), col(AuditEntry.id).desc(), limit=limit
    )


def changes(entry: AuditEntry) -> list[tuple[str, object, object]]:
    """(field, before, after) for each field that differs, bookkeeping columns left out."""
    skip = {"id", "created_at", "updated_at", "created_by"} | registry.bookkeeping()
    before, after = entry.before or {}, entry.after or {}
    keys = [k for k in dict.fromkeys([*before, *after]) if k not in skip]
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
