"""Publishing indexes off the request: `kb watch` indexes by itself when it runs, otherwise a
`kb index` process does; builds of one data folder take turns."""

from __future__ import annotations

import threading
import time

import pytest

from indexer import BuildOptions
from indexer.background import build_lock, request_build, watcher_running, watching
from indexer.watch import watch_content
from kb.errors import ConfigurationError
from kb.index.generations import IndexLayout
from kb.settings import Settings
from tests.helpers import CHROMA_URL, build


def test_a_running_watcher_marks_the_data_folder_and_takes_the_build(
    built, content_dir, data_dir, embedder
) -> None:
    ready, stop = threading.Event(), threading.Event()
    options = BuildOptions(content_dir, data_dir, chroma_url=CHROMA_URL)
    watcher = threading.Thread(
        target=watch_content,
        args=(options, embedder),
        kwargs={"on_ready": ready.set, "stop": stop},
        daemon=True,
    )
    assert not watcher_running(data_dir)
    watcher.start()
    try:
        assert ready.wait(timeout=60)
        assert watcher_running(data_dir)
        settings = Settings(content_dir=content_dir, data_dir=data_dir, embedder="hashing")
        assert request_build(settings) == "watcher"  # no second build: the watcher sees the save
        with pytest.raises(ConfigurationError, match="already watching"):
            with watching(data_dir):
                pass
    finally:
        stop.set()
        watcher.join(timeout=30)
    assert not watcher_running(data_dir)


def test_builds_of_one_data_folder_take_turns(built, content_dir, data_dir, embedder) -> None:
    layout = IndexLayout(data_dir)
    before = layout.current_name()
    article = content_dir / "billing" / "request-a-refund.md"
    article.write_text(article.read_text() + "\n## Turns\nWaiting its turn.\n")
    finished = threading.Event()
    with build_lock(data_dir):
        thread = threading.Thread(
            target=lambda: (build(content_dir, data_dir, embedder), finished.set()), daemon=True
        )
        thread.start()
        time.sleep(0.5)  # long enough for an unlocked build of the fixture content
        assert not finished.is_set() and layout.current_name() == before
    thread.join(timeout=60)
    assert finished.is_set() and layout.current_name() != before


def test_without_a_watcher_a_background_build_publishes(built, content_dir, data_dir) -> None:
    layout = IndexLayout(data_dir)
    before = layout.current_name()
    article = content_dir / "billing" / "request-a-refund.md"
    article.write_text(article.read_text() + "\n## Background\nBuilt elsewhere.\n")
    settings = Settings(
        content_dir=content_dir, data_dir=data_dir, embedder="hashing", chroma_url=CHROMA_URL
    )
    assert request_build(settings) == "background"
    deadline = time.monotonic() + 120
    while layout.current_name() == before:
        assert time.monotonic() < deadline, (
            data_dir / "index" / "background-build.log"
        ).read_text()
        time.sleep(0.25)
