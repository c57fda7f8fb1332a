"""The schema versions of SQLite databases made before Alembic managed migrations (PRAGMA
user_version 1 to 4). A database at one of them is brought to version 4, which is what the first
Alembic revision creates, and stamped: no stored data is lost."""

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
