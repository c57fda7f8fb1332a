"""What a search returns: a page of results, each an article with its best section and snippet,
and what the page shows first (kb.search.answers)."""

from __future__ import annotations

import dataclasses

from kb.content.model import Article, Section
from kb.search.answers import AnswerEvidence


@dataclasses.dataclass(frozen=True)
class SearchResult:
    article: Article
    section: Section  # the section that answers the query (kb.search.section_choice)
    score: float
    snippet: str  # HTML: escaped text with <mark> around matched words
    confidence: float = 0.0  # the probability that the article answers the query


@dataclasses.dataclass(frozen=True)
class InstantAnswer:
    """The top result, shown as the answer itself: its section answers the query."""

    result: SearchResult
    confidence: float  # the probability that this section is the one that answers


@dataclasses.dataclass(frozen=True)
class SearchResults:
    query: str
    mode: str
    results: list[SearchResult]  # this page of the results above the floor
    total: int  # results above the floor
    took_ms: float
    did_you_mean: str | None = None
    answer: InstantAnswer | None = None
    no_good_match: bool = False  # nothing passes the floor: nothing in the help center answers
    weak_matches: list[SearchResult] = dataclasses.field(default_factory=list)  # if no good match
    evidence: AnswerEvidence | None = None  # what the answer's confidence was computed from
