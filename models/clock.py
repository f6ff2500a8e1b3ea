"""The one source of "now" and "today", always in the configured time zone.

Tests replace the clock instead of sleeping or patching `datetime`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass
class Clock:
    tz: ZoneInfo
    fixed: datetime | None = field(default=None)

    def now(self) -> datetime:
        if self.fixed is not None:
            return self.fixed.astimezone(self.tz)
        return datetime.now(self.tz)

    def today(self) -> date:
        return self.now().date()

    def utcnow(self) -> datetime:
        return self.now().astimezone(UTC)

    # Test helpers: a fixed clock that can be moved forward.
    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        self.fixed = moment

    def advance(self, delta: timedelta) -> None:
        self.fixed = self.now() + delta
