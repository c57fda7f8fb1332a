"""The vector side of an index: section embeddings, one collection per audience. A section has
several vectors (its heading and its passages, see kb.index.passages); a search returns sections.

Public and internal sections live in separate collections so that customer searches never
need a `where` filter (slow in chroma) to keep internal articles out.

A full build writes a base store (a VectorStore: kb.index.chroma_store); the generations an
edit makes after it search that base store, never written again, less the articles changed
since, plus those articles' vectors in a small exact `Delta` (LayeredVectors).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from kb.content.model import Article
from kb.index.passages import article_vector_ids, section_of
from kb.search.hits import Filters, Hit

AUDIENCES = ("public", "internal")
_BATCH = 4000
# A section has several vectors, so a search fetches this many times the sections it needs.
VECTORS_PER_SECTION = 2


@dataclasses.dataclass(frozen=True)
class Hidden:
    """Articles whose vectors in a base store are void (changed since it was built), and how
    many vectors that is in each collection."""

    slugs: frozenset[str] = frozenset()
    vectors: Mapping[str, int] = dataclasses.field(default_factory=dict)

    def adding(self, base_articles: Iterable[Article]) -> Hidden:
        """These articles hidden too; as the base store holds them (their vectors are counted)."""
        slugs, vectors = set(self.slugs), dict(self.vectors)
        for article in base_articles:
            slugs.add(article.slug)
            if article.is_searchable:
                audience = collection_of(article)
                vectors[audience] = vectors.get(audience, 0) + len(article_vector_ids(article))
        return Hidden(frozenset(slugs), vectors)


def collection_of(article: Article) -> str:
    """The collection an article's vectors live in."""
    return "public" if article.audience == "public" else "internal"


class Delta:
    """The vectors of articles changed since the base store was built, searched exactly.

    An edit writes these instead of copying and changing the whole chroma store; past a few
    thousand (indexer.build.COMPACT_FLOOR and COMPACT_SHARE) the indexer compacts them into a
    new base store."""

    FILE = "delta.npz"

    def __init__(self, ids: Mapping[str, Sequence[str]], vectors: Mapping[str, np.ndarray]):
        self.ids = {audience: list(ids.get(audience, ())) for audience in AUDIENCES}
        self.vectors = {
            audience: np.asarray(vectors.get(audience, np.zeros((0, 0))), dtype=np.float32)
            for audience in AUDIENCES
        }

    @classmethod
    def load(cls, path: Path) -> Delta:
        if not path.exists():
            return cls({}, {})
        # Opened here, not by np.load, so a file that is not a valid npz is still closed.
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as arrays:
            return cls(
                {a: arrays[f"{a}_ids"].tolist() for a in AUDIENCES},
                {a: arrays[f"{a}_vectors"] for a in AUDIENCES},
            )

    def check(self, dimension: int | None) -> None:
        """Raise ValueError unless each audience has one vector of `dimension` per id."""
        for audience in AUDIENCES:
            count, shape = len(self.ids[audience]), self.vectors[audience].shape
            if shape[:1] != (count,) or (count and dimension and shape[1:] != (dimension,)):
                raise ValueError(
                    f"{audience}: {count} ids, vectors of shape {shape} (dimension {dimension})"
                )

    def save(self, path: Path) -> None:
        arrays = {}
        for audience in AUDIENCES:
            arrays[f"{audience}_ids"] = np.array(self.ids[audience], dtype=str)
            arrays[f"{audience}_vectors"] = self.vectors[audience]
        with open(path, "wb") as handle:
            np.savez(handle, allow_pickle=False, **arrays)

    def __len__(self) -> int:
        return sum(len(ids) for ids in self.ids.values())

    def nearest(self, audience: str, vector: np.ndarray, count: int) -> list[tuple[str, float]]:
        ids = self.ids[audience]
        if not ids:
            return []
        similarities = self.vectors[audience] @ np.asarray(vector, dtype=np.float32)
        if count < len(ids):
            top = np.argpartition(-similarities, count)[:count]
        else:
            top = np.arange(len(ids))
        return [(ids[i], float(similarities[i])) for i in top]


class VectorStore(Protocol):
    """A base store of section vectors, one collection per audience, searched by a precomputed
    embedding and never written after its build (kb.index.vector_stores makes and opens them)."""

    def search(
        self, vector: np.ndarray, limit: int, filters: Filters, hidden: Hidden | None = None
    ) -> list[Hit]:
        """The `limit` sections most similar to the vector, each scored by its best vector;
        sections of `hidden` articles are skipped."""
        ...

    def probe(self, dimension: int | None) -> None:
        """Fail now, not at a customer's search, if the store cannot be searched."""
        ...


class LayeredVectors:
    """A generation's vectors: a base chroma store, shared by the generations an edit made from
    it and never written after it was built, less the articles changed since (`hidden`), plus
    their vectors now (`delta`)."""

    def __init__(self, base: VectorStore, delta: Delta, hidden: Hidden, base_path: Path) -> None:
        self.base = base
        self.base_path = base_path  # the generation that built the base store
        self.delta = delta
        self.hidden = hidden

    def search(self, vector: np.ndarray, limit: int, filters: Filters) -> list[Hit]:
        hits = self.base.search(vector, limit, filters, self.hidden)
        if not len(self.delta):
            return hits
        best = {hit.section_id: hit.score for hit in hits}
        for audience in audiences(filters):
            for vector_id, similarity in self.delta.nearest(
                audience, vector, limit * VECTORS_PER_SECTION
            ):
                keep_best(best, vector_id, similarity)
        return ranked(best, limit)


def slug_of(vector_id: str) -> str:
    """The article a vector (or section) id belongs to: ids are `slug#anchor~part`."""
    return vector_id.split("#", 1)[0]


def audiences(filters: Filters) -> tuple[str, ...]:
    return AUDIENCES if filters.include_internal else ("public",)


def keep_best(best: dict[str, float], vector_id: str, similarity: float) -> None:
    section_id, weight = section_of(vector_id)
    score = weight * similarity
    if score > best.get(section_id, -2.0):
        best[section_id] = score


def ranked(best: Mapping[str, float], limit: int) -> list[Hit]:
    hits = [Hit(section_id, score) for section_id, score in best.items()]
    hits.sort(key=lambda hit: (-hit.score, hit.section_id))
    return hits[:limit]
