"""Tickets kept in the database, by id: imported ones updated, never duplicated, and the contact
form's."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from kb.assist.ticket_text import Message
from kb.state.database import Connection, Database, now
from kb.tickets.records import STATUSES as STATUSES
from kb.tickets.records import StoredTicket, received_time

RESOLVED = ("solved", "closed")


_COLUMNS = "id, subject, status, messages, channel, brand, created_at, tags, linked_articles"


class TicketStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def upsert(self, tickets: Iterable[StoredTicket]) -> tuple[int, int]:
        """Insert new tickets and update known ones by id: (inserted, updated)."""
        inserted = updated = 0
        stamp = now()
        with self.database.connect() as connection:
            for ticket in tickets:
                exists = connection.execute(
                    "SELECT 1 FROM tickets WHERE id = ?", (ticket.id,)
                ).fetchone()
                data = ticket.to_json()
                resolved = int(ticket.status in RESOLVED)
                values = (
                    ticket.subject,
                    ticket.channel,
                    ticket.brand,
                    ticket.status,
                    ticket.created_at,
                    json.dumps(data["tags"]),
                    json.dumps(data["messages"]),
                    json.dumps(data["linked_articles"]),
                    stamp,
                    received_time(ticket.created_at) or stamp,
                )
                if exists:
                    # solved_at: when the inbox first saw it resolved; reopening clears it
                    connection.execute(
                        "UPDATE tickets SET subject = ?, channel = ?, brand = ?, status = ?,"
                        " created_at = ?, tags = ?, messages = ?, linked_articles = ?,"
                        " updated_at = ?, received_at = ?,"
                        " solved_at = CASE WHEN ? = 1 THEN COALESCE(solved_at, ?) END"
                        " WHERE id = ?",
                        (*values, resolved, stamp, ticket.id),
                    )
                    updated += 1
                else:
                    connection.execute(
                        "INSERT INTO tickets (subject, channel, brand, status, created_at, tags,"
                        " messages, linked_articles, updated_at, received_at, solved_at,"
                        " imported_at, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (*values, stamp if resolved else None, stamp, ticket.id),
                    )
                    inserted += 1
        return inserted, updated

    def create_from_contact(
        self,
        name: str,
        email: str,
        subject: str,
        description: str,
        shown: Iterable[str],
        channel: str = "web-form",
        *,
        then: Callable[[Connection, str], None] | None = None,
    ) -> str:
        """A new ticket from the help center's contact form (or the help widget: `channel`),
        with the articles the customer was shown before sending it; returns its id.
        `then(transaction, ticket_id)` runs in the transaction that writes it (to hand it to its
        queue: both are written, or neither)."""
        ticket_id = f"web-{uuid.uuid4().hex[:12]}"
        stamp = now()
        message = {"author": "customer", "body": description, "created_at": stamp}
        with self.database.connect() as connection:
            connection.execute(
                "INSERT INTO tickets (id, subject, channel, brand, status, created_at, tags,"
                " messages, linked_articles, imported_at, updated_at, requester, shown_articles,"
                " received_at) VALUES (?, ?, ?, NULL, 'new', ?, '[]', ?, '[]', ?, ?, ?,"
                " ?, ?)",
                (
                    ticket_id, subject, channel, stamp, json.dumps([message]), stamp, stamp,
                    json.dumps({"name": name, "email": email}), json.dumps(list(shown)), stamp,
                ),
            )  # fmt: skip
            if then is not None:
                then(connection, ticket_id)
        return ticket_id

    def all(self, statuses: Iterable[str] = RESOLVED) -> list[StoredTicket]:
        wanted = list(statuses)
        marks = ",".join("?" * len(wanted))
        with self.database.connect() as connection:
            rows = connection.execute(
                f"SELECT {_COLUMNS} FROM tickets WHERE status IN ({marks})"
                " ORDER BY created_at DESC, id",
                wanted,
            ).fetchall()
        return [_from_row(row) for row in rows]

    def get(self, ticket_id: str) -> StoredTicket | None:
        with self.database.connect() as connection:
            row = connection.execute(
                f"SELECT {_COLUMNS} FROM tickets WHERE id = ?",
                (ticket_id,),
            ).fetchone()
        return _from_row(row) if row else None


def _from_row(row: Sequence[Any]) -> StoredTicket:
    messages = tuple(Message(m["author"], m["body"]) for m in json.loads(row[3]))
    return StoredTicket(
        row[0],
        row[1],
        row[2],
        messages,
        row[4],
        row[5],
        row[6],
        tuple(json.loads(row[7])),
        tuple(json.loads(row[8])),
    )
