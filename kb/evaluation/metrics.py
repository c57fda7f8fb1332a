"""Ranking metrics as pure functions over a ranked id list and graded relevance labels."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def ndcg_at_k(ranked: Sequence[str], relevance: Mapping[str, int], k: int = 10) -> float:
    """Normalised discounted cumulative gain with linear gains (as BEIR's pytrec_eval)."""
    gains = [relevance.get(doc, 0) for doc in ranked[:k]]
    dcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains))
    ideal = sorted((g for g in relevance.values() if g > 0), reverse=True)[:k]
    idcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def mrr_at_k(ranked: Sequence[str], relevance: Mapping[str, int], k: int = 10) -> float:
    for rank, doc in enumerate(ranked[:k], start=1):
        if relevance.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def recall_at_k(ranked: Sequence[str], relevance: Mapping[str, int], k: int = 10) -> float:
    relevant = {doc for doc, grade in relevance.items() if grade > 0}
    if not relevant:
        return 0.0
    return len(relevant & set(ranked[:k])) / len(relevant)


def summarise(
    rankings: Sequence[Sequence[str]], labels: Sequence[Mapping[str, int]]
) -> dict[str, float]:
    """Mean nDCG@10, MRR@10, Recall@10 and Recall@100 over queries."""
    count = len(rankings)
    if count == 0:
        return {"ndcg@10": 0.0, "mrr@10": 0.0, "recall@10": 0.0, "recall@100": 0.0}
    pairs = list(zip(rankings, labels, strict=True))
    return {
        "ndcg@10": sum(ndcg_at_k(r, rel, 10) for r, rel in pairs) / count,
        "mrr@10": sum(mrr_at_k(r, rel, 10) for r, rel in pairs) / count,
        "recall@10": sum(recall_at_k(r, rel, 10) for r, rel in pairs) / count,
        "recall@100": sum(recall_at_k(r, rel, 100) for r, rel in pairs) / count,
    }
