"""The agents' inbox: tickets from the contact form, the API, webhooks and imports, newest first,
with their status, queue and category, filtered and paged; the queue and status agents set;
and what a solved ticket leaves for closing the loop (the articles agents linked).

A ticket's queue (service or support) and category come from its triage, stored when it
arrives or when the inbox first shows it (kb.tickets.triage); an agent who changes the queue
overrides the triage for good.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from kb.errors import BadRequest, NotFound
from kb.state.database import Database, now
from kb.tickets.records import STATUSES, StoredTicket
from kb.tickets.store import RESOLVED, TicketStore

QUEUES = ("service", "support")
QUEUE_NAMES = {"service": "Service", "support": "Support"}
# What each queue takes, said the same way on every page.
QUEUE_HELP = {"service": "orders, billing, account", "support": "technical problems"}
PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
EXCERPT_CHARS = 140

_SUMMARY = (
    "id, subject, status, queue, queue_set_by, category, channel, received_at, solved_at,"
    " triage_confidence, covered_by, checked_at, linked_articles, messages, brand, created_at"
)


@dataclasses.dataclass(frozen=True)
class InboxFilters:
    status: str | None = None
    queue: str | None = None
    category: str | None = None

    def check(self) -> InboxFilters:
        if self.status is not None and self.status not in STATUSES:
            raise BadRequest(f"status must be one of {', '.join(STATUSES)}", field="status")
        if self.queue is not None and self.queue not in QUEUES:
            raise BadRequest(f"queue must be one of {', '.join(QUEUES)}", field="queue")
        return self


@dataclasses.dataclass(frozen=True)
class InboxTicket:
    """One row of the inbox."""

    id: str
    subject: str
    status: str
    queue: str | None
    queue_set_by: str | None  # "triage" or "agent"; None: not triaged yet
    category: str | None
    channel: str | None
    brand: str | None
    created_at: str | None
    received_at: str | None
    solved_at: str | None
    triage_confidence: float | None
    covered_by: str | None  # closing the loop: the article that answers it, once checked
    checked_at: str | None
    linked_articles: tuple[str, ...]
    excerpt: str  # the customer's first words, for a ticket without a subject

    @property
    def title(self) -> str:
        """What the agent reads in the list: the subject, or the customer's first words."""
        return self.subject.strip() or self.excerpt or "(no subject)"

    @property
    def resolved(self) -> bool:
        return self.status in RESOLVED

    @property
    def gap(self) -> bool | None:
        """Closing the loop: solved with no article answering it (None: not checked yet)."""
        return None if self.checked_at is None else self.covered_by is None

    def waited_seconds(self, at: dt.datetime | None = None) -> int | None:
        """How long the customer has waited (until it was solved); None when unknown."""
        start = _moment(self.received_at)
        end = _moment(self.solved_at) if self.resolved else (at or dt.datetime.now(dt.UTC))
        if start is None or end is None:
            return None
        return max(0, int((end - start).total_seconds()))


@dataclasses.dataclass(frozen=True)
class InboxPage:
    tickets: list[InboxTicket]
    total: int
    limit: int
    offset: int


