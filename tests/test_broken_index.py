"""A broken generation or CURRENT never takes the site down: a server keeps the index it has and
says so on /healthz; one that has none answers 503 (JSON on the API), never a 500."""

from __future__ import annotations

import logging
import runpy
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from kb.index import handle as store_module
from kb.index.generations import IndexLayout
from kb.index.vectors import Delta
from kb.state.auth import hash_key
from tests.helpers import ADMIN_KEY, REPO, app_config, auth, build
from web import create_app


def edited_generation(content_dir: Path, data_dir: Path, embedder) -> Path:
    """Edit an article and build: the new generation (an edit's, with changes.json and
    delta.npz, on the embedded store)."""
    refund = content_dir / "billing/request-a-refund.md"
    refund.write_text(refund.read_text() + "\n## Quokka\nQuokka refunds take a day.\n")
    return IndexLayout(data_dir).root / build(content_dir, data_dir, embedder).generation


def truncated(part: str) -> Callable[..., str]:
    def breakage(content_dir: Path, data_dir: Path, embedder) -> str:
        generation = edited_generation(content_dir, data_dir, embedder)
        data = (generation / part).read_bytes()
        (generation / part).write_bytes(data[: len(data) // 2])
        return generation.name

    return breakage


def keyword_files_removed(pattern: str) -> Callable[..., str]:
    def breakage(content_dir: Path, data_dir: Path, embedder) -> str:
        generation = edited_generation(content_dir, data_dir, embedder)
        for path in (generation / "keyword").glob(pattern):
            path.unlink()
        return generation.name

    return breakage


def delta_of_another_dimension(content_dir: Path, data_dir: Path, embedder) -> str:
    """A delta.npz that loads but does not fit the index: it fails only when searched."""
    generation = edited_generation(content_dir, data_dir, embedder)
    Delta({"public": ["request-a-refund#quokka"]}, {"public": np.ones((1, 3))}).save(
        generation / Delta.FILE
    )
    return generation.name


def current_says(text: bytes | None) -> Callable[..., str | None]:
    def breakage(content_dir: Path, data_dir: Path, embedder) -> str | None:
        current = IndexLayout(data_dir).current_file
        if text is None:
            current.unlink()
            return None
        current.write_bytes(text)
        return text.decode("utf-8", errors="replace").strip()

    return breakage


def current_truncated(content_dir: Path, data_dir: Path, embedder) -> str:
    current = IndexLayout(data_dir).current_file
    current.write_text(current.read_text()[:8])
    return current.read_text()


BREAKAGES = {
    "changes.json truncated": truncated("changes.json"),
    "vocabulary.json truncated": truncated("vocabulary.json"),
    "manifest.json truncated": truncated("manifest.json"),
    "delta.npz truncated": truncated("delta.npz"),
    "delta.npz of another dimension": delta_of_another_dimension,
    "keyword folder empty": keyword_files_removed("*"),
    # tantivy opens a folder without its positions files and fails on the first search
    "keyword positions missing": keyword_files_removed("*.pos"),
    "CURRENT empty": current_says(b""),
    "CURRENT missing": current_says(None),
    "CURRENT garbage": current_says(b"\x00\xff\xfe not a generation\n"),
    "CURRENT truncated": current_truncated,
    "CURRENT names a missing generation": current_says(b"gen-20000101T000000000000-1\n"),
}
broken = pytest.mark.parametrize("breakage", list(BREAKAGES.values()), ids=list(BREAKAGES))


def warnings_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.WARNING]


def top_slug(client, query: str) -> str:
    response = client.get("/api/v1/search", query_string={"q": query})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"][0]["slug"]


@broken
def test_a_server_keeps_its_index_when_the_next_is_broken_and_switches_to_a_good_build(
    breakage, client, content_dir, data_dir, embedder, caplog
) -> None:
    served = client.get("/healthz").get_json()["generation"]
    named = breakage(content_dir, data_dir, embedder)
    caplog.set_level(logging.INFO)
    for _ in range(5):
        assert top_slug(client, "refund") == "request-a-refund"
    assert client.get("/").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200
    body = health.get_json()
    assert body["status"] == "degraded" and body["generation"] == served
    assert body["articles"] == 5 and body["broken_generation"] == named
    assert body["reason"] and "\n" not in body["reason"]
    # logged once, however many requests met the broken generation
    [warning] = warnings_logged(caplog)
    assert body["reason"] in warning.getMessage()
    # A good build is picked up as usual, and the server is healthy again.
    report = build(content_dir, data_dir, embedder, full=True)
    body = client.get("/healthz").get_json()
    assert body == {"status": "ok", "generation": report.generation, "articles": 5}
    assert top_slug(client, "refund") == "request-a-refund"
    assert len(warnings_logged(caplog)) == 1


@broken
def test_a_server_started_on_a_broken_index_answers_503(
    breakage, built, content_dir, data_dir, embedder, database_url, caplog
) -> None:
    named = breakage(content_dir, data_dir, embedder)
    client = create_app(app_config(content_dir, data_dir, embedder, database_url)).test_client()
    caplog.set_level(logging.INFO)
    for _ in range(3):
        response = client.get("/api/v1/search?q=refund")
        assert response.status_code == 503
        error = response.get_json()["error"]
        assert error["code"] == "index_not_ready" and error["message"]
    page = client.get("/search?q=refund")
    assert page.status_code == 503 and page.mimetype == "text/html"
    health = client.get("/healthz")
    assert health.status_code == 503
    body = health.get_json()
    if named is None:  # no CURRENT: as good as nothing built yet
        assert body["status"] == "starting" and "kb index" in body["message"]
        assert not warnings_logged(caplog)
    else:
        assert body["status"] == "unavailable" and body["broken_generation"] == named
        assert body["reason"] and body["reason"] in error["message"]
        [warning] = warnings_logged(caplog)
        assert body["reason"] in warning.getMessage()


def test_a_missing_page_is_still_a_404_without_an_index(
    built, content_dir, data_dir, embedder, database_url
) -> None:
    """The 404 page lists popular articles when it can; without an index it is a 404 all the
    same (not a 503 or a 500), with its search box."""
    current_says(None)(content_dir, data_dir, embedder)
    client = create_app(app_config(content_dir, data_dir, embedder, database_url)).test_client()
    response = client.get("/no-such-page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "We couldn’t find that page" in html and 'role="search"' in html
    assert "Popular articles" not in html


def test_a_broken_generation_is_opened_once_then_again_only_after_a_while(
    client, content_dir, data_dir, embedder, monkeypatch, caplog
) -> None:
    served = client.get("/healthz").get_json()["generation"]
    opened: list[str] = []
    real = store_module.LoadedIndex

    class CountingIndex(real):
        def __init__(self, generation: Path, *args, **kwargs) -> None:
            opened.append(generation.name)
            super().__init__(generation, *args, **kwargs)

    monkeypatch.setattr(store_module, "LoadedIndex", CountingIndex)
    generation = edited_generation(content_dir, data_dir, embedder)
    vocabulary = generation / "vocabulary.json"
    whole = vocabulary.read_bytes()
    vocabulary.write_bytes(whole[:10])
    caplog.set_level(logging.INFO)
    for _ in range(5):
        assert client.get("/healthz").get_json()["generation"] == served
    assert opened == [generation.name]
    # Opening can fail for a passing reason (an unreachable chroma server): after
    # RETRY_SECONDS the generation is tried again, and served once it opens.
    monkeypatch.setattr(store_module, "RETRY_SECONDS", 0.0)
    assert client.get("/healthz").get_json()["status"] == "degraded"
    assert opened == [generation.name] * 2
    vocabulary.write_bytes(whole)
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["generation"] == generation.name
    assert top_slug(client, "quokka") == "request-a-refund"
    assert len(warnings_logged(caplog)) == 1


def test_pointing_current_back_ends_the_degraded_state(
    client, content_dir, data_dir, embedder, caplog
) -> None:
    layout = IndexLayout(data_dir)
    served = layout.current_name()
    assert client.get("/healthz").get_json()["generation"] == served
    truncated("manifest.json")(content_dir, data_dir, embedder)
    assert client.get("/healthz").get_json()["status"] == "degraded"
    layout.publish(served)
    body = client.get("/healthz").get_json()
    assert body == {"status": "ok", "generation": served, "articles": 5}
    # broken again later: said again
    caplog.clear()
    layout.current_file.write_text("")
    assert client.get("/healthz").get_json()["status"] == "degraded"
    assert len(warnings_logged(caplog)) == 1


def test_a_worker_warms_up_on_a_broken_index_without_crashing(
    built, content_dir, data_dir, embedder, database_url, monkeypatch
) -> None:
    truncated("vocabulary.json")(content_dir, data_dir, embedder)
    app = create_app(app_config(content_dir, data_dir, embedder, database_url))
    embedder.embedded.clear()
    threads: list[int] = []
    monkeypatch.setitem(sys.modules, "torch", SimpleNamespace(set_num_threads=threads.append))
    post_worker_init = runpy.run_path(str(REPO / "gunicorn.conf.py"))["post_worker_init"]
    post_worker_init(SimpleNamespace(cfg=SimpleNamespace(workers=2), wsgi=app))
    assert threads and embedder.embedded == []  # nothing to warm up: no index is served
    assert app.test_client().get("/healthz").status_code == 503


SAMPLE_ARGUMENTS = {
    "slug": "request-a-refund",
    "category": "billing",
    "name": "summary",
    "draft_id": "no-such-draft",
    "user_id": 1,
    "key_id": 1,
    "token": "no-such-token",
    "job_id": "no-such-job",
    "group_id": "no-such-group",
    "ticket_id": "no-such-ticket",
    "conversation_id": "no-such-conversation",
}


@pytest.mark.parametrize(
    "breakage",
    [truncated("vocabulary.json"), keyword_files_removed("*.pos")],
    ids=["unreadable", "opens but cannot be searched"],
)
def test_no_route_answers_500_without_an_index(
    breakage, built, content_dir, data_dir, embedder, database_url
) -> None:
    """Every route, signed in as admin: some work without an index, none may fail with a 500."""
    breakage(content_dir, data_dir, embedder)
    config = app_config(content_dir, data_dir, embedder, database_url, WTF_CSRF_ENABLED=False)
    app = create_app(config)
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        # a new route with another argument needs a sample here
        path = rule.build({a: SAMPLE_ARGUMENTS[a] for a in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            with client.session_transaction() as session:  # signed in again: a logout clears it
                session["key_hash"] = hash_key(ADMIN_KEY)
            response = client.open(
                path,
                method=method,
                query_string={"q": "refund"},
                json={"subject": "refund", "body": "I want a refund", "helpful": True}
                if path.startswith("/api/")
                else None,
                data=None if path.startswith("/api/") else {"q": "refund", "query": "refund"},
                headers=auth(ADMIN_KEY) if path.startswith("/api/") else {},
                follow_redirects=True,  # to the draft page a gap's draft opens, too
            )
            checked += 1
            assert response.status_code != 500, (method, path, response.get_data(as_text=True))
            if path.startswith("/api/") or path == "/healthz":
                assert response.is_json, (method, path)
                if response.status_code == 503 and path != "/healthz":
                    assert response.get_json()["error"]["code"] == "index_not_ready"
            response.close()  # a static file (/favicon.ico) is streamed
    assert checked > 30
