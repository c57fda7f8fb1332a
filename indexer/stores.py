"""What a build writes: section vectors (from the embedding cache where the text is unchanged),
the keyword index, the vector stores, the articles snapshot."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np

from indexer.cache import BuildCache
from kb.content.model import Article
from kb.index.embedding_cache import EmbeddingCache, text_hash
from kb.index.embeddings import Embedder
from kb.index.keyword import FORMAT, create_keyword_index
from kb.index.passages import section_vectors
from kb.index.vector_stores import create_vector_store
from kb.index.vectors import AUDIENCES, Delta, collection_of, slug_of

# Texts per call of the model: the more, the better batches of like length fit (less padding);
# the embedding cache is written after each, so a killed build keeps most of its work.
EMBED_CHUNK = 4096
Progress = Callable[[int, int], None]


def create_stores(
    generation: Path,
    searchable: list[Article],
    vectors: dict[str, np.ndarray],
    embedder: Embedder,
    ef_search: int,
    chroma_url: str,
    keyword_engine: str,
    vector_store: str,
    user: str = "",
) -> str:
    """Write the keyword and vector stores of every searchable section (on a chroma server,
    claimed for the data folder `user`); returns the content key of the server collections
    (empty when embedded)."""
    entries = [(article, section) for article in searchable for section in article.sections]
    create_keyword_index(keyword_engine, generation / "keyword", entries)
    key = _content_key(embedder.name, vectors) if chroma_url else ""
    delta = delta_of(searchable, vectors, embedder.dimension)
    create_vector_store(
        vector_store, generation / "vectors", delta.ids, delta.vectors, ef_search=ef_search,
        url=chroma_url, key=key, user=user,
    )  # fmt: skip
    return key


def delta_of(articles: list[Article], vectors: dict[str, np.ndarray], dimension: int) -> Delta:
    """These articles' vectors (`vectors`, as _embed_sections gave them for exactly these
    articles, in their order), by collection."""
    collection = {article.slug: collection_of(article) for article in articles}
    ids: dict[str, list[str]] = {audience: [] for audience in AUDIENCES}
    for vector_id in vectors:
        ids[collection[slug_of(vector_id)]].append(vector_id)
    stacked = {a: _stack([vectors[i] for i in ids[a]], dimension) for a in AUDIENCES}
    return Delta(ids, stacked)


def copy_keyword_index(live: Path, generation: Path) -> None:
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


def write_articles(path: Path, cache: BuildCache, articles: list[Article]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("[")
        for number, article in enumerate(articles):
            if number:
                handle.write(",")
            handle.write(cache.as_json(article))
        handle.write("]")


def embed_sections(
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
