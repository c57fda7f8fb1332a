"""Which copy of the model a build embeds with (kb.index.adaptation).

An embedder that adapts (`KB_EMBEDDER=minilm`, the default) is fine-tuned on the content at the
first build and at every full one (`kb index --full`). An edit keeps the copy its live
generation was built with, so an edit never waits for a fine-tune nor re-embeds what did not
change; so does a compaction, unless the content has doubled since the copy was made. A copy
lives in the data folder's models/<digest>/, its digest naming the model it started from, the
pairs it learnt from and the constants: the same content gives the same copy, which is then not
trained again. Copies no generation uses are deleted after a build.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from kb.content.model import Article
from kb.index.adaptation import (
    MODELS,
    PAIRS_AT_MOST,
    PARTIAL,
    adapt,
    digest,
    is_copy,
    pairs_learnt,
    training_pairs,
)
from kb.index.embeddings import Embedder
from kb.index.generations import IndexLayout, readable_manifest

log = logging.getLogger(__name__)


def build_embedder(
    data_dir: Path,
    embedder: Embedder,
    previous: Mapping[str, Any],
    full: bool,
    articles: Callable[[], list[Article]],
    *,
    regrow: bool = False,
) -> Embedder:
    """The embedder a build uses: `embedder` itself, or an adapted copy of its model. `previous`
    is the manifest of the generation the build starts from ({} for none); `articles` gives the
    content, read only when a copy may be made. A compaction (`regrow`) adapts again when the
    content has at least doubled since the copy (a help center that started small), as it
    rewrites every vector anyway."""
    if not getattr(embedder, "adapt", False):
        return embedder
    if not full:
        kept = _kept(data_dir, embedder, previous)
        if kept is not None and not (regrow and _grown(data_dir, previous, articles)):
            return kept
    pairs = training_pairs(articles())
    if len(pairs) < 2:
        return embedder  # too little text to learn from: the model as shipped
    name = digest(pairs, embedder.name)
    folder = data_dir / MODELS / name
    if not is_copy(folder):
        log.info("adapting the model to the content (%d pairs; up to a few minutes)", len(pairs))
        adapt(pairs, folder, embedder.model_file())  # type: ignore[attr-defined]
    return embedder.adapted(str(folder), name)  # type: ignore[attr-defined]


def _kept(data_dir: Path, embedder: Embedder, previous: Mapping[str, Any]) -> Embedder | None:
    """The embedder the previous generation was built with, if it can be had again."""
    model, built_with = previous.get("model", ""), previous.get("embedder")
    if built_with == embedder.name:
        # the shipped model: built before adapting was on (kept until a full build), or the
        # content was too small to learn from (a compaction adapts once it has grown)
        return embedder
    if model and built_with == f"{embedder.name}+{model}":
        folder = data_dir / MODELS / model
        if is_copy(folder):
            return embedder.adapted(str(folder), model)  # type: ignore[attr-defined]
        log.warning("the adapted model %s is missing: adapting the model again", folder)
    return None


def _grown(
    data_dir: Path, previous: Mapping[str, Any], articles: Callable[[], list[Article]]
) -> bool:
    """The content has at least twice the pairs the live copy learnt from (none for the shipped
    model of a content too small to learn from; a generation from before adapting has no
    "model" and is left alone)."""
    if "model" not in previous:
        return False
    learnt = pairs_learnt(data_dir / MODELS / previous["model"]) if previous["model"] else 0
    return learnt < PAIRS_AT_MOST and len(training_pairs(articles())) >= max(2 * learnt, 2)


def prune_models(data_dir: Path, live: str) -> None:
    """Delete the adapted copies that no generation left in the data folder uses. `live` is the
    copy the build just published used: while it is the only one, no manifest is read (at
    100,000 articles each holds every article's hash)."""
    models = data_dir / MODELS
    if not models.is_dir():
        return
    others = [f for f in models.iterdir() if f.name != live and PARTIAL not in f.name]
    if not others:
        return
    layout = IndexLayout(data_dir)
    used = {
        readable_manifest(generation).get("model", "")
        for generation in layout.root.glob("gen-*")
        if generation.is_dir()
    }
    for folder in others:
        if folder.name not in used:
            shutil.rmtree(folder, ignore_errors=True)
