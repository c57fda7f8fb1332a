"""Fusing keyword and vector hit lists: pure functions over (id, score) lists.

Two methods, chosen by measurement (see README, "Search quality"):
- `weighted`: a convex combination of normalised scores (Bruch et al., 2022). Cosine similarity
  is already on a fixed scale and is used as it is (their "theoretical" normalisation); BM25 has
  no fixed scale, so each score is divided by the list's best score plus its mean score. A weak
  best keyword match then scores well below 1 instead of looking as good as a perfect one, which
  is what min-max scaling does. Measured on ../shared/eval (nDCG@10, weight 0.8): emanual-s10
  0.840 and covidfaq 0.766 against 0.797 and 0.767 for min-max on both sides.
- `rrf`: reciprocal rank fusion, which ignores scores and uses ranks only.
"""

from __future__ import annotations

from collections.abc import Sequence

from kb.search.hits import Hit


def damped(hits: Sequence[Hit]) -> dict[str, float]:
    """Divide by (best + mean): relative to the list, yet a weak best match stays below 1."""
    if not hits:
        return {}
    scores = [hit.score for hit in hits]
    scale = max(scores) + sum(scores) / len(scores)
    return {hit.section_id: hit.score / scale if scale > 0 else 0.0 for hit in hits}


def weighted_fusion(
    keyword_hits: Sequence[Hit], vector_hits: Sequence[Hit], semantic_weight: float
) -> list[Hit]:
    """Score = (1-w)·keyword + w·cosine, keyword damped (see above); absent from a list: 0."""
    keyword = damped(keyword_hits)
    vector = {hit.section_id: max(hit.score, 0.0) for hit in vector_hits}
    fused = {
        section_id: (1.0 - semantic_weight) * keyword.get(section_id, 0.0)
        + semantic_weight * vector.get(section_id, 0.0)
        for section_id in keyword.keys() | vector.keys()
    }
    return _ranked(fused)


def reciprocal_rank_fusion(
    keyword_hits: Sequence[Hit],
    vector_hits: Sequence[Hit],
    semantic_weight: float = 0.5,
    k: int = 60,
) -> list[Hit]:
    """Score = Σ weight / (k + rank); the weights are (1-w) for keyword and w for vector, doubled
    so that equal weights give the classic RRF."""
    fused: dict[str, float] = {}
    for hits, weight in ((keyword_hits, 1.0 - semantic_weight), (vector_hits, semantic_weight)):
        for rank, hit in enumerate(hits, start=1):
            fused[hit.section_id] = fused.get(hit.section_id, 0.0) + 2 * weight / (k + rank)
    return _ranked(fused)


def fuse(
    keyword_hits: Sequence[Hit],
    vector_hits: Sequence[Hit],
    method: str = "weighted",
    semantic_weight: float = 0.5,
    rrf_k: int = 60,
) -> list[Hit]:
    if method == "rrf":
        return reciprocal_rank_fusion(keyword_hits, vector_hits, semantic_weight, rrf_k)
    return weighted_fusion(keyword_hits, vector_hits, semantic_weight)


def _ranked(scores: dict[str, float]) -> list[Hit]:
    # Ties break by id so results are stable from run to run.
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [Hit(section_id, score) for section_id, score in ordered]
