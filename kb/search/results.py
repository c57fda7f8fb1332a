"""What a search returns: a page of results, each an article with its best section and snippet,
and what the page shows first (kb.search.answers)."""

from __future__ import annotations

import dataclasses

from kb.content.model import Article, Section


@dataclasses.dataclass(frozen=True)
class SearchResult:
    article: Article
    section: Section
    score: float
    snippet: str  # HTML: escaped text with <mark> around matched words


@dataclasses.dataclass(frozen=True)
class SearchResults:
    query: str
    mode: str
    results: list[SearchResult]
    total: int
    took_ms: float
    did_you_mean: str | None = None
    answer: SearchResult | None = None  # the instant answer (kb.search.answers)
    no_good_match: bool = False  # nothing in the help center answers the query
