"""Made-up conversations with the help widget's answer bot for the demo help center (`kb
demo-events`), over the same days as the other demo events: customers ask the real bot (so its
answers and "no answer" are what it really says), follow up, mark it solved and rate it, hand it
over to a person (a ticket through the normal hand-over, triaged into its queue, so the agent
inbox lists it) or leave. Stored as real ones are (scrubbed of personal data), then dated back
to the day they happened. Random with a seed, so a run can be repeated."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import random
import uuid
from collections.abc import Callable

from kb.analytics.events import SearchEvent, normalise_search, write_events
from kb.assist.suggestions import AgentAssist
from kb.bot.answering import AnswerBot, Reply
from kb.bot.conversations import ConversationStore
from kb.bot.handover import ArticleLink, hand_over
from kb.search.engine import SearchEngine
from kb.settings import Settings
from kb.state.database import Database, today

# weight | page | the first question | a follow-up ("" for none). Some questions carry personal
# data, as real ones do: the store keeps them scrubbed.
_ASKED = """
9 | /billing | how do I get a refund | and for the yearly plan?
7 | /account/plan | cancel my subscription |
7 | /login | I forgot my password, my email is sam.jones@example.com |
6 | /app/sync | my files are not syncing | it says storage full
5 | /app/sync | sync stuck on indexing |
5 | /billing | my payment failed | can I use another card?
4 | /app/share | how do I share a folder |
4 | /billing/invoices | where is my invoice | does it show VAT?
3 | /account | change the email address on my account |
3 | /app/upload | upload of a big video fails |
3 | /pricing | is there a student discount |
3 | /pricing | do you have a family plan discount |
2 | /app | dark mode please |
2 | /download | linux arm64 client |
2 | /account | call me on +44 20 7946 0958 about my account |
"""
ASKED = [
    (float(weight), page, first, follow_up)
    for weight, page, first, follow_up in (
        [field.strip() for field in line.split("|")] for line in _ASKED.split("\n") if line
    )
]
SCORES = (1, 2, 3, 4, 5)
SCORE_WEIGHTS = (1, 1, 2, 5, 7)  # most who rate are content
NOTES = ("Please get back to me.", "Can someone look at this?", "")


@dataclasses.dataclass
class SeededConversations:
    conversations: int = 0
    resolved: int = 0
    rated: int = 0
    handed_over: int = 0
    unanswered: int = 0


@dataclasses.dataclass
class _Services:
    """What a hand-over needs (kb.bot.handover.HandoverServices)."""

    database: Database
    assist: AgentAssist
    settings: Settings


def seed_demo_conversations(
    database: Database,
    engine: SearchEngine,
    settings: Settings,
    article_link: ArticleLink,
    days: int = 14,
    seed: int = 7,
    ending: str | None = None,
) -> SeededConversations:
    """Conversations for the `days` days up to `ending` (today), each dated when it happened."""
    rng = random.Random(seed)
    bot = AnswerBot(engine)
    services = _Services(database, AgentAssist(engine, None), settings)
    last = dt.date.fromisoformat(ending or today())
    until = dt.datetime.now(dt.UTC)
    seeded = SeededConversations()
    for offset in range(days - 1, -1, -1):
        day = last - dt.timedelta(days=offset)
        busy = 0.6 if day.weekday() >= 5 else 1.0
        for _ in range(max(0, int(rng.gauss(8, 2) * busy))):
            at = _moment(day, rng, until)
            _converse(services, bot, rng, at, article_link, seeded)
    return seeded


def _converse(
    services: _Services, bot: AnswerBot, rng: random.Random, at: dt.datetime,
    article_link: ArticleLink, seeded: SeededConversations,
) -> None:  # fmt: skip
    """One conversation: its questions, how it ended, then its times moved back to `at`."""
    _, page, first, follow_up = rng.choices(ASKED, [a[0] for a in ASKED])[0]
    store = ConversationStore(services.database)
    token = uuid.UUID(int=rng.getrandbits(128)).hex
    conversation_id = store.start(token, f"https://www.example.com{page}")
    answered = False
    for message in [first] + ([follow_up] if follow_up and rng.random() < 0.5 else []):
        conversation = store.get(conversation_id, token)
        assert conversation is not None
        reply = bot.reply(conversation.state, message)
        store.add_turn(conversation, message, reply)
        _record(services.database, reply, token, at.date().isoformat())
        answered = reply.answer is not None
        seeded.unanswered += int(reply.no_good_match)
    ended = rng.random()
    ticket_id = None
    if answered and ended < 0.6:
        store.set_status(conversation_id, "resolved")
        seeded.resolved += 1
        if rng.random() < 0.6:
            store.rate(conversation_id, rng.choices(SCORES, SCORE_WEIGHTS)[0])
            seeded.rated += 1
    elif ended < (0.75 if answered else 0.5):  # the others leave without a word
        conversation = store.get(conversation_id, token)
        assert conversation is not None
        email = f"customer-{token[:8]}@example.com"  # a reserved domain: nobody's address
        ticket_id, _ = hand_over(services, conversation, email, rng.choice(NOTES), article_link)
        seeded.handed_over += 1
    seeded.conversations += 1
    _date_back(services.database, conversation_id, ticket_id, at)


def _record(database: Database, reply: Reply, token: str, day: str) -> None:
    """The question as the widget records it: a search in mode "bot" (so one nothing answered
    is a Bot question in the gap queue), its visitor a hash of the widget's token."""
    if not reply.searched:
        return
    query, scrubbed = normalise_search(reply.searched)
    shown = tuple(c.article.slug for c in [reply.answer, *reply.alternatives] if c is not None)
    visitor = hashlib.sha256(token.encode()).hexdigest()[:32]
    event = SearchEvent(uuid.uuid4().hex, visitor, query, "bot", len(shown), shown, 0.0, day,
                        address=visitor, scrubbed=scrubbed)  # fmt: skip
    write_events(database, [event])