class Inbox:
    """The ticket table as agents work it."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.store = TicketStore(database)

    def page(
        self, filters: InboxFilters | None = None, limit: int = PAGE_SIZE, offset: int = 0
    ) -> InboxPage:
        """One page of tickets, newest first."""
        filters = (filters or InboxFilters()).check()
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise BadRequest(f"limit must be from 1 to {MAX_PAGE_SIZE}", field="limit")
        if offset < 0:
            raise BadRequest("offset must not be negative", field="offset")
        where, values = _where(filters)
        with self.database.connect() as connection:
            total = connection.execute(f"SELECT COUNT(*) FROM tickets{where}", values).scalar_one()
            rows = connection.execute(
                f"SELECT {_SUMMARY} FROM tickets{where}"
                " ORDER BY COALESCE(received_at, imported_at) DESC, id LIMIT ? OFFSET ?",
                [*values, limit, offset],
            ).fetchall()
        return InboxPage([_summary(row) for row in rows], int(total), limit, offset)

    def summary(self, ticket_id: str) -> InboxTicket:
        with self.database.connect() as connection:
            row = connection.execute(
                f"SELECT {_SUMMARY} FROM tickets WHERE id = ?", (ticket_id,)
            ).fetchone()
        if row is None:
            raise NotFound(f"no ticket '{ticket_id}'")
        return _summary(row)

    def ticket(self, ticket_id: str) -> StoredTicket:
        """The whole ticket, messages and all (agents see it as the customer wrote it)."""
        found = self.store.get(ticket_id)
        if found is None:
            raise NotFound(f"no ticket '{ticket_id}'")
        return found

    def categories(self) -> list[str]:
        """The categories tickets have, for the inbox's filter."""
        with self.database.connect() as connection:
            rows = connection.execute(
                "SELECT DISTINCT category FROM tickets WHERE category IS NOT NULL ORDER BY category"
            ).fetchall()
        return [row[0] for row in rows]

    def untriaged(self, ticket_ids: Iterable[str]) -> list[str]:
        """Those of `ticket_ids` no triage or agent has given a queue yet."""
        wanted = list(ticket_ids)
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        with self.database.connect() as connection:
            rows = connection.execute(
                f"SELECT id FROM tickets WHERE id IN ({marks}) AND queue_set_by IS NULL", wanted
            ).fetchall()
        found = {row[0] for row in rows}
        return [ticket_id for ticket_id in wanted if ticket_id in found]

    def record_triage(
        self, ticket_id: str, kind: str, category: str | None, confidence: float
    ) -> None:
        """The triage's queue and category, unless an agent chose the queue already."""
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE tickets SET queue = ?, category = ?, triage_confidence = ?,"
                " queue_set_by = 'triage' WHERE id = ? AND COALESCE(queue_set_by, '') <> 'agent'",
                (kind, category, confidence, ticket_id),
            )

    def set_queue(self, ticket_id: str, queue: str) -> None:
        if queue not in QUEUES:
            raise BadRequest(f"queue must be one of {', '.join(QUEUES)}", field="queue")
        with self.database.connect() as connection:
            changed = connection.execute(
                "UPDATE tickets SET queue = ?, queue_set_by = 'agent', updated_at = ? WHERE id = ?",
                (queue, now(), ticket_id),
            ).rowcount
        if not changed:
            raise NotFound(f"no ticket '{ticket_id}'")

    def set_status(self, ticket_id: str, status: str, linked: Sequence[str] = ()) -> bool:
        """Set the status; solving keeps the articles agents linked (`linked`, and those they
        inserted into replies from this ticket's suggestions). True when the ticket became
        resolved just now (closing the loop then looks at it)."""
        if status not in STATUSES:
            raise BadRequest(f"status must be one of {', '.join(STATUSES)}", field="status")
        before = self.summary(ticket_id)
        resolving = status in RESOLVED
        articles = list(before.linked_articles)
        if resolving:
            for slug in [*linked, *self.inserted_articles(ticket_id)]:
                if slug not in articles:
                    articles.append(slug)
        stamp = now()
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE tickets SET status = ?, linked_articles = ?, updated_at = ?,"
                " solved_at = CASE WHEN ? = 1 THEN COALESCE(solved_at, ?) END WHERE id = ?",
                (status, json.dumps(articles), stamp, int(resolving), stamp, ticket_id),
            )
        return resolving and not before.resolved

    def add_linked(self, ticket_id: str, slugs: Sequence[str]) -> None:
        """Articles sent to the customer, kept with the ticket (for closing the loop)."""
        articles = list(dict.fromkeys([*self.summary(ticket_id).linked_articles, *slugs]))
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE tickets SET linked_articles = ?, updated_at = ? WHERE id = ?",
                (json.dumps(articles), now(), ticket_id),
            )

    def inserted_articles(self, ticket_id: str) -> list[str]:
        """Articles agents linked from this ticket's suggestions (Insert link or answer)."""
        with self.database.connect() as connection:
            rows = connection.execute(
                "SELECT f.slug FROM suggest_feedback f"
                " JOIN suggest_requests r ON r.id = f.request_id"
                " WHERE r.ticket_id = ? AND f.action = 'linked' ORDER BY f.id",
                (ticket_id,),
            ).fetchall()
        return list(dict.fromkeys(row[0] for row in rows))

    def record_coverage(self, ticket_id: str, covered_by: str | None) -> None:
        """What closing the loop found: the article that answers the ticket, or none (a gap)."""
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE tickets SET covered_by = ?, checked_at = ? WHERE id = ?",
                (covered_by, now(), ticket_id),
            )


def _where(filters: InboxFilters) -> tuple[str, list[Any]]:
    clauses, values = [], []
    for column in ("status", "queue", "category"):
        value = getattr(filters, column)
        if value is not None:
            clauses.append(f"{column} = ?")
            values.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), values


def _summary(row: Sequence[Any]) -> InboxTicket:
    messages = json.loads(row[13])
    said = next((m["body"] for m in messages if m.get("author") == "customer"), "")
    excerpt = " ".join(said.split())
    if len(excerpt) > EXCERPT_CHARS:
        excerpt = excerpt[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
    return InboxTicket(
        id=row[0],
        subject=row[1],
        status=row[2],
        queue=row[3],
        queue_set_by=row[4],
        category=row[5],
        channel=row[6],
        received_at=row[7],
        solved_at=row[8],
        triage_confidence=row[9],
        covered_by=row[10],
        checked_at=row[11],
        linked_articles=tuple(json.loads(row[12])),
        excerpt=excerpt,
        brand=row[14],
        created_at=row[15],
    )


def _moment(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
