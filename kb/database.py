"""State that is not content (feedback, views, keys, suggestions, tickets, analytics) in SQLite,
with migrations."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Each entry upgrades the schema by one version; never edit one that has shipped, append.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE article_feedback (
        id INTEGER PRIMARY KEY,
        slug TEXT NOT NULL,
        helpful INTEGER NOT NULL,
        comment TEXT,
        created_at TEXT NOT NULL
    );
    CREATE INDEX article_feedback_slug ON article_feedback (slug);
    CREATE TABLE article_views (
        slug TEXT NOT NULL,
        day TEXT NOT NULL,
        views INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (slug, day)
    );
    """,
    """
    CREATE TABLE api_keys (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        prefix TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );
    CREATE TABLE suggest_requests (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        embedding BLOB,
        triage_kind TEXT,
        triage_category TEXT
    );
    CREATE TABLE suggest_results (
        request_id TEXT NOT NULL REFERENCES suggest_requests (id),
        slug TEXT NOT NULL,
        rank INTEGER NOT NULL,
        PRIMARY KEY (request_id, slug)
    );
    CREATE INDEX suggest_results_slug ON suggest_results (slug);
    CREATE TABLE suggest_feedback (
        id INTEGER PRIMARY KEY,
        request_id TEXT NOT NULL REFERENCES suggest_requests (id),
        slug TEXT NOT NULL,
        action TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX suggest_feedback_slug ON suggest_feedback (slug);
    """,
    """
    CREATE TABLE tickets (
        id TEXT PRIMARY KEY,
        subject TEXT NOT NULL,
        channel TEXT,
        brand TEXT,
        status TEXT NOT NULL,
        created_at TEXT,
        tags TEXT NOT NULL,
        messages TEXT NOT NULL,
        linked_articles TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX tickets_status ON tickets (status);
    """,
    """
    CREATE TABLE search_log (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        day TEXT NOT NULL,
        visitor TEXT NOT NULL,
        query TEXT NOT NULL,
        mode TEXT NOT NULL,
        results INTEGER NOT NULL,
        slugs TEXT NOT NULL,
        took_ms REAL NOT NULL
    );
    CREATE INDEX search_log_day ON search_log (day);
    CREATE TABLE click_log (
        id INTEGER PRIMARY KEY,
        search_id TEXT NOT NULL,
        slug TEXT NOT NULL,
        rank INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        day TEXT NOT NULL
    );
    CREATE INDEX click_log_search ON click_log (search_id);
    CREATE INDEX click_log_day ON click_log (day);
    CREATE TABLE deflections (
        id INTEGER PRIMARY KEY,
        visitor TEXT NOT NULL,
        slug TEXT,
        how TEXT NOT NULL,
        created_at TEXT NOT NULL,
        day TEXT NOT NULL,
        cancelled INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX deflections_day ON deflections (day);
    ALTER TABLE tickets ADD COLUMN requester TEXT;
    ALTER TABLE tickets ADD COLUMN shown_articles TEXT NOT NULL DEFAULT '[]';
    """,
)
MAX_COMMENT_CHARS = 2000


class Database:
    """Opens a connection per call: safe across gunicorn workers and threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._migrated = False

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        if not self._migrated:
            self.migrate()
        connection = sqlite3.connect(str(self.path), timeout=30)
        try:
            with connection:
                yield connection
        finally:
            connection.close()

    def migrate(self) -> int:
        """Bring the schema up to date; returns the version it is at."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(str(self.path), timeout=30)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                # BEGIN IMMEDIATE: two workers starting together migrate one after the other.
                connection.execute("BEGIN IMMEDIATE")
                current = connection.execute("PRAGMA user_version").fetchone()[0]
                if current >= number:
                    connection.execute("COMMIT")
                    continue
                for statement in filter(str.strip, script.split(";")):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {number}")
                connection.execute("COMMIT")
            self._migrated = True
            return connection.execute("PRAGMA user_version").fetchone()[0]
        finally:
            connection.close()

    def record_feedback(self, slug: str, helpful: bool, comment: str | None = None) -> None:
        with self.connect() as connection:
            connection.execute(
                "INSERT INTO article_feedback (slug, helpful, comment, created_at)"
                " VALUES (?, ?, ?, ?)",
                (slug, int(helpful), comment or None, now()),
            )

    def feedback_summary(self, slug: str) -> dict[str, int]:
        with self.connect() as connection:
            helpful, unhelpful = connection.execute(
                "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0)"
                " FROM article_feedback WHERE slug = ?",
                (slug,),
            ).fetchone()
        return {"helpful": helpful, "not_helpful": unhelpful}

    def record_view(self, slug: str) -> None:
        with self.connect() as connection:
            connection.execute(
                "INSERT INTO article_views (slug, day, views) VALUES (?, ?, 1)"
                " ON CONFLICT (slug, day) DO UPDATE SET views = views + 1",
                (slug, dt.date.today().isoformat()),
            )

    def popular_slugs(self, limit: int = 5, days: int = 30) -> list[str]:
        since = (dt.date.today() - dt.timedelta(days=days)).isoformat()
        with self.connect() as connection:
            rows = connection.execute(
                "SELECT slug FROM article_views WHERE day >= ? GROUP BY slug"
                " ORDER BY SUM(views) DESC, slug LIMIT ?",
                (since, limit),
            ).fetchall()
        return [row[0] for row in rows]


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