def _moment(day: dt.date, rng: random.Random, until: dt.datetime) -> dt.datetime:
    """A time on `day` between 7:00 and 21:00 UTC, and not after `until`."""
    start = dt.datetime.combine(day, dt.time(7), tzinfo=dt.UTC)
    end = min(start + dt.timedelta(hours=14), until)
    if end <= start:
        start = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
    minutes = max(1, int((end - start).total_seconds() // 60))
    return start + dt.timedelta(minutes=rng.randrange(minutes))


def _date_back(
    database: Database, conversation_id: str, ticket_id: str | None, at: dt.datetime
) -> None:
    """Move the conversation (and its ticket) to when it happened: a message a minute."""

    def stamp(minutes: int) -> str:
        return (at + dt.timedelta(minutes=minutes)).isoformat(timespec="seconds")

    with database.connect() as connection:
        messages = json.loads(
            connection.execute(
                "SELECT messages FROM conversations WHERE id = ?", (conversation_id,)
            ).scalar_one()
        )
        for n, message in enumerate(messages):
            message["at"] = stamp(n)
        ended = stamp(len(messages) + 1)
        connection.execute(
            "UPDATE conversations SET messages = ?, created_at = ?, updated_at = ?, day = ?"
            " WHERE id = ?",
            (json.dumps(messages), stamp(0), ended, at.date().isoformat(), conversation_id),
        )
        if ticket_id is not None:
            _date_back_ticket(connection.execute, ticket_id, ended)


def _date_back_ticket(execute: Callable, ticket_id: str, when: str) -> None:
    messages = json.loads(
        execute("SELECT messages FROM tickets WHERE id = ?", (ticket_id,)).scalar_one()
    )
    for message in messages:
        message["created_at"] = when
    execute(
        "UPDATE tickets SET created_at = ?, updated_at = ?, imported_at = ?, received_at = ?,"
        " messages = ? WHERE id = ?",
        (when, when, when, when, json.dumps(messages), ticket_id),
    )
