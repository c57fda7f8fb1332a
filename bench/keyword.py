"""The two keyword engines side by side on the same sections: index time and query latency.

    python -m bench.keyword [--articles 1000] [--runs 300]

Generates the knowledge base (seeded; no embedding needed), indexes its sections with tantivy
and with whoosh, and times the engine's own `search` (no fusion, no snippets) for short queries
and for ticket-length ones (the 24 key terms the suggestion API sends).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from bench.__main__ import SHORT_QUERIES, timings
from bench.corpus import generate_corpus
from kb.content.loading import load_content
from kb.index.keyword import create_keyword_index, open_keyword_index
from kb.search.hits import Filters
from kb.search.spelling import words
from kb.settings import KEYWORD_ENGINES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--content", type=Path, default=Path("content"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        generate_corpus(root / "content", args.articles, args.content)
        articles = [a for a in load_content(root / "content").articles if a.is_searchable]
        entries = [(a, s) for a in articles for s in a.sections]
        vocabulary = sorted({w for a in articles[:200] for w in words(a.body) if len(w) > 4})
        rng = random.Random(7)
        long_queries = [" ".join(rng.sample(vocabulary, 24)) for _ in range(20)]
        print(f"\n## Keyword engines: {len(articles):,} articles, {len(entries):,} sections\n")
        print("| engine | index s | short p50 | short p95 | 24 terms p50 | 24 terms p95 |")
        print("|---|---|---|---|---|---|")
        for engine in KEYWORD_ENGINES:
            started = time.perf_counter()
            create_keyword_index(engine, root / engine, entries)
            built = time.perf_counter() - started
            index = open_keyword_index(engine, root / engine)

            def search(query: str, index=index) -> None:
                index.search(query, 100, Filters())

            short = timings(search, SHORT_QUERIES, args.runs)
            long = timings(search, long_queries, args.runs)
            print(
                f"| {engine} | {built:.1f} | {short['p50']:.2f} | {short['p95']:.2f} | "
                f"{long['p50']:.2f} | {long['p95']:.2f} |"
            )
            index.close()


if __name__ == "__main__":
    main()
