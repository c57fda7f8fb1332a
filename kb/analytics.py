"""What customers search, click, read and vote, what agents link, and where the knowledge base
falls short: events recorded off the request path, figures computed from them, one gap queue.

No personal data: queries are normalised and scrubbed (e-mail addresses, phone numbers, names
after sign-offs...), visitors are a random cookie id (empty when the request carried none), and
the address only a hash salted with a secret that changes daily (kb/popular.py), never the address.
"""

from __future__ import annotations

import atexit
import dataclasses
import datetime as dt
import json
import logging
import os
import queue
import re
import threading
import time
from collections.abc import Iterable
from typing import Any

from kb.database import Database, now, today
from kb.scrub import scrub_personal_data

MAX_QUERY_CHARS = 200
QUEUE_SIZE = 10_000  # a full queue makes searches wait for the writer: events are never dropped
BATCH = 500
# Events are written at most this long after they happen, in one transaction: a commit per
# search cost 1.5 ms of the worker's CPU, a batched event 0.03 ms (bench/analytics.py).
WRITE_EVERY_SECONDS = 1.0
_FLUSH = object()  # queued by flush(): write what is waiting now
_SPACE = re.compile(r"\s+")
logger = logging.getLogger(__name__)


def normalise_query(text: str) -> str:
    """Lower case, single spaces, personal data replaced: what two searchers typing the same
    thing share, and nothing that names either of them."""
    return normalise_search(text)[0]


def normalise_search(text: str) -> tuple[str, bool]:
    """The normalised query, and whether scrubbing personal data changed it (such a query is
    never offered to others, whatever the scrubber left of it)."""
    spaced = " ".join(text.split())
    scrubbed = scrub_personal_data(spaced)
    query = _SPACE.sub(" ", scrubbed.lower()).strip(" .,;:!?")[:MAX_QUERY_CHARS]
    return query, scrubbed != spaced


@dataclasses.dataclass(frozen=True)
class SearchEvent:
    search_id: str
    visitor: str  # the visitor cookie the request carried, or "" (counted as no one)
    query: str
    mode: str
    results: int
    slugs: tuple[str, ...]
    took_ms: float
    day: str = dataclasses.field(default_factory=today)
    address: str = ""  # the client address hashed with the day's secret salt, or ""
    scrubbed: bool = False  # scrubbing personal data changed the query


@dataclasses.dataclass(frozen=True)
class ClickEvent:
    search_id: str
    slug: str
    rank: int
    day: str = dataclasses.field(default_factory=today)


