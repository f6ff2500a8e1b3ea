"""What the intake learned about the update being handled, read once and carried to the handlers.

On arrival (bot/intake.py) one short session reads the update's ledger marker and the sender's member
row. Handlers of the same update take both from here instead of opening sessions of their own for the
same rows: the permission check, the dialogue entry, the ledger's "applied before?" check. A handler of
another update (or code outside any update: tests, the console) finds nothing here and reads the
database as before.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from models import ledger, reminders
from models.db import Database
from models.tables import Member, ProcessedUpdate


@dataclass
class Arrival:
    update_id: int
    user_id: int | None
    marker: ProcessedUpdate | None  # the ledger's row for this update, as read on arrival
    member: Member | None  # the sender's member row, as read on arrival
    # This update's marker is known to be stored (its write applied): the intake's "handled" marker,
    # an insert that would change nothing, is not written.
    stored: bool = False
    # The write's reply was delivered: the intake marks the marker "replied" once the update is handled
    # (after Telegram may be told about it, so the next getUpdates does not wait for that write).
    reply_delivered: bool = False


_current: ContextVar[Arrival | None] = ContextVar("iku_arrival", default=None)


async def read(db: Database, update_id: int, user_id: int | None) -> Arrival:
    """Only reads, so that it runs beside a write in progress (models/db.py, `Database.rows`)."""
    marker, member = await ledger.arrival(db, update_id, user_id)
    return Arrival(update_id, user_id, marker, member)


def unreachable(arrival: Arrival) -> Member | None:
    """The sender, if marked unreachable after a 403: an update from their private chat with the bot
    proves private messages reach them again, and `reachable_again` says so."""
    member = arrival.member
    return member if member is not None and member.unreachable_at is not None else None


async def reachable_again(session: AsyncSession, member: Member) -> None:
    await reminders.reachable_again(session, member)


def begin(arrival: Arrival) -> object:
    return _current.set(arrival)


def end(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def of_update(update_id: int | None) -> Arrival | None:
    """The arrival of this update, if the intake read it (None for other updates and outside one)."""
    arrival = _current.get()
    return arrival if arrival is not None and update_id is not None and arrival.update_id == update_id else None


def known_member(update_id: int | None, user_id: int) -> tuple[bool, Member | None]:
    """(True, the member) when the intake read this sender's row for this update; (False, None) if not."""
    arrival = of_update(update_id)
    if arrival is None or arrival.user_id != user_id:
        return False, None
    return True, arrival.member
