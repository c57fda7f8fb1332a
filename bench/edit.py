"""Edit → searchable on a large generated knowledge base, without waiting an hour for the model.

    python -m bench.edit [--articles 10000] [--edits 5]

Builds the generated knowledge base with the fast hashing embedder (an edit embeds one article's
sections, well under 0.1 s with the real model, so the model is not what an edit waits for),
keeps the build cache as `kb watch` does, then edits one article at a time and times the build
and a running server's index handle loading the new generation. Then it times the vector
store's part of a search at this size (chroma's query, the edits' delta, and folding passages
into sections; the model's query embedding is timed by `python -m bench`), what searching each
store once at open costs, and last one build that compacts the edits into a new base store, as
the indexer does once they pass its limit.
"""

from __future__ import annotations

import argparse
import statistics
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
        article.write_text(article.read_text() + "\nQuokka compaction.\n")
        build_module.COMPACT_FLOOR, build_module.COMPACT_SHARE = 0, 0.0  # compact at once
        report = build_index(BuildOptions(content, data), embedder, cache=cache)
        print(f"\ncompacting build (a new base store, nothing embedded): {report.seconds:.1f} s")


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
