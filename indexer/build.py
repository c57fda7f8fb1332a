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
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np

from kb.content import Article, ContentProblem, load_content, parse_article
from kb.embedding_cache import EmbeddingCache, text_hash
from kb.embeddings import Embedder
from kb.keyword import FORMAT, create_keyword_index, update_keyword_index
from kb.passages import PASSAGE_WORDS, article_vector_ids, section_vectors
from kb.settings import Settings
from kb.spelling import count_words
from kb.store import IndexLayout, read_manifest
from kb.synonyms import FILE_NAME as SYNONYMS_FILE
from kb.synonyms import load_synonyms
from kb.vectors import VectorIndex

EMBED_CHUNK = 256
VECTORS_FILE = "vectors.json"
Progress = Callable[[int, int], None]


class BuildCache:
    """What a long-running watcher keeps between builds: articles parsed, serialised and counted
    before, by file and content, so an edit re-parses one file instead of the whole folder."""

    def __init__(self) -> None:
        self._parsed: dict[tuple[str, str], Article] = {}
        self._dicts: dict[tuple[str, str], str] = {}
        self._words: dict[tuple[str, str], Counter[str]] = {}
        self._vocabulary: Counter[str] = Counter()
        self._counted: set[tuple[str, str]] = set()

    def parse(self, text: str, relative: str) -> Article:
        key = (relative, hashlib.sha256(text.encode("utf-8")).hexdigest())
        if key not in self._parsed:
            self._parsed[key] = parse_article(text, relative)
        return self._parsed[key]

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
        articles = list(self._parsed.values())
        for article in articles:
            self.as_json(article)
        self.vocabulary([a for a in articles if a.is_searchable and a.audience == "public"])

    def keep(self, articles: list[Article]) -> None:
        """Forget files that changed or went away; word counts stay until the vocabulary has
        subtracted them."""
        live = {(article.path, article.content_hash) for article in articles}
        for key in self._parsed.keys() - live:
            del self._parsed[key]
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
    loaded = load_content(Path(content_dir), cache.parse)
    cache.keep(loaded.articles)
    layout = IndexLayout(Path(data_dir))
    layout.root.mkdir(parents=True, exist_ok=True)
    _, synonym_problems = load_synonyms(Path(content_dir))
    report = BuildReport(problems=loaded.problems + synonym_problems)
    synonyms_path = Path(content_dir) / SYNONYMS_FILE
    synonyms = synonyms_path.read_text(encoding="utf-8") if synonyms_path.exists() else ""

    current = layout.current_name()
    previous = read_manifest(layout.root / current) if current else {}
    # Another model or index format means every article is indexed afresh.
    compatible = (
        previous.get("embedder") == embedder.name
        and previous.get("format") == FORMAT
        and previous.get("keyword", "whoosh") == keyword_engine
        and previous.get("ef_search", ef_search) == ef_search
        and previous.get("passage_words") == PASSAGE_WORDS
    )
    _diff(loaded.articles, previous.get("articles", {}) if compatible else {}, report)
    changed = report.added or report.updated or report.removed
    same_synonyms = previous.get("synonyms") == text_hash(synonyms)

    if current and compatible and same_synonyms and not full and not changed:
        report.generation = current
        report.sections = previous.get("sections", 0)
        report.seconds = time.perf_counter() - started
        return report

    searchable = [article for article in loaded.articles if article.is_searchable]
    name = f"gen-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}-{os.getpid()}"
    generation = layout.root / name
    # An edit changes a copy of the live generation; a full build (or a chroma server, whose
    # collections are named by their whole content) writes every store afresh.
    incremental = bool(
        current
        and compatible
        and not full
        and not chroma_url
        and (layout.root / current / VECTORS_FILE).exists()
    )
    if incremental:
        stale = set(report.updated) | set(report.removed)
        edited = set(report.added) | set(report.updated)
        fresh = [article for article in searchable if article.slug in edited]
        vectors, report.embedded = _embed_sections(
            fresh, embedder, Path(data_dir), refresh=False, progress=progress
        )
        generation.mkdir()
        # The live generation's record, less the changed articles, plus them anew.
        live_record = json.loads((layout.root / current / VECTORS_FILE).read_text())
        added = _vector_record(fresh)
        removed = _ids_by_audience(live_record[slug] for slug in stale if slug in live_record)
        _update_stores(
            layout.root / current, generation, stale, fresh, vectors, removed,
            _ids_by_audience(added.values()), embedder, keyword_engine,
        )  # fmt: skip
        record = {slug: e for slug, e in live_record.items() if slug not in stale} | added
        key = ""
    else:
        vectors, report.embedded = _embed_sections(
            searchable, embedder, Path(data_dir), refresh=full, progress=progress
        )
        generation.mkdir()
        record = _vector_record(searchable)
        key = _create_stores(
            generation, searchable, _ids_by_audience(record.values()), vectors, embedder,
            ef_search, chroma_url, keyword_engine,
        )  # fmt: skip
    report.sections = sum(len(article.sections) for article in searchable)
    (generation / "articles.json").write_text(
        "[" + ",".join(cache.as_json(article) for article in loaded.articles) + "]"
    )
    (generation / VECTORS_FILE).write_text(json.dumps(record))
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
        "vectors": {"store": "server" if chroma_url else "embedded", "key": key},
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
    ids: dict[str, list[str]],
    vectors: dict[str, np.ndarray],
    embedder: Embedder,
    ef_search: int,
    chroma_url: str,
    keyword_engine: str,
) -> str:
    """Write the keyword and vector stores of every searchable section (`ids`: their vector ids
    by collection); returns the content key of the server collections (empty when embedded)."""
    entries = [(article, section) for article in searchable for section in article.sections]
    create_keyword_index(keyword_engine, generation / "keyword", entries)
    key = _content_key(embedder.name, vectors) if chroma_url else ""
    VectorIndex.create(
        generation / "vectors",
        ids,
        _vectors_by_audience(ids, vectors, embedder.dimension),
        ef_search=ef_search,
        url=chroma_url,
        key=key,
    )
    return key