class EventRecorder:
    """Queues events and writes them in batches on a background thread (one per process, so
    each gunicorn worker starts its own after the fork)."""

    def __init__(self, database: Database, retention_days: int = 90) -> None:
        self.database = database
        self.retention_days = retention_days
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_SIZE)
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._pruned_on: str | None = None

    def record(self, event: SearchEvent | ClickEvent) -> None:
        self._ensure_writer()
        self._queue.put(event)

    def flush(self) -> None:
        """Write every queued event now and wait until it is done."""
        if self._pid == os.getpid():
            self._queue.put(_FLUSH)
            self._queue.join()

    def _ensure_writer(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._queue = queue.Queue(maxsize=QUEUE_SIZE)  # a forked copy's queue is not ours
            threading.Thread(target=self._write_forever, name="kb-events", daemon=True).start()
            self._pid = os.getpid()
            atexit.register(self.flush)

    def _write_forever(self) -> None:
        while True:
            batch = [self._queue.get()]
            deadline = time.monotonic() + WRITE_EVERY_SECONDS
            while batch[-1] is not _FLUSH and len(batch) < BATCH:
                try:
                    batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
            events = [event for event in batch if event is not _FLUSH]
            try:
                if not events:
                    continue  # a flush with nothing waiting (the finally still counts it)
                write_events(self.database, events)
                if self._pruned_on != today():
                    self._pruned_on = today()
                    prune(self.database, self.retention_days)
            except Exception:  # noqa: BLE001 - a failed write must not kill the writer
                logger.exception("could not record %d events", len(events))
            finally:
                for _ in batch:
                    self._queue.task_done()


class NullRecorder:
    """Analytics switched off (KB_ANALYTICS=off): nothing is recorded."""

    retention_days = 0

    def record(self, event: SearchEvent | ClickEvent) -> None:
        pass

    def flush(self) -> None:
        pass


def write_events(database: Database, events: Iterable[SearchEvent | ClickEvent]) -> None:
    stamp = now()
    searches = [e for e in events if isinstance(e, SearchEvent)]
    clicks = [e for e in events if isinstance(e, ClickEvent)]
    with database.connect() as connection:
        connection.executemany(
            "INSERT INTO search_log (id, created_at, day, visitor, query, mode, results, slugs,"
            " took_ms, address, scrubbed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO NOTHING",
            [
                (e.search_id, stamp, e.day, e.visitor, e.query, e.mode, e.results,
                 json.dumps(list(e.slugs)), e.took_ms, e.address, int(e.scrubbed))
                for e in searches
            ],
        )  # fmt: skip
        connection.executemany(
            "INSERT INTO click_log (search_id, slug, rank, created_at, day) VALUES (?, ?, ?, ?, ?)",
            [(e.search_id, e.slug, e.rank, stamp, e.day) for e in clicks],
        )


def prune(database: Database, retention_days: int) -> int:
    """Delete events older than the retention period; returns how many went. 0 keeps all."""
    if retention_days <= 0:
        return 0
    cutoff = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=retention_days)).isoformat()
    deleted = 0
    with database.connect() as connection:
        for table in ("search_log", "click_log", "deflections"):
            deleted += connection.execute(f"DELETE FROM {table} WHERE day < ?", (cutoff,)).rowcount
    return deleted


def record_deflection(database: Database, visitor: str, slug: str | None, how: str) -> None:
    """`solved`: the customer said an article solved it; `opened`: they opened a suggested
    article from the contact form (undone if they send the form after all)."""
    with database.connect() as connection:
        connection.execute(
            "INSERT INTO deflections (visitor, slug, how, created_at, day) VALUES (?, ?, ?, ?, ?)",
            (visitor, slug, how, now(), today()),
        )


def cancel_deflections(database: Database, visitor: str) -> None:
    """The visitor sent the contact form: the articles they opened did not deflect it."""
    with database.connect() as connection:
        connection.execute(
            "UPDATE deflections SET cancelled = 1 WHERE visitor = ? AND how = 'opened'"
            " AND day >= ?",
            (visitor, (dt.date.fromisoformat(today()) - dt.timedelta(days=1)).isoformat()),
        )


