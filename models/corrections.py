"""Corrections: changing one field of a record with the same checks as logging it, undoing one's own
latest write, and reading a record's history from the audit trail."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import audit, hearings, members, paging, product_links, registry, targets, validation
from models.errors import InputError
from models.permissions import Action, allowed
from models.records import FieldKind, FieldSpec, RecordSpec
from models.tables import AuditEntry, CaseStage, Hearing, Holiday, Member, ProductLink, Subsection, Target

UNDO_WINDOW = timedelta(hours=24)
EXAMPLE_EDIT = "/ubah produk 12"
EXAMPLE_HISTORY = "/riwayat produk 12"
MEMBER_LABELS = {"role": "Peran", "subsection": "Subbag", "name": "Nama", "reminders": "Pengingat"}
HOLIDAY_LABELS = {"day": "Tanggal"}  # its name shares the member's label
STAGE_LABELS = {"level": "Tingkat"}
FIELD_LABELS = (
    registry.field_labels() | MEMBER_LABELS | HOLIDAY_LABELS | product_links.LABELS | hearings.LABELS | STAGE_LABELS
)
# Rows that belong to a case and whose history is part of the case's (/riwayat perkara N): entity -> table.
CASE_PARTS: dict[str, type[SQLModel]] = {"hearing": Hearing, "case_stage": CaseStage}


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

TABLES: dict[str, type[SQLModel]] = (
    {spec.entity: spec.table for spec in registry.RECORDS.values()}
    | {"member": Member, "holiday": Holiday, "target": Target, product_links.ENTITY: ProductLink}
    | CASE_PARTS
)
UNDOABLE = (
    "product.propose",
    "product.enact",
    "product.publish",
    "product.promulgate",
    "product.edit",
    "product_link.add",
    "case.open",
    "case.resolve",
    "case.edit",
    "case.move",
    "case_stage.add",
    "hearing.schedule",
    "hearing.cancel",
    "hearing.close",
    "product.import",
    "case.import",
    "member.put",
    "member.remove",
    "member.reminders",
    "holiday.add",
    "holiday.remove",
    "target.set",
    "target.remove",
)


# What undoing an entry does, as the forward action that makes the same change: deleting a proposal is
# proposing's business, restoring an earlier number is enacting's, and so on.
UNDO_ACTIONS = {
    "product.propose": Action.propose,
    "product.enact": Action.enact,
    "product.publish": Action.publish,
    "product.promulgate": Action.promulgate,
    "product_link.add": Action.set_status,
    "case.open": Action.open_case,
    "case.resolve": Action.resolve_case,
    "case.move": Action.move_case,
    "case_stage.add": Action.move_case,
    "hearing.schedule": Action.schedule_hearing,
    "hearing.cancel": Action.schedule_hearing,
    "hearing.close": Action.resolve_case,
    "product.import": Action.import_records,
    "case.import": Action.import_records,
    "member.put": Action.manage_members,
    "member.remove": Action.manage_members,
    "member.reminders": Action.read,  # a member's own switch
    "holiday.add": Action.manage_holidays,
    "holiday.remove": Action.manage_holidays,
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
) -> list[AuditEntry]:
    """Undo the member's own latest write of the last 24 hours (an admin: anyone's), restoring the exact
    earlier rows. One update is one undo: a write that changed several rows (resolving a case cancels its
    hearings; /tahap adds a stage) is taken back whole. Having made the write is not enough: the member
    must be allowed, now, to make the change the undo makes (someone demoted or moved to another
    subsection since cannot take back the old role's work), and the bot never ends up without an admin.
    Refused when a row changed again afterwards, so no later work is silently lost. Returns the entries
    undone, the one the write is known by first."""
    query = select(AuditEntry).where(
        col(AuditEntry.undone_at).is_(None),
        col(AuditEntry.action).in_(UNDOABLE),
        AuditEntry.at >= now - UNDO_WINDOW,
    )
    if not allowed(member, Action.undo_others):
        query = query.where(AuditEntry.actor_id == member.user_id)
    latest = (await session.exec(query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()))).first()
    if latest is None or latest.id is None:
        raise InputError("Tidak ada catatan Anda dalam 24 jam terakhir yang dapat diurungkan.", "/urungkan")
    group = [latest]
    if latest.update_id is not None:
        same_update = await session.exec(
            select(AuditEntry)
            .where(
                AuditEntry.update_id == latest.update_id,
                AuditEntry.actor_id == latest.actor_id,
                col(AuditEntry.undone_at).is_(None),
                col(AuditEntry.action).in_(UNDOABLE),
            )
            .order_by(col(AuditEntry.id))
        )
        group = list(same_update.all())
    ids = {e.id for e in group}
    for entry in group:
        later = (
            await session.exec(
                select(AuditEntry.id).where(
                    _history_of(entry.entity, entry.entity_id),
                    col(AuditEntry.id) > (entry.id or 0),
                    col(AuditEntry.id).not_in(ids),
                    col(AuditEntry.undone_at).is_(None),
                )
            )
        ).first()
        if later is not None or (entry.entity == "case" and await _parts_changed_after(session, entry, ids)):
            raise InputError("Catatan itu sudah diubah lagi sesudahnya, sehingga tidak dapat diurungkan.", "/riwayat")
    if not all(allowed(member, action, undo_subsection(entry)) for entry in group for action in undo_actions(entry)):
        raise InputError(UNDO_NOT_ALLOWED, "/riwayat")
    undone: list[tuple[AuditEntry, dict | None]] = []
    for entry in reversed(group):  # the last change first: a stage goes before its case is restored
        undone.append((entry, await _restore(session, entry)))
    try:
        await session.flush()
    except IntegrityError as exc:
        raise InputError(
            "Keadaan sebelumnya tidak dapat dipulihkan karena nilainya kini dipakai catatan lain.", "/riwayat"
        ) from exc
    if any(e.entity == "member" for e in group) and await members.admin_count(session) == 0:
        raise InputError(UNDO_LAST_ADMIN, "/anggota")  # the session rolls back: nothing changes
    for entry, before_now in reversed(undone):
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
    return group


async def _restore(session: AsyncSession, entry: AuditEntry) -> dict | None:
    """Put the row of `entry` back as it was before; returns its state just before the undo."""
    model = TABLES[entry.entity]
    key: object = date.fromisoformat(entry.entity_id) if model is Holiday else int(entry.entity_id)
    current = await session.get(model, key)
    before_now = audit.snapshot(current)
    if entry.before is None:
        if current is not None:
            await session.delete(current)
            await session.flush()  # a stage or hearing is gone before its case is touched
    elif current is None:
        session.add(audit.restore(model, entry.before))
    else:
        restored = audit.restore(model, entry.before)
        for name in model.model_fields:
            setattr(current, name, getattr(restored, name))
    return before_now


async def _parts_changed_after(session: AsyncSession, entry: AuditEntry, ids: set[int | None]) -> bool:
    """Whether a hearing or stage of the case was written after `entry` (outside its own update): undoing
    the case's opening would otherwise orphan them, and its resolution would hide their later state."""
    rows = await session.exec(
        select(AuditEntry).where(
            col(AuditEntry.entity).in_(list(CASE_PARTS)),
            col(AuditEntry.id) > (entry.id or 0),
            col(AuditEntry.undone_at).is_(None),
        )
    )
    return any(e.id not in ids and _case_of(e) == entry.entity_id for e in rows.all())


def _case_of(entry: AuditEntry) -> str | None:
    state = entry.after or entry.before or {}
    return None if state.get("case_id") is None else str(state["case_id"])


# --- history -------------------------------------------------------------------------------------


async def history(session: AsyncSession, entity: str, record_id: int, limit: int = 50) -> tuple[list[AuditEntry], int]:
    """The record's entries, newest first; a product's include its links, a case's its hearings and stages."""
    where = _history_of(entity, record_id)
    if entity == "case":
        where = where | await _parts_of_case(session, record_id)
    return await paging.page(
        session, AuditEntry, where, col(AuditEntry.at).desc(), col(AuditEntry.id).desc(), limit=limit
    )


def _history_of(entity: str, record_id: object) -> Any:
    """A record's own entries and, for a record type that has them, the related ones (a product's links)."""
    if entity in registry.RECORDS:
        return registry.of(entity).history_of(record_id)
    return (col(AuditEntry.entity) == entity) & (col(AuditEntry.entity_id) == str(record_id))


async def _parts_of_case(session: AsyncSession, case_id: int) -> Any:
    """Entries of the hearings and stages of a case, those whose row is gone (an undone scheduling)
    included: found by the case id in their snapshots."""
    rows = await session.exec(select(AuditEntry).where(col(AuditEntry.entity).in_(list(CASE_PARTS))))
    ids = [e.id for e in rows.all() if _case_of(e) == str(case_id)]
    return col(AuditEntry.id).in_(ids)


def changes(entry: AuditEntry) -> list[tuple[str, object, object]]:
    """(field, before, after) for each field that differs, bookkeeping columns left out."""
    skip = {"id", "created_at", "updated_at", "created_by"} | registry.bookkeeping() | set(hearings.BOOKKEEPING)
    before, after = entry.before or {}, entry.after or {}
    keys = [k for k in dict.fromkeys([*before, *after]) if k not in skip]
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
