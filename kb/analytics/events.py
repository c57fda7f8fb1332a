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
from collections.abc import Callable, Iterable

from kb.state.database import Database, now, today
from kb.tickets.scrub import scrub_personal_data

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

    def __init__(
        self,
        database: Database,
        retention_days: int = 90,
        on_depth: Callable[[int], None] = lambda depth: None,
    ) -> None:
        self.database = database
        self.retention_days = retention_days
        self.on_depth = on_depth  # told how many events wait, as it changes (/metrics)
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_SIZE)
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._pruned_on: str | None = None

    def record(self, event: SearchEvent | ClickEvent) -> None:
        self._ensure_writer()
        self._queue.put(event)
        self.on_depth(self._queue.qsize())

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
                self.on_depth(self._queue.qsize())
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
