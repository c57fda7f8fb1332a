"""Compaction apart from the edits: a new base vector store built while `kb watch` goes on.

Edits layer over the base store (kb.index.vectors.LayeredVectors) until their vectors outgrow
indexer.build's limit; then the base must be rebuilt from every section (at 10,000 articles,
minutes of HNSW building, nothing embedded). Under `kb watch` that runs here, in a process of
its own (`kb index --compact`), and edits stay searchable within a second meanwhile:

1. without the build lock: read the content as it is now, and write every store afresh into a
   staging folder (`compact-…`, which no build prunes);
2. with the build lock (edits wait only for this): rename it into a generation, write its
   manifest as of the content it was built from, and publish it with whatever changed since
   layered over it (indexer.build.rebase), so no edit made during the compaction is lost.

One compaction at a time (a file lock); a staging folder left by a killed one is deleted by the
next. On a chroma server the new base is a new set of collections, named by their content; the
old ones are dropped when no kept generation uses them (IndexLayout.prune).
"""

from __future__ import annotations

import fcntl
import shutil
import time

from indexer.background import build_lock, lock_file, lock_held, start_process
from indexer.build import (
    BuildOptions,
    BuildReport,
    build_stamp,
    finish_base,
    read_synonyms,
    rebase,
    write_base,
)
from indexer.cache import BuildCache
from indexer.models import build_embedder
from kb.content.loading import load_content
from kb.index.embeddings import Embedder
from kb.index.generations import IndexLayout
from kb.settings import Settings

COMPACT_LOCK = ".compact.lock"  # held by a running compaction
COMPACT_LOG = "compaction.log"
STAGING_PREFIX = "compact-"


def compaction_running(options: BuildOptions) -> bool:
    """Whether a compaction of this data folder is under way."""
    return lock_held(options.data_dir, COMPACT_LOCK)


def start_compaction(settings: Settings) -> int | None:
    """`kb index --compact` in a process of its own, unless one runs; returns its process id."""
    if compaction_running(BuildOptions.from_settings(settings)):
        return None
    return start_process(settings, ["index", "--compact"], COMPACT_LOG)


def compact(options: BuildOptions, embedder: Embedder) -> BuildReport | None:
    """Build a new base store from the content and publish it with later changes layered over
    it; None when another compaction holds the lock."""
    started = time.perf_counter()
    layout = IndexLayout(options.data_dir)
    with lock_file(options.data_dir, COMPACT_LOCK) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        try:
            for stale in layout.root.glob(f"{STAGING_PREFIX}*"):  # left by a killed compaction
                shutil.rmtree(stale, ignore_errors=True)
            name = build_stamp()
            staging = layout.root / f"{STAGING_PREFIX}{name}"
            staging.mkdir()
            cache = BuildCache()
            loaded = load_content(options.content_dir, cache)
            synonyms = read_synonyms(options.content_dir)
            # the live generation's copy of the model, adapted again if the content has doubled
            live, articles = layout.manifest(), loaded.articles
            embedder = build_embedder(
                options.data_dir, embedder, live, False, lambda: articles, regrow=True
            )
            stored, _ = write_base(options, embedder, loaded, staging, False, None, cache)
            with build_lock(options.data_dir):
                generation = layout.root / f"gen-{name}"
                staging.rename(generation)
                seconds = time.perf_counter() - started
                finish_base(generation, options, embedder, loaded, synonyms, stored, cache, seconds)
                # the same cache: under the lock, only files changed since are read again
                report = rebase(options, embedder, generation.name, cache)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    report.seconds = time.perf_counter() - started
    return report
