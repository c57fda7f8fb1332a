"""Does adapting the model to the content (kb.index.adaptation) help search? Each set is indexed
and scored with the shipped model, then with a copy fine-tuned on that set's own content.

    python -m bench.adapt [--set /work/shared/eval/covidfaq ...] [--keep DIR]

Without --set: the demo content with tests/data/demo_sections.jsonl (document nDCG@10 and the
answer figures, tuning / held-out, with the constants fitted for the shipped model) and the two
dev sets of ../shared/eval. Takes about 10 minutes on 2 cores. With --keep, the indexes and the
adapted models stay in DIR.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from indexer import BuildOptions, build_index
from kb.content.loading import load_content
from kb.evaluation import answers, runs
from kb.index.adaptation import training_pairs
from kb.index.embeddings import MiniLMEmbedder
from kb.search.engine import open_engine
from kb.settings import Settings

REPO = Path(__file__).resolve().parent.parent
DEV_SETS = [REPO.parent / "shared" / "eval" / name for name in ("emanual-s10", "covidfaq")]
MODES = ("semantic", "hybrid")
ANSWER_FIGURES = ("section hit@1", "answer precision", "answer coverage", "false-answer rate")


def scored(content: Path, queries, data: Path, embedder, labelled: Path | None) -> dict:
    """nDCG@10 per mode (and the answer figures for a labelled file) of one index."""
    build_index(BuildOptions(content, data), embedder)
    engine = open_engine(Settings(content_dir=content, data_dir=data), embedder)
    index = engine.current_index()
    settings = engine.settings
    figures = runs.score_modes(
        runs.retrieve_all(engine, queries), index, MODES,
        settings.fusion, settings.semantic_weight, settings.rrf_k,
    )  # fmt: skip
    result = {mode: round(figures[mode]["ndcg@10"], 4) for mode in MODES}
    if labelled:
        seen = [(q, answers.observe(engine, q.text)) for q in answers.load_answer_file(labelled)]
        unanswerable = labelled.parent / "unanswerable.jsonl"
        refused = [
            (q, answers.observe(engine, q.text))
            for q in answers.load_unanswerable_file(unanswerable)
        ]
        parts = answers.figures_by_part(seen, refused)
        for name in ANSWER_FIGURES:
            result[name] = f"{parts['tuning'][name]:.3f} / {parts['held-out'][name]:.3f}"
    return result


def compare(name: str, content: Path, queries, work: Path, labelled: Path | None = None) -> None:
    """One set built and scored with the shipped model, then as `KB_EMBEDDER=minilm` builds it:
    with a copy fine-tuned on its content (the build's extra time is the fine-tune's)."""
    timed = {}
    for kind, embedder in (("shipped", MiniLMEmbedder()), ("adapted", MiniLMEmbedder(adapt=True))):
        started = time.perf_counter()
        timed[kind] = scored(content, queries, work / kind, embedder, labelled)
        timed[kind]["build and score, s"] = round(time.perf_counter() - started)
    pairs = len(training_pairs(load_content(content).articles))
    print(f"\n{name}: {len(queries)} queries; fine-tuned on {pairs} pairs")
    print("| figure | shipped model | adapted |\n|---|---|---|")
    for figure, value in timed["shipped"].items():
        print(f"| {figure} | {value} | {timed['adapted'][figure]} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, action="append", help="A BEIR folder.")
    parser.add_argument("--keep", type=Path, help="Keep the indexes and models in this folder.")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as temporary:
        work = args.keep or Path(temporary)
        if not args.set:
            labelled = REPO / "tests" / "data" / "demo_sections.jsonl"
            queries = runs.load_query_file(labelled)
            compare("demo", REPO / "content", queries, work / "demo", labelled)
        for folder in args.set or DEV_SETS:
            documents, queries = runs.load_beir(folder)
            content = work / folder.name / "content"
            runs.write_corpus_as_articles(documents, content)
            compare(folder.name, content, queries, work / folder.name)


if __name__ == "__main__":
    main()
