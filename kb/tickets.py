"""Resolved tickets in: one JSON object per line (or a CSV with a documented header), validated
record by record, stored idempotently by id."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kb.database import Database, now
from kb.ticket_text import Message, Ticket

STATUSES = ("new", "open", "pending", "solved", "closed")
RESOLVED = ("solved", "closed")
CSV_COLUMNS = (
    "id",
    "subject",
    "description",
    "resolution",
    "brand",
    "channel",
    "status",
    "created_at",
    "tags",
    "linked_articles",
)


@dataclasses.dataclass(frozen=True)
class StoredTicket:
    id: str
    subject: str
    status: str
    messages: tuple[Message, ...]
    channel: str | None = None
    brand: str | None = None
    created_at: str | None = None
    tags: tuple[str, ...] = ()
    linked_articles: tuple[str, ...] = ()

    def as_ticket(self) -> Ticket:
        return Ticket(self.subject, "", self.messages, self.tags)

    def customer_text(self) -> str:
        return "\n".join(m.body for m in self.messages if m.author == "customer")

    def agent_text(self) -> str:
        return "\n".join(m.body for m in self.messages if m.author == "agent")

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["messages"] = [{"author": m.author, "body": m.body} for m in self.messages]
        data["tags"], data["linked_articles"] = list(self.tags), list(self.linked_articles)
        return data


@dataclasses.dataclass(frozen=True)
class RecordProblem:
    """One invalid record: where it is (a line or an index), the field, and what is wrong."""

    where: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.message}"


class _Invalid(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def parse_ticket(record: Any) -> StoredTicket:
    """Validate one ticket object; raises _Invalid naming the field."""
    if not isinstance(record, Mapping):
        raise _Invalid("(record)", "must be a JSON object")
    ticket_id = record.get("id")
    if isinstance(ticket_id, int) and not isinstance(ticket_id, bool):
        ticket_id = str(ticket_id)
    if not isinstance(ticket_id, str) or not ticket_id.strip() or len(ticket_id) > 200:
        raise _Invalid("id", "is required: a non-empty string of at most 200 characters")
    subject = record.get("subject") or ""
    if not isinstance(subject, str):
        raise _Invalid("subject", "must be a string")
    status = record.get("status") or "solved"
    if status not in STATUSES:
        raise _Invalid("status", f"must be one of {', '.join(STATUSES)}")
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _Invalid("messages", "is required: a non-empty list")
    parsed = []
    for number, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise _Invalid(f"messages[{number}]", "must be an object")
        if message.get("author") not in ("customer", "agent"):
            raise _Invalid(f"messages[{number}].author", "must be customer or agent")
        if not isinstance(message.get("body"), str):
            raise _Invalid(f"messages[{number}].body", "must be a string")
        parsed.append(Message(message["author"], message["body"]))
    optional: dict[str, Any] = {}
    for field in ("channel", "brand", "created_at"):
        value = record.get(field, record.get("product") if field == "brand" else None)
        if value is not None and not isinstance(value, str):
            raise _Invalid(field, "must be a string")
        optional[field] = value
    for field in ("tags", "linked_articles"):
        value = record.get(field) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _Invalid(field, "must be a list of strings")
        optional[field] = tuple(value)
    return StoredTicket(ticket_id.strip(), subject, status, tuple(parsed), **optional)


def parse_batch(
    records: Iterable[Any], label: str = "index"
) -> tuple[list[StoredTicket], list[RecordProblem]]:
    tickets, problems = [], []
    for number, record in enumerate(records):
        try:
            tickets.append(parse_ticket(record))
        except _Invalid as invalid:
            problems.append(RecordProblem(f"{label} {number}", invalid.field, invalid.message))
    return tickets, problems


def read_ticket_file(path: Path) -> tuple[list[StoredTicket], list[RecordProblem]]:
    """JSON lines, or CSV when the file name ends in .csv; every bad record reported."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        return _read_csv(text, path.name)
    tickets, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            tickets.append(parse_ticket(json.loads(line)))
        except json.JSONDecodeError as error:
            problems.append(
                RecordProblem(f"{path.name}:{number}", "(line)", f"not JSON: {error.msg}")
            )
        except _Invalid as invalid:
            problems.append(RecordProblem(f"{path.name}:{number}", invalid.field, invalid.message))
    return tickets, problems


def _read_csv(text: str, name: str) -> tuple[list[StoredTicket], list[RecordProblem]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"id", "description"} - set(reader.fieldnames or [])
    if missing:
        return [], [
            RecordProblem(f"{name}:1", ", ".join(sorted(missing)), "missing from the header")
        ]
    tickets, problems = [], []
    for row in reader:
        where = f"{name}:{reader.line_num}"
        messages = [{"author": "customer", "body": row.get("description") or ""}]
        if row.get("resolution"):
            messages.append({"author": "agent", "body": row["resolution"]})
        record = {
            "id": row.get("id"),
            "subject": row.get("subject"),
            "messages": messages,
            "brand": row.get("brand") or None,
            "channel": row.get("channel") or None,
            "status": row.get("status") or None,
            "created_at": row.get("created_at") or None,
            "tags": _split(row.get("tags")),
            "linked_articles": _split(row.get("linked_articles")),
        }
        try:
            if not (row.get("description") or "").strip():
                raise _Invalid("description", "is required")
            tickets.append(parse_ticket(record))
        except _Invalid as invalid:
            problems.append(RecordProblem(where, invalid.field, invalid.message))
    return tickets, problems


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").replace(";", ",").split(",") if part.strip()]


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
                )
                if exists:
                    connection.execute(
                        "UPDATE tickets SET subject = ?, channel = ?, brand = ?, status = ?,"
                        " created_at = ?, tags = ?, messages = ?, linked_articles = ?,"
                        " updated_at = ? WHERE id = ?",
                        (*values, ticket.id),
                    )
                    updated += 1
                else:
                    connection.execute(
                        "INSERT INTO tickets (subject, channel, brand, status, created_at, tags,"
                        " messages, linked_articles, updated_at, imported_at, id)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (*values, stamp, ticket.id),
                    )
                    inserted += 1
        return inserted, updated

    def create_from_contact(
        self, name: str, email: str, subject: str, description: str, shown: Iterable[str]
    ) -> str:
        """A new ticket from the help center's contact form, with the articles the customer was
        shown before sending it; returns its id."""
        ticket_id = f"web-{uuid.uuid4().hex[:12]}"
        stamp = now()
        message = {"author": "customer", "body": description, "created_at": stamp}
        with self.database.connect() as connection:
            connection.execute(
                "INSERT INTO tickets (id, subject, channel, brand, status, created_at, tags,"
                " messages, linked_articles, imported_at, updated_at, requester, shown_articles)"
                " VALUES (?, ?, 'web-form', NULL, 'new', ?, '[]', ?, '[]', ?, ?, ?, ?)",
                (
                    ticket_id, subject, stamp, json.dumps([message]), stamp, stamp,
                    json.dumps({"name": name, "email": email}), json.dumps(list(shown)),
                ),
            )  # fmt: skip
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


def _from_row(row) -> StoredTicket:
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
