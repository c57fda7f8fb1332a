"""The one data-access layer: migrations on either backend, and SQLite databases from before
Alembic upgraded without losing what they hold."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from kb.errors import ConfigurationError
from kb.state.database import FIRST_REVISION, Database
from kb.state.migrations.legacy import MIGRATIONS as LEGACY


def test_migrating_twice_is_harmless(make_database) -> None:
    database = make_database()
    head = database.migrate()
    database.record_feedback("refund", True, "clear")
    assert Database(database.url if database.path is None else database.path).migrate() == head
    assert database.feedback_summary("refund") == {"helpful": 1, "not_helpful": 0}
    tables = set(sa.inspect(database.engine).get_table_names())
    assert {"tickets", "search_log", "click_log", "deflections", "api_keys"} <= tables


def test_a_failed_statement_rolls_the_whole_transaction_back(make_database) -> None:
    database = make_database()
    with pytest.raises(sa.exc.DBAPIError):
        with database.connect() as connection:
            connection.execute(
                "INSERT INTO article_feedback (slug, helpful, created_at) VALUES (?, ?, ?)",
                ("refund", 1, "2026-11-23"),
            )
            connection.execute("INSERT INTO no_such_table VALUES (1)")
    assert database.feedback_summary("refund") == {"helpful": 0, "not_helpful": 0}


@pytest.mark.parametrize("version", [1, 3, 4])
def test_a_database_from_before_alembic_keeps_its_data(tmp_path: Path, version: int) -> None:
    path = tmp_path / "kb.sqlite"
    old = sqlite3.connect(path)
    for number, script in enumerate(LEGACY[:version], start=1):
        old.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
    old.execute(
        "INSERT INTO article_feedback (slug, helpful, comment, created_at)"
        " VALUES ('refund', 0, 'too vague', '2026-11-01')"
    )
    old.commit()
    old.close()
    head = Database(tmp_path / "new.sqlite").migrate()  # where a new database starts
    database = Database(path)
    assert database.migrate() == head
    assert database.feedback_summary("refund") == {"helpful": 0, "not_helpful": 1}
    with database.connect() as connection:
        stamped = connection.execute("SELECT version_num FROM alembic_version").scalar()
        connection.execute("SELECT requester, shown_articles FROM tickets").fetchall()
    assert stamped == head != FIRST_REVISION


def test_a_database_url_must_be_postgresql() -> None:
    with pytest.raises(ConfigurationError):
        Database("mysql://somewhere/kb")


def test_a_transaction_that_reads_then_writes_waits_for_another_writer(tmp_path) -> None:
    """On SQLite, a read snapshot overtaken by another writer's commit cannot be written from
    (it failed at once with "database is locked", a 500 seen under two workers)."""
    import threading  # noqa: PLC0415
    import time  # noqa: PLC0415

    from kb.state.database import Database  # noqa: PLC0415

    database = Database(tmp_path / "kb.sqlite")
    database.migrate()
    reading, failures = threading.Event(), []

    def read_then_write() -> None:
        try:
            with database.connect() as connection:
                connection.execute("SELECT COUNT(*) FROM article_feedback").fetchone()
                reading.set()
                time.sleep(0.3)  # the other writer tries to commit meanwhile
                connection.execute(
                    "INSERT INTO article_feedback (slug, helpful, created_at) VALUES (?, ?, ?)",
                    ("first", 1, "2026-12-01T00:00:00"),
                )
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    thread = threading.Thread(target=read_then_write)
    thread.start()
    reading.wait(5)
    database.record_feedback("second", True)
    thread.join(10)
    assert failures == []
    with database.connect() as connection:
        slugs = [row[0] for row in connection.execute("SELECT slug FROM article_feedback")]
    assert sorted(slugs) == ["first", "second"]
