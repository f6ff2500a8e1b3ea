"""Helpers for the reminder and holiday tests: cases, hearings and products stored directly (the commands
that create them belong to other features), and the reminders a bot sent, by member."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import col, select

from bot import scheduler
from models.tables import Case, Hearing, Product, ReminderDelivery
from tests.botapi import RecordingBotApi, visible_text
from tests.conftest import ADMIN, JAKARTA, BotHarness

MOMENT = datetime(2026, 11, 1, tzinfo=UTC)
_numbers = itertools.count(100)


async def store(harness: BotHarness, row):
    async with harness.db.session() as session:
        session.add(row)
        await session.flush()
        await session.refresh(row)
    return row


async def a_case(harness: BotHarness, number: str = "12/Pdt.G/2026/PN Prb", **values: Any) -> Case:
    fields: dict[str, Any] = {
        "description": "Gugatan wanprestasi pengadaan",
        "started_on": date(2026, 10, 1),
        "court": "Pengadilan Negeri Probolinggo",
    } | values
    values = fields
    return await store(
        harness,
        Case(
            register_number=number,
            register_key=number.casefold().replace(" ", ""),
            created_by=ADMIN,
            created_at=MOMENT,
            updated_at=MOMENT,
            **values,
        ),
    )


async def a_hearing(harness: BotHarness, case: Case, day: date, at: str | None = "09:00", **values: Any) -> Hearing:
    assert case.id is not None
    values = {"agenda": "Pembuktian surat"} | values
    return await store(
        harness,
        Hearing(
            case_id=case.id, day=day, time_of_day=at, created_by=ADMIN, created_at=MOMENT, updated_at=MOMENT, **values
        ),
    )


async def a_product(harness: BotHarness, enacted_on: date | None, kind: str = "perda", **values: Any) -> Product:
    defaults: dict[str, Any] = {"title": "Penyelenggaraan Ketertiban Umum", "proposed_on": date(2026, 1, 5)}
    values = defaults | values
    if enacted_on is not None:
        values |= {"enacted_on": enacted_on, "number": next(_numbers), "number_year": enacted_on.year}
    return await store(harness, Product(kind=kind, created_by=ADMIN, created_at=MOMENT, updated_at=MOMENT, **values))


def at(harness: BotHarness, *when: int) -> None:
    harness.clock.set(datetime(*when, tzinfo=JAKARTA))  # type: ignore[arg-type, misc]


async def run(harness: BotHarness, *when: int) -> scheduler.reminders.Report:
    """The clock moves to `when` (Jakarta) and a reminder pass runs, as the daily job or the sweep would."""
    if when:
        at(harness, *when)
    return await scheduler.deliver_reminders(harness.app)


def reminders_sent(api: RecordingBotApi, since: int = 0) -> dict[int, list[str]]:
    """What each member was sent privately, as they see it: chat id -> texts."""
    out: dict[int, list[str]] = {}
    for call in api.calls[since:]:
        if call.method == "sendMessage" and "🔔" in call.params.get("text", ""):
            out.setdefault(int(call.params["chat_id"]), []).append(visible_text(call.params["text"]))
    return out


async def deliveries(harness: BotHarness) -> list[ReminderDelivery]:
    async with harness.db.session() as session:
        rows = await session.exec(select(ReminderDelivery).order_by(col(ReminderDelivery.id)))
        return list(rows.all())
