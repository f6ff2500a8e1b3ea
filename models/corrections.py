"""Corrections: changing one field of a record with the same checks as logging it, undoing one's own
latest write, and reading a record's history from the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models import audit, cases, members, paging, products, validation
from models.errors import InputError
from models.permissions import Action, allowed
from models.tables import AuditEntry, Case, Member, Product

UNDO_WINDOW = timedelta(hours=24)
EXAMPLE_EDIT = "/ubah produk 12"
EXAMPLE_HISTORY = "/riwayat produk 12"
ENTITIES = {"produk": "product", "perkara": "case"}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # text | date | number
    action: Action


PRODUCT_FIELDS = (
    Field("title", "Judul", "text", Action.propose),
    Field("proposed_on", "Tanggal usulan", "date", Action.propose),
    Field("number", "Nomor", "number", Action.enact),
    Field("enacted_on", "Tanggal penetapan", "date", Action.enact),
    Field("published_on", "Tanggal publikasi", "date", Action.publish),
    Field("link", "Tautan", "text", Action.publish),
)
CASE_FIELDS = (
    Field("register_number", "Nomor register", "text", Action.open_case),
    Field("description", "Uraian", "text", Action.open_case),
    Field("started_on", "Tanggal mulai", "date", Action.open_case),
    Field("resolved_on", "Tanggal selesai", "date", Action.resolve_case),
    Field("outcome", "Hasil", "text", Action.resolve_case),
)
FIELD_LABELS = {f.name: f.label for f in PRODUCT_FIELDS + CASE_FIELDS} | {
    "kind": "Jenis",
    "role": "Peran",
    "subsection": "Subbag",
    "name": "Nama",
}


def parse_ref(args: list[str], example: str) -> tuple[str, int]:
    """`produk 12` or `perkara 3`: (entity, id)."""
    if len(args) != 2:
        raise InputError("Sebutkan jenis catatan (produk atau perkara) dan id-nya.", example)
    return parse_entity(args[0], example), validation.record_id(args[1], args[0].lower(), example)


def parse_entity(value: str, example: str) -> str:
    entity = ENTITIES.get(validation.keyword(value))
    if entity is None:
        raise InputError(f"Jenis catatan «{value}» tidak dikenal; pilih produk atau perkara.", example)
    return entity


async def load(session: AsyncSession, entity: str, record_id: int, example: str) -> Product | Case:
    if entity == "product":
        return await products.get(session, record_id, example)
    return await cases.get(session, record_id, example)


def editable_fields(record: Product | Case, member: Member) -> list[Field]:
    """Fields that apply to the record's stage and that the member's role may change."""
    if isinstance(record, Product):
        fields = [
            f
            for f in PRODUCT_FIELDS
            if (f.action != Action.enact or record.enacted_on is not None)
            and (f.action != Action.publish or record.published_on is not None)
        ]
    else:
        fields = [f for f in CASE_FIELDS if f.action != Action.resolve_case or record.resolved_on is not None]
    return [f for f in fields if allowed(member, f.action)]


async def check_edit(
    session: AsyncSession, *, member: Member, entity: str, record_id: int, field: str, value: str | date, today: date
) -> tuple[Product | Case, Field, object]:
    """Validate a change without making it: the record, the field, and the cleaned new value."""
    record = await load(session, entity, record_id, EXAMPLE_EDIT)
    spec = next((f for f in editable_fields(record, member) if f.name == field), None)
    if spec is None:
        raise InputError(f"Data ini tidak dapat Anda ubah pada catatan #{record_id}.", EXAMPLE_EDIT)
    new = _checked(record, spec, value, today)
    if getattr(record, field) == new:
        raise InputError(f"{spec.label} sudah bernilai itu; tidak ada yang diubah.", EXAMPLE_EDIT, "value")
    if isinstance(record, Product) and field == "number":
        await products.ensure_number_free(session, record.kind, new, record.number_year, exclude_id=record.id)
    if isinstance(record, Product) and field == "enacted_on" and record.number_year != new.year:
        await products.ensure_number_free(session, record.kind, record.number, new.year, exclude_id=record.id)
    if isinstance(record, Case) and field == "register_number":
        await cases.ensure_register_free(session, new, exclude_id=record.id)
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
) -> Product | Case:
    record, _, new = await check_edit(
        session, member=member, entity=entity, record_id=record_id, field=field, value=value, today=today
    )
    before = audit.snapshot(record)
    setattr(record, field, new)
    if isinstance(record, Product) and field == "enacted_on":
        record.number_year = new.year
    if isinstance(record, Case) and field == "register_number":
        record.register_key = cases.register_key(new)
    record.updated_at = now
    try:
        await session.flush()
    except IntegrityError as exc:
        raise InputError("Nilai itu sudah dipakai oleh catatan lain.", EXAMPLE_EDIT, "value") from exc
    await audit.record(
        session,
        at=now,
        actor_id=member.user_id,
        action=f"{entity}.edit",
        entity=entity,
        entity_id=record.id,
        before=before,
        after=audit.snapshot(record),
        update_id=update_id,
    )
    return record


def _checked(record: Product | Case, spec: Field, value: str | date, today: date):
    """The same checks as when the value was first logged, against the record's other dates."""
    example = EXAMPLE_EDIT
    if spec.kind == "date":
        assert isinstance(value, date)
        validation.event_date(value, today, spec.label.lower().removeprefix("tanggal "), example, "value")
        order = (
            (("proposed_on", "usulan"), ("enacted_on", "penetapan"), ("published_on", "publikasi"))
            if isinstance(record, Product)
            else (("started_on", "mulai penanganan"), ("resolved_on", "selesai"))
        )
        names = [name for name, _ in order]
        index = names.index(spec.name)
        what = order[index][1]
        for name, other in order[:index]:
            earlier = getattr(record, name)
            if earlier is not None:
                validation.not_before(value, earlier, what, other, example, "value")
        for name, other in order[index + 1 :]:
            validation.not_after(value, getattr(record, name), what, other, example, "value")
        return value
    assert isinstance(value, str)
    if spec.kind == "number":
        return validation.positive_number(value, "nomor", example, "value")
    if spec.name == "title":
        return validation.text(
            value, limit=validation.MAX_TITLE_CHARS, what="judul", example=example, required=True, field="value"
        )
    if spec.name == "link":
        return validation.link(value, example)
    if spec.name == "register_number":
        return cases.clean_register(value)
    limit = validation.MAX_DESCRIPTION_CHARS if spec.name == "description" else validation.MAX_OUTCOME_CHARS
    return validation.text(
        value, limit=limit, what=spec.label.lower(), example=example, required=False, field="value"
    ) or (None if spec.name == "outcome" else "")


