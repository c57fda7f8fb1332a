"""Support figures from the tickets: how fast agents answer and resolve, how often one reply
solves it, and how often they link an article (KCS reuse), per queue and per week.

Definitions, over the tickets created in the period (weeks named by their Monday):
- time to first reply: from the ticket's creation to the first agent message, in hours
  (median; tickets whose messages carry no time are left out, and `measured` counts the rest);
- time to resolution: from creation to `solved_at` (the inbox's column) or, without it, to the
  last message of a solved or closed ticket, in hours (median);
- first-contact resolution: solved or closed tickets with exactly one agent reply / solved or
  closed tickets;
- KCS reuse (link rate): solved or closed tickets with at least one linked article / solved or
  closed tickets.
Queues are `service` and `support` (the inbox's `queue` column); tickets without one are in
the queue "unassigned".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import statistics
from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from kb.analytics.periods import DateRange, week_of
from kb.assist.ticket_text import error_codes
from kb.state.database import Database

RESOLVED = ("solved", "closed")
UNASSIGNED = "unassigned"
ALL_QUEUES = "all"
# Columns the ticket inbox adds; read when the table has them.
OPTIONAL_COLUMNS = ("queue", "category", "solved_at")


@dataclasses.dataclass(frozen=True)
class Reply:
    author: str  # customer or agent
    at: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class SupportTicket:
    """What the figures need of a ticket."""

    id: str
    status: str
    created_at: dt.datetime | None
    messages: tuple[Reply, ...] = ()
    queue: str = UNASSIGNED
    channel: str = ""
    product: str = ""
    category: str = ""
    linked_articles: tuple[str, ...] = ()
    error_codes: tuple[str, ...] = ()
    solved_at: dt.datetime | None = None

    @property
    def resolved(self) -> bool:
        return self.status in RESOLVED

    @property
    def agent_replies(self) -> list[Reply]:
        return [m for m in self.messages if m.author == "agent"]

    def hours_to_first_reply(self) -> float | None:
        first = next((m.at for m in self.agent_replies if m.at is not None), None)
        return _hours(self.created_at, first)

    def hours_to_resolution(self) -> float | None:
        if not self.resolved:
            return None
        end = self.solved_at or next((m.at for m in reversed(self.messages) if m.at), None)
        return _hours(self.created_at, end)


def _hours(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds() / 3600


def parse_time(value: object) -> dt.datetime | None:
    """An ISO time ("2026-11-20T09:12:00Z", "2026-11-20") as UTC, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def load_tickets(database: Database, period: DateRange) -> list[SupportTicket]:
    """The tickets created in the period, as the tickets table holds them."""
    present = {column["name"] for column in sa.inspect(database.engine).get_columns("tickets")}
    with database.connect() as connection:
        optional = [c for c in OPTIONAL_COLUMNS if c in present]
        extra = "".join(f", {column}" for column in optional)
        rows = connection.execute(
            "SELECT id, status, created_at, messages, channel, brand, tags, linked_articles"
            f"{extra} FROM tickets WHERE substr(created_at, 1, 10) BETWEEN ? AND ? ORDER BY id",
            (period.start, period.end),
        ).fetchall()
    tickets = []
    for row in rows:
        ticket_id, status, created, messages, channel, brand, tags, linked, *more = row
        columns = dict(zip(optional, more, strict=True))
        said = json.loads(messages)
        customer_text = " ".join(m.get("body", "") for m in said if m.get("author") == "customer")
        tickets.append(
            SupportTicket(
                id=ticket_id,
                status=status,
                created_at=parse_time(created),
                messages=tuple(
                    Reply(m.get("author", ""), parse_time(m.get("created_at"))) for m in said
                ),
                queue=columns.get("queue") or UNASSIGNED,
                channel=channel or "",
                product=brand or "",
                category=columns.get("category") or next(iter(json.loads(tags)), ""),
                linked_articles=tuple(json.loads(linked)),
                error_codes=tuple(error_codes(customer_text)),
                solved_at=parse_time(columns.get("solved_at")),
            )
        )
    return tickets


def _median(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 1) if known else None


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def figures_of(tickets: Sequence[SupportTicket]) -> dict:
    """The support figures of some tickets (see the module's definitions)."""
    resolved = [t for t in tickets if t.resolved]
    first = [t.hours_to_first_reply() for t in tickets]
    return {
        "tickets": len(tickets),
        "solved": len(resolved),
        "median_hours_to_first_reply": _median(first),
        "first_reply_measured": sum(h is not None for h in first),
        "median_hours_to_resolution": _median(t.hours_to_resolution() for t in resolved),
        "first_contact_resolution_rate": _rate(
            sum(len(t.agent_replies) == 1 for t in resolved), len(resolved)
        ),
        "kcs_link_rate": _rate(sum(bool(t.linked_articles) for t in resolved), len(resolved)),
    }


def support_figures(tickets: Sequence[SupportTicket]) -> list[dict]:
    """Per week, all queues together and (when there is more than one) each queue."""
    by_week: dict[str, list[SupportTicket]] = {}
    for ticket in tickets:
        if ticket.created_at is not None:
            by_week.setdefault(week_of(ticket.created_at.date().isoformat()), []).append(ticket)
    rows = []
    for week in sorted(by_week):
        in_week = by_week[week]
        queues = sorted({t.queue for t in in_week})
        for queue in [ALL_QUEUES, *(queues if len(queues) > 1 else [])]:
            chosen = in_week if queue == ALL_QUEUES else [t for t in in_week if t.queue == queue]
            rows.append({"week": week, "queue": queue, **figures_of(chosen)})
    return rows
