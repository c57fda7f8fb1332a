"""State that is not content (feedback, views, keys, suggestions, tickets, analytics) in one SQL
database: SQLite in the data folder by default, or PostgreSQL (`KB_DATABASE_URL`) for several
nodes. One data-access layer (SQLAlchemy Core, SQL written to run on both) and one migration
history (Alembic, kb/migrations) serve both."""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import os
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext

from kb.errors import ConfigurationError
from kb.limits import MAX_COMMENT_CHARS as MAX_COMMENT_CHARS
from kb.settings import Settings
from kb.state.migrations.legacy import MIGRATIONS as LEGACY_MIGRATIONS

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
FIRST_REVISION = "0001"  # the schema of legacy SQLite version 4
_PLACEHOLDER = re.compile(r"\?")
_MIGRATING = threading.Lock()


@functools.lru_cache(maxsize=512)
def _named(sql: str) -> sa.TextClause:
    """`?` placeholders (one per value, in order) become :p0, :p1..., which both drivers take."""
    counter = iter(range(10_000))
    return sa.text(_PLACEHOLDER.sub(lambda _: f":p{next(counter)}", sql))


def _params(values: Sequence[Any]) -> dict[str, Any]:
    return {f"p{n}": value for n, value in enumerate(values)}


class Connection:
    """One transaction: `execute(sql, params)` with `?` placeholders, as with sqlite3."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sa.CursorResult:
        return self._connection.execute(_named(sql), _params(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            self._connection.execute(_named(sql), [_params(row) for row in rows])


class Database:
    """A SQLite file or a PostgreSQL URL. Engines are made per process: gunicorn forks after the
    app is built, and a pooled connection must never cross a fork."""

    def __init__(self, location: str | Path) -> None:
        text = str(location)
        if "://" in text:
            if not text.startswith(("postgresql", "sqlite")):
                raise ConfigurationError(
                    "KB_DATABASE_URL must be a postgresql:// (or sqlite:///) URL"
                )
            self.url = text.replace("postgresql://", "postgresql+psycopg://", 1)
            self.path = Path(text.removeprefix("sqlite:///")) if text.startswith("sqlite") else None
        else:
            self.path = Path(text)
            self.url = f"sqlite:///{self.path}"
        # The process an engine was made in, with the engine: one made before a fork is never
        # used after it.
        self._engine: tuple[int, sa.Engine] | None = None
        self._lock = threading.Lock()
        self._migrated = False

    @classmethod
    def for_settings(cls, settings: Settings) -> Database:
        return cls(settings.database_url or settings.data_dir / "kb.sqlite")

    @property
    def engine(self) -> sa.Engine:
        made = self._engine
        if made is None or made[0] != os.getpid():
            with self._lock:
                made = self._engine
                if made is None or made[0] != os.getpid():
                    made = (os.getpid(), self._make_engine())
                    self._engine = made
        return made[1]

    def _make_engine(self) -> sa.Engine:
        if self.path is None:
            return sa.create_engine(self.url, pool_pre_ping=True, pool_size=5)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(self.url, connect_args={"timeout": 30}, poolclass=sa.NullPool)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: sqlite3.Connection, _record: object) -> None:
            connection.isolation_level = None  # SQLAlchemy begins (below), DDL included
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA foreign_keys=ON")

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(connection: sa.Connection) -> None:
            # pysqlite would commit before DDL; a migration must be all or nothing. IMMEDIATE:
            # a transaction that reads, then writes after another one committed, would fail at
            # once with "database is locked" (its snapshot is stale; the busy timeout does not
            # apply); taking the write lock first makes it wait its turn instead.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    def close(self) -> None:
        """Close pooled connections (before gunicorn forks: a connection must not be shared)."""
        if self._engine is not None:
            self._engine[1].dispose()
        self._engine = None

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A transaction, committed when the block ends without an exception."""
        if not self._migrated:
            self.migrate()
        with self.engine.begin() as connection:
            yield Connection(connection)

    def migrate(self) -> str:
        """Bring the schema up to date; returns the revision it is at. Two processes starting
        together migrate one after the other."""
        # Alembic's `op` and `context` are process-wide: one migration at a time per process.
        with _MIGRATING, self._migration_lock():
            legacy = self.path is not None and _upgrade_legacy(self.path)
            with self.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(sa.text("SELECT pg_advisory_xact_lock(72421)"))
                config = Config()
                config.set_main_option("script_location", str(MIGRATIONS_DIR))
                config.attributes["connection"] = connection
                if legacy:
                    command.stamp(config, FIRST_REVISION)
                command.upgrade(config, "head")
                revision = MigrationContext.configure(connection).get_current_revision()
        self._migrated = True
        return revision or ""

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        if self.path is None:
            yield  # PostgreSQL: an advisory lock inside the transaction
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".migrate.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

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
            ).one()
        return {"helpful": helpful, "not_helpful": unhelpful}

    def record_view(self, slug: str) -> None:
        with self.connect() as connection:
            connection.execute(
                "INSERT INTO article_views (slug, day, views) VALUES (?, ?, 1)"
                " ON CONFLICT (slug, day) DO UPDATE SET views = article_views.views + 1",
                (slug, today()),
            )

    def popular_slugs(self, limit: int = 5, days: int = 30) -> list[str]:
        since = (dt.date.fromisoformat(today()) - dt.timedelta(days=days)).isoformat()
        with self.connect() as connection:
            rows = connection.execute(
                "SELECT slug FROM article_views WHERE day >= ? GROUP BY slug"
                " ORDER BY SUM(views) DESC, slug LIMIT ?",
                (since, limit),
            ).fetchall()
        return [row[0] for row in rows]


def _upgrade_legacy(path: Path) -> bool:
    """A SQLite database made before Alembic (PRAGMA user_version > 0, no alembic_version
    table) is brought to legacy version 4, the first revision's schema; True if it was one."""
    if not path.exists():
        return False
    connection = sqlite3.connect(str(path), timeout=30)
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        stamped = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        if version == 0 or stamped:
            return False
        for number, script in enumerate(LEGACY_MIGRATIONS[version:], start=version + 1):
            connection.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
        return True
    finally:
        connection.close()


def today() -> str:
    """The UTC day, as every recorded day is kept (the dashboard's ranges are UTC days)."""
    return dt.datetime.now(dt.UTC).date().isoformat()


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