# --- undo ----------------------------------------------------------------------------------------

TABLES = {"product": Product, "case": Case, "member": Member}
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
}
FIELD_ACTIONS = {
    "product": {f.name: f.action for f in PRODUCT_FIELDS},
    "case": {f.name: f.action for f in CASE_FIELDS},
}
UNDO_NOT_ALLOWED = (
    "Catatan terakhir Anda tidak dapat diurungkan: peran atau subbag Anda sekarang tidak berwenang "
    "melakukan perubahan itu. Mintalah admin atau anggota subbag yang berwenang."
)
UNDO_LAST_ADMIN = "Tidak dapat diurungkan: bot harus tetap memiliki setidaknya satu admin."


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
    if entry is None:
        raise InputError("Tidak ada catatan Anda dalam 24 jam terakhir yang dapat diurungkan.", "/urungkan")
    later = (
        await session.exec(
            select(AuditEntry.id).where(
                AuditEntry.entity == entry.entity,
                AuditEntry.entity_id == entry.entity_id,
                AuditEntry.id > entry.id,
                col(AuditEntry.undone_at).is_(None),
            )
        )
    ).first()
    if later is not None:
        raise InputError("Catatan itu sudah diubah lagi sesudahnya, sehingga tidak dapat diurungkan.", "/riwayat")
    if not all(allowed(member, action) for action in undo_actions(entry)):
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
    skip = {"id", "created_at", "updated_at", "created_by", "register_key", "number_year"}
    before, after = entry.before or {}, entry.after or {}
    keys = [k for k in dict.fromkeys([*before, *after]) if k not in skip]
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
