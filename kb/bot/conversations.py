"""The bot's conversations in the database: each by an unguessable id and only for the visitor
whose widget cookie started it, its transcript scrubbed of personal data (kb.tickets.scrub), the
bot's state between turns, and how it ended."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
from typing import Any

from kb.bot.answering import Reply, Shown, State, Topic
from kb.errors import Conflict
from kb.state.database import Database, now, today
from kb.tickets.scrub import scrub_personal_data

STATUSES = ("open", "resolved", "handed_over")
MAX_MESSAGES = 60  # a customer's and the bot's together; past it, a person is the way on


def new_id() -> str:
    """An id nobody can guess (192 random bits)."""
    return secrets.token_urlsafe(24)


def visitor_hash(token: str) -> str:
    """What is stored of a visitor's cookie: enough to recognise it, never to present it."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class Conversation:
    id: str
    page_url: str
    status: str
    messages: list[dict[str, Any]]
    state: State
    rating: int | None
    ticket_id: str | None
    queue: str | None

    def shown_slugs(self) -> list[str]:
        """Every article the bot showed, in the order first shown."""
        slugs: dict[str, None] = {}
        for message in self.messages:
            for choice in [message.get("answer"), *message.get("alternatives", [])]:
                if choice:
                    slugs.setdefault(choice["slug"], None)
        return list(slugs)


def reply_record(reply: Reply) -> dict[str, Any]:
    """The bot's message as the transcript keeps it."""

    def choice(item: Any) -> dict[str, str]:
        return {
            "slug": item.article.slug,
            "anchor": item.section.anchor,
            "title": item.article.title,
            "section_title": item.section.title,
        }

    return {
        "author": "bot",
        "answer": choice(reply.answer) if reply.answer else None,
        "alternatives": [choice(item) for item in reply.alternatives],
        "no_good_match": reply.no_good_match,
        "offer_handoff": reply.offer_handoff,
        "at": now(),
    }


class ConversationStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def start(self, visitor_token: str, page_url: str) -> str:
        """A new, empty conversation for this visitor on this page; returns its id."""
        conversation_id, stamp = new_id(), now()
        with self.database.connect() as connection:
            connection.execute(
                "INSERT INTO conversations (id, visitor_hash, page_url, status, messages, state,"
                " created_at, updated_at, day) VALUES (?, ?, ?, 'open', '[]', ?, ?, ?, ?)",
                (
                    conversation_id, visitor_hash(visitor_token), page_url,
                    json.dumps(_state_json(State())), stamp, stamp, today(),
                ),
            )  # fmt: skip
        return conversation_id

    def get(self, conversation_id: str, visitor_token: str) -> Conversation | None:
        """The conversation, if this visitor started it (else None, as for an unknown id)."""
        with self.database.connect() as connection:
            row = connection.execute(
                "SELECT id, page_url, status, messages, state, rating, ticket_id, queue,"
                " visitor_hash FROM conversations WHERE id = ?",
                (conversation_id,),
            ).fetchone()
        if row is None or not secrets.compare_digest(row[8], visitor_hash(visitor_token)):
            return None
        return Conversation(
            row[0], row[1], row[2], json.loads(row[3]), _state(json.loads(row[4])), row[5],
            row[6], row[7],
        )  # fmt: skip

    def add_turn(self, conversation: Conversation, message: str, reply: Reply) -> None:
        """Keep the customer's message (scrubbed) and the bot's reply, and the bot's state."""
        if len(conversation.messages) + 2 > MAX_MESSAGES:
            raise Conflict(
                "this conversation is long enough: hand it over to a person (handoff)",
                field="message",
            )
        said = {"author": "customer", "text": scrub_personal_data(message), "at": now()}
        messages = [*conversation.messages, said, reply_record(reply)]
        state = _state_json(reply.state)
        if state["topic"]:
            state["topic"]["query"] = scrub_personal_data(state["topic"]["query"])
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE conversations SET messages = ?, state = ?, updated_at = ?,"
                " unanswered = unanswered + ? WHERE id = ?",
                (json.dumps(messages), json.dumps(state), now(), int(reply.no_good_match),
                 conversation.id),
            )  # fmt: skip

    def set_status(self, conversation_id: str, status: str) -> None:
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE conversations SET status = ?, updated_at = ? WHERE id = ?",
                (status, now(), conversation_id),
            )

    def rate(self, conversation_id: str, rating: int) -> None:
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE conversations SET rating = ?, updated_at = ? WHERE id = ?",
                (rating, now(), conversation_id),
            )

    def hand_over(self, conversation_id: str, ticket_id: str, queue: str) -> None:
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE conversations SET status = 'handed_over', ticket_id = ?, queue = ?,"
                " updated_at = ? WHERE id = ?",
                (ticket_id, queue, now(), conversation_id),
            )


def _state_json(state: State) -> dict[str, Any]:
    topic = state.topic
    return {
        "topic": {"query": topic.query, "slug": topic.answer.slug, "anchor": topic.answer.anchor}
        if topic
        else None,
        "unhelpful": state.unhelpful,
        "shown": [[item.slug, item.anchor, item.confidence] for item in state.shown],
    }


def _state(data: dict[str, Any]) -> State:
    topic = data.get("topic")
    return State(
        Topic(topic["query"], Shown(topic["slug"], topic["anchor"])) if topic else None,
        int(data.get("unhelpful", 0)),
        # [slug, anchor, confidence]; conversations stored before kept no confidence
        tuple(
            Shown(item[0], item[1], float(item[2]) if len(item) > 2 else 0.0)
            for item in data.get("shown", [])
        ),
    )
