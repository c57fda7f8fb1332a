"""`kb demo-events` seeds conversations with the answer bot too: over the same days as the other
demo events, resolved, rated, handed over (tickets in the agent inbox, in their queue) and
unanswered, the same for the same seed, scrubbed of personal data like real ones; the bot's
figures count what was seeded."""

from __future__ import annotations

import json

from cli import main
from kb.analytics.insights import Insights
from kb.analytics.periods import DateRange
from kb.bot.demo import seed_demo_conversations
from kb.bot.figures import bot_figures
from kb.index.embeddings import HashingEmbedder
from kb.settings import Settings
from kb.state.database import Database
from kb.tickets.inbox import Inbox
from tests.helpers import make_engine

ENDING = "2026-11-29"  # past, so no time of day today changes what is seeded
DAYS = 5
WEEK = DateRange.last(DAYS, ENDING)


def link(slug: str, anchor: str) -> str:
    return f"https://help.example.com/articles/{slug}#{anchor}"


def seed(database, data_dir, content_dir):
    engine = make_engine(data_dir, HashingEmbedder())
    settings = Settings(content_dir=content_dir, data_dir=data_dir)
    return seed_demo_conversations(database, engine, settings, link, DAYS, 3, ENDING)


def test_the_demo_conversations_end_every_way_and_are_kept_as_real_ones(
    built, data_dir, content_dir, make_database
) -> None:
    """One seeding, looked at from every side (seeding takes seconds)."""
    database = make_database()
    seeded = seed(database, data_dir, content_dir)
    assert seeded.resolved and seeded.rated and seeded.handed_over and seeded.unanswered
    # The bot's figures count what was seeded, spread over the days.
    figures = bot_figures(database, WEEK)
    assert figures["conversations"] == seeded.conversations
    assert figures["resolved_by_bot"] == seeded.resolved
    assert figures["ratings"] == seeded.rated
    assert figures["handed_over"] == seeded.handed_over
    assert figures["unanswered_questions"] == seeded.unanswered
    assert 1 <= figures["satisfaction"] <= 5
    insights = Insights(database, content_dir, {})
    days = insights.figure("trends", WEEK)
    assert sum(1 for row in days if row["conversations"]) == DAYS
    # The questions nothing answered are Bot questions in the gap queue.
    assert any(gap.kind == "bot" for gap in insights.gaps(WEEK))
    # The handed-over ones are tickets in the agent inbox, in their queue, on their day.
    widget = [t for t in Inbox(database).page(limit=100).tickets if t.channel == "widget"]
    assert len(widget) == seeded.handed_over
    assert all(t.queue in ("service", "support") for t in widget)
    assert all(WEEK.start <= t.received_at[:10] <= WEEK.end for t in widget)
    ticket = Inbox(database).ticket(widget[0].id)
    assert "--- Conversation with the help bot on https://www.example.com/" in (
        ticket.messages[0].body
    )
    # Personal data is scrubbed, in the transcripts and the recorded questions alike.
    with database.connect() as connection:
        kept = [row[0] for row in connection.execute("SELECT messages FROM conversations")]
        kept += [row[0] for row in connection.execute("SELECT query FROM search_log")]
        started = [json.loads(row[0])[0]["at"][:10] for row in connection.execute(
            "SELECT messages FROM conversations ORDER BY created_at"
        )]  # fmt: skip
    said = " ".join(kept)
    assert "forgot my password" in said  # the question that carried an address was asked
    assert "sam.jones" not in said and "7946" not in said
    assert started[0] >= WEEK.start and started[-1] <= WEEK.end
    # The same seed, the same conversations: seeded again, each count exactly doubles.
    assert seed(database, data_dir, content_dir) == seeded
    twice = bot_figures(database, WEEK)
    for key in ("conversations", "resolved_by_bot", "handed_over", "ratings",
                "unanswered_questions", "rated_1", "rated_5"):  # fmt: skip
        assert twice[key] == 2 * figures[key], key
    assert twice["satisfaction"] == figures["satisfaction"]


def test_kb_demo_events_says_what_the_bot_seeded(runner, built, data_dir, database_url) -> None:
    result = runner.invoke(main, ["demo-events", "--days", "2"])
    assert result.exit_code == 0, result.output
    assert " conversations with the answer bot (" in result.output
    database = Database(database_url or data_dir / "kb.sqlite")
    with database.connect() as connection:
        assert connection.execute("SELECT COUNT(*) FROM conversations").scalar_one() > 0
