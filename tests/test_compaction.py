"""Compaction apart from the edits: past the limit, the watcher's builds keep layering edits, a
compaction builds a new base store meanwhile, and no edit made during it is lost."""

from __future__ import annotations

import fcntl
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from indexer import build as build_module
from indexer import compaction as compaction_module
from indexer.background import lock_file
from indexer.build import BuildOptions, build_index
from indexer.compaction import COMPACT_LOCK, compact, compaction_running
from indexer.watch import watch_content
from kb.index.generations import IndexLayout
from tests.helpers import CHROMA_URL, REPO, build
from tests.test_indexer import engine_for as engine
from tests.test_indexer import live_manifest, slugs, store_contents


@pytest.fixture
def tiny_limit(monkeypatch) -> None:
    """Every edit outgrows the layer's limit, and none counts as a bulk change (the fixture's
    base store is a few dozen vectors)."""
    monkeypatch.setattr(build_module, "COMPACT_FLOOR", 0)
    monkeypatch.setattr(build_module, "COMPACT_SHARE", 0.0)
    monkeypatch.setattr(build_module, "BULK_SHARE", 10.0)


def edit(content_dir: Path, relative: str, heading: str) -> None:
    path = content_dir / relative
    path.write_text(path.read_text() + f"\n## {heading}\n{heading.lower()} words\n")


def test_past_the_limit_a_build_that_compacts_later_layers_and_says_so(
    built, content_dir, data_dir, embedder, tiny_limit
) -> None:
    base = live_manifest(data_dir)["vectors"]["base"]
    edit(content_dir, "billing/request-a-refund.md", "Quokka")
    options = BuildOptions(content_dir, data_dir, chroma_url=CHROMA_URL, compact_later=True)
    report = build_index(options, embedder)
    assert report.compaction_due
    assert live_manifest(data_dir)["vectors"]["base"] == base  # layered, not rewritten
    assert "request-a-refund" in slugs(engine(data_dir, embedder), "quokka")
    # Without compact_later the same build compacts in line, as before.
    edit(content_dir, "billing/request-a-refund.md", "Wombat")
    report = build(content_dir, data_dir, embedder)
    assert not report.compaction_due
    assert live_manifest(data_dir)["vectors"]["base"] == report.generation


def test_a_bulk_change_is_built_afresh_even_when_compaction_waits(
    built, content_dir, data_dir, embedder, monkeypatch
) -> None:
    monkeypatch.setattr(build_module, "COMPACT_FLOOR", 0)
    monkeypatch.setattr(build_module, "BULK_SHARE", 0.0)
    edit(content_dir, "billing/request-a-refund.md", "Quokka")
    report = build_index(
        BuildOptions(content_dir, data_dir, chroma_url=CHROMA_URL, compact_later=True), embedder
    )
    assert live_manifest(data_dir)["vectors"]["base"] == report.generation


def test_edits_made_while_compacting_are_published_over_the_new_base(
    built, content_dir, data_dir, embedder, tiny_limit, monkeypatch, tmp_path
) -> None:
    edit(content_dir, "billing/request-a-refund.md", "Quokka")
    options = BuildOptions(content_dir, data_dir, chroma_url=CHROMA_URL, compact_later=True)
    assert build_index(options, embedder).compaction_due
    layout = IndexLayout(data_dir)
    during: list[str] = []
    real_write_base = compaction_module.write_base

    def write_base_then_edit(*args, **kwargs):
        stored = real_write_base(*args, **kwargs)
        # The watcher goes on while the base store is written: it builds (without waiting for
        # the compaction) and publishes a layered edit; its pruning spares the staging folder.
        edit(content_dir, "sync/sync-error-codes.md", "Narwhal")
        during.append(build_index(options, embedder).generation)
        assert list(layout.root.glob("compact-*")), "the staging folder was pruned"
        return stored

    monkeypatch.setattr(compaction_module, "write_base", write_base_then_edit)
    report = compact(BuildOptions(content_dir, data_dir, chroma_url=CHROMA_URL), embedder)
    assert report is not None and during and layout.current_name() == report.generation
    stored = live_manifest(data_dir)["vectors"]
    assert stored["base"] != report.generation  # the narwhal edit is layered over the new base
    assert stored["changed"] == ["sync-error-codes"]
    # the new base's store (on a server, its collections: the edit's pruning spared them too)
    assert (layout.root / stored["base"] / ("" if CHROMA_URL else "vectors")).is_dir()
    assert not list(layout.root.glob("compact-*"))
    found = engine(data_dir, embedder)
    assert "request-a-refund" in slugs(found, "quokka")
    assert "sync-error-codes" in slugs(found, "narwhal")
    fresh_dir = tmp_path / "fresh"
    build(content_dir, fresh_dir, embedder, full=True)
    assert store_contents(data_dir, embedder) == store_contents(fresh_dir, embedder)


