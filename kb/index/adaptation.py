"""Adapting the embedding model to one help center: a short fine-tune on its own headings and text.

all-MiniLM-L6-v2 reads general English; a help center's headings name its tasks in its own words
("Request a password reset link", "Chargebacks"). Fine-tuning on pairs from the content alone
teaches the model which text goes with which heading there: each section's heading (half the
time with the article's title and heading path, as the vector side embeds it, half the time its
own heading alone) against each passage of its text. The loss is the usual contrastive one with
the other pairs of a batch as negatives (both ways round), so sections of the same article, often
in one batch, teach the model to tell neighbours apart. No query and no label is read: only the
content, so this is not tuning to any evaluation set.

The constants were set once, before measuring, to the common defaults for this loss (two epochs,
learning rate 2e-5, batches of 32, scale 20) and not tuned. `python -m bench.adapt` measures it
against the shipped model (bench/RESULTS.md, "adapting the model to the content"). indexer.models
decides when a build adapts; QueryModels gives search the copy a generation was built with.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from kb.content.model import Article
from kb.errors import ConfigurationError
from kb.index.embeddings import Embedder, offline_and_quiet
from kb.index.generations import IndexLayout
from kb.index.passages import passages

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

EPOCHS = 2
LEARNING_RATE = 2e-5
BATCH = 32
SCALE = 20.0  # cosine similarities × SCALE are the contrastive loss's logits
PAIRS_AT_MOST = 4096  # a sample of this many pairs for a large help center (about 3 min a run)
SEED = 0
MODELS = "models"  # the data folder's folder of adapted copies, one folder per digest
LEARNT = "kb-adaptation.json"  # in a copy's folder: how many pairs it learnt from
PARTIAL = ".partial-"  # a copy being written: out.partial-<process>-<thread>
KEEP_LOADED = 2  # copies a worker keeps loaded: the live generation's and the one before


def training_pairs(
    articles: Iterable[Article], rng: random.Random | None = None, at_most: int = PAIRS_AT_MOST
) -> list[tuple[str, str]]:
    """(heading, passage) for every passage of every published article's sections, at most
    `at_most` of them (a random sample beyond that); the same for the same content."""
    rng = rng or random.Random(SEED)
    pairs = []
    for article in articles:
        if not article.is_searchable:
            continue  # drafts are never indexed, so never learnt from
        for section in article.sections:
            path = " > ".join((article.title, *section.heading_path))
            own = section.heading_path[-1] if section.heading_path else article.title
            for passage in passages(section.text):
                pairs.append((path if rng.random() < 0.5 else own, passage))
    return rng.sample(pairs, at_most) if len(pairs) > at_most else pairs


def digest(pairs: list[tuple[str, str]], base: str) -> str:
    """What names an adapted copy: the model it starts from, the pairs and the constants."""
    recipe = [base, EPOCHS, LEARNING_RATE, BATCH, SCALE, SEED, pairs]
    return hashlib.sha256(json.dumps(recipe).encode()).hexdigest()[:16]


def adapt(pairs: list[tuple[str, str]], out: Path, base: str, *, epochs: int = EPOCHS) -> None:
    """Fine-tune the model in folder `base` on `pairs` and save the copy to `out` (written
    beside it first, so a copy that is there is whole; a copy already there is kept)."""
    if len(pairs) < 2:
        raise ValueError("adapting the model needs at least two passages of published text")
    offline_and_quiet()
    import torch  # noqa: PLC0415 - heavy, loaded with the model
    from sentence_transformers import SentenceTransformer  # noqa: PLC0415

    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    pairs = list(pairs)
    model = SentenceTransformer(base, device="cpu")
    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    cross_entropy = torch.nn.functional.cross_entropy
    for _ in range(epochs):
        rng.shuffle(pairs)
        for start in range(0, len(pairs) - 1, BATCH):
            batch = pairs[start : start + BATCH]
            if len(batch) < 2:
                continue  # one pair has no negative to learn from
            headings = _embedded(model, [heading for heading, _ in batch])
            texts = _embedded(model, [text for _, text in batch])
            logits = headings @ texts.T * SCALE
            right = torch.arange(len(batch))
            loss = (cross_entropy(logits, right) + cross_entropy(logits.T, right)) / 2
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    model.eval()
    partial = out.with_name(f"{out.name}{PARTIAL}{os.getpid()}-{threading.get_ident()}")
    model.save(str(partial))
    (partial / LEARNT).write_text(json.dumps({"pairs": len(pairs)}))
    try:
        partial.rename(out)
    except OSError:  # another build made the same copy first: the same content, the same copy
        shutil.rmtree(partial, ignore_errors=True)


def is_copy(folder: Path) -> bool:
    """A whole adapted copy is in `folder` (one being written is under another name)."""
    return (folder / "modules.json").exists()


def pairs_learnt(folder: Path) -> int:
    """How many pairs the copy in `folder` learnt from (0 when that cannot be read)."""
    try:
        return int(json.loads((folder / LEARNT).read_text())["pairs"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _embedded(model: SentenceTransformer, texts: list[str]) -> torch.Tensor:
    import torch  # noqa: PLC0415 - loaded with the model

    features = model.preprocess(texts)
    return torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=-1)


class QueryModels:
    """The embedder that reads a generation's queries: the model its vectors were made with. A
    generation built with an adapted copy names that copy's digest in its manifest ("model"); a
    worker loads the copy once, from the data folder, when it first searches that generation."""

    def __init__(self, embedder: Embedder, data_dir: Path) -> None:
        self.embedder = embedder
        self.data_dir = data_dir
        self.folder = data_dir / MODELS
        self._copies: OrderedDict[str, Embedder] = OrderedDict()
        self._lock = threading.Lock()

    def for_generation(self, built_with: str, model: str) -> Embedder:
        """The embedder for a generation built with the embedder named `built_with` and the
        adapted copy `model` ("" for none); a clear error when search cannot match it."""
        chosen = self._copy(model) if model and hasattr(self.embedder, "adapted") else self.embedder
        if built_with != chosen.name:
            raise ConfigurationError(
                f"the index was built with {built_with}, but search uses {chosen.name}: "
                "rebuild with `kb index --full` or set KB_EMBEDDER"
            )
        return chosen

    def warm_up(self) -> None:
        """Load the model, and the live generation's copy if it has one, now (under `gunicorn
        --preload`, before the workers fork, so they share its memory)."""
        self.embedder.warm_up()
        manifest = IndexLayout(self.data_dir).manifest()
        if manifest.get("model"):
            try:
                self.for_generation(manifest.get("embedder", ""), manifest["model"]).warm_up()
            except ConfigurationError:
                pass  # said by each search of that generation, with what to do

    def _copy(self, model: str) -> Embedder:
        with self._lock:
            copy = self._copies.get(model)
            if copy is None:
                folder = self.folder / model
                if not is_copy(folder):
                    raise ConfigurationError(
                        f"the index was built with a copy of the model adapted to the content, "
                        f"and {folder} is missing: rebuild with `kb index --full`"
                    )
                copy = self.embedder.adapted(str(folder), model)  # type: ignore[attr-defined]
                self._copies[model] = copy
                while len(self._copies) > KEEP_LOADED:
                    self._copies.popitem(last=False)
            self._copies.move_to_end(model)
            return copy