def _update_stores(
    live: Path,
    generation: Path,
    stale: set[str],
    fresh: list[Article],
    vectors: dict[str, np.ndarray],
    removed: dict[str, list[str]],
    added: dict[str, list[str]],
    embedder: Embedder,
    keyword_engine: str,
) -> None:
    """Copy the live generation's stores, then drop the sections of changed and removed
    articles and add the changed ones: an edit costs about what it changed, plus a file copy.
    `removed` and `added` are vector ids by collection."""
    shutil.copytree(live / "keyword", generation / "keyword")
    entries = [(article, section) for article in fresh for section in article.sections]
    update_keyword_index(keyword_engine, generation / "keyword", stale, entries)
    shutil.copytree(live / "vectors", generation / "vectors")
    VectorIndex.update(
        generation / "vectors",
        removed,
        added,
        _vectors_by_audience(added, vectors, embedder.dimension),
    )


def _audience(article: Article) -> str:
    """The vector collection an article's sections live in."""
    return "public" if article.audience == "public" else "internal"


def _vector_record(articles: list[Article]) -> dict[str, dict[str, list[str]]]:
    """Which vectors each article has in which collection, kept with the generation so that
    the next edit knows what to remove."""
    return {article.slug: {_audience(article): article_vector_ids(article)} for article in articles}


def _ids_by_audience(entries: Iterable[Mapping[str, list[str]]]) -> dict[str, list[str]]:
    """Vector ids by collection, from entries of a vector record."""
    ids: dict[str, list[str]] = {"public": [], "internal": []}
    for entry in entries:
        for audience, vector_ids in entry.items():
            ids[audience].extend(vector_ids)
    return ids


def _vectors_by_audience(
    ids: dict[str, list[str]], vectors: dict[str, np.ndarray], dimension: int
) -> dict[str, np.ndarray]:
    return {audience: _stack([vectors[i] for i in ids[audience]], dimension) for audience in ids}


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
    """Every vector of every section (kb.passages) by vector id, from the cache where the text
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
