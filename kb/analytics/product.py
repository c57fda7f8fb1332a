"""Product feedback: support tickets grouped by product area, category and error code, counted
per week, so the product team sees what breaks most and whether it is getting better.

A ticket counts once per error code its customer wrote (none: the code is ""); the product area
is the ticket's `brand` (or `product`), the category the inbox's `category` (before the inbox,
the ticket's first tag). Only tickets in the `support` queue count, or every ticket while they
have no queue. `change` is the last full week's count (Monday to Sunday inside the period)
minus the full week before it; None without two full weeks.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from kb.analytics.periods import DateRange, week_of
from kb.analytics.support import UNASSIGNED, SupportTicket

QUEUE = "support"
LIMIT = 100


def weeks_of(period: DateRange) -> list[str]:
    """The Mondays of the weeks the period touches, in order."""
    return list(dict.fromkeys(week_of(day) for day in period.days()))


def _week_days(monday: str) -> set[str]:
    first = dt.date.fromisoformat(monday)
    return {(first + dt.timedelta(days=n)).isoformat() for n in range(7)}


def product_feedback(
    tickets: Sequence[SupportTicket], period: DateRange, limit: int = LIMIT
) -> list[dict]:
    """One row per (product, category, error code): tickets in the period, per week, and the
    change over the last week; the most tickets first."""
    weeks = weeks_of(period)
    days = set(period.days())
    full = [n for n, week in enumerate(weeks) if _week_days(week) <= days]
    counts: dict[tuple[str, str, str], Counter[str]] = {}
    for ticket in tickets:
        if ticket.queue not in (QUEUE, UNASSIGNED) or ticket.created_at is None:
            continue
        week = week_of(ticket.created_at.date().isoformat())
        for code in ticket.error_codes or ("",):
            counts.setdefault((ticket.product, ticket.category, code), Counter())[week] += 1
    rows: list[dict[str, Any]] = []
    for (product, category, code), per_week in counts.items():
        series = [per_week.get(week, 0) for week in weeks]
        rows.append(
            {
                "product": product,
                "category": category,
                "error_code": code,
                "tickets": sum(series),
                **{f"week_{week}": n for week, n in zip(weeks, series, strict=True)},
                "change": series[full[-1]] - series[full[-2]] if len(full) > 1 else None,
            }
        )
    rows.sort(key=lambda r: (-r["tickets"], r["product"], r["category"], r["error_code"]))
    return rows[:limit]