def test_with_nothing_changed_since_the_compacted_base_is_published_itself(
    built, content_dir, data_dir, embedder, tiny_limit
) -> None:
    edit(content_dir, "billing/request-a-refund.md", "Quokka")
    build_index(
        BuildOptions(content_dir, data_dir, chroma_url=CHROMA_URL, compact_later=True), embedder
    )
    before = live_manifest(data_dir)["vectors"]["base"]
    report = compact(BuildOptions(content_dir, data_dir, chroma_url=CHROMA_URL), embedder)
    assert report is not None
    stored = live_manifest(data_dir)["vectors"]
    assert stored["base"] == report.generation != before and stored["changed"] == []
    assert "request-a-refund" in slugs(engine(data_dir, embedder), "quokka")


def test_one_compaction_at_a_time_and_a_killed_ones_staging_is_cleared(
    built, content_dir, data_dir, embedder
) -> None:
    options = BuildOptions(content_dir, data_dir, chroma_url=CHROMA_URL)
    layout = IndexLayout(data_dir)
    with lock_file(data_dir, COMPACT_LOCK) as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert compaction_running(options)
        assert compact(options, embedder) is None
        fcntl.flock(held, fcntl.LOCK_UN)
    assert not compaction_running(options)
    (layout.root / "compact-left-by-a-killed-one").mkdir()
    assert compact(options, embedder) is not None
    assert not list(layout.root.glob("compact-*"))


def test_the_watcher_asks_for_compaction_instead_of_waiting_for_it(
    built, content_dir, data_dir, embedder, tiny_limit
) -> None:
    ready, stop, due = threading.Event(), threading.Event(), threading.Event()
    base = live_manifest(data_dir)["vectors"]["base"]
    watcher = threading.Thread(
        target=watch_content,
        args=(BuildOptions(content_dir, data_dir, chroma_url=CHROMA_URL), embedder),
        kwargs={"on_ready": ready.set, "stop": stop, "on_compaction_due": due.set},
        daemon=True,
    )
    watcher.start()
    try:
        assert ready.wait(timeout=60)
        edit(content_dir, "billing/request-a-refund.md", "Quokka")
        assert due.wait(timeout=60)
    finally:
        stop.set()
        watcher.join(timeout=30)
    assert live_manifest(data_dir)["vectors"]["base"] == base
    assert "request-a-refund" in slugs(engine(data_dir, embedder), "quokka")


def test_kb_index_compact_from_the_command_line(built, content_dir, data_dir) -> None:
    before = live_manifest(data_dir)["vectors"]["base"]
    done = subprocess.run(
        [sys.executable, "-m", "cli", "index", "--compact"],
        cwd=REPO,
        env={
            "PATH": "/usr/bin:/bin",
            "KB_CONTENT_DIR": str(content_dir),
            "KB_DATA_DIR": str(data_dir),
            "KB_EMBEDDER": "hashing",
            "KB_CHROMA_URL": CHROMA_URL,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "compacted into gen-" in done.stdout
    assert live_manifest(data_dir)["vectors"]["base"] != before
