"""Where a full build's time goes: reading the content, the model, passages, keyword index,
vector store (HNSW).

    python -m bench.profile [--articles 2000] [--embedder minilm|hashing] [--keep DIR]

Generates the knowledge base (seeded, bench/corpus.py), runs one full `build_index` on it and
times the build's own steps by wrapping them (so it times the build as it is, not a copy):

- reading and parsing the content folder (`load_content`);
- the model: the embedder's `embed` calls;
- passages: splitting sections into passages, hashing them and the embedding cache, that is
  `embed_sections` less the model;
- the keyword index and the vector store (chroma's HNSW build), each created afresh;
- the rest: articles snapshot, vocabulary, manifest, publishing.

`--embedder hashing` leaves the model out (its vectors are instant), to profile the rest at
sizes the model would take hours for; HNSW builds differently on its vectors, so say which.
`--keep DIR` keeps the data folder (its embedding cache lets `bench.recall` reuse the vectors).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.corpus import generate_corpus
from indexer import build as build_module
from indexer import stores as stores_module
from indexer.build import BuildOptions, build_index
from indexer.cache import BuildCache
from kb.index.embeddings import make_embedder

STEPS = (
    ("read and parse the content", "content"),
    ("model (embedding)", "model"),
    ("passages, hashes, embedding cache", "passages"),
    ("keyword index", "keyword"),
    ("vector store (chroma, HNSW)", "vectors"),
)


class Stopwatch:
    """Seconds spent in each wrapped function, by step name."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def timed(self, step: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[step] = self.seconds.get(step, 0.0) + time.perf_counter() - started
                self.calls[step] = self.calls.get(step, 0) + 1

        return wrapper

    @contextlib.contextmanager
    def wrapping(self, owner: Any, name: str, step: str) -> Iterator[None]:
        original = getattr(owner, name)
        setattr(owner, name, self.timed(step, original))
        try:
            yield
        finally:
            setattr(owner, name, original)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min, 2 cores)"


def profile_build(
    options: BuildOptions, embedder: Any, cache: BuildCache | None = None
) -> tuple[dict[str, float], Any]:
    """One full build as `options` say (filling `cache`, as `kb watch`'s first build does),
    timed by step; returns seconds by step (with
    `embed_sections` less the model as "passages") and the build report."""
    watch = Stopwatch()
    with contextlib.ExitStack() as stack:
        stack.enter_context(watch.wrapping(build_module, "load_content", "content"))
        stack.enter_context(watch.wrapping(build_module, "embed_sections", "embed_sections"))
        stack.enter_context(watch.wrapping(stores_module, "create_keyword_index", "keyword"))
        stack.enter_context(watch.wrapping(stores_module, "create_vector_store", "vectors"))
        stack.enter_context(watch.wrapping(embedder, "embed", "model"))
        report = build_index(options, embedder, full=True, cache=cache)
    seconds = dict(watch.seconds)
    seconds["passages"] = seconds.pop("embed_sections", 0.0) - seconds.get("model", 0.0)
    seconds["total"] = report.seconds
    seconds["rest"] = report.seconds - sum(seconds.get(key, 0.0) for _, key in STEPS)
    return seconds, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--embedder", default="minilm", help="minilm (default) or hashing")
    parser.add_argument("--content", type=Path, default=Path("content"))
    parser.add_argument("--keep", type=Path, help="Keep the data folder here.")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    embedder = make_embedder(args.embedder)
    embedder.warm_up()  # the model's loading is no part of a build's steps
    with tempfile.TemporaryDirectory() as temporary:
        content, data = Path(temporary) / "content", Path(temporary) / "data"
        generate_corpus(content, args.articles, args.content)
        before, processor = load_average(), time.process_time()
        seconds, report = profile_build(BuildOptions(content, data), embedder)
        after, processor = load_average(), time.process_time() - processor
        words = sum(
            len(section.text.split())
            for article in build_module.load_content(content).articles
            if article.is_searchable
            for section in article.sections
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"\n## Full build profile: {args.articles:,} articles, {report.sections:,} sections, "
            f"{report.embedded:,} vectors, {words:,} words; embedder {embedder.name}\n"
        )
        print(f"before: {before}; after: {after}\n")
        print("| step | seconds | share |\n|---|---|---|")
        for label, key in (*STEPS, ("the rest (articles, vocabulary, manifest)", "rest")):
            share = seconds.get(key, 0.0) / seconds["total"]
            print(f"| {label} | {seconds.get(key, 0.0):.1f} | {share:.0%} |")
        print(f"| **full build** | **{seconds['total']:.1f}** | {words / seconds['total']:,.0f} "
              "words/s |")  # fmt: skip
        print(f"\nprocessor time, all threads: {processor:,.1f} s (2 cores: a quiet machine gives "
              "about twice the wall-clock time)")  # fmt: skip
        print(f"peak memory of this process: {peak:,.0f} MiB")
        if args.keep:
            shutil.rmtree(args.keep, ignore_errors=True)
            shutil.copytree(data, args.keep / "data")
            shutil.copytree(content, args.keep / "content")
            print(f"data folder and content kept in {args.keep}")


if __name__ == "__main__":
    main()
