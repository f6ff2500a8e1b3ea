"""Who may do what: the one permission check of the bot.

Admins: everything. Kasubbag and staf: the writes of their own subsection. Pimpinan: read only.
Every member may read (/iku, /daftar, /ringkasan). Anyone else: nothing.
Some writes belong to one subsection's head: an indicator's target is set by the admins or by the kasubbag
of the subsection responsible for that indicator; the caller names that subsection.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeGuard

from models.tables import Member, Role, Subsection


class Action(StrEnum):
    read = "read"
    propose = "propose"
    enact = "enact"
    publish = "publish"
    open_case = "open_case"
    resolve_case = "resolve_case"
    promulgate = "promulgate"  # /undangkan
    set_status = "set_status"  # /status <id> diubah|dicabut oleh <id>
    move_case = "move_case"  # /tahap: banding, kasasi, PK
    schedule_hearing = "schedule_hearing"  # /sidang, /sidang batal
    manage_holidays = "manage_holidays"  # /libur tambah|hapus: admins only
    import_records = "import_records"  # /impor: admins only
    manage_members = "manage_members"
    subscribe = "subscribe"  # weekly digest for a group: admin or any kasubbag
    correct = "correct"  # /ubah and /urungkan: anyone who logs; the fields and records are checked further
    undo_others = "undo_others"  # /urungkan of someone else's write: admins only
    set_target = "set_target"  # /target iku2 80: admin, or the kasubbag of the indicator's subsection


# The subsections whose kasubbag and staf may make each write. Writes not listed are for admins only.
WRITES_OF_SUBSECTION: dict[Action, tuple[Subsection, ...]] = {
    Action.propose: (Subsection.perundangan,),
    Action.enact: (Subsection.perundangan,),
    Action.promulgate: (Subsection.perundangan,),
    Action.set_status: (Subsection.perundangan, Subsection.dokinfo),
    Action.publish: (Subsection.dokinfo,),
    Action.open_case: (Subsection.bankum,),
    Action.resolve_case: (Subsection.bankum,),
    Action.move_case: (Subsection.bankum,),
    Action.schedule_hearing: (Subsection.bankum,),
}

# Writes for the kasubbag of the subsection the subject belongs to (passed as `subsection`), and admins.
KASUBBAG_WRITES: frozenset[Action] = frozenset({Action.set_target})


def allowed(member: Member | None, action: Action, subsection: Subsection | None = None) -> TypeGuard[Member]:
    """True only for a member; the TypeGuard lets callers use the member once allowed. `subsection`: the
    subsection the subject belongs to, for the writes in KASUBBAG_WRITES (without it only admins may)."""
    if member is None:
        return False
    if member.role == Role.admin:
        return True
    if action in KASUBBAG_WRITES:
        return member.role == Role.kasubbag and subsection is not None and member.subsection == subsection
    if action == Action.read:
        return True
    if action == Action.subscribe:
        return member.role == Role.kasubbag
    if action == Action.correct:
        return member.role in (Role.kasubbag, Role.staf)
    subsections = WRITES_OF_SUBSECTION.get(action, ())
    return member.role in (Role.kasubbag, Role.staf) and member.subsection in subsections
