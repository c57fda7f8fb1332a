"""Build a new index generation from the content folder, re-embedding only what changed.

A build reads the content (indexer.cache keeps what a watcher read before), compares it with the
live generation's manifest, and writes a new generation (indexer.stores): an edit layers the
changed articles over the live base stores; anything else writes every store afresh. The
manifest is written last and CURRENT swapped atomically, so the live index changes only on
success.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any

from indexer.background import build_lock
from indexer.cache import BuildCache
from indexer.models import build_embedder, prune_models
from indexer.stores import (
    Progress,
    copy_keyword_index,
    create_stores,
    delta_of,
    embed_sections,
    write_articles,
)
from kb.content.loading import LoadedContent, load_content
from kb.content.model import Article, ContentProblem
from kb.content.synonyms import FILE_NAME as SYNONYMS_FILE
from kb.content.synonyms import load_synonyms
from kb.index.embedding_cache import text_hash
from kb.index.embeddings import Embedder
from kb.index.generations import ARTICLES_FILE, CHANGES_FILE, IndexLayout
from kb.index.keyword import FORMAT, update_keyword_index
from kb.index.passages import PASSAGE_WORDS
from kb.index.vector_stores import open_vector_store
from kb.index.vectors import Delta
from kb.settings import Settings

# An edit's vectors are kept beside the base store until they outnumber this many, or this share
# of the base store; then the next build compacts them into a new base store, or, when compaction
# runs apart (`compact_later`), the build still layers them and reports the compaction due. A
# change past BULK_SHARE of the base (a big pull, a bulk edit) is built afresh even then: so
# large a layer would slow every search until the compaction ends.
COMPACT_FLOOR = 2_000
COMPACT_SHARE = 0.02
BULK_SHARE = 0.25


@dataclasses.dataclass(frozen=True)
class BuildOptions:
    """Where a build reads and writes, and how its stores are made (from Settings, mostly)."""

    content_dir: Path
    data_dir: Path
    ef_search: int = 200
    chroma_url: str = ""
    keyword_engine: str = "tantivy"
    vector_store: str = "chroma"
    # Compaction is left to indexer.compaction (`kb watch` starts it in a process of its own),
    # so an edit is never held up behind it.
    compact_later: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> BuildOptions:
        return cls(
            Path(settings.content_dir), Path(settings.data_dir), settings.ef_search,
            settings.chroma_url, settings.keyword_engine, settings.vector_store,
        )  # fmt: skip


@dataclasses.dataclass
class BuildReport:
    added: list[str] = dataclasses.field(default_factory=list)
    updated: list[str] = dataclasses.field(default_factory=list)
    removed: list[str] = dataclasses.field(default_factory=list)
    unchanged: list[str] = dataclasses.field(default_factory=list)
    problems: list[ContentProblem] = dataclasses.field(default_factory=list)
    sections: int = 0
    embedded: int = 0
    seconds: float = 0.0
    generation: str | None = None
    compaction_due: bool = False  # the edits layered outgrow the limit: compact the base

    @property
    def skipped(self) -> list[ContentProblem]:
        return [problem for problem in self.problems if problem.fatal]

    def summary(self) -> str:
        line = (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged; {self.sections} sections, {self.embedded} embedded; "
            f"{self.seconds:.1f}s"
        )
        if self.skipped:
            line += f"; {len(self.skipped)} skipped with errors"
        return line


@dataclasses.dataclass
class _Plan:
    """What one build found: the content, the live generation, and what changed since."""

    loaded: LoadedContent
    synonyms: str
    current: str | None
    previous: dict[str, Any]  # the live manifest, when this build can build on it
    stale: set[str]  # added, updated and removed slugs

    @property
    def searchable(self) -> list[Article]:
        return [article for article in self.loaded.articles if article.is_searchable]


def build_index(
    options: BuildOptions,
    embedder: Embedder,
    *,
    full: bool = False,
    progress: Progress | None = None,
    cache: BuildCache | None = None,
) -> BuildReport:
    """Index every valid article; report the rest. The live index changes only on success.
    Builds of one data folder take turns (indexer.background.build_lock)."""
    with build_lock(options.data_dir):
        return _build(options, embedder, full, progress, cache or BuildCache())


def rebase(
    options: BuildOptions, embedder: Embedder, base: str, cache: BuildCache | None = None
) -> BuildReport:
    """Publish a finished generation that is not live yet (a compacted base store), with the
    content's changes since it was built layered over it, however many (another compaction can
    follow). The caller holds the build lock."""
    options = dataclasses.replace(options, compact_later=True)
    return _build(options, embedder, False, None, cache or BuildCache(), base)


def _build(
    options: BuildOptions,
    embedder: Embedder,
    full: bool,
    progress: Progress | None,
    cache: BuildCache,
    base: str | None = None,
) -> BuildReport:
    started = time.perf_counter()
    layout = IndexLayout(options.data_dir)
    layout.root.mkdir(parents=True, exist_ok=True)
    current = base or layout.current_name()
    previous = layout.manifest(current)
    embedder = build_embedder(
        options.data_dir, embedder, previous, full,
        lambda: load_content(options.content_dir, cache).articles,
    )  # fmt: skip
    plan, report = _plan(options, embedder, cache, current, previous)
    if plan.current and plan.previous and not full and not plan.stale and _same_synonyms(plan):
        if base:
            layout.publish(base)
            layout.prune(chroma_url=options.chroma_url)
        report.generation = plan.current
        report.sections = plan.previous.get("sections", 0)
        report.seconds = time.perf_counter() - started
        return report
    name = f"gen-{build_stamp()}"
    generation = layout.root / name
    stored = _write_stores(options, embedder, plan, report, generation, full, progress, cache)
    report.sections = sum(len(article.sections) for article in plan.searchable)
    report.seconds = time.perf_counter() - started  # what the manifest records (/metrics)
    _write_manifest(generation, options, embedder, plan, report, cache, stored)
    layout.publish(name)
    layout.prune(chroma_url=options.chroma_url)
    prune_models(options.data_dir, getattr(embedder, "adaptation", ""))
    report.generation = name
    report.seconds = time.perf_counter() - started
    return report


def build_from_settings(
    settings: Settings, embedder: Embedder, *, full: bool = False, progress: Progress | None = None
) -> BuildReport:
    """build_index with the content folder, data folder and stores a Settings names."""
    return build_index(BuildOptions.from_settings(settings), embedder, full=full, progress=progress)


def _plan(
    options: BuildOptions,
    embedder: Embedder,
    cache: BuildCache,
    current: str | None,
    previous: dict[str, Any],
) -> tuple[_Plan, BuildReport]:
    """What a build on generation `current` (its manifest `previous`, {} for none or a broken
    one) has to do."""
    loaded = load_content(options.content_dir, cache)
    cache.keep(loaded.articles)
    _, synonym_problems = load_synonyms(options.content_dir)
    report = BuildReport(problems=loaded.problems + synonym_problems)
    synonyms = read_synonyms(options.content_dir)
    # Another model or index format means every article is indexed afresh.
    compatible = (
        previous.get("embedder") == embedder.name
        and previous.get("format") == FORMAT
        and previous.get("keyword", "whoosh") == options.keyword_engine
        and previous.get("ef_search", options.ef_search) == options.ef_search
        and previous.get("passage_words") == PASSAGE_WORDS
        and previous.get("vectors", {}).get("backend", "chroma") == options.vector_store
        # vectors kept in the data folder, now wanted on a chroma server (or back): moved afresh
        and previous.get("vectors", {}).get("store") in (None, _store_kind(options))
    )
    _diff(loaded.articles, previous.get("articles", {}) if compatible else {}, report)
    stale = set(report.added) | set(report.updated) | set(report.removed)
    return _Plan(loaded, synonyms, current, previous if compatible else {}, stale), report


def build_stamp() -> str:
    """What names a build's folder after `gen-` (or a compaction's staging folder): the time to
    the microsecond and the process, so two builds never share one."""
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}-{os.getpid()}"


def read_synonyms(content_dir: Path) -> str:
    """The content folder's synonyms file as written ("" when there is none)."""
    path = content_dir / SYNONYMS_FILE
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _store_kind(options: BuildOptions) -> str:
    return "server" if options.chroma_url else "embedded"


