"""Handing a conversation over to a person: a ticket with the whole transcript, the articles the
bot showed and the page it came from, triaged for its queue (service: orders, billing, account;
support: technical problems), then passed on for delivery to that queue.

Onward delivery (the queue's webhook or e-mail, kb.delivery.outbox) is written in the transaction
that writes the ticket, so a ticket is never stored without its delivery nor delivered unstored;
the agent inbox lists it from the ticket store either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from kb.assist.suggestions import AgentAssist
from kb.assist.ticket_text import Ticket
from kb.assist.triage import Triage
from kb.bot.conversations import Conversation, ConversationStore
from kb.delivery.outbox import notify_queue
from kb.errors import BadRequest
from kb.settings import Settings
from kb.state.database import Connection, Database
from kb.tickets.inbox import Inbox
from kb.tickets.store import TicketStore

SUBJECT_CHARS = 120
DEFAULT_QUEUE = "support"  # a conversation with no words to triage
ArticleLink = Callable[[str, str], str]  # (slug, anchor) -> where a customer reads it


class HandoverServices(Protocol):
    """What a hand-over needs of the app's services."""

    database: Database
    assist: AgentAssist
    settings: Settings


def hand_over(
    services: HandoverServices,
    conversation: Conversation,
    email: str,
    message: str,
    article_link: ArticleLink,
) -> tuple[str, str]:
    """Create the conversation's ticket, triage it and pass it on: (ticket id, queue)."""
    subject = _subject(conversation, message)
    text = transcript(conversation, message, article_link)
    shown = conversation.shown_slugs()
    triage = triage_of(services.assist, subject, conversation, message)
    queue = triage.kind if triage else DEFAULT_QUEUE
    payload = {
        "subject": subject,
        "channel": "widget",
        "page_url": conversation.page_url,
        "requester": {"name": "", "email": email},
        "messages": [{"author": "customer", "body": text}],
        "shown_articles": shown,
        "category": triage.category if triage else None,
    }

    def deliver(connection: Connection, ticket_id: str) -> None:
        notify_queue(
            services.database, services.settings, ticket_id, queue,
            {"id": ticket_id, **payload}, within=connection,
        )  # fmt: skip

    ticket_id = TicketStore(services.database).create_from_contact(
        "", email, subject, text, shown, channel="widget", then=deliver
    )
    if triage is not None:  # the agent inbox lists it in its queue
        Inbox(services.database).record_triage(
            ticket_id, triage.kind, triage.category, triage.confidence
        )
    ConversationStore(services.database).hand_over(conversation.id, ticket_id, queue)
    return ticket_id, queue


def triage_of(
    assist: AgentAssist, subject: str, conversation: Conversation, message: str
) -> Triage | None:
    """The queue a person picks it up in, and its category: the triage of the customer's own
    words (as agent assist triages any ticket); None when there is nothing to triage."""
    said = [m["text"] for m in conversation.messages if m["author"] == "customer"]
    try:
        return assist.triage(Ticket(subject, "\n".join([*said, message])))
    except BadRequest:
        return None


def transcript(conversation: Conversation, message: str, article_link: ArticleLink) -> str:
    """What the agent reads: the customer's message to them, then the whole conversation."""
    lines = [message.strip(), "", f"--- Conversation with the help bot on {conversation.page_url}"]
    for said in conversation.messages:
        if said["author"] == "customer":
            lines.append(f"Customer: {said['text']}")
            continue
        answer = said.get("answer")
        if answer:
            lines.append(f"Bot answered: {_shown(answer, article_link)}")
        elif said.get("no_good_match"):
            lines.append("Bot: no article answers this.")
        else:
            lines.append("Bot: offered a person.")
        lines += [f"  also offered: {_shown(a, article_link)}" for a in said["alternatives"]]
    return "\n".join(lines)


def _shown(choice: dict[str, str], article_link: ArticleLink) -> str:
    title = choice["title"]
    if choice["section_title"] and choice["section_title"] != title:
        title = f"{title} › {choice['section_title']}"
    return f"{title} ({article_link(choice['slug'], choice['anchor'])})"


def _subject(conversation: Conversation, message: str) -> str:
    first = next((m["text"] for m in conversation.messages if m["author"] == "customer"), "")
    text = " ".join((first or message).split()) or "Help widget conversation"
    return text if len(text) <= SUBJECT_CHARS else text[: SUBJECT_CHARS - 1] + "…"
