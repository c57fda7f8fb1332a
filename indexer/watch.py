"""`kb watch`: re-index as writers save, so an edited article is searchable within seconds.

Running servers follow the index's CURRENT pointer, so they see each build without a restart.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from pathlib import Path

from watchfiles import watch

from indexer.background import watching
from indexer.build import BuildOptions, BuildReport, build_index
from indexer.cache import BuildCache
from kb.index.embeddings import Embedder

# watchfiles waits for this much quiet before reporting a burst of changes (its default is
# 1.6 s); a writer's save is one burst, and the goal is "searchable within 2 seconds".
DEBOUNCE_MS = 250
CATCH_UP_MS = 200


def _relevant(change, path: str) -> bool:
    name = Path(path).name
    return (name.endswith(".md") or name == "synonyms.txt") and not name.startswith(".")


def watch_content(
    options: BuildOptions,
    embedder: Embedder,
    *,
    on_build: Callable[[BuildReport], None] = lambda report: None,
    on_ready: Callable[[], None] = lambda: None,
    stop: threading.Event | None = None,
    on_compaction_due: Callable[[], None] | None = None,
) -> None:
    """Build once, then after every burst of changes to articles or synonyms, until stopped.
    `on_ready` is called once the watcher is in place and caught up: any save from then on is
    indexed within DEBOUNCE_MS plus a build. While it runs, the data folder is marked as watched,
    so a writer's publish leaves the build to it (indexer.background).

    With `on_compaction_due`, builds keep layering edits past the compaction limit and call it
    instead (it starts indexer.compaction apart), so no save waits for a compaction."""
    if on_compaction_due is not None:
        options = dataclasses.replace(options, compact_later=True)

    def built(report: BuildReport) -> None:
        on_build(report)
        if report.compaction_due and on_compaction_due is not None:
            on_compaction_due()

    with watching(options.data_dir):
        _watch(options, embedder, built, on_ready, stop)


def _watch(
    options: BuildOptions,
    embedder: Embedder,
    on_build: Callable[[BuildReport], None],
    on_ready: Callable[[], None],
    stop: threading.Event | None,
) -> None:
    cache = BuildCache()

    def build() -> BuildReport:
        return build_index(options, embedder, cache=cache)

    first = build()
    on_build(first)
    cache.warm()
    # Saves made before the watcher is in place (during the first build or the warm-up) would be
    # missed: the first yield, empty after a short timeout, says it is in place, and one more
    # build then catches up on anything saved meanwhile.
    caught_up = False
    for changes in watch(
        options.content_dir,
        watch_filter=_relevant,
        debounce=DEBOUNCE_MS,
        step=50,
        stop_event=stop,
        raise_interrupt=False,
        yield_on_timeout=True,
        rust_timeout=CATCH_UP_MS,
    ):
        if changes or not caught_up:
            report = build()
            # The catch-up build counts only if it published something (an article or the
            # synonyms changed); a build after a burst of saves is always reported.
            if changes or report.generation != first.generation:
                on_build(report)
            if not caught_up:
                caught_up = True
                on_ready()
