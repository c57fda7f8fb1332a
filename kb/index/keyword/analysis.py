"""How both keyword engines read text: the same analyser, query terms and groups."""

from __future__ import annotations

from collections.abc import Sequence

from whoosh.analysis import STOP_WORDS, StemmingAnalyzer


def analyzer() -> StemmingAnalyzer:
    return StemmingAnalyzer(stoplist=frozenset(STOP_WORDS), minsize=1)


def query_terms(text: str) -> list[str]:
    """The analysed (lower-cased, stemmed, stop-word-free) terms of a query, first seen first."""
    seen: dict[str, None] = {}
    for token in analyzer()(text):
        seen.setdefault(token.text, None)
    return list(seen)


def query_groups(
    text: str, alternatives: Sequence[tuple[str, float]]
) -> list[tuple[list[str], float]]:
    """What a keyword search matches: each query term on its own (boost 1), and each
    alternative (a correction, a synonym) with its boost, all of whose terms must match."""
    groups = [([term], 1.0) for term in query_terms(text)]
    for alternative, boost in alternatives:
        terms = query_terms(alternative)
        if terms:
            groups.append((terms, boost))
    return groups
