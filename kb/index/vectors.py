"""The vector index: section embeddings in chromadb, one collection per audience. A section has
several vectors (its heading and its passages, see kb.index.passages); a search returns sections.

Public and internal sections live in separate collections so that customer searches never
need a `where` filter (slow in chroma) to keep internal articles out.

Embedded (default): a full build writes the collections into its generation's folder; the
generations an edit makes after it search that base store, never written again, less the
articles changed since, plus those articles' vectors in a small exact `Delta` (LayeredVectors).
With `KB_CHROMA_URL` the collections live on a chroma server shared by every node, named by a
key of the indexed content, so nodes that index the same content commit share one set of
collections; there every build writes them afresh.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import numpy as np

from kb.content.model import Article
from kb.errors import ConfigurationError
from kb.index.passages import article_vector_ids, section_of
from kb.search.hits import Filters, Hit

if TYPE_CHECKING:
    from chromadb.api import ClientAPI, Collection, CreateCollectionConfiguration

AUDIENCES = ("public", "internal")
_BATCH = 4000
# A section has several vectors, so a search fetches this many times the sections it needs.
VECTORS_PER_SECTION = 2


def _client(path: Path, url: str = "") -> ClientAPI:
    import chromadb  # noqa: PLC0415 - heavy, imported on first use
    from chromadb.config import Settings as ChromaSettings  # noqa: PLC0415

    settings = ChromaSettings(anonymized_telemetry=False)
    if not url:
        return chromadb.PersistentClient(path=str(path), settings=settings)
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigurationError(f"KB_CHROMA_URL must look like http://host:port, not {url!r}")
    port = parsed.port or (443 if parsed.scheme == "https" else 8000)
    return chromadb.HttpClient(
        host=parsed.hostname, port=port, ssl=parsed.scheme == "https", settings=settings
    )


def collection_name(audience: str, key: str = "") -> str:
    return f"{key}-{audience}" if key else f"sections-{audience}"


def _configuration(ef_search: int) -> CreateCollectionConfiguration:
    return {
        "hnsw": {"space": "cosine", "ef_search": ef_search, "ef_construction": max(ef_search, 200)}
    }


class VectorIndex:
    """Read side of a built vector index; every query passes a precomputed embedding."""

    def __init__(self, path: Path, url: str = "", key: str = "") -> None:
        self._client = _client(path, url)
        self._collections = {
            audience: self._client.get_collection(
                collection_name(audience, key), embedding_function=None
            )
            for audience in AUDIENCES
        }
        # A generation's collections never change, and chroma's count() costs 2 ms a query.
        self._sizes = {audience: c.count() for audience, c in self._collections.items()}

    def probe(self, dimension: int | None) -> None:
        """One nearest-neighbour query per collection, so a store that opens but cannot be
        searched fails now (this also loads the HNSW graph before the first customer search)."""
        if not dimension:
            return
        vector: np.ndarray = np.zeros(dimension, dtype=np.float32)
        vector[0] = 1.0
        for audience, collection in self._collections.items():
            if self._sizes[audience]:
                collection.query(query_embeddings=[vector], n_results=1, include=["distances"])

    @staticmethod
    def create(
        path: Path,
        ids_by_audience: Mapping[str, Sequence[str]],
        vectors_by_audience: Mapping[str, np.ndarray],
        ef_search: int,
        url: str = "",
        key: str = "",
    ) -> None:
        client = _client(path, url)
        for audience in AUDIENCES:
            name = collection_name(audience, key)
            ids = list(ids_by_audience.get(audience, ()))
            if url and _complete(client, name, len(ids)):
                continue  # another node indexed the same content already
            if url:
                _drop(client, name)
            collection = client.create_collection(
                name, embedding_function=None, configuration=_configuration(ef_search)
            )
            if ids:
                _add(collection, ids, vectors_by_audience[audience])

    @staticmethod
    def drop(url: str, keep: set[str]) -> None:
        """On a server: delete the collections of content keys no generation uses any more."""
        client = _client(Path("."), url)
        for collection in client.list_collections():
            name = collection.name if hasattr(collection, "name") else str(collection)
            key = name.rsplit("-", 1)[0]
            if name.startswith("kb-") and key not in keep:
                _drop(client, name)

    def search(
        self, vector: np.ndarray, limit: int, filters: Filters, hidden: Hidden | None = None
    ) -> list[Hit]:
        """The `limit` sections most similar to the vector, each scored by its best vector;
        sections of `hidden` articles are skipped."""
        hidden = hidden or Hidden()
        best: dict[str, float] = {}
        for audience in _audiences(filters):
            size = self._sizes[audience]
            wanted = limit * VECTORS_PER_SECTION
            # Enough to find `wanted` visible vectors even if every hidden one is among them.
            fetch = min(size, wanted + hidden.vectors.get(audience, 0))
            if not fetch:
                continue
            found = self._collections[audience].query(
                query_embeddings=[vector], n_results=fetch, include=["distances"]
            )
            distances = found["distances"]
            if distances is None:  # asked for above; chroma's type allows a field left out
                raise RuntimeError("chroma answered a query without the distances asked for")
            visible = [
                (vector_id, 1.0 - float(distance))
                for vector_id, distance in zip(found["ids"][0], distances[0], strict=True)
                if slug_of(vector_id) not in hidden.slugs
            ]
            for vector_id, similarity in visible[:wanted]:
                _keep_best(best, vector_id, similarity)
        return _ranked(best, limit)


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


class LayeredVectors:
    """A generation's vectors: a base chroma store, shared by the generations an edit made from
    it and never written after it was built, less the articles changed since (`hidden`), plus
    their vectors now (`delta`)."""

    def __init__(self, base: VectorIndex, delta: Delta, hidden: Hidden, base_path: Path) -> None:
        self.base = base
        self.base_path = base_path  # the generation that built the base store
        self.delta = delta
        self.hidden = hidden

    def search(self, vector: np.ndarray, limit: int, filters: Filters) -> list[Hit]:
        hits = self.base.search(vector, limit, filters, self.hidden)
        if not len(self.delta):
            return hits
        best = {hit.section_id: hit.score for hit in hits}
        for audience in _audiences(filters):
            for vector_id, similarity in self.delta.nearest(
                audience, vector, limit * VECTORS_PER_SECTION
            ):
                _keep_best(best, vector_id, similarity)
        return _ranked(best, limit)


def slug_of(vector_id: str) -> str:
    """The article a vector (or section) id belongs to: ids are `slug#anchor~part`."""
    return vector_id.split("#", 1)[0]


def _audiences(filters: Filters) -> tuple[str, ...]:
    return AUDIENCES if filters.include_internal else ("public",)


def _keep_best(best: dict[str, float], vector_id: str, similarity: float) -> None:
    section_id, weight = section_of(vector_id)
    score = weight * similarity
    if score > best.get(section_id, -2.0):
        best[section_id] = score


def _ranked(best: Mapping[str, float], limit: int) -> list[Hit]:
    hits = [Hit(section_id, score) for section_id, score in best.items()]
    hits.sort(key=lambda hit: (-hit.score, hit.section_id))
    return hits[:limit]


def _add(collection: Collection, ids: list[str], vectors: np.ndarray) -> None:
    """Precomputed embeddings only, in batches chroma accepts."""
    for start in range(0, len(ids), _BATCH):
        collection.add(ids=ids[start : start + _BATCH], embeddings=vectors[start : start + _BATCH])


def _complete(client: ClientAPI, name: str, expected: int) -> bool:
    try:
        return client.get_collection(name, embedding_function=None).count() == expected
    except Exception:  # noqa: BLE001 - chroma raises several types for a missing collection
        return False


def _drop(client: ClientAPI, name: str) -> None:
    try:
        client.delete_collection(name)
    except Exception:  # noqa: BLE001 - absent already
        pass