def _same_synonyms(plan: _Plan) -> bool:
    return plan.previous.get("synonyms") == text_hash(plan.synonyms)


def _write_stores(
    options: BuildOptions,
    embedder: Embedder,
    plan: _Plan,
    report: BuildReport,
    generation: Path,
    full: bool,
    progress: Progress | None,
    cache: BuildCache,
) -> dict[str, Any]:
    """Write the generation's stores; returns what its manifest says of its vectors.

    An edit layers the changed articles over the live generation's base stores, embedded or on
    a chroma server (whose base collections, named by their content, stay as they are); a full
    build or a change too big to layer writes every store afresh."""
    root = generation.parent
    live_vectors = plan.previous.get("vectors", {}) if not full else {}
    searchable = plan.searchable
    if plan.current and _base_in_place(root / live_vectors.get("base", ""), live_vectors, options):
        changed = set(live_vectors["changed"]) | plan.stale
        delta = [article for article in searchable if article.slug in changed]
        vectors, report.embedded = embed_sections(
            delta, embedder, options.data_dir, refresh=False, progress=progress
        )
        limit = max(COMPACT_FLOOR, COMPACT_SHARE * live_vectors["base_vectors"])
        report.compaction_due = len(vectors) > limit
        bulk = len(vectors) > BULK_SHARE * live_vectors["base_vectors"]
        if not report.compaction_due or (options.compact_later and not bulk):
            generation.mkdir()
            fresh = [article for article in searchable if article.slug in plan.stale]
            copy_keyword_index(root / plan.current / "keyword", generation / "keyword")
            entries = [(article, section) for article in fresh for section in article.sections]
            update_keyword_index(
                options.keyword_engine, generation / "keyword", plan.stale, entries
            )
            delta_of(delta, vectors, embedder.dimension).save(generation / Delta.FILE)
            changes = [article for article in plan.loaded.articles if article.slug in changed]
            write_articles(generation / CHANGES_FILE, cache, changes)
            return {**live_vectors, "changed": sorted(changed)}
    report.compaction_due = False
    generation.mkdir()
    stored, embedded = write_base(options, embedder, plan.loaded, generation, full, progress, cache)
    report.embedded += embedded
    return stored


