"""Tickets as help desks send them when they change ("ticket solved" webhooks): Zendesk's ticket
events, and this app's own ticket shape (any help desk, a script, or a Zendesk trigger whose JSON
body is written in it). Delivered by id, so a webhook sent twice changes nothing the second time.

A Zendesk event carries the ticket's subject, first message and status but not the conversation,
so for a ticket the inbox already has only those change; a ticket in this app's shape replaces
the conversation. Either way the articles agents linked are kept, and solving a ticket adds those
inserted into replies from its suggestions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from kb.assist.ticket_text import Message
from kb.tickets.inbox import Inbox
from kb.tickets.records import StoredTicket, TicketId
from kb.tickets.store import RESOLVED
from kb.validation import StoredText

# Zendesk's statuses (its events write them in capitals: "SOLVED") as the inbox's.
ZENDESK_STATUSES = {
    "new": "new", "open": "open", "pending": "pending", "hold": "pending", "on-hold": "pending",
    "solved": "solved", "closed": "closed",
}  # fmt: skip


class ZendeskVia(BaseModel):
    model_config = ConfigDict(extra="ignore")

    channel: StoredText | None = None


class ZendeskTicketDetail(BaseModel):
    """The ticket in a Zendesk ticket event's `detail`."""

    model_config = ConfigDict(extra="ignore")

    id: TicketId
    subject: StoredText | None = None
    description: StoredText | None = Field(None, description="The ticket's first comment.")
    status: StoredText | None = Field(None, description="NEW, OPEN, PENDING, HOLD, SOLVED…")
    created_at: StoredText | None = None
    tags: list[StoredText] | None = None
    via: ZendeskVia | None = None


class ZendeskTicketEvent(BaseModel):
    """A Zendesk webhook subscribed to ticket events (`zen:event-type:ticket.status_changed`
    and the others)."""

    model_config = ConfigDict(extra="ignore")

    type: str = Field(pattern=r"^zen:event-type:ticket\.[a-z_]+$")
    detail: ZendeskTicketDetail

    def stored(self) -> StoredTicket:
        detail = self.detail
        status = ZENDESK_STATUSES.get((detail.status or "open").strip().lower(), "open")
        messages = (Message("customer", detail.description),) if detail.description else ()
        return StoredTicket(
            detail.id,
            detail.subject or "",
            status,
            messages,
            channel=(detail.via.channel if detail.via else None) or "zendesk",
            brand=None,
            created_at=detail.created_at,
            tags=tuple(detail.tags or ()),
        )


@dataclasses.dataclass(frozen=True)
class Delivered:
    """What a webhook did to one ticket."""

    id: str
    status: str
    created: bool  # new to the inbox
    solved_now: bool  # resolved by this delivery (closing the loop looks at it)


def deliver(
    inbox: Inbox, tickets: Sequence[StoredTicket], *, keep_conversation: bool = False
) -> list[Delivered]:
    """Store each ticket by id, keeping the articles agents linked; `keep_conversation` keeps
    the messages of a ticket the inbox has (a Zendesk event carries only the first)."""
    delivered = []
    for ticket in tickets:
        before = inbox.store.get(ticket.id)
        if before is not None:
            ticket = dataclasses.replace(
                ticket,
                subject=ticket.subject or before.subject,
                messages=before.messages
                if keep_conversation or not ticket.messages
                else ticket.messages,
                channel=ticket.channel or before.channel,
                brand=ticket.brand or before.brand,
                created_at=ticket.created_at or before.created_at,
                tags=ticket.tags or before.tags,
                linked_articles=_union(before.linked_articles, ticket.linked_articles),
            )
        resolved = ticket.status in RESOLVED
        if resolved:
            inserted = inbox.inserted_articles(ticket.id)
            ticket = dataclasses.replace(
                ticket, linked_articles=_union(ticket.linked_articles, inserted)
            )
        inbox.store.upsert([ticket])
        was_resolved = before is not None and before.status in RESOLVED
        delivered.append(
            Delivered(ticket.id, ticket.status, before is None, resolved and not was_resolved)
        )
    return delivered


def _union(first: Sequence[str], second: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*first, *second]))
