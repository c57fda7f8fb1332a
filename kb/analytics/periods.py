"""Date ranges of UTC days, and the weeks (Monday to Sunday) they span: what every figure is
computed for."""

from __future__ import annotations

import dataclasses
import datetime as dt

from kb.state.database import today

STEPS = ("day", "week")


@dataclasses.dataclass(frozen=True)
class DateRange:
    start: str  # ISO days, both included
    end: str

    @classmethod
    def last(cls, days: int, ending: str | None = None) -> DateRange:
        """The `days` days up to `ending` (today by default), both included."""
        end = dt.date.fromisoformat(ending or today())
        return cls((end - dt.timedelta(days=days - 1)).isoformat(), end.isoformat())

    def days(self) -> list[str]:
        first, last = dt.date.fromisoformat(self.start), dt.date.fromisoformat(self.end)
        return [(first + dt.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]

    def before(self) -> DateRange:
        """The range of the same length that ends the day before this one starts."""
        day_before = dt.date.fromisoformat(self.start) - dt.timedelta(days=1)
        return DateRange.last(len(self.days()), day_before.isoformat())


def week_of(day: str) -> str:
    """The Monday of the week `day` (an ISO day) falls in: how weeks are named."""
    date = dt.date.fromisoformat(day[:10])
    return (date - dt.timedelta(days=date.weekday())).isoformat()


def last_full_week(ending: str | None = None) -> DateRange:
    """Monday to Sunday of the last week that ended before `ending` (today by default): on a
    Monday, the week that ended yesterday; on a Sunday, the one before (today is not over)."""
    end = dt.date.fromisoformat(ending or today())
    sunday = end - dt.timedelta(days=end.weekday() + 1)
    return DateRange((sunday - dt.timedelta(days=6)).isoformat(), sunday.isoformat())
