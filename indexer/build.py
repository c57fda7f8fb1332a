"""Build a new index generation from the content folder, re-embedding only what changed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from kb.content.loading import ContentReader, load_content
from kb.content.model import Article, ContentProblem
from kb.content.synonyms import FILE_NAME as SYNONYMS_FILE
from kb.content.synonyms import load_synonyms
from kb.index.embedding_cache import EmbeddingCache, text_hash
from kb.index.embeddings import Embedder
from kb.index.generations import ARTICLES_FILE, CHANGES_FILE, IndexLayout, readable_manifest
from kb.index.keyword import FORMAT, create_keyword_index, update_keyword_index
from kb.index.passages import PASSAGE_WORDS, section_vectors
from kb.index.vectors import AUDIENCES, Delta, VectorIndex, collection_of, slug_of
from kb.search.spelling import count_words
from kb.settings import Settings

EMBED_CHUNK = 256
# An edit's vectors are kept beside the base store until they outnumber this many, or this share
# of the base store; then the next build compacts them into a new base store.
COMPACT_FLOOR = 2_000
COMPACT_SHARE = 0.02
Progress = Callable[[int, int], None]


class BuildCache(ContentReader):
    """What a long-running watcher keeps between builds: files read, and articles parsed,
    serialised and counted before, so an edit re-reads and re-parses one file, not the folder.

    A file is read again when its modification time, size or inode changed; an editor's save
    changes at least the first."""

    def __init__(self) -> None:
        self._texts: dict[str, tuple[tuple[int, int, int], str]] = {}
        self._read: set[str] = set()
        self._parsed: dict[str, tuple[str, Article]] = {}
        self._links: dict[str, list[tuple[int, str]]] = {}
        self._dicts: dict[tuple[str, str], str] = {}
        self._words: dict[tuple[str, str], Counter[str]] = {}
        self._vocabulary: Counter[str] = Counter()
        self._counted: set[tuple[str, str]] = set()

    def read(self, path: Path, relative: str) -> str:
        status = path.stat()
        stamp = (status.st_mtime_ns, status.st_size, status.st_ino)
        self._read.add(relative)
        known = self._texts.get(relative)
        if known is None or known[0] != stamp:
            known = (stamp, super().read(path, relative))
            self._texts[relative] = known
        return known[1]

    def parse(self, text: str, relative: str) -> Article:
        known = self._parsed.get(relative)
        if known is None or known[0] is not text and known[0] != text:
            known = (text, super().parse(text, relative))
            self._parsed[relative] = known
        return known[1]

    def links(self, text: str) -> list[tuple[int, str]]:
        if text not in self._links:
            self._links[text] = super().links(text)
        return self._links[text]

    def as_json(self, article: Article) -> str:
        key = (article.path, article.content_hash)
        if key not in self._dicts:
            self._dicts[key] = json.dumps(article.to_dict(), ensure_ascii=False)
        return self._dicts[key]

    def word_counts(self, article: Article) -> Counter[str]:
        key = (article.path, article.content_hash)
        if key not in self._words:
            texts = (article.title, *(section.text for section in article.sections))
            self._words[key] = count_words(texts)
        return self._words[key]

    def vocabulary(self, articles: list[Article]) -> dict[str, int]:
        """Word counts over these articles, updated by what changed since the last call."""
        now = {(article.path, article.content_hash): article for article in articles}
        for key in self._counted - now.keys():
            self._vocabulary.subtract(self._words[key])
        for key in now.keys() - self._counted:
            self._vocabulary.update(self.word_counts(now[key]))
        self._counted = set(now)
        return {word: count for word, count in self._vocabulary.items() if count > 0}

    def warm(self) -> None:
        """Serialise and count every article parsed so far, ahead of the first edit."""
        articles = [article for _, article in self._parsed.values()]
        for article in articles:
            self.as_json(article)
        self.vocabulary([a for a in articles if a.is_searchable and a.audience == "public"])

    def keep(self, articles: list[Article]) -> None:
        """Forget files that changed or went away since the last build; word counts stay
        until the vocabulary has subtracted them."""
        for relative in self._texts.keys() - self._read:
            del self._texts[relative]
        for relative in self._parsed.keys() - self._read:
            del self._parsed[relative]
        self._read = set()
        texts = {text for _, text in self._texts.values()}
        for text in self._links.keys() - texts:
            del self._links[text]
        live = {(article.path, article.content_hash) for article in articles}
        for key in self._dicts.keys() - live:
            del self._dicts[key]
        for key in self._words.keys() - live - self._counted:
            del self._words[key]


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


def build_index(
    content_dir: Path,
    data_dir: Path,
    embedder: Embedder,
    *,
    full: bool = False,
    ef_search: int = 200,
    progress: Progress | None = None,
    chroma_url: str = "",
    keyword_engine: str = "tantivy",
    cache: BuildCache | None = None,
) -> BuildReport:
    """Index every valid article; report the rest. The live index changes only on success."""
    started = time.perf_counter()
    cache = cache or BuildCache()
    loaded = load_content(Path(content_dir), cache)
    cache.keep(loaded.articles)
    layout = IndexLayout(Path(data_dir))
    layout.root.mkdir(parents=True, exist_ok=True)
    _, synonym_problems = load_synonyms(Path(content_dir))
    report = BuildReport(problems=loaded.problems + synonym_problems)
    synonyms_path = Path(content_dir) / SYNONYMS_FILE
    synonyms = synonyms_path.read_text(encoding="utf-8") if synonyms_path.exists() else ""

    current = layout.current_name()
    # A live generation whose manifest cannot be read is no base to build on: build afresh.
    previous = readable_manifest(layout.root / current) if current else {}
    # Another model or index format means every article is indexed afresh.
    compatible = (
        previous.get("embedder") == embedder.name
        and previous.get("format") == FORMAT
        and previous.get("keyword", "whoosh") == keyword_engine
        and previous.get("ef_search", ef_search) == ef_search
        and previous.get("passage_words") == PASSAGE_WORDS
    )
    _diff(loaded.articles, previous.get("articles", {}) if compatible else {}, report)
    stale = set(report.added) | set(report.updated) | set(report.removed)
    same_synonyms = previous.get("synonyms") == text_hash(synonyms)

    if current and compatible and same_synonyms and not full and not stale:
        report.generation = current
        report.sections = previous.get("sections", 0)
        report.seconds = time.perf_counter() - started
        return report

    searchable = [article for article in loaded.articles if article.is_searchable]
    name = f"gen-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}-{os.getpid()}"
    generation = layout.root / name
    live_vectors = previous.get("vectors", {}) if compatible and not full else {}
    layered = False
    # An edit layers the changed articles over the live generation's base stores; a full build,
    # a change too big to layer, or a chroma server (whose collections are named by their whole
    # content) writes every store afresh.
    if (
        current
        and live_vectors.get("store") == "embedded"
        and not chroma_url
        and (layout.root / live_vectors["base"] / "vectors").is_dir()
    ):
        changed = set(live_vectors["changed"]) | stale
        delta = [article for article in searchable if article.slug in changed]
        vectors, report.embedded = _embed_sections(
            delta, embedder, Path(data_dir), refresh=False, progress=progress
        )
        layered = len(vectors) <= max(COMPACT_FLOOR, COMPACT_SHARE * live_vectors["base_vectors"])
    generation.mkdir()
    if layered and current:
        fresh = [article for article in searchable if article.slug in stale]
        _copy_keyword_index(layout.root / current / "keyword", generation / "keyword")
        entries = [(article, section) for article in fresh for section in article.sections]
        update_keyword_index(keyword_engine, generation / "keyword", stale, entries)
        _delta(delta, vectors, embedder.dimension).save(generation / Delta.FILE)
        stored = {**live_vectors, "changed": sorted(changed)}
        changes = [article for article in loaded.articles if article.slug in changed]
        _write_articles(generation / CHANGES_FILE, cache, changes)
    else:
        vectors, embedded = _embed_sections(
            searchable, embedder, Path(data_dir), refresh=full, progress=progress
        )
        report.embedded += embedded
        key = _create_stores(
            generation, searchable, vectors, embedder, ef_search, chroma_url, keyword_engine
        )
        stored = {
            "store": "server" if chroma_url else "embedded",
            "key": key,
            "base": name,
            "base_vectors": len(vectors),
            "changed": [],
        }
        _write_articles(generation / ARTICLES_FILE, cache, loaded.articles)
    report.sections = sum(len(article.sections) for article in searchable)
    (generation / SYNONYMS_FILE).write_text(synonyms, encoding="utf-8")
    # Only public words: "did you mean" must never suggest a term from an internal article.
    public = [article for article in searchable if article.audience == "public"]
    vocabulary = cache.vocabulary(public)
    (generation / "vocabulary.json").write_text(json.dumps(vocabulary, ensure_ascii=False))
    manifest = {
        "generation": name,
        "format": FORMAT,
        "keyword": keyword_engine,
        "ef_search": ef_search,
        "passage_words": PASSAGE_WORDS,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "embedder": embedder.name,
        "dimension": embedder.dimension,
        "sections": report.sections,
        "vectors": stored,
        "synonyms": text_hash(synonyms),
        "articles": {article.slug: article.content_hash for article in loaded.articles},
    }
    # The manifest is written last: a generation without one is unfinished and never served.
    (generation / "manifest.json").write_text(json.dumps(manifest, indent=1))
    layout.publish(name)
    layout.prune(chroma_url=chroma_url)
    report.generation = name
    report.seconds = time.perf_counter() - started
    return report


def build_from_settings(
    settings: Settings, embedder: Embedder, *, full: bool = False, progress: Progress | None = None
) -> BuildReport:
    """build_index with the content folder, data folder and stores a Settings names."""
    return build_index(
        settings.content_dir, settings.data_dir, embedder, full=full, progress=progress,
        ef_search=settings.ef_search, chroma_url=settings.chroma_url,
        keyword_engine=settings.keyword_engine,
    )  # fmt: skip


def _create_stores(
    generation: Path,
    searchable: list[Article],
    vectors: dict[str, np.ndarray],
    embedder: Embedder,
    ef_search: int,
    chroma_url: str,
    keyword_engine: str,
) -> str:
    """Write the keyword and vector stores of every searchable section; returns the content
    key of the server collections (empty when embedded)."""
    entries = [(article, section) for article in searchable for section in article.sections]
    create_keyword_index(keyword_engine, generation / "keyword", entries)
    key = _content_key(embedder.name, vectors) if chroma_url else ""
    delta = _delta(searchable, vectors, embedder.dimension)
    VectorIndex.create(
        generation / "vectors", delta.ids, delta.vectors, ef_search=ef_search, url=chroma_url,
        key=key,
    )  # fmt: skip
    return key


def _delta(articles: list[Article], vectors: dict[str, np.ndarray], dimension: int) -> Delta:
    """These articles' vectors (`vectors`, as _embed_sections gave them for exactly these
    articles, in their order), by collection."""
    collection = {article.slug: collection_of(article) for article in articles}
    ids: dict[str, list[str]] = {audience: [] for audience in AUDIENCES}
    for vector_id in vectors:
        ids[collection[slug_of(vector_id)]].append(vector_id)
    stacked = {a: _stack([vectors[i] for i in ids[a]], dimension) for a in AUDIENCES}
    return Delta(ids, stacked)


def _copy_keyword_index(live: Path, generation: Path) -> None:
    """Copy the live keyword index for an edit to change. tantivy never writes a file twice
    (it adds segment and deletion files and replaces its meta files by renaming), so its files
    are hard-linked, not copied; whoosh's are copied."""

    def link_or_copy(source: str, target: str) -> None:
        try:
            os.link(source, target)
        except OSError:  # another file system, or one without hard links
            shutil.copy2(source, target)

    hard_links = (live / "meta.json").exists()  # a tantivy index
    shutil.copytree(live, generation, copy_function=link_or_copy if hard_links else shutil.copy2)


