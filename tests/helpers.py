"""What tests share besides fixtures: the fixture corpus and keys, building and opening an index
against this run's vector store, the app's test settings, and signing in to the staff pages
with their CSRF token. Tests import these from here; tests/conftest.py holds only fixtures."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from indexer import BuildOptions, build_index
from kb.index.embeddings import HashingEmbedder
from kb.search.engine import SearchEngine, open_engine
from kb.settings import Settings

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
AGENT_KEY = "agent-key-0123456789abcdef"
WRITER_KEY = "writer-key-0123456789abcdef"
ADMIN_KEY = "admin-key-0123456789abcdef"
KEYS = {"agent": AGENT_KEY, "writer": WRITER_KEY, "admin": ADMIN_KEY}
# Each staff area's page; its sign-in page is `<page>/login`, its sign-out `<page>/logout`.
AREAS = {"agent": "/agent", "writer": "/writer", "admin": "/admin"}
# CI runs the store-touching tests a second time against a real `chroma run` server.
CHROMA_URL = os.environ.get("KB_CHROMA_URL", "")
# ...and the storage tests against a real PostgreSQL server (a URL to its `postgres` database).
POSTGRES_URL = os.environ.get("KB_TEST_POSTGRES_URL", "")
# What tests measured (model tests on the demo content, the sweeps); printed at the end.
FIGURES: dict[str, dict] = {}

REFUND_TICKET = {
    "subject": "Money back",
    "body": "I bought the yearly plan last week, I want a refund to my bank",
}
# The fixture corpus's articles customers must never see (internal, draft).
HIDDEN_SLUGS = frozenset({"refund-approval-rules", "unreleased-feature"})


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
    """A search engine over the index in `data_dir`, on this run's vector store. The hashing
    embedder's scores are not what the confidence floor was fitted on: every match counts,
    unless a test sets the floor."""
    settings = {"min_confidence": 0.0, **settings}
    return open_engine(Settings(data_dir=data_dir, chroma_url=CHROMA_URL, **settings), embedder)


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


def services(app):
    """The app's services (kb/ objects: database, engine, recorders...)."""
    return app.extensions["kb"]


def rows(app, sql: str, *params) -> list[tuple]:
    """Rows of the app's database, once the events it queued are written."""
    services(app).events.flush()
    with services(app).database.connect() as connection:
        return connection.execute(sql, params).fetchall()


def auth(key: str) -> dict[str, str]:
    """The header an API client sends its key in."""
    return {"Authorization": f"Bearer {key}"}


_CSRF = re.compile(r'name="csrf[-_]token" (?:value|content)="([^"]+)"')


def token_in(html: str) -> str:
    """The CSRF token of a page: a form's hidden field or the agent console's meta tag."""
    found = _CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def csrf_token(client, path: str) -> str:
    """The CSRF token `path` gives this browser (a new session after sign-in needs a new one)."""
    return token_in(client.get(path).get_data(as_text=True))


def sign_in(client, role: str, key: str | None = None, status: int = 302):
    """Sign in to the role's pages with `key` (the role's own by default) through the form and
    its token; asserts the answer's status (302 signed in, 401 refused)."""
    login = f"{AREAS[role]}/login"
    form = {"key": KEYS[role] if key is None else key, "csrf_token": csrf_token(client, login)}
    response = client.post(login, data=form)
    assert response.status_code == status, response.get_data(as_text=True)
    return response


def sign_out(client, role: str, page: str | None = None):
    """Sign out with the token of `page` (the role's own page by default)."""
    token = csrf_token(client, page or AREAS[role])
    return client.post(f"{AREAS[role]}/logout", data={"csrf_token": token})


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_server(process: subprocess.Popen, timeout: float = 15) -> None:
    """Ask a server started in its own session (`start_new_session=True`) to stop, and kill its
    process group, workers included, if it has not within `timeout` seconds (gunicorn's graceful
    timeout is 10 s; a loaded machine once took over 30 s to stop it)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout)
