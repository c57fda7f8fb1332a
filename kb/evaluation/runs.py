"""Measure search on labelled queries: BEIR folders or a query file for the knowledge base's own
content. Retrieval runs once per query; every mode and fusion setting is scored from those hits."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from kb.errors import BadRequest
from kb.evaluation.metrics import ndcg_at_k, summarise
from kb.index.loaded import LoadedIndex
from kb.search.engine import MAX_QUERY_CHARS, SearchEngine, roll_up
from kb.search.hits import Filters, Hit
from kb.search.modes import MODES, Fusion

WEIGHT_GRID = tuple(round(step * 0.05, 2) for step in range(21))


@dataclasses.dataclass(frozen=True)
class LabelledQuery:
    id: str
    text: str
    relevant: Mapping[str, int]  # article slug -> grade (> 0 is relevant)


@dataclasses.dataclass
class QueryRun:
    """The raw hits of both retrievers for one query, kept so any fusion can be scored."""

    query: LabelledQuery
    keyword_hits: list[Hit]
    vector_hits: list[Hit]


def load_query_file(path: Path) -> list[LabelledQuery]:
    """`{"query": ..., "relevant": [slugs]}` per line; a bad line is an error naming it."""
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            text, relevant = record["query"], record["relevant"]
            if not isinstance(text, str) or not isinstance(relevant, list) or not relevant:
                raise ValueError("needs a 'query' string and a non-empty 'relevant' list")
        except (ValueError, KeyError, TypeError) as error:
            raise BadRequest(f"{path}:{number}: not a labelled query ({error})") from error
        queries.append(LabelledQuery(str(number), text, {slug: 1 for slug in relevant}))
    return queries


def load_beir(folder: Path) -> tuple[list[dict], list[LabelledQuery]]:
    """Corpus documents and labelled queries of a BEIR folder, labels keyed by slug."""
    for name in ("corpus.jsonl", "queries.jsonl", "qrels.tsv"):
        if not (folder / name).exists():
            raise BadRequest(f"{folder} is not a BEIR folder: {name} is missing")
    documents = [json.loads(line) for line in _lines(folder / "corpus.jsonl")]
    slugs = document_slugs(doc["_id"] for doc in documents)
    texts = {str(q["_id"]): q["text"] for q in map(json.loads, _lines(folder / "queries.jsonl"))}
    labels: dict[str, dict[str, int]] = {}
    for number, line in enumerate(_lines(folder / "qrels.tsv")):
        query_id, doc_id, score = line.split("\t")[:3]
        if number == 0 and not score.strip().lstrip("-").isdigit():
            continue  # header
        if int(score) > 0 and doc_id in slugs:
            labels.setdefault(query_id, {})[slugs[doc_id]] = int(score)
    queries = [LabelledQuery(qid, texts[qid], rel) for qid, rel in labels.items() if qid in texts]
    return documents, queries


def document_slugs(ids: Iterable[str]) -> dict[str, str]:
    """A valid, unique article slug for each corpus id."""
    slugs: dict[str, str] = {}
    used: set[str] = set()
    for doc_id in ids:
        base = re.sub(r"[^a-z0-9._-]+", "-", str(doc_id).lower()).strip("-._") or "doc"
        slug, suffix = base, 1
        while slug in used:
            suffix += 1
            slug = f"{base}-{suffix}"
        used.add(slug)
        slugs[str(doc_id)] = slug
    return slugs


def write_corpus_as_articles(documents: Sequence[Mapping], content_dir: Path) -> None:
    """Each corpus document becomes a Markdown article: its title, its text as the body."""
    content_dir.mkdir(parents=True, exist_ok=True)
    slugs = document_slugs(doc["_id"] for doc in documents)
    for doc in documents:
        slug = slugs[str(doc["_id"])]
        meta = {"title": doc.get("title") or slug, "slug": slug}
        text = f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n{doc.get('text', '')}\n"
        path = content_dir / f"{slug}.md"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def retrieve_all(engine: SearchEngine, queries: Sequence[LabelledQuery]) -> list[QueryRun]:
    index = engine.current_index()
    runs = []
    for query in queries:
        text = query.text.strip()[:MAX_QUERY_CHARS] or "?"
        keyword_hits, vector_hits = engine.retrieve(index, text, "hybrid", Filters())
        runs.append(QueryRun(query, keyword_hits, vector_hits))
    return runs


def ranking(
    run: QueryRun, index: LoadedIndex, mode: str, fusion: str, weight: float, rrf_k: int
) -> list[str]:
    hits = MODES[mode].combine(run.keyword_hits, run.vector_hits, Fusion(fusion, weight, rrf_k))
    return [article.slug for article, _, _ in roll_up(hits, index)]


def score_modes(
    runs: Sequence[QueryRun],
    index: LoadedIndex,
    modes: Sequence[str],
    fusion: str,
    weight: float,
    rrf_k: int,
) -> dict[str, dict[str, float]]:
    labels = [run.query.relevant for run in runs]
    return {
        mode: summarise([ranking(r, index, mode, fusion, weight, rrf_k) for r in runs], labels)
        for mode in modes
    }


def tune_fusion(
    runs: Sequence[QueryRun], index: LoadedIndex, rrf_k: int
) -> list[tuple[str, float, float]]:
    """nDCG@10 of hybrid for each fusion method and semantic weight, best first."""
    labels = [run.query.relevant for run in runs]
    table = []
    for fusion in ("weighted", "rrf"):
        for weight in WEIGHT_GRID:
            rankings = [ranking(r, index, "hybrid", fusion, weight, rrf_k) for r in runs]
            table.append((fusion, weight, summarise(rankings, labels)["ndcg@10"]))
    return sorted(table, key=lambda row: (-row[2], abs(row[1] - 0.5), row[0]))


def worst_queries(
    runs: Sequence[QueryRun], index: LoadedIndex, fusion: str, weight: float, rrf_k: int, count: int
) -> list[dict[str, Any]]:
    """The queries hybrid search serves worst, with where each retriever put the right article."""
    explained: list[dict[str, Any]] = []
    for run in runs:
        found = ranking(run, index, "hybrid", fusion, weight, rrf_k)
        explained.append(
            {
                "query": run.query.text,
                "ndcg@10": ndcg_at_k(found, run.query.relevant, 10),
                "found": [(slug, index.articles[slug].title) for slug in found[:3]],
                "relevant": [
                    {
                        "slug": slug,
                        "title": index.articles[slug].title if slug in index.articles else "?",
                        "keyword": _rank_of(slug, run.keyword_hits, index),
                        "semantic": _rank_of(slug, run.vector_hits, index),
                    }
                    for slug in run.query.relevant
                ],
            }
        )
    explained.sort(key=lambda item: item["ndcg@10"])
    return explained[:count]


def _rank_of(slug: str, hits: Sequence[Hit], index: LoadedIndex) -> tuple[int, float] | None:
    """Article rank and best section score of slug in one retriever's hits."""
    seen: list[str] = []
    for hit in hits:
        article = index.sections[hit.section_id][0].slug
        if article not in seen:
            seen.append(article)
            if article == slug:
                return len(seen), round(hit.score, 4)
    return None


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