def _write_articles(path: Path, cache: BuildCache, articles: list[Article]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("[")
        for number, article in enumerate(articles):
            if number:
                handle.write(",")
            handle.write(cache.as_json(article))
        handle.write("]")


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


def _embed_sections(
    articles: list[Article],
    embedder: Embedder,
    data_dir: Path,
    *,
    refresh: bool,
    progress: Progress | None,
) -> tuple[dict[str, np.ndarray], int]:
    """Every vector of every section (kb.index.passages) by vector id, from the cache where the text
    is unchanged; and how many texts were embedded."""
    texts = {
        vector_id: text
        for article in articles
        for section in article.sections
        for vector_id, text in section_vectors(article, section)
    }
    hashes = {vector_id: text_hash(text) for vector_id, text in texts.items()}
    cache = EmbeddingCache(data_dir / "embeddings.sqlite")
    try:
        known = {} if refresh else cache.get_many(embedder.name, hashes.values())
        missing = list({hashes[i]: texts[i] for i in texts if hashes[i] not in known}.items())
        total = len(missing)
        if progress:
            progress(0, total)
        for start in range(0, total, EMBED_CHUNK):
            chunk = missing[start : start + EMBED_CHUNK]
            computed = embedder.embed([text for _, text in chunk])
            fresh = {digest: vector for (digest, _), vector in zip(chunk, computed, strict=True)}
            cache.put_many(embedder.name, fresh)  # saved per chunk: a killed build keeps its work
            known.update(fresh)
            if progress:
                progress(min(start + EMBED_CHUNK, total), total)
    finally:
        cache.close()
    return {vector_id: known[digest] for vector_id, digest in hashes.items()}, total


def _content_key(model: str, vectors: dict[str, np.ndarray]) -> str:
    """Names the server collections after what they hold, so nodes share identical builds."""
    digest = hashlib.sha256(f"{model}|{FORMAT}".encode())
    for vector_id in sorted(vectors):
        digest.update(vector_id.encode())
        digest.update(np.asarray(vectors[vector_id], np.float32).tobytes())
    return "kb-" + digest.hexdigest()[:20]


def _stack(vectors: list[np.ndarray], dimension: int) -> np.ndarray:
    if not vectors:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.vstack(vectors).astype(np.float32)