def _base_in_place(base: Path, live_vectors: dict[str, Any], options: BuildOptions) -> bool:
    """Whether the live base store can take an edit's layer: built where this build writes
    (embedded, or on the chroma server it is given) and still there: a server that lost its
    collections (a new one, an emptied one) gets every store afresh."""
    if live_vectors.get("store") != _store_kind(options) or not (base / ARTICLES_FILE).is_file():
        return False
    if not options.chroma_url:
        return (base / "vectors").is_dir()
    try:
        open_vector_store(live_vectors, base, options.chroma_url)
    except Exception:  # noqa: BLE001 - chroma raises several types for a missing collection
        return False
    return True


def write_base(
    options: BuildOptions,
    embedder: Embedder,
    loaded: LoadedContent,
    generation: Path,
    full: bool,
    progress: Progress | None,
    cache: BuildCache,
) -> tuple[dict[str, Any], int]:
    """Write every store of the content afresh into `generation` (a new base store); returns
    what its manifest says of its vectors, and how many texts were embedded."""
    searchable = [article for article in loaded.articles if article.is_searchable]
    vectors, embedded = embed_sections(
        searchable, embedder, options.data_dir, refresh=full, progress=progress
    )
    key = create_stores(
        generation, searchable, vectors, embedder, options.ef_search, options.chroma_url,
        options.keyword_engine, options.vector_store,
        IndexLayout(options.data_dir).node() if options.chroma_url else "",
    )  # fmt: skip
    write_articles(generation / ARTICLES_FILE, cache, loaded.articles)
    stored = {
        "backend": options.vector_store,
        "store": _store_kind(options),
        "key": key,
        "base": generation.name,
        "base_vectors": len(vectors),
        "changed": [],
    }
    return stored, embedded


def finish_base(
    generation: Path,
    options: BuildOptions,
    embedder: Embedder,
    loaded: LoadedContent,
    synonyms: str,
    stored: dict[str, Any],
    cache: BuildCache,
    seconds: float,
) -> None:
    """The manifest of a base store that write_base wrote from `loaded` (and these synonyms),
    named as the folder is now: it can then be rebased and published."""
    stored = {**stored, "base": generation.name}
    plan = _Plan(loaded, synonyms, None, {}, set())
    report = BuildReport(sections=sum(len(a.sections) for a in plan.searchable), seconds=seconds)
    _write_manifest(generation, options, embedder, plan, report, cache, stored)


def _write_manifest(
    generation: Path,
    options: BuildOptions,
    embedder: Embedder,
    plan: _Plan,
    report: BuildReport,
    cache: BuildCache,
    stored: dict[str, Any],
) -> None:
    """The synonyms, the public vocabulary, and last the manifest: a generation without one is
    unfinished and never served."""
    (generation / SYNONYMS_FILE).write_text(plan.synonyms, encoding="utf-8")
    # Only public words: "did you mean" must never suggest a term from an internal article.
    public = [article for article in plan.searchable if article.audience == "public"]
    vocabulary = cache.vocabulary(public)
    (generation / "vocabulary.json").write_text(json.dumps(vocabulary, ensure_ascii=False))
    manifest = {
        "generation": generation.name,
        "format": FORMAT,
        "keyword": options.keyword_engine,
        "ef_search": options.ef_search,
        "passage_words": PASSAGE_WORDS,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "build_seconds": round(report.seconds, 3),
        "embedder": embedder.name,
        "model": getattr(embedder, "adaptation", ""),  # kb.index.adaptation's copy, if any
        "dimension": embedder.dimension,
        "sections": report.sections,
        "vectors": stored,
        "synonyms": text_hash(plan.synonyms),
        "articles": {article.slug: article.content_hash for article in plan.loaded.articles},
    }
    (generation / "manifest.json").write_text(json.dumps(manifest, indent=1))


def _diff(articles: list[Article], before: dict[str, str], report: BuildReport) -> None:
    now = {article.slug: article.content_hash for article in articles}
    for slug, digest in now.items():
        if slug not in before:
            report.added.append(slug)
        elif before[slug] != digest:
            report.updated.append(slug)
        else:
            report.unchanged.append(slug)
    report.removed.extend(sorted(set(before) - set(now)))
