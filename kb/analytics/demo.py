"""A made-up but realistic stretch of days for the demo help center (`kb demo-events`), so anyone
can see populated insights in one command: visitors search (real searches of the live index, so
results and no-results are what search really answers), open results, read and vote, use the
contact form or leave it deflected, and write to support, whose agents reply, link articles and
solve. Random with a seed, so a run can be repeated. For a demo or development database only."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import uuid
from collections import Counter
from typing import Any

import numpy as np

from kb.analytics.events import ClickEvent, SearchEvent, write_events
from kb.search.engine import SearchEngine
from kb.state.database import Database, today

# query | weight | chance a search has a result opened | daily growth of its weight
_QUERIES = """
refund | 9 | 0.7 | 0
cancel subscription | 8 | 0.7 | 0
reset password | 8 | 0.75 | 0
files not syncing | 7 | 0.6 | 0
sync stuck on indexing | 5 | 0.55 | 0.1
share a folder | 6 | 0.65 | 0
invoice | 5 | 0.7 | 0
how do i get my money back | 4 | 0.6 | 0
change email address | 3 | 0.7 | 0
two step verification | 3 | 0.6 | 0
conflicted copy | 3 | 0.6 | 0
dbx-301 | 3 | 0.7 | 0.25
storage full | 4 | 0.6 | 0.2
dbx-201 | 2 | 0.6 | 0
upload large video | 3 | 0.5 | 0
restore deleted files | 4 | 0.7 | 0
vat on invoice | 2 | 0.5 | 0
payment failed | 4 | 0.6 | 0
locked out | 3 | 0.6 | 0
delete my account | 2 | 0.6 | 0
export my data | 2 | 0.5 | 0
slack integration | 1 | 0.4 | 0
proxy settings | 1 | 0.5 | 0
driftbox uses too much cpu | 2 | 0.5 | 0
camera upload stuck waiting for wifi | 4 | 0 | 0
driftbox slow on mac | 3 | 0.1 | 0
scanned documents wrong folder | 2 | 0 | 0
refnd | 2 | 0.5 | 0
pasword reset | 2 | 0.5 | 0
family plan discount | 3 | 0 | 0
student discount | 3 | 0 | 0
dark mode | 2 | 0 | 0
linux arm64 client | 3 | 0 | 0
kubernetes helm chart | 1 | 0 | 0
"""
QUERIES = [
    (query, float(weight), float(opened), float(growth))
    for query, weight, opened, growth in (
        line.split(" | ") for line in _QUERIES.split("\n") if line
    )
]
RANK_CHANCE = [0.62, 0.2, 0.08, 0.05, 0.05]  # which result is opened, when one is
HELPFUL = {"sync-stuck-on-indexing": 0.3, "storage-full-sync-paused": 0.4,
           "cannot-open-shared-link": 0.25}  # fmt: skip
COMMENTS = ["Didn't fix it for me.", "The steps don't match what I see in the app.",
            "Still stuck after a restart.", "Which menu is this in?"]  # fmt: skip
# subject | queue | category | product area | error code | the article that answers it
_TICKETS = """
Charged twice this month | service | billing | Billing | | order-status-and-confirmation
Refund for the yearly plan | service | billing | Billing | | request-a-refund
Can't log in after changing phone | service | account | Web app | | locked-out-of-account
Sync paused, says storage full | support | sync | Desktop app | DBX-301 | storage-full-sync-paused
File won't sync: name error | support | sync | Desktop app | DBX-201 | file-name-and-path-errors
Permission denied on Linux | support | sync | Desktop app | DBX-401 | permission-denied-errors
Stuck on indexing for days | support | sync | Desktop app | | sync-stuck-on-indexing
Camera upload waits for Wi-Fi | support | mobile | Android app | |
Shared link says access denied | support | sharing | Web app | | cannot-open-shared-link
Upload of a 60 GB video fails | support | performance | Desktop app | DBX-302 | large-files
VAT missing on my invoice | service | billing | Billing | | taxes-and-vat
App crashes on start | support | install | iOS app | DBX-500 |
"""
TICKETS = [[field.strip() for field in line.split("|")] for line in _TICKETS.split("\n") if line]


@dataclasses.dataclass
class Seeded:
    days: int
    searches: int = 0
    clicks: int = 0
    votes: int = 0
    deflections: int = 0
    tickets: int = 0


class _Results:
    """What search answers each demo query, asked once per query."""

    def __init__(self, engine: SearchEngine) -> None:
        self.engine = engine
        self.known: dict[str, tuple[int, tuple[str, ...]]] = {}

    def __call__(self, query: str) -> tuple[int, tuple[str, ...]]:
        if query not in self.known:
            found = self.engine.search(query, limit=10)
            self.known[query] = (found.total, tuple(r.article.slug for r in found.results))
        return self.known[query]


def has_events(database: Database) -> bool:
    with database.connect() as connection:
        return connection.execute("SELECT COUNT(*) FROM search_log").scalar_one() > 0


def seed_demo_events(
    database: Database,
    engine: SearchEngine,
    days: int = 7,
    seed: int = 7,
    ending: str | None = None,
) -> Seeded:
    """Events for the `days` days up to `ending` (today), recorded as if they happened then."""
    rng = random.Random(seed)
    results = _Results(engine)
    last = dt.date.fromisoformat(ending or today())
    # Nothing happens after now: today's events are spread over the hours gone by.
    until = min(dt.datetime.now(dt.UTC), dt.datetime.combine(last, dt.time.max, tzinfo=dt.UTC))
    blank = np.zeros(engine.embedder.dimension, np.float32).tobytes()  # no learning from these
    seeded = Seeded(days)
    for offset in range(days - 1, -1, -1):
        day = last - dt.timedelta(days=offset)
        busy = 0.6 if day.weekday() >= 5 else 1.0  # fewer people on weekends
        events: list[SearchEvent | ClickEvent] = []
        views: Counter[str] = Counter()
        votes: list[tuple[str, int, str | None, str]] = []
        deflections: list[tuple[str, str, str, int, str]] = []
        web_tickets = 0
        weights = [w * (1 + growth * (days - 1 - offset)) for _, w, _, growth in QUERIES]
        for _ in range(int(rng.gauss(55, 6) * busy)):
            visitor = uuid.UUID(int=rng.getrandbits(128)).hex
            for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
                query, _, clicks, _ = rng.choices(QUERIES, weights)[0]
                total, slugs = results(query)
                search_id = uuid.uuid4().hex  # unique per run, even with the same seed
                events.append(
                    SearchEvent(search_id, visitor, query, "hybrid", total, slugs, 30.0,
                                day.isoformat(), address=visitor)
                )  # fmt: skip
                if total and rng.random() < clicks:
                    rank = rng.choices(range(1, 6), RANK_CHANCE)[0]
                    slug = slugs[min(rank, len(slugs)) - 1]
                    events.append(ClickEvent(search_id, slug, rank, day.isoformat()))
                    views[slug] += 1
                    if rng.random() < 0.15:
                        helpful = rng.random() < HELPFUL.get(slug, 0.85)
                        comment = None if helpful or rng.random() < 0.5 else rng.choice(COMMENTS)
                        votes.append((slug, int(helpful), comment, _at(day, rng, until)))
            if rng.random() < 0.12:  # the contact form
                choice = rng.random()
                if choice < 0.55:
                    how = "solved" if choice < 0.3 else "opened"
                    slug = rng.choice(list(views) or ["request-a-refund"])
                    deflections.append((visitor, slug, how, 0, _at(day, rng, until)))
                else:
                    web_tickets += 1
        _store(database, day, events, views, votes, deflections)
        others = int(rng.gauss(9, 2) * busy)
        seeded.tickets += _tickets(database, day, rng, web_tickets, others, until, blank)
        seeded.searches += sum(isinstance(e, SearchEvent) for e in events)
        seeded.clicks += sum(isinstance(e, ClickEvent) for e in events)
        seeded.votes += len(votes)
        seeded.deflections += len(deflections)
    return seeded


def _at(day: dt.date, rng: random.Random, until: dt.datetime) -> str:
    """A time on `day`, in working hours (7:00 to 21:00 UTC) when they are past by `until`."""
    start = dt.datetime.combine(day, dt.time(7), tzinfo=dt.UTC)
    end = min(start + dt.timedelta(hours=14), until)
    if end <= start:
        start = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
    minutes = max(1, int((end - start).total_seconds() // 60))
    return (start + dt.timedelta(minutes=rng.randrange(minutes))).isoformat(timespec="seconds")


def _store(
    database: Database, day: dt.date, events: list, views: Counter[str], votes: list,
    deflections: list,
) -> None:  # fmt: skip
    write_events(database, events)
    with database.connect() as connection:
        connection.executemany(
            "INSERT INTO article_views (slug, day, views) VALUES (?, ?, ?) ON CONFLICT (slug, day)"
            " DO UPDATE SET views = article_views.views + excluded.views",
            [(slug, day.isoformat(), n) for slug, n in views.items()],
        )
        connection.executemany(
            "INSERT INTO article_feedback (slug, helpful, comment, created_at) VALUES (?, ?, ?, ?)",
            votes,
        )
        connection.executemany(
            "INSERT INTO deflections (visitor, slug, how, cancelled, created_at, day)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(*deflection, day.isoformat()) for deflection in deflections],
        )


def _tickets(
    database: Database, day: dt.date, rng: random.Random, from_form: int, others: int,
    until: dt.datetime, blank: bytes,
) -> int:  # fmt: skip
    """Tickets created on `day`, with agents' replies at their times, most of them solved, and
    the suggestions agents saw (linked when they linked the article)."""
    rows, suggested, linked_by_agents = [], [], []
    for n in range(from_form + others):
        subject, queue, category, product, code, answer = rng.choice(TICKETS)
        created = dt.datetime.fromisoformat(_at(day, rng, until))
        body = f"{subject}. {'Error ' + code + '. ' if code else ''}Please help."
        messages: list[dict[str, Any]] = [
            {"author": "customer", "body": body, "created_at": created.isoformat()}
        ]
        at = created
        for reply in range(1 if rng.random() < 0.6 else 2):
            wait = rng.lognormvariate(0.7 if queue == "service" else 1.3, 0.8)  # hours
            at += dt.timedelta(hours=wait if reply == 0 else rng.uniform(2, 20))
            if at > until:
                break
            answer_at = at.isoformat(timespec="seconds")
            messages.append({"author": "agent", "body": "Here is how.", "created_at": answer_at})
        agent_replied = len(messages) > 1
        solved = agent_replied and rng.random() < 0.85
        linked = [answer] if answer and solved and rng.random() < 0.6 else []
        channel = "web-form" if n < from_form else rng.choice(("email", "chat"))
        stamp = messages[-1]["created_at"]
        rows.append((
            f"demo-{uuid.uuid4().hex[:12]}", subject, channel, product,
            "solved" if solved else ("open" if agent_replied else "new"), created.isoformat(),
            json.dumps([category]), json.dumps(messages), json.dumps(linked), stamp, stamp,
        ))  # fmt: skip
        if answer:
            request = uuid.uuid4().hex
            suggested.append((request, created.isoformat(), blank, queue, category, answer))
            linked_by_agents += [(request, slug, "linked", stamp) for slug in linked]
    with database.connect() as connection:
        connection.executemany(
            "INSERT INTO tickets (id, subject, channel, brand, status, created_at, tags, messages,"
            " linked_articles, imported_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        connection.executemany(
            "INSERT INTO suggest_requests (id, created_at, embedding, triage_kind,"
            " triage_category) VALUES (?, ?, ?, ?, ?)",
            [row[:5] for row in suggested],
        )
        connection.executemany(
            "INSERT INTO suggest_results (request_id, slug, rank) VALUES (?, ?, 1)",
            [(row[0], row[5]) for row in suggested],
        )
        connection.executemany(
            "INSERT INTO suggest_feedback (request_id, slug, action, created_at)"
            " VALUES (?, ?, ?, ?)",
            linked_by_agents,
        )
    return len(rows)