@dataclasses.dataclass(frozen=True)
class DateRange:
    start: str  # ISO days, both included
    end: str

    @classmethod
    def last(cls, days: int) -> DateRange:
        end = dt.date.fromisoformat(today())
        return cls((end - dt.timedelta(days=days - 1)).isoformat(), end.isoformat())

    def days(self) -> list[str]:
        first, last = dt.date.fromisoformat(self.start), dt.date.fromisoformat(self.end)
        return [(first + dt.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


class Analytics:
    """Figures for a date range, each from the recorded events."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def _rows(self, sql: str, *params: Any) -> list[tuple]:
        with self.database.connect() as connection:
            return connection.execute(sql, params).fetchall()

    def searches_per_day(self, period: DateRange) -> list[dict]:
        counts = dict(
            self._rows(
                "SELECT day, COUNT(*) FROM search_log WHERE day BETWEEN ? AND ? GROUP BY day",
                period.start,
                period.end,
            )
        )
        return [{"day": day, "searches": counts.get(day, 0)} for day in period.days()]

    def _queries(self, period: DateRange, having: str, limit: int) -> list[dict]:
        # Searches without a visitor cookie count as searches, never as visitors: a script
        # sending no cookie is not one more person.
        visitors = "COUNT(DISTINCT CASE WHEN s.visitor != '' THEN s.visitor END)"
        rows = self._rows(
            f"SELECT s.query, COUNT(*), {visitors},"
            " SUM(CASE WHEN c.clicks > 0 THEN 1 ELSE 0 END)"
            " FROM search_log s LEFT JOIN (SELECT search_id, COUNT(*) AS clicks FROM click_log"
            " GROUP BY search_id) c ON c.search_id = s.id"
            " WHERE s.day BETWEEN ? AND ? AND s.query != ''"
            f" GROUP BY s.query {having} ORDER BY {visitors} DESC, COUNT(*) DESC,"
            " s.query LIMIT ?",
            period.start,
            period.end,
            limit,
        )
        return [
            {
                "query": query,
                "searches": searches,
                "visitors": visitors,
                "searches_with_click": clicked or 0,
                "click_through_rate": round((clicked or 0) / searches, 3),
            }
            for query, searches, visitors, clicked in rows
        ]

    def top_queries(self, period: DateRange, limit: int = 20) -> list[dict]:
        return self._queries(period, "", limit)

    def no_result_queries(self, period: DateRange, limit: int = 20) -> list[dict]:
        return self._queries(period, "HAVING MAX(s.results) = 0", limit)

    def no_click_queries(self, period: DateRange, limit: int = 20) -> list[dict]:
        having = "HAVING MIN(s.results) > 0 AND SUM(CASE WHEN c.clicks > 0 THEN 1 ELSE 0 END) = 0"
        return self._queries(period, having, limit)

    def clicks(self, period: DateRange) -> dict:
        searches, with_click = self._rows(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM click_log c"
            " WHERE c.search_id = s.id) THEN 1 ELSE 0 END), 0) FROM search_log s"
            " WHERE s.day BETWEEN ? AND ?",
            period.start,
            period.end,
        )[0]
        clicks, mean_rank = self._rows(
            "SELECT COUNT(*), AVG(rank) FROM click_log WHERE day BETWEEN ? AND ?",
            period.start,
            period.end,
        )[0]
        return {
            "searches": searches,
            "searches_with_click": with_click,
            "click_through_rate": round(with_click / searches, 3) if searches else 0.0,
            "clicks": clicks,
            "mean_click_rank": round(float(mean_rank), 2) if mean_rank is not None else None,
        }

    def article_views(self, period: DateRange, limit: int = 50) -> list[dict]:
        rows = self._rows(
            "SELECT slug, SUM(views) FROM article_views WHERE day BETWEEN ? AND ?"
            " GROUP BY slug ORDER BY SUM(views) DESC, slug LIMIT ?",
            period.start,
            period.end,
            limit,
        )
        return [{"slug": slug, "views": views} for slug, views in rows]

    def feedback(self, period: DateRange) -> list[dict]:
        """Helpful and not helpful votes per article, least helpful first, with comments."""
        rows = self._rows(
            "SELECT slug, helpful, comment FROM article_feedback"
            " WHERE substr(created_at, 1, 10) BETWEEN ? AND ? ORDER BY id",
            period.start,
            period.end,
        )
        articles: dict[str, dict] = {}
        for slug, helpful, comment in rows:
            entry = articles.setdefault(
                slug, {"slug": slug, "helpful": 0, "not_helpful": 0, "comments": []}
            )
            entry["helpful" if helpful else "not_helpful"] += 1
            if comment:
                entry["comments"].append({"helpful": bool(helpful), "comment": comment})
        return sorted(articles.values(), key=lambda e: (-e["not_helpful"], e["helpful"], e["slug"]))

    def deflection(self, period: DateRange) -> dict:
        solved, opened = self._rows(
            "SELECT COALESCE(SUM(CASE WHEN how = 'solved' THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN how = 'opened' AND cancelled = 0 THEN 1 ELSE 0 END), 0)"
            " FROM deflections WHERE day BETWEEN ? AND ?",
            period.start,
            period.end,
        )[0]
        created = self._rows(
            "SELECT COUNT(*) FROM tickets WHERE channel = 'web-form'"
            " AND substr(created_at, 1, 10) BETWEEN ? AND ?",
            period.start,
            period.end,
        )[0][0]
        deflected = solved + opened
        attempts = deflected + created
        return {
            "deflected": deflected,
            "solved_by_article": solved,
            "left_after_reading": opened,
            "tickets_created": created,
            "deflection_rate": round(deflected / attempts, 3) if attempts else 0.0,
        }

    def agent_articles(self, period: DateRange, limit: int = 50) -> list[dict]:
        """Per article: how often suggested to agents, linked (reused) and voted by them."""
        rows = self._rows(
            "SELECT r.slug, COUNT(DISTINCT r.request_id),"
            " COUNT(DISTINCT CASE WHEN f.action = 'linked' THEN f.request_id END),"
            " COUNT(DISTINCT CASE WHEN f.action = 'helpful' THEN f.request_id END),"
            " COUNT(DISTINCT CASE WHEN f.action = 'not_helpful' THEN f.request_id END)"
            " FROM suggest_results r JOIN suggest_requests q ON q.id = r.request_id"
            " LEFT JOIN suggest_feedback f ON f.request_id = r.request_id AND f.slug = r.slug"
            " WHERE substr(q.created_at, 1, 10) BETWEEN ? AND ?"
            " GROUP BY r.slug ORDER BY 3 DESC, 2 DESC, r.slug LIMIT ?",
            period.start,
            period.end,
            limit,
        )
        return [
            {
                "slug": slug,
                "suggested": suggested,
                "linked": linked,
                "link_rate": round(linked / suggested, 3) if suggested else 0.0,
                "helpful": helpful,
                "not_helpful": unhelpful,
            }
            for slug, suggested, linked, helpful, unhelpful in rows
        ]

    def summary(self, period: DateRange) -> dict:
        return {
            "from": period.start,
            "to": period.end,
            **self.clicks(period),
            "no_result_searches": self._rows(
                "SELECT COUNT(*) FROM search_log WHERE results = 0 AND day BETWEEN ? AND ?",
                period.start,
                period.end,
            )[0][0],
            "article_views": self._rows(
                "SELECT COALESCE(SUM(views), 0) FROM article_views WHERE day BETWEEN ? AND ?",
                period.start,
                period.end,
            )[0][0],
            **self.deflection(period),
        }


@dataclasses.dataclass(frozen=True)
class Gap:
    kind: str  # no_results, no_clicks, unhelpful, tickets
    title: str
    affected: int  # visitors, voters or tickets
    detail: str
    target: str  # what to open: a query, an article slug or a draft id


def gap_queue(
    analytics: Analytics, period: DateRange, drafts: Iterable[Any] = (), limit: int = 50
) -> list[Gap]:
    """Every kind of gap in one list, the ones affecting the most customers first."""
    gaps = [
        Gap("no_results", q["query"], q["visitors"], f"{q['searches']} searches, nothing found",
            q["query"])
        for q in analytics.no_result_queries(period, limit)
    ] + [
        Gap("no_clicks", q["query"], q["visitors"], f"{q['searches']} searches, no result opened",
            q["query"])
        for q in analytics.no_click_queries(period, limit)
    ] + [
        Gap("unhelpful", f["slug"], f["not_helpful"],
            f"{f['not_helpful']} not helpful, {f['helpful']} helpful", f["slug"])
        for f in analytics.feedback(period)
        if f["not_helpful"] > f["helpful"]
    ] + [
        Gap("tickets", str(d.meta.get("title", d.id)), len(d.source_tickets),
            f"{len(d.source_tickets)} resolved tickets no article answered", d.id)
        for d in drafts
    ]  # fmt: skip
    order = {"tickets": 0, "no_results": 1, "unhelpful": 2, "no_clicks": 3}
    return sorted(gaps, key=lambda g: (-g.affected, order[g.kind], g.title))[:limit]
