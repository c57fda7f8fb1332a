"""The chroma vector store: section vectors in chromadb, one HNSW collection per audience,
embedded in the generation's folder or on a chroma server (`KB_CHROMA_URL`), where its
collections are named by a key of the indexed content so that nodes share identical builds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import numpy as np

from kb.errors import ConfigurationError
from kb.index.vectors import (
    AUDIENCES,
    VECTORS_PER_SECTION,
    Hidden,
    audiences,
    keep_best,
    ranked,
    slug_of,
)
from kb.search.hits import Filters, Hit

if TYPE_CHECKING:
    from chromadb.api import ClientAPI, Collection, CreateCollectionConfiguration

_BATCH = 4000
_CLAIM = "-claim-"


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


def claim_name(key: str, user: str) -> str:
    """An empty server collection saying that the data folder `user` uses the collections of
    content key `key`: they are dropped only once no folder claims them (ChromaVectorStore.drop)."""
    return f"{key}{_CLAIM}{user}"


def _configuration(ef_search: int) -> CreateCollectionConfiguration:
    return {
        "hnsw": {"space": "cosine", "ef_search": ef_search, "ef_construction": max(ef_search, 200)}
    }


class ChromaVectorStore:
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
        user: str = "",
    ) -> None:
        """Write the collections (on a server: unless another folder wrote the same content
        already; either way claimed for `user` first, so no other folder drops them meanwhile)."""
        client = _client(path, url)
        if url and key and user:
            client.get_or_create_collection(claim_name(key, user), embedding_function=None)
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
    def drop(url: str, keys: set[str], user: str = "") -> None:
        """On a server: give up `user`'s claim on the collections of these content keys, and
        delete those no other data folder claims (absent ones are skipped). Two nodes that each
        build the same commit share its collections: the first to move on leaves them to the
        other."""
        client = _client(Path("."), url)
        for key in sorted(keys):
            if user:
                _drop(client, claim_name(key, user))
            if _claimants(client, key):
                continue  # still used by another folder
            for audience in AUDIENCES:
                _drop(client, collection_name(audience, key))

    def search(
        self, vector: np.ndarray, limit: int, filters: Filters, hidden: Hidden | None = None
    ) -> list[Hit]:
        """The `limit` sections most similar to the vector, each scored by its best vector;
        sections of `hidden` articles are skipped."""
        hidden = hidden or Hidden()
        best: dict[str, float] = {}
        for audience in audiences(filters):
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
                keep_best(best, vector_id, similarity)
        return ranked(best, limit)


def _add(collection: Collection, ids: list[str], vectors: np.ndarray) -> None:
    """Precomputed embeddings only, in batches chroma accepts."""
    for start in range(0, len(ids), _BATCH):
        collection.add(ids=ids[start : start + _BATCH], embeddings=vectors[start : start + _BATCH])


def claimants(url: str, key: str) -> list[str]:
    """The data folders that claim the server collections of content key `key`."""
    return _claimants(_client(Path("."), url), key)


def _claimants(client: ClientAPI, key: str) -> list[str]:
    prefix = claim_name(key, "")
    names = [collection.name for collection in client.list_collections()]
    return [name.removeprefix(prefix) for name in names if name.startswith(prefix)]


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
