"""Shared fixtures: a copied content folder, the fixture index (built once per run, copied for
each test that writes), the app and CLI. Helpers tests import live in tests/helpers.py."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from indexer.build import BuildReport
from kb.index.chroma_store import ChromaVectorStore
from kb.index.generations import IndexLayout, read_manifest
from kb.state.database import Database
from tests.helpers import (
    CHROMA_URL,
    FIGURES,
    FIXTURES,
    POSTGRES_URL,
    CountingEmbedder,
    app_config,
    build,
)
from web import create_app


class FixtureIndex:
    """The fixture corpus indexed once per run with the hashing embedder, beside a migrated
    SQLite database (migrating took half a second per test). Tests get a copy of its data
    folder (`built`), or the folder itself when they only read it (`shared_index`)."""

    def __init__(self, root: Path) -> None:
        self.data_dir = root / "data"

    def build(self) -> None:
        shutil.rmtree(self.data_dir, ignore_errors=True)
        report = build(FIXTURES / "content", self.data_dir, CountingEmbedder())
        assert not report.skipped
        database = Database(self.data_dir / "kb.sqlite")
        database.migrate()
        database.close()

    def ready(self) -> Path:
        """The data folder, rebuilt first if a chroma server lost its collections: a test that
        builds other content prunes the server's collections its own generations do not use,
        and the copies of this folder share theirs (named after the content)."""
        if CHROMA_URL:
            layout = IndexLayout(self.data_dir)
            key = read_manifest(layout.root / layout.current_name())["vectors"]["key"]
            try:
                ChromaVectorStore(self.data_dir, CHROMA_URL, key)
            except Exception:  # noqa: BLE001 - chroma raises several types for a missing one
                self.build()
        return self.data_dir


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file's size and modification time: what writing into the folder would change."""
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="session")
def fixture_index(tmp_path_factory: pytest.TempPathFactory) -> FixtureIndex:
    index = FixtureIndex(tmp_path_factory.mktemp("fixture-index"))
    index.build()
    return index


@pytest.fixture
def shared_index(fixture_index: FixtureIndex) -> Iterator[Path]:
    """The run's fixture index itself, for a test that only searches it (not through the app,
    which writes its database there); a test that wrote into it fails here."""
    data_dir = fixture_index.ready()
    before = snapshot(data_dir)
    yield data_dir
    assert snapshot(data_dir) == before, "the shared index was written to: use `built`"


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
    return lambda: Database(database_url or tmp_path / "state" / "kb.sqlite")


@pytest.fixture
def embedder() -> CountingEmbedder:
    return CountingEmbedder()


@pytest.fixture
def built(
    fixture_index: FixtureIndex, content_dir: Path, data_dir: Path, embedder: CountingEmbedder
) -> BuildReport:
    """This test's own copy of the fixture index, brought up to date with its content folder
    (a test may change that first, e.g. by overriding `content_dir`): the report of that
    update, which is empty when the content is the fixture corpus as it is."""
    shutil.copytree(fixture_index.ready(), data_dir)
    report = build(content_dir, data_dir, embedder)
    assert not report.skipped
    return report


@pytest.fixture
def app(built, content_dir: Path, data_dir: Path, embedder: CountingEmbedder, database_url: str):
    return create_app(app_config(content_dir, data_dir, embedder, database_url))


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
    return CliRunner()


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.section("measured in this run")
        for name, figures in FIGURES.items():
            terminalreporter.write_line(f"{name}: {figures}")
