"""The vector index: section embeddings in chromadb, one collection per audience. A section has
several vectors (its heading and its passages, see kb.passages); a search returns sections.

Public and internal sections live in separate collections so that customer searches never
need a `where` filter (slow in chroma) to keep internal articles out.

Embedded (default): the collections live in the generation's folder. With `KB_CHROMA_URL` they
live on a chroma server shared by every node, named by a key of the indexed content, so nodes
that index the same content commit share one set of collections.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from kb.errors import ConfigurationError
from kb.hits import Filters, Hit
from kb.passages import section_of

AUDIENCES = ("public", "internal")
_BATCH = 4000
# A section has several vectors, so a search fetches this many times the sections it needs.
VECTORS_PER_SECTION = 2


def _client(path: Path, url: str = ""):
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


def _configuration(ef_search: int) -> dict:
    space = {"space": "cosine", "ef_search": ef_search, "ef_construction": max(ef_search, 200)}
    return {"hnsw": space}


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
            _add(collection, ids, vectors_by_audience.get(audience))

    @staticmethod
    def update(
        path: Path,
        remove_ids_by_audience: Mapping[str, Sequence[str]],
        ids_by_audience: Mapping[str, Sequence[str]],
        vectors_by_audience: Mapping[str, np.ndarray],
    ) -> None:
        """Change a copy of a built embedded index in place: remove sections, add new ones."""
        client = _client(path)
        for audience in AUDIENCES:
            collection = client.get_collection(collection_name(audience), embedding_function=None)
            gone = list(remove_ids_by_audience.get(audience, ()))
            for start in range(0, len(gone), _BATCH):
                collection.delete(ids=gone[start : start + _BATCH])
            _add(
                collection,
                list(ids_by_audience.get(audience, ())),
                vectors_by_audience.get(audience),
            )

    @staticmethod
    def drop(url: str, keep: set[str]) -> None:
        """On a server: delete the collections of content keys no generation uses any more."""
        client = _client(Path("."), url)
        for collection in client.list_collections():
            name = collection.name if hasattr(collection, "name") else str(collection)
            key = name.rsplit("-", 1)[0]
            if name.startswith("kb-") and key not in keep:
                _drop(client, name)

    def search(self, vector: np.ndarray, limit: int, filters: Filters) -> list[Hit]:
        """The `limit` sections most similar to the vector: each scored by its best vector."""
        audiences = AUDIENCES if filters.include_internal else ("public",)
        best: dict[str, float] = {}
        for audience in audiences:
            size = self._sizes[audience]
            if size == 0:
                continue
            found = self._collections[audience].query(
                query_embeddings=[vector],
                n_results=min(limit * VECTORS_PER_SECTION, size),
                include=["distances"],
            )
            for vector_id, distance in zip(found["ids"][0], found["distances"][0], strict=True):
                section_id, weight = section_of(vector_id)
                score = weight * (1.0 - float(distance))
                if score > best.get(section_id, -2.0):
                    best[section_id] = score
        hits = [Hit(section_id, score) for section_id, score in best.items()]
        hits.sort(key=lambda hit: (-hit.score, hit.section_id))
        return hits[:limit]


def _add(collection, ids: list[str], vectors: np.ndarray | None) -> None:
    """Precomputed embeddings only, in batches chroma accepts."""
    for start in range(0, len(ids), _BATCH):
        collection.add(ids=ids[start : start + _BATCH], embeddings=vectors[start : start + _BATCH])


def _complete(client, name: str, expected: int) -> bool:
    try:
        return client.get_collection(name, embedding_function=None).count() == expected
    except Exception:  # noqa: BLE001 - chroma raises several types for a missing collection
        return False


def _drop(client, name: str) -> None:
    try:
        client.delete_collection(name)
    except Exception:  # noqa: BLE001 - absent already
        pass
