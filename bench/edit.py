"""Edit → searchable on a large generated knowledge base, without waiting an hour for the model.

    python -m bench.edit [--articles 10000] [--edits 5]

Builds the generated knowledge base with the fast hashing embedder (an edit embeds one article's
sections, well under 0.1 s with the real model, so the model is not what an edit waits for),
keeps the build cache as `kb watch` does, then edits one article at a time and times the build
and a running server's index handle loading the new generation. Then it times the vector
store's part of a search at this size (chroma's query, the edits' delta, and folding passages
into sections; the model's query embedding is timed by `python -m bench`), what searching each
store once at open costs, and last a compaction of the edits into a new base store, as `kb watch`
runs it once they pass its limit: `kb index --compact` in a process of its own, while edits go on
and are timed as above.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.__main__ import timings
from bench.corpus import generate_corpus
from indexer import build as build_module
from indexer.build import BuildOptions, build_index
from indexer.cache import BuildCache
from kb.index.embeddings import HashingEmbedder
from kb.index.handle import IndexHandle
from kb.search.hits import Filters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--content", type=Path, default=Path("content"))
    args = parser.parse_args()
    embedder = HashingEmbedder()
    with tempfile.TemporaryDirectory() as temporary:
        content, data = Path(temporary) / "content", Path(temporary) / "data"
        generate_corpus(content, args.articles, args.content)
        cache = BuildCache()
        first = build_index(BuildOptions(content, data), embedder, cache=cache)
        cache.warm()  # as `kb watch` does after its first build
        handle = IndexHandle(data)
        handle.get()  # a running server has the index open
        print(f"\n## Edit → searchable: {args.articles:,} articles, {first.sections:,} sections\n")
        print("| edit | build s | server load s | total s |\n|---|---|---|---|")
        totals = []
        for number, article in enumerate(sorted(content.rglob("*.md"))[: args.edits], 1):
            article.write_text(article.read_text() + f"\n## Quokka {number}\nQuokka text.\n")
            started = time.perf_counter()
            report = build_index(BuildOptions(content, data), embedder, cache=cache)
            built = time.perf_counter() - started
            assert len(report.updated) == 1, report.summary()
            started = time.perf_counter()
            handle.get()
            loaded = time.perf_counter() - started
            totals.append(built + loaded)
            print(f"| {number} | {built:.2f} | {loaded:.2f} | {built + loaded:.2f} |")
        print(f"\nmedian {statistics.median(totals):.2f} s, worst {max(totals):.2f} s")
        vector_search(handle.get(), embedder, args.content)
        open_probe(handle.get())
        edits_during_compaction(content, data, embedder, cache, args.edits, handle)


def edits_during_compaction(content, data, embedder, cache, edits: int, handle) -> None:
    """`kb index --compact` in a process of its own, as `kb watch` starts it; meanwhile an edit
    every two seconds, built and loaded as above, each timed until the compaction ends."""
    environment = {**os.environ, "KB_CONTENT_DIR": str(content), "KB_DATA_DIR": str(data),
                   "KB_EMBEDDER": "hashing"}  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "index", "--compact"], env=environment, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    later = BuildOptions(content, data, compact_later=True)
    build_module.COMPACT_FLOOR, build_module.COMPACT_SHARE = 0, 0.0  # past the limit at once
    print("\n| edit during the compaction | at s | build s | server load s | total s |")
    print("|---|---|---|---|---|")
    totals = []
    articles = sorted(content.rglob("*.md"))[edits:]
    while process.poll() is None and len(totals) < len(articles):
        time.sleep(2.0)
        article = articles[len(totals)]
        article.write_text(article.read_text() + "\n## Narwhal\nNarwhal text.\n")
        at = time.perf_counter() - started
        report = build_index(later, embedder, cache=cache)
        built = time.perf_counter() - started - at
        handle.get()
        total = time.perf_counter() - started - at
        totals.append(total)
        print(f"| {len(totals)} | {at:.1f} | {built:.2f} | {total - built:.2f} | {total:.2f} |")
        assert len(report.updated) == 1, report.summary()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    assert process.returncode == 0, output
    print(f"\ncompaction apart (a new base store, nothing embedded): {seconds:.1f} s, "
          f"{output.strip().splitlines()[-1][:60]}…")  # fmt: skip
    if totals:
        print(f"edits meanwhile: {len(totals)}, median {statistics.median(totals):.2f} s, "
              f"worst {max(totals):.2f} s to searchable")  # fmt: skip


def vector_search(index, embedder, content: Path, runs: int = 200) -> None:
    """Percentiles of the vector store's search for 100 sections, one query at a time."""
    titles = [path.stem.replace("-", " ") for path in sorted(content.rglob("*.md"))]
    vectors = list(embedder.embed(titles[:runs]))
    figures = timings(lambda vector: index.vectors.search(vector, 100, Filters()), vectors, runs)
    print(
        f"\nvector store search (100 sections): p50 {figures['p50']:.1f} ms, "
        f"p95 {figures['p95']:.1f} ms"
    )


def open_probe(index, runs: int = 200) -> None:
    """What searching each store once at open (kb.store.LoadedIndex) adds: a one-title keyword
    query, and one query per collection of a newly opened base store."""
    titles = [a.title for a in index.articles.values() if a.is_searchable]
    everyone = Filters(include_internal=True)
    keyword = timings(lambda title: index.keyword.search(title, 1, everyone), titles, runs)
    dimension = index.manifest["dimension"]
    vector = timings(lambda _: index.vectors.base.probe(dimension), titles, runs)
    print(
        f"\nopen-time probe: keyword query p50 {keyword['p50']:.2f} ms, "
        f"vector store (a new base store only) p50 {vector['p50']:.2f} ms"
    )


if __name__ == "__main__":
    main()
