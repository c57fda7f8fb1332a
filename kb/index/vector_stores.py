"""Which vector store a generation's base vectors live in, made and opened by name (the
manifest's `vectors.backend`, from `KB_VECTOR_STORE`). To add a store, a class with the
VectorStore methods (kb.index.vectors), `create` and `open`, and its name in STORES."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kb.index.chroma_store import ChromaVectorStore
from kb.index.vectors import VectorStore

STORES = {"chroma": ChromaVectorStore}
DEFAULT_STORE = "chroma"


def create_vector_store(
    backend: str,
    path: Path,
    ids_by_audience: Mapping[str, Sequence[str]],
    vectors_by_audience: Mapping[str, np.ndarray],
    *,
    ef_search: int,
    url: str = "",
    key: str = "",
    user: str = "",
) -> None:
    """Write a base store of these vectors (in `path`, or on the server `url` names, claimed
    there for the data folder `user`)."""
    STORES[backend].create(path, ids_by_audience, vectors_by_audience, ef_search, url, key, user)


def open_vector_store(stored: Mapping[str, Any], base: Path, chroma_url: str) -> VectorStore:
    """The base store a generation's manifest describes (`stored`: its `vectors` entry)."""
    backend = STORES[stored.get("backend", DEFAULT_STORE)]
    url = chroma_url if stored.get("store") == "server" else ""
    return backend(base / "vectors", url, stored.get("key", ""))


def drop_collections(chroma_url: str, keys: set[str], user: str = "") -> None:
    """On a chroma server: give up the data folder `user`'s claim on the collections of these
    content keys, and delete those no other folder claims."""
    ChromaVectorStore.drop(chroma_url, keys, user)
