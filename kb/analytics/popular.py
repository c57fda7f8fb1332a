"""Popular searches that autocomplete offers to everyone, and the rules that keep anyone from
planting one: who counts as a visitor, salted address hashes, clicks, scrubbing, and a list of
suggestions admins blocked.

A query is offered when, in the last 30 days, it found something and was searched by at least
three visitor cookies from at least three addresses, a result of it was opened at least once by
a searcher with a cookie, scrubbing personal data never changed it, and no admin blocked it.
Requests without a visitor cookie are recorded but count as no one.

Addresses are never stored: only an HMAC of the address under a secret salt that is random per
UTC day, kept in the database so every worker and node hashes alike, and deleted by the first
search two days later. The same address hashes differently each day, and once a day's salt is
gone its hashes cannot be linked to an address, not even by trying every IPv4 address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import threading
import time

import sqlalchemy as sa

from kb.analytics.events import MAX_QUERY_CHARS, normalise_query
from kb.analytics.figures import DateRange
from kb.errors import BadRequest, NotFound
from kb.state.database import Database, now, today

MIN_VISITORS = 3  # distinct visitor cookies, and distinct address hashes
HASH_CHARS = 32
logger = logging.getLogger(__name__)


class AddressHasher:
    """A client address → an HMAC under the day's secret salt; "" for no address."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._salt: tuple[str, bytes] = ("", b"")  # (day, salt), replaced whole: no lock needed

    def hash(self, address: str | None) -> str:
        if not address:
            return ""
        day = today()
        cached_day, salt = self._salt
        if cached_day != day:
            try:
                salt = self._salt_of(day)
            except sa.exc.SQLAlchemyError:  # searching must not fail with the database
                logger.exception("no address salt for %s: the search counts no address", day)
                return ""
            self._salt = (day, salt)
        return hmac.new(salt, address.encode(), hashlib.sha256).hexdigest()[:HASH_CHARS]

    def _salt_of(self, day: str) -> bytes:
        """The day's salt (made by whichever worker or node asks first); older salts than
        yesterday's are deleted, which makes their hashes unlinkable."""
        yesterday = (dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat()
        with self.database.connect() as connection:
            connection.execute(
                "INSERT INTO address_salts (day, salt) VALUES (?, ?) ON CONFLICT (day) DO NOTHING",
                (day, secrets.token_hex(32)),
            )
            salt = connection.execute(
                "SELECT salt FROM address_salts WHERE day = ?", (day,)
            ).scalar_one()
            connection.execute("DELETE FROM address_salts WHERE day < ?", (yesterday,))
        return bytes.fromhex(salt)


class PopularQueries:
    """The queries autocomplete may offer (see the module's rules), kept in memory and refreshed
    every few minutes: autocomplete answers from them in microseconds."""

    def __init__(
        self,
        database: Database,
        min_visitors: int = MIN_VISITORS,
        days: int = 30,
        refresh_seconds: int = 300,
    ) -> None:
        self.database = database
        self.min_visitors = min_visitors
        self.days = days
        self.refresh_seconds = refresh_seconds
        self._queries: list[tuple[str, int]] = []
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def complete(self, typed: str, limit: int) -> list[str]:
        prefix = normalise_query(typed)
        if not prefix:
            return []
        return [query for query, _ in self.suggested() if query.startswith(prefix)][:limit]

    def suggested(self) -> list[tuple[str, int]]:
        """Every query on offer with its number of visitors, most visitors first."""
        if time.monotonic() - self._loaded_at > self.refresh_seconds:
            with self._lock:
                if time.monotonic() - self._loaded_at > self.refresh_seconds:
                    self._queries = self._load()
                    self._loaded_at = time.monotonic()
        return self._queries

    def invalidate(self) -> None:
        """Load the list afresh on the next request (other workers follow on their refresh)."""
        self._loaded_at = float("-inf")

    def _load(self) -> list[tuple[str, int]]:
        since = DateRange.last(self.days).start
        with self.database.connect() as connection:
            rows = connection.execute(
                "SELECT s.query, COUNT(DISTINCT s.visitor) FROM search_log s"
                " LEFT JOIN (SELECT DISTINCT search_id FROM click_log WHERE day >= ?) c"
                " ON c.search_id = s.id"
                " WHERE s.day >= ? AND s.results > 0 AND s.query != ''"
                " AND s.visitor != '' AND s.address != ''"
                " AND s.query NOT IN (SELECT query FROM search_log WHERE scrubbed = 1 AND day >= ?)"
                " AND s.query NOT IN (SELECT query FROM blocked_queries)"
                " GROUP BY s.query"
                " HAVING COUNT(DISTINCT s.visitor) >= ? AND COUNT(DISTINCT s.address) >= ?"
                " AND COUNT(c.search_id) > 0"
                " ORDER BY 2 DESC, s.query LIMIT 5000",
                (since, since, since, self.min_visitors, self.min_visitors),
            ).fetchall()
        return [(query, visitors) for query, visitors in rows]

    def block(self, text: str, blocked_by: str) -> str:
        """Never offer this query (normalised as searches are); returns it as stored."""
        query = _query_field(text)
        with self.database.connect() as connection:
            connection.execute(
                "INSERT INTO blocked_queries (query, blocked_at, blocked_by) VALUES (?, ?, ?)"
                " ON CONFLICT (query) DO NOTHING",
                (query, now(), blocked_by),
            )
        self.invalidate()
        return query

    def unblock(self, text: str) -> str:
        query = _query_field(text)
        with self.database.connect() as connection:
            deleted = connection.execute(
                "DELETE FROM blocked_queries WHERE query = ?", (query,)
            ).rowcount
        if not deleted:
            raise NotFound(f"'{query}' is not blocked")
        self.invalidate()
        return query

    def blocked(self) -> list[dict]:
        with self.database.connect() as connection:
            rows = connection.execute(
                "SELECT query, blocked_at, blocked_by FROM blocked_queries"
                " ORDER BY blocked_at, query"
            ).fetchall()
        return [{"query": q, "blocked_at": at, "blocked_by": by} for q, at, by in rows]


def _query_field(text: object) -> str:
    """A query to block or unblock, normalised; a clear error naming the field otherwise."""
    if not isinstance(text, str) or len(text) > MAX_QUERY_CHARS:
        raise BadRequest(
            f"query must be text of at most {MAX_QUERY_CHARS} characters", field="query"
        )
    query = normalise_query(text)
    if not query:
        raise BadRequest("query is required", field="query")
    return query
