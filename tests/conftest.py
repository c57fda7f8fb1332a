"""Shared fixtures: a copied content folder, a built index (fake embedder), the app and CLI."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from indexer import BuildOptions, build_index
from kb.index.embeddings import HashingEmbedder
from kb.search.engine import SearchEngine, open_engine
from kb.settings import Settings
from web import create_app

FIXTURES = Path(__file__).parent / "fixtures"
AGENT_KEY = "agent-key-0123456789abcdef"
WRITER_KEY = "writer-key-0123456789abcdef"
ADMIN_KEY = "admin-key-0123456789abcdef"
# CI runs the store-touching tests a second time against a real `chroma run` server.
CHROMA_URL = os.environ.get("KB_CHROMA_URL", "")
# ...and the storage tests against a real PostgreSQL server (a URL to its `postgres` database).
POSTGRES_URL = os.environ.get("KB_TEST_POSTGRES_URL", "")
# What tests measured (model tests on the demo content, the sweeps); printed at the end.
FIGURES: dict[str, dict] = {}
REPO = Path(__file__).resolve().parent.parent


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, recording every text it embeds."""

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return super().embed(texts)


def build(content_dir: Path, data_dir: Path, embedder, *, keyword_engine="tantivy", **how):
    """build_index against whichever vector store this run uses (`how`: full, cache...)."""
    options = BuildOptions(
        content_dir, data_dir, chroma_url=CHROMA_URL, keyword_engine=keyword_engine
    )
    return build_index(options, embedder, **how)


def make_engine(data_dir: Path, embedder, **settings) -> SearchEngine:
    # The hashing embedder's scores are not what the confidence floor was fitted on: count every
    # match, unless a test sets the floor.
    settings = {"min_confidence": 0.0, **settings}
    return open_engine(Settings(data_dir=data_dir, chroma_url=CHROMA_URL, **settings), embedder)


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(FIXTURES / "content", target)
    return target


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Where this test's state lives: an empty PostgreSQL database when the run has a server
    (KB_TEST_POSTGRES_URL), else "" (SQLite in the data folder)."""
    if not POSTGRES_URL:
        yield ""
        return
    from kb.state.database import Database  # noqa: PLC0415

    engines: list[sa.Engine] = []
    make_engine = Database._make_engine

    def tracked(self) -> sa.Engine:
        engines.append(make_engine(self))
        return engines[-1]

    monkeypatch.setattr(Database, "_make_engine", tracked)
    admin = sa.create_engine(
        POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    name = f"kbtest_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    for engine in engines:  # the test's pools, closed before their database goes
        engine.dispose()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def make_database(tmp_path: Path, database_url: str):
    """A Database on this run's backend."""
    from kb.state.database import Database  # noqa: PLC0415

    return lambda: Database(database_url or tmp_path / "state" / "kb.sqlite")


@pytest.fixture
def embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture
def built(content_dir: Path, data_dir: Path, embedder: CountingEmbedder):
    report = build(content_dir, data_dir, embedder)
    assert not report.skipped
    return report


def app_config(content_dir: Path, data_dir: Path, embedder, database_url: str, **extra) -> dict:
    """What create_app gets in tests: the fixture corpus, the fake embedder, this run's stores."""
    return {
        "TESTING": True,
        "CONTENT_DIR": str(content_dir),
        "DATA_DIR": str(data_dir),
        "EMBEDDER": "hashing",
        "EMBEDDER_INSTANCE": embedder,
        "CHROMA_URL": CHROMA_URL,
        "SECRET_KEY": "test-secret",
        "API_KEYS": f"agent:{AGENT_KEY},writer:{WRITER_KEY},admin:{ADMIN_KEY}",
        "DATABASE_URL": database_url,
        "MIN_CONFIDENCE": 0.0,  # see make_engine
        **extra,
    }


@pytest.fixture
def app(built, content_dir: Path, data_dir: Path, embedder: CountingEmbedder, database_url: str):
    return create_app(app_config(content_dir, data_dir, embedder, database_url))


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(
    content_dir: Path, data_dir: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> CliRunner:
    monkeypatch.setenv("KB_DATABASE_URL", database_url)
    monkeypatch.setenv("KB_CONTENT_DIR", str(content_dir))
    monkeypatch.setenv("KB_DATA_DIR", str(data_dir))
    monkeypatch.setenv("KB_EMBEDDER", "hashing")
    monkeypatch.setenv("KB_MIN_CONFIDENCE", "0")  # see make_engine
    return CliRunner()


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.section("measured in this run")
        for name, figures in FIGURES.items():
            terminalreporter.write_line(f"{name}: {figures}")
