"""`kb watch`: a saved edit is searchable soon after, without restarting anything."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from indexer import BuildOptions
from indexer.watch import watch_content
from tests.helpers import CHROMA_URL, make_engine


def test_an_edit_becomes_searchable_while_watching(
    content_dir: Path, data_dir: Path, embedder
) -> None:
    builds = []
    ready, stop = threading.Event(), threading.Event()
    watcher = threading.Thread(
        target=watch_content,
        args=(BuildOptions(content_dir, data_dir, chroma_url=CHROMA_URL), embedder),
        kwargs={"on_build": builds.append, "on_ready": ready.set, "stop": stop},
        daemon=True,
    )
    watcher.start()
    try:
        # Saved once the watcher is in place: a save before that is the catch-up build's
        # (the next test), and the burst it also causes would be reported after it.
        assert ready.wait(timeout=30)
        engine = make_engine(data_dir, embedder)
        assert engine.search("zeppelin", mode="keyword").results == []
        path = content_dir / "sync/sync-error-codes.md"
        path.write_text(path.read_text() + "\n## Zeppelin mode\nSync over a zeppelin link.\n")
        deadline = time.monotonic() + 30
        found = []
        while not found and time.monotonic() < deadline:
            time.sleep(0.1)
            found = engine.search("zeppelin", mode="keyword").results
        assert found and (found[0].article.slug, found[0].section.anchor) == (
            "sync-error-codes",
            "zeppelin-mode",
        )
        deadline = time.monotonic() + 5  # the build is reported just after it is published
        while len(builds) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(builds) == 2 and builds[-1].updated == ["sync-error-codes"]
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert not watcher.is_alive()


def test_a_save_before_the_watcher_is_in_place_is_not_missed(
    content_dir: Path, data_dir: Path, embedder
) -> None:
    """A writer may save while the first build runs; that save must still be indexed."""
    path = content_dir / "sync/sync-error-codes.md"
    builds = []

    def on_build(report) -> None:
        if not builds:  # saved after the first build read the folder, before watching began
            path.write_text(path.read_text() + "\n## Blimp mode\nSync over a blimp link.\n")
        builds.append(report)

    ready = threading.Event()

    def on_ready() -> None:
        assert len(builds) == 2  # ready only once the catch-up build is done
        ready.set()

    stop = threading.Event()
    watcher = threading.Thread(
        target=watch_content,
        args=(BuildOptions(content_dir, data_dir, chroma_url=CHROMA_URL), embedder),
        kwargs={"on_build": on_build, "on_ready": on_ready, "stop": stop},
        daemon=True,
    )
    watcher.start()
    try:
        assert ready.wait(timeout=30)
        assert len(builds) == 2 and builds[1].updated == ["sync-error-codes"]
        found = make_engine(data_dir, embedder).search("blimp", mode="keyword").results
        assert found and (found[0].article.slug, found[0].section.anchor) == (
            "sync-error-codes",
            "blimp-mode",
        )
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert not watcher.is_alive()


class Watcher:
    """`watch_content` on a thread; each step waits for the build it causes."""

    def __init__(self, content_dir: Path, data_dir: Path, embedder) -> None:
        self.builds: list = []
        self.ready, self.stop = threading.Event(), threading.Event()
        self.thread = threading.Thread(
            target=watch_content,
            args=(BuildOptions(content_dir, data_dir, chroma_url=CHROMA_URL), embedder),
            kwargs={"on_build": self.builds.append, "on_ready": self.ready.set, "stop": self.stop},
            daemon=True,
        )
        self.thread.start()
        assert self.ready.wait(timeout=30)

    def next_build(self, change):
        """Make the change (a function), then the report of the build it causes."""
        count = len(self.builds)
        change()
        deadline = time.monotonic() + 30
        while len(self.builds) == count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.builds) == count + 1, "no build followed the change"
        return self.builds[-1]

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()


def test_deleted_renamed_and_invalid_files_while_watching(
    content_dir: Path, data_dir: Path, embedder
) -> None:
    watcher = Watcher(content_dir, data_dir, embedder)
    engine = make_engine(data_dir, embedder)

    def found(query: str) -> list[str]:
        return [r.article.slug for r in engine.search(query, mode="keyword").results]

    try:
        assert "cancel-subscription" in found("automatic renewal")
        report = watcher.next_build((content_dir / "billing/cancel-subscription.md").unlink)
        assert report.removed == ["cancel-subscription"]
        assert "cancel-subscription" not in found("automatic renewal")

        codes = content_dir / "sync/sync-error-codes.md"
        report = watcher.next_build(lambda: codes.rename(codes.with_name("error-codes.md")))
        assert (report.added, report.removed) == (["error-codes"], ["sync-error-codes"])
        assert found("DBX-301") == ["error-codes"]

        refund = content_dir / "billing/request-a-refund.md"
        text = refund.read_text()
        report = watcher.next_build(lambda: refund.write_text("---\ntitle: [broken\n---\nx\n"))
        assert [p.path for p in report.skipped] == ["billing/request-a-refund.md"]
        assert report.removed == ["request-a-refund"]  # errors keep an article out of the index
        assert found("business days") == []
        report = watcher.next_build(lambda: refund.write_text(text))  # still watching: fixed
        assert report.added == ["request-a-refund"] and not report.skipped
        assert found("business days") == ["request-a-refund"]
    finally:
        watcher.close()
