"""What a search page and the API show first: the instant answer, and whether anything answers."""

from __future__ import annotations

from collections.abc import Sequence

from kb.search.results import SearchResult

# The fused hybrid score mapped linearly from [LOW, HIGH] to [0, 1], as agent assist does.
CONFIDENCE_LOW, CONFIDENCE_HIGH = 0.40, 0.75
# The best hit is shown as the answer itself when the search is this sure of it.
INSTANT_ANSWER_CONFIDENCE = 0.75


def confidence(score: float) -> float:
    """A result's confidence in [0, 1] from its fused score."""
    return round(
        min(1.0, max(0.0, (score - CONFIDENCE_LOW) / (CONFIDENCE_HIGH - CONFIDENCE_LOW))), 3
    )


def instant_answer(results: Sequence[SearchResult]) -> SearchResult | None:
    """The top result when the search is sure enough of it to show it as the answer."""
    if results and confidence(results[0].score) >= INSTANT_ANSWER_CONFIDENCE:
        return results[0]
    return None


def no_good_match(results: Sequence[SearchResult]) -> bool:
    """Nothing in the help center answers the query."""
    return not results
